/* imp-conv-winograd.h: Winograd F(4x4,3x3), the fast path behind imp-conv.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "imp-parallel.h"
#include "imp-scratch.h"

G_BEGIN_DECLS

/* Winograd F(4x4,3x3) computes a 4x4 block of outputs from a 6x6 block of inputs
 * with 36 multiplications per channel pair instead of 144. The 36 products of all
 * tiles of a block run as 36 matrix products (an AVX2 or AVX-512 kernel
 * reading the weights in place, or sgemm without AVX2); both passes share one
 * copy of the transformed weights (the backward pass uses them transposed). */
typedef struct _ImpWinograd ImpWinograd;

/* Below this many input channels (conv1_1's 3) the 36 products are too thin
 * for sgemm and im2col is faster: IMP_CONV_ALGORITHM_AUTO keeps im2col there. */
#define IMP_WINOGRAD_MIN_IN_CHANNELS 16

/* @kernel is OIHW [out, in, 3, 3], @bias [out]; both are transformed or copied,
 * the caller keeps ownership. */
ImpWinograd *imp_winograd_new              (const float   *kernel,
                                            const float   *bias,
                                            guint          in_channels,
                                            guint          out_channels);
void         imp_winograd_free             (ImpWinograd   *self);

/* Same contract as imp_conv_forward () and imp_conv_backward_input (): each
 * of @parallel's threads takes blocks of tiles in turn. */
gboolean     imp_winograd_forward          (ImpWinograd   *self,
                                            const float   *input,
                                            guint          height,
                                            guint          width,
                                            gboolean       relu,
                                            float         *output,
                                            ImpScratch    *scratch,
                                            ImpParallel   *parallel,
                                            GCancellable  *cancellable,
                                            GError       **error);
gboolean     imp_winograd_backward_input   (ImpWinograd   *self,
                                            const float   *grad_output,
                                            guint          height,
                                            guint          width,
                                            float         *grad_input,
                                            ImpScratch    *scratch,
                                            ImpParallel   *parallel,
                                            GCancellable  *cancellable,
                                            GError       **error);

/* The backward pass through the layer's ReLU too: @grad_output counts only
 * where @relu_output (this layer's forward output, [out, H, W]) is positive.
 * Saves the separate masking pass over the gradient. */
gboolean     imp_winograd_backward_input_masked (ImpWinograd   *self,
                                                 const float   *grad_output,
                                                 const float   *relu_output,
                                                 guint          height,
                                                 guint          width,
                                                 float         *grad_input,
                                                 ImpScratch    *scratch,
                                                 ImpParallel   *parallel,
                                                 GCancellable  *cancellable,
                                                 GError       **error);

/* Floats of ImpScratch one call needs at most for any image size with
 * @n_threads threads (the blocks of tiles are bounded, not the image). */
gsize        imp_winograd_scratch_floats   (guint          in_channels,
                                            guint          out_channels,
                                            guint          n_threads);
/* Bytes of the transformed weights: 36 * in * out floats, plus the bias. */
gsize        imp_winograd_weight_bytes     (guint          in_channels,
                                            guint          out_channels);

/* For tests: TRUE runs the portable transforms even where AVX2 is available,
 * so both paths are checked on one machine. */
void         imp_winograd_force_portable   (gboolean       portable);
/* For tests: TRUE runs the AVX2 product kernel even where AVX-512 is
 * available. */
void         imp_winograd_force_avx2       (gboolean       avx2);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpWinograd, imp_winograd_free)

G_END_DECLS
