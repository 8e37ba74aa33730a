/* imp-webp-writer.h: writes recorded frames as an animated WebP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "media/imp-animation.h"

G_BEGIN_DECLS

/* See imp_animation_save_frames(), which picks this writer by extension. */
gboolean imp_webp_writer_save (GPtrArray                  *frames,
                               const char                 *path,
                               const ImpAnimationOptions  *options,
                               GCancellable               *cancellable,
                               GError                    **error);

G_END_DECLS
