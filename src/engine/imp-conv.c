/* imp-conv.c: 3x3 convolution layers, im2col + OpenBLAS sgemm
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-conv.h"
#include "imp-conv-winograd.h"
#include "imp-relu.h"

#include <string.h>
#ifdef __SSE2__
#include <xmmintrin.h>
#endif

#include <cblas.h>

/* Upper bound of one im2col tile: large enough for sgemm to run at full speed,
 * small enough to stay bounded at any image size and to check the cancellable
 * every few milliseconds. */
#define TILE_BYTES (16u * 1024 * 1024)

struct _ImpConv
{
  guint            in_channels;
  guint            out_channels;
  ImpConvAlgorithm algorithm;
  float           *kernel;     /* [out, in * 9]: OIHW as given */
  float           *kernel_t;   /* [in, out * 9]: flipped, in/out swapped (input gradient) */
  float           *bias;       /* [out] */
  ImpWinograd     *winograd;   /* the fast path; kernel and kernel_t are then dropped */
};

/* kernel_t[c, o, 8 - k] = kernel[o, c, k] */
static float *
transpose_kernel (const float *kernel,
                  guint        in_channels,
                  guint        out_channels)
{
  float *kernel_t = g_new (float, (gsize) in_channels * out_channels * 9);

  for (guint o = 0; o < out_channels; o++)
    for (guint c = 0; c < in_channels; c++)
      for (guint k = 0; k < 9; k++)
        kernel_t[((gsize) c * out_channels + o) * 9 + (8 - k)] =
          kernel[((gsize) o * in_channels + c) * 9 + k];
  return kernel_t;
}

/* conv1_1 (3 input channels) is faster and smaller as im2col. */
static gboolean
uses_winograd (ImpConvAlgorithm algorithm,
               guint            in_channels)
{
  return algorithm == IMP_CONV_ALGORITHM_WINOGRAD ||
         (algorithm == IMP_CONV_ALGORITHM_AUTO && in_channels >= IMP_WINOGRAD_MIN_IN_CHANNELS);
}

ImpConv *
imp_conv_new (const float      *kernel,
              const float      *bias,
              guint             in_channels,
              guint             out_channels,
              ImpConvAlgorithm  algorithm)
{
  ImpConv *self;
  gsize n = (gsize) in_channels * out_channels * 9;

  g_return_val_if_fail (kernel != NULL && in_channels > 0 && out_channels > 0, NULL);

  self = g_new0 (ImpConv, 1);
  self->in_channels = in_channels;
  self->out_channels = out_channels;
  self->bias = bias ? g_memdup2 (bias, out_channels * sizeof (float))
                    : g_new0 (float, out_channels);
  if (uses_winograd (algorithm, in_channels))
    {
      /* The fast path alone keeps the weights: copies of the plain kernel
       * would be fresh pages at every session's start for nothing. */
      self->winograd = imp_winograd_new (kernel, self->bias, in_channels, out_channels);
      self->algorithm = IMP_CONV_ALGORITHM_WINOGRAD;
      return self;
    }
  self->algorithm = IMP_CONV_ALGORITHM_IM2COL;
  self->kernel = g_memdup2 (kernel, n * sizeof (float));
  self->kernel_t = transpose_kernel (kernel, in_channels, out_channels);
  return self;
}

void
imp_conv_free (ImpConv *self)
{
  if (self == NULL)
    return;
  g_free (self->kernel);
  g_free (self->kernel_t);
  g_free (self->bias);
  imp_winograd_free (self->winograd);
  g_free (self);
}

guint
imp_conv_get_in_channels (ImpConv *self)
{
  return self->in_channels;
}

guint
imp_conv_get_out_channels (ImpConv *self)
{
  return self->out_channels;
}

/* One row of the 3x3 neighbourhood, shifted by kx - 1 with zero padding. */
static inline void
shift_row (float       *dst,
           const float *src,
           guint        width,
           guint        kx)
{
  if (kx == 1)
    memcpy (dst, src, width * sizeof (float));
  else if (kx == 0)
    {
      dst[0] = 0.f;
      memcpy (dst + 1, src, (width - 1) * sizeof (float));
    }
  else
    {
      memcpy (dst, src + 1, (width - 1) * sizeof (float));
      dst[width - 1] = 0.f;
    }
}

