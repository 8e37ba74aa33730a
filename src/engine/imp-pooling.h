/* imp-pooling.h: 2x2 stride-2 pooling (max or average), forward and backward
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  IMP_POOL_MAX,
  IMP_POOL_AVG,
} ImpPoolKind;

/* Output size is floor(H/2) x floor(W/2): a trailing odd row or column is
 * ignored (PyTorch/Keras 'valid'). Planar CHW in and out.
 * IMP_POOL_MAX takes the window's maximum; IMP_POOL_AVG its mean, i.e. the sum
 * rescaled by 1/4 so a constant map keeps its value and activations stay on
 * the scale the following layers were trained for. */
void imp_pool_forward  (ImpPoolKind  kind,
                        const float *input,
                        guint        channels,
                        guint        height,
                        guint        width,
                        float       *output);

/* grad_input [C, H, W] (fully overwritten) from grad_output [C, H/2, W/2].
 * Max: the whole gradient goes to the first arg-max of each window in scan
 * order ((0,0), (0,1), (1,0), (1,1)), found again from @input; average: 1/4 to
 * each of the four. Ignored rows/columns get 0. @input is unused for average. */
void imp_pool_backward (ImpPoolKind  kind,
                        const float *input,
                        const float *grad_output,
                        guint        channels,
                        guint        height,
                        guint        width,
                        float       *grad_input);

/* Max pooling that also records each window's first arg-max (0..3, scan
 * order, one byte per output) so backward needs not keep @input. */
void imp_pool_forward_argmax  (const float *input,
                               guint        channels,
                               guint        height,
                               guint        width,
                               float       *output,
                               guint8      *argmax);

/* Max-pool backward from the recorded arg-max: the same result as
 * imp_pool_backward (IMP_POOL_MAX, input, ...) on the input that recorded it. */
void imp_pool_backward_argmax (const guint8 *argmax,
                               const float  *grad_output,
                               guint         channels,
                               guint         height,
                               guint         width,
                               float        *grad_input);

G_END_DECLS
