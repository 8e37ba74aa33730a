/* imp-vgg-private.h: access for the engine's own tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imp-vgg.h"

G_BEGIN_DECLS

/* Bytes that the buffers of every network hold now (@live), the most they
 * held at once (@peak) and the most one network held (@largest) since the
 * last reset: a coarse-to-fine run should never hold two at once. */
void _imp_vgg_get_buffer_bytes   (guint64 *live,
                                  guint64 *peak,
                                  guint64 *largest);
void _imp_vgg_reset_buffer_peak  (void);
/* Recompute conv1_1's output at every size, not only where it is large,
 * for networks sized from now on. */
void _imp_vgg_force_recompute_first (gboolean force);

G_END_DECLS
