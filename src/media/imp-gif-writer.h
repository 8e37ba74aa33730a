/* imp-gif-writer.h: the GIF encoder of animations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imp-animation-encoder.h"

G_BEGIN_DECLS

/* An ImpAnimationEncodeFunc. */
gboolean imp_gif_writer_encode (const ImpAnimationPlan    *plan,
                                const ImpAnimationOptions *options,
                                ImpAnimationWriteFunc      write_func,
                                gpointer                   write_data,
                                GCancellable              *cancellable,
                                GError                   **error);

G_END_DECLS