/* col[(c*9 + ky*3 + kx), (y - y0)*W + x] = input[c, y+ky-1, x+kx-1] for rows y0..y1-1. */
static void
im2col_rows (const float *input,
             guint        channels,
             guint        height,
             guint        width,
             guint        y0,
             guint        y1,
             float       *col)
{
  gsize tile = (gsize) (y1 - y0) * width;

  for (guint c = 0; c < channels; c++)
    for (guint ky = 0; ky < 3; ky++)
      for (guint kx = 0; kx < 3; kx++)
        {
          float *dst = col + ((gsize) c * 9 + ky * 3 + kx) * tile;
          for (guint y = y0; y < y1; y++, dst += width)
            {
              int iy = (int) y + (int) ky - 1;
              if (iy < 0 || iy >= (int) height)
                memset (dst, 0, width * sizeof (float));
              else
                shift_row (dst, input + ((gsize) c * height + (guint) iy) * width, width, kx);
            }
        }
}

/* p[i] = max (p[i] + bias, 0). Four lanes at a time: the compiler kept the
 * conditional a branch per float, mispredicted on every sign change (most
 * of conv1_1's forward time on a photo's noise). */
static void
bias_relu (float  *p,
           float   bias,
           gsize   n)
{
  gsize i = 0;

#ifdef __SSE2__
  __m128 b = _mm_set1_ps (bias), zero = _mm_setzero_ps ();

  for (; i + 4 <= n; i += 4)
    _mm_storeu_ps (p + i, _mm_max_ps (_mm_add_ps (_mm_loadu_ps (p + i), b), zero));
#endif
  for (; i < n; i++)
    {
      float v = p[i] + bias;
      p[i] = v > 0.f ? v : 0.f;
    }
}

static void
bias_relu_rows (float       *output,
                const float *bias,
                guint        channels,
                gsize        plane,
                gsize        offset,
                gsize        n,
                gboolean     relu)
{
  for (guint o = 0; o < channels; o++)
    {
      float *p = output + o * plane + offset;

      if (relu)
        bias_relu (p, bias[o], n);
      else
        for (gsize i = 0; i < n; i++)
          p[i] += bias[o];
    }
}

/* One im2col-path call split over the threads by image rows, each with its
 * own tile of the scratch. */
typedef struct
{
  const float  *weights;     /* [rows of the product, k] */
  guint         k_in;
  guint         k_out;
  const float  *bias;
  gboolean      relu;
  const float  *input;
  guint         height;
  guint         width;
  float        *output;
  float        *scratch;
  guint         rows;        /* image rows a tile */
  GCancellable *cancellable;
  gint          cancelled;   /* atomic */
} Im2colJob;

static void
thread_rows (const Im2colJob *job,
             guint            t,
             guint            k,
             guint           *y0,
             guint           *y1)
{
  *y0 = (guint) imp_parallel_split (job->height, t, k);
  *y1 = (guint) imp_parallel_split (job->height, t + 1, k);
}

static gboolean
job_cancelled (Im2colJob *job)
{
  if (g_cancellable_is_cancelled (job->cancellable))
    g_atomic_int_set (&job->cancelled, TRUE);
  return g_atomic_int_get (&job->cancelled);
}

/* output[k_out, H, W] = weights[k_out, k_in*9] * im2col(input), tile by tile. */
static void
im2col_part (guint    t,
             guint    k,
             gpointer data)
{
  Im2colJob *job = data;
  guint width = job->width, first, last;
  gsize row_floats = (gsize) job->k_in * 9 * width, plane = (gsize) job->height * width;
  float *col = job->scratch + t * row_floats * job->rows;

  thread_rows (job, t, k, &first, &last);
  for (guint y0 = first; y0 < last && !job_cancelled (job); y0 += job->rows)
    {
      guint y1 = MIN (y0 + job->rows, last);
      gsize n = (gsize) (y1 - y0) * width;

      im2col_rows (job->input, job->k_in, job->height, width, y0, y1, col);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans,
                   (int) job->k_out, (int) n, (int) (job->k_in * 9),
                   1.f, job->weights, (int) (job->k_in * 9), col, (int) n,
                   0.f, job->output + (gsize) y0 * width, (int) plane);
      if (job->bias != NULL)
        bias_relu_rows (job->output, job->bias, job->k_out, plane, (gsize) y0 * width, n,
                        job->relu);
    }
}

/* Rows of a tile: at most TILE_BYTES of im2col over all threads (unless one
 * row is larger), and every thread gets some. */
static guint
tile_rows (gsize row_floats,
           guint height,
           guint n_threads)
{
  guint rows = (guint) CLAMP (TILE_BYTES / sizeof (float) / row_floats / n_threads, 1, height);

  return MAX (1, MIN (rows, (height + n_threads - 1) / n_threads));
}

