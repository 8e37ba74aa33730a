/* imp-conv.h: one 3x3 convolution layer (stride 1, zero padding 1), the seam
 * behind which the convolution algorithm can change
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  IMP_CONV_ALGORITHM_AUTO,      /* the fastest one that holds for the shape */
  IMP_CONV_ALGORITHM_IM2COL,    /* plain im2col + sgemm: the reference path */
  IMP_CONV_ALGORITHM_WINOGRAD,  /* Winograd F(4x4,3x3) */
} ImpConvAlgorithm;

/* Grow-only scratch memory shared by the layers of one network, so buffers are
 * allocated once per session rather than per call. */
typedef struct
{
  float *data;
  gsize  n_floats;
} ImpScratch;

float   *imp_scratch_reserve         (ImpScratch      *scratch,
                                      gsize            n_floats);
void     imp_scratch_clear           (ImpScratch      *scratch);

/* Runs @func (index, n_threads, data) once for each index 0 .. n_threads - 1,
 * concurrently, the calling thread taking index 0; @n_threads 0 means
 * imp_parallel_n_threads (). OpenBLAS is single-threaded meanwhile: its own
 * threads, once woken, spin for tens of milliseconds after a call and took a
 * core from the next layer's threads. */
typedef void (*ImpParallelFunc) (guint    index,
                                 guint    n_threads,
                                 gpointer data);
void     imp_parallel_run            (guint            n_threads,
                                      ImpParallelFunc  func,
                                      gpointer         data);
/* The engine's thread count: what OpenBLAS is set to use
 * (openblas_set_num_threads ()), at least 1, at most 64. Callers that size
 * buffers by it pass the same count to imp_parallel_run (). */
guint    imp_parallel_n_threads      (void);

typedef struct _ImpConv ImpConv;

/* @kernel is OIHW [out, in, 3, 3], @bias [out]; both are copied or transformed,
 * the caller keeps ownership. */
ImpConv *imp_conv_new                (const float     *kernel,
                                      const float     *bias,
                                      guint            in_channels,
                                      guint            out_channels,
                                      ImpConvAlgorithm algorithm);
void     imp_conv_free               (ImpConv         *self);
guint    imp_conv_get_in_channels    (ImpConv         *self);
guint    imp_conv_get_out_channels   (ImpConv         *self);

/* output[o,y,x] = bias[o] + sum kernel[o,c,ky,kx] * input[c, y+ky-1, x+kx-1]
 * (zero outside), then max(0, .) when @relu. Planar CHW: input [in, H, W],
 * output [out, H, W]. FALSE with G_IO_ERROR_CANCELLED when cancelled between tiles. */
gboolean imp_conv_forward            (ImpConv         *self,
                                      const float     *input,
                                      guint            height,
                                      guint            width,
                                      gboolean         relu,
                                      float           *output,
                                      ImpScratch      *scratch,
                                      GCancellable    *cancellable,
                                      GError         **error);

/* Gradient w.r.t. the input of the linear part (the caller applies the ReLU mask
 * to @grad_output first): grad_input[c,y,x] = sum kernel[o,c,ky,kx] *
 * grad_output[o, y-ky+1, x-kx+1]. grad_output [out, H, W], grad_input [in, H, W]. */
gboolean imp_conv_backward_input     (ImpConv         *self,
                                      const float     *grad_output,
                                      guint            height,
                                      guint            width,
                                      float           *grad_input,
                                      ImpScratch      *scratch,
                                      GCancellable    *cancellable,
                                      GError         **error);

/* The same through the layer's ReLU: @grad_output counts only where
 * @relu_output (this layer's forward output with relu, [out, H, W]) is
 * positive. The fast path masks inside its input transform (one pass less
 * over the gradient); the plain path masks @grad_output in place, so it may
 * come back changed, and then calls imp_conv_backward_input (). */
gboolean imp_conv_backward_input_relu (ImpConv        *self,
                                       float          *grad_output,
                                       const float    *relu_output,
                                       guint           height,
                                       guint           width,
                                       float          *grad_input,
                                       ImpScratch     *scratch,
                                       GCancellable   *cancellable,
                                       GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpConv, imp_conv_free)

G_END_DECLS
