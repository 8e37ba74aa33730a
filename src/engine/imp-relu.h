/* imp-relu.h: the ReLU's gradient masks, from its output or from packed bits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* grad[i] = 0 where act[i] is not positive: @act is the ReLU's output
 * max(0, z), positive exactly where z is. */
void imp_relu_mask_by_output (float        *grad,
                              const float  *act,
                              gsize         n);

/* Bit i of @mask (LSB first, eight outputs a byte) = act[i] > 0: what
 * backward needs of a layer whose output is not kept. */
void imp_relu_pack_mask      (const float  *act,
                              gsize         n,
                              guint8       *mask);

/* grad[i] = 0 where bit i of @mask is clear. */
void imp_relu_apply_mask     (float        *grad,
                              const guint8 *mask,
                              gsize         n);

G_END_DECLS