static gboolean
conv_im2col (const float   *weights,
             guint          k_in,
             guint          k_out,
             const float   *bias,
             gboolean       relu,
             const float   *input,
             guint          height,
             guint          width,
             float         *output,
             ImpScratch    *scratch,
             ImpParallel   *parallel,
             GCancellable  *cancellable,
             GError       **error)
{
  guint n_threads = imp_parallel_get_n_threads (parallel);
  gsize row_floats = (gsize) k_in * 9 * width;
  Im2colJob job = { weights, k_in, k_out, bias, relu, input, height, width, output, NULL,
                    tile_rows (row_floats, height, n_threads), cancellable, FALSE };

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  job.scratch = imp_scratch_reserve (scratch, row_floats * job.rows * n_threads);
  imp_parallel_run (parallel, n_threads, im2col_part, &job);
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* grad_input[c, y+ky-1, x+kx-1] += dcol[(c*9 + ky*3 + kx), (y - y0)*W + x],
 * only into the rows lo..hi-1 of grad_input (the calling thread's own). */
static void
col2im_add_rows (const float *dcol,
                 guint        channels,
                 guint        height,
                 guint        width,
                 guint        y0,
                 guint        y1,
                 guint        lo,
                 guint        hi,
                 float       *grad_input)
{
  gsize tile = (gsize) (y1 - y0) * width;

  for (guint c = 0; c < channels; c++)
    for (guint ky = 0; ky < 3; ky++)
      for (guint kx = 0; kx < 3; kx++)
        {
          const float *src = dcol + ((gsize) c * 9 + ky * 3 + kx) * tile;
          for (guint y = y0; y < y1; y++, src += width)
            {
              int iy = (int) y + (int) ky - 1;
              float *dst;
              guint x0 = kx == 0 ? 1 : 0, x1 = kx == 2 ? width - 1 : width;
              if (iy < (int) lo || iy >= (int) hi)
                continue;
              dst = grad_input + ((gsize) c * height + (guint) iy) * width + kx - 1;
              for (guint x = x0; x < x1; x++)
                dst[x] += src[x];
            }
        }
}

/* A thread's rows first..last-1 of grad_input: zeroed, then the tiles of
 * grad_output rows first-1..last (the 3x3 neighbourhood reaches one row
 * across) added in. */
static void
col2im_part (guint    t,
             guint    k,
             gpointer data)
{
  Im2colJob *job = data;
  guint width = job->width, height = job->height, first, last;
  gsize plane = (gsize) height * width, kk = (gsize) job->k_in * 9;
  float *dcol = job->scratch + t * kk * width * job->rows;

  thread_rows (job, t, k, &first, &last);
  if (first >= last)
    return;
  for (guint c = 0; c < job->k_in; c++)
    memset (job->output + c * plane + (gsize) first * width, 0,
            (gsize) (last - first) * width * sizeof (float));
  for (guint y0 = first > 0 ? first - 1 : 0; y0 < MIN (last + 1, height) && !job_cancelled (job);
       y0 += job->rows)
    {
      guint y1 = MIN (y0 + job->rows, MIN (last + 1, height));
      gsize n = (gsize) (y1 - y0) * width;

      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans,
                   (int) kk, (int) n, (int) job->k_out,
                   1.f, job->weights, (int) kk, job->input + (gsize) y0 * width, (int) plane,
                   0.f, dcol, (int) n);
      col2im_add_rows (dcol, job->k_in, height, width, y0, y1, first, last, job->output);
    }
}

/* Input gradient as col2im (Wᵀ · dY): cheaper than the transposed convolution
 * when the layer widens (conv1_1: 27 rows of dcol instead of 576 of im2col). */
static gboolean
backward_col2im (ImpConv       *self,
                 const float   *grad_output,
                 guint          height,
                 guint          width,
                 float         *grad_input,
                 ImpScratch    *scratch,
                 ImpParallel   *parallel,
                 GCancellable  *cancellable,
                 GError       **error)
{
  guint n_threads = imp_parallel_get_n_threads (parallel);
  gsize row_floats = (gsize) self->in_channels * 9 * width;
  /* here k_in is the gradient's (input) channels, k_out the layer's outputs */
  Im2colJob job = { self->kernel, self->in_channels, self->out_channels, NULL, FALSE,
                    grad_output, height, width, grad_input, NULL,
                    tile_rows (row_floats, height, n_threads), cancellable, FALSE };

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  job.scratch = imp_scratch_reserve (scratch, row_floats * job.rows * n_threads);
  imp_parallel_run (parallel, n_threads, col2im_part, &job);
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

gboolean
imp_conv_forward (ImpConv       *self,
                  const float   *input,
                  guint          height,
                  guint          width,
                  gboolean       relu,
                  float         *output,
                  ImpScratch    *scratch,
                  ImpParallel   *parallel,
                  GCancellable  *cancellable,
                  GError       **error)
{
  ImpScratch local = { NULL, 0 };
  gboolean ok;

  g_return_val_if_fail (self != NULL && height > 0 && width > 0, FALSE);
  if (self->winograd != NULL)
    ok = imp_winograd_forward (self->winograd, input, height, width, relu, output,
                               scratch ? scratch : &local, parallel, cancellable, error);
  else
    ok = conv_im2col (self->kernel, self->in_channels, self->out_channels, self->bias, relu,
                      input, height, width, output, scratch ? scratch : &local, parallel,
                      cancellable, error);
  imp_scratch_clear (&local);
  return ok;
}

gboolean
imp_conv_backward_input (ImpConv       *self,
                         const float   *grad_output,
                         guint          height,
                         guint          width,
                         float         *grad_input,
                         ImpScratch    *scratch,
                         ImpParallel   *parallel,
                         GCancellable  *cancellable,
                         GError       **error)
{
  ImpScratch local = { NULL, 0 };
  gboolean ok;

  g_return_val_if_fail (self != NULL && height > 0 && width > 0, FALSE);
  if (self->winograd != NULL)
    ok = imp_winograd_backward_input (self->winograd, grad_output, height, width, grad_input,
                                      scratch ? scratch : &local, parallel, cancellable, error);
  else if (self->in_channels < self->out_channels)
    ok = backward_col2im (self, grad_output, height, width, grad_input,
                          scratch ? scratch : &local, parallel, cancellable, error);
  else
    /* The transposed convolution is a plain 3x3 correlation with kernel_t. */
    ok = conv_im2col (self->kernel_t, self->out_channels, self->in_channels, NULL, FALSE,
                      grad_output, height, width, grad_input, scratch ? scratch : &local,
                      parallel, cancellable, error);
  imp_scratch_clear (&local);
  return ok;
}

typedef struct
{
  float       *grad;
  const float *act;
  gsize        n;
} MaskJob;

static void
relu_mask_part (guint    t,
                guint    k,
                gpointer data)
{
  const MaskJob *job = data;
  gsize i0 = imp_parallel_split (job->n, t, k), i1 = imp_parallel_split (job->n, t + 1, k);

  imp_relu_mask_by_output (job->grad + i0, job->act + i0, i1 - i0);
}

static void
relu_mask (float       *grad,
           const float *act,
           gsize        n,
           ImpParallel *parallel)
{
  MaskJob job = { grad, act, n };

  imp_parallel_run (parallel, 0, relu_mask_part, &job);
}

gboolean
imp_conv_backward_input_relu (ImpConv       *self,
                              float         *grad_output,
                              const float   *relu_output,
                              guint          height,
                              guint          width,
                              float         *grad_input,
                              ImpScratch    *scratch,
                              ImpParallel   *parallel,
                              GCancellable  *cancellable,
                              GError       **error)
{
  ImpScratch local = { NULL, 0 };
  gboolean ok;

  g_return_val_if_fail (self != NULL && height > 0 && width > 0, FALSE);
  if (self->winograd == NULL)
    {
      relu_mask (grad_output, relu_output, (gsize) self->out_channels * height * width,
                 parallel);
      return imp_conv_backward_input (self, grad_output, height, width, grad_input, scratch,
                                      parallel, cancellable, error);
    }
  ok = imp_winograd_backward_input_masked (self->winograd, grad_output, relu_output, height,
                                           width, grad_input, scratch ? scratch : &local,
                                           parallel, cancellable, error);
  imp_scratch_clear (&local);
  return ok;
}

guint64
imp_conv_estimate_bytes (guint             in_channels,
                         guint             out_channels,
                         ImpConvAlgorithm  algorithm,
                         guint             width,
                         guint             n_threads,
                         guint64          *scratch_bytes)
{
  guint n = MAX (n_threads, 1);
  guint64 bias = (guint64) out_channels * sizeof (float);

  if (uses_winograd (algorithm, in_channels))
    {
      *scratch_bytes = (guint64) imp_winograd_scratch_floats (in_channels, out_channels, n) *
                       sizeof (float);
      return imp_winograd_weight_bytes (in_channels, out_channels) + bias;
    }
  /* Every im2col call tiles rows of at most in_channels * 9 floats a pixel
   * (the input gradient's too): TILE_BYTES in all, or one row a thread. */
  *scratch_bytes = MAX ((guint64) TILE_BYTES,
                        (guint64) 9 * in_channels * width * sizeof (float) * n);
  /* kernel, transposed kernel, bias */
  return (guint64) 2 * in_channels * out_channels * 9 * sizeof (float) + bias;
}
