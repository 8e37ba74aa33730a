/* imp-conv-winograd.c: Winograd F(4x4,3x3) for VGG's 3x3 convolutions, the
 * driver and the portable kernels
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Forward: for every 4x4 output tile, the 6x6 input patch d of each channel is
 * transformed to V = Bt d B, the kernels were transformed once to U = G g Gt, and
 * the 36 positions xi of the 6x6 transform domain each become one product
 * M[xi] (out x tiles) = U[xi] (out x in) . V[xi] (in x tiles); the output tile
 * is At M A. That is 36 multiplies per channel pair and tile instead of 144 (4x
 * fewer). The transforms work on blocks of tiles small enough for V and M to
 * stay near the cache. Where the processor has AVX2 and FMA, the transforms
 * take 8 tiles a vector and the products run in a kernel of our own on U as
 * it lies (imp-conv-winograd-avx2.c, its rows with AVX-512F where there is
 * that: imp-conv-winograd-avx512.c); elsewhere the portable transforms below
 * and single-threaded sgemm do. The pool's threads take blocks from a shared
 * counter.
 *
 * In float32 the results stay within 1e-3 of the im2col path's largest
 * magnitude (tests/engine/test-conv-fast.c; measured figures in
 * docs/engine-tuning.md).
 *
 * Backward (input gradient): spatially flipping the data turns the transposed
 * convolution back into a correlation with the same, unflipped kernel and in/out
 * swapped: grad_in = flip (corr (flip (grad_out), K with in/out swapped)). So the
 * backward pass is the forward machinery with U[xi] read transposed and the
 * flips folded into the patch loads and stores: no second copy of the weights.
 *
 * Matrices (Lavin & Gray 2015, interpolation points 0, 1, -1, 2, -2, inf).
 */

#include "config.h"

#include "imp-conv-winograd.h"
#include "imp-conv-winograd-private.h"

#include <cblas.h>
#include <stdlib.h>
#include <sys/mman.h>

/* Per-thread V+M budget: enough for the 512-channel layers to have blocks of
 * MAX_BLOCK tiles, so their weights are streamed once a block. */
#define BLOCK_FLOATS (1u << 23)
#define MIN_BLOCK 32
/* V stays near L2 (larger blocks cost more, not less). */
#define MAX_BLOCK 128
/* The most channels V or M holds interleaved (cell ()). */
#define MAX_INTERLEAVED_CHANNELS 128

static gint force_portable;   /* tests: run the portable transforms */
static gint force_avx2;       /* tests: the AVX2 product kernel even with AVX-512 */

struct _ImpWinograd
{
  guint  in_channels;
  guint  out_channels;
  float *weights;   /* [36][out][in] */
  float *bias;      /* [out] */
};

/* Kernels transformed at once, as a structure of arrays: the compiler
 * vectorises the same arithmetic across them. */
#define PREP_LANES 64

/* u[i * stride] = (G g)[i] for PREP_LANES 1-D kernels g0, g1, g2; products by
 * reciprocals, not divisions: a network has millions of kernels to transform
 * at session start. */
static inline void
kernel_transform_1d (const double *restrict g0,
                     const double *restrict g1,
                     const double *restrict g2,
                     double       *restrict u,
                     gsize                  stride)
{
  const double sixth = 1.0 / 6.0, twelfth = 1.0 / 12.0, tw4th = 1.0 / 24.0;

  for (guint k = 0; k < PREP_LANES; k++)
    {
      u[k] = g0[k] * 0.25;
      u[stride + k] = -(g0[k] + g1[k] + g2[k]) * sixth;
      u[2 * stride + k] = -(g0[k] - g1[k] + g2[k]) * sixth;
      u[3 * stride + k] = g0[k] * tw4th + g1[k] * twelfth + g2[k] * sixth;
      u[4 * stride + k] = g0[k] * tw4th - g1[k] * twelfth + g2[k] * sixth;
      u[5 * stride + k] = g2[k];
    }
}

/* U = G g Gt for @n <= PREP_LANES 3x3 kernels, in double so the weights add
 * no rounding; out[xi][k] is kernel k's value at position xi. */
static void
kernel_transform (const float *kernels,
                  gsize        n,
                  float        out[NXI][PREP_LANES])
{
  double g[9][PREP_LANES], rows[3][6][PREP_LANES], u[NXI][PREP_LANES];

  for (guint t = 0; t < 9; t++)
    for (gsize k = 0; k < PREP_LANES; k++)
      g[t][k] = k < n ? kernels[k * 9 + t] : 0.0;
  for (guint i = 0; i < 3; i++)
    kernel_transform_1d (g[i * 3], g[i * 3 + 1], g[i * 3 + 2], rows[i][0], PREP_LANES);
  for (guint j = 0; j < 6; j++)
    kernel_transform_1d (rows[0][j], rows[1][j], rows[2][j], u[j], 6 * PREP_LANES);
  for (guint xi = 0; xi < NXI; xi++)
    for (gsize k = 0; k < PREP_LANES; k++)
      out[xi][k] = (float) u[xi][k];
}

/* The transformed weights are mapped on their own: from malloc, layers
 * prepared on pool threads would stay in those threads' arenas after being
 * freed. Ordinary pages, not huge ones: the kernel zeroes huge pages slowly
 * on the first touch in a fresh process, and the weights are streamed once
 * touched, where small pages cost nothing. */
static float *
map_weights (gsize n_floats)
{
  void *p = mmap (NULL, MAX (n_floats, 1) * sizeof (float), PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  if (p == MAP_FAILED)
    g_error ("out of memory mapping %" G_GSIZE_FORMAT " floats", n_floats);
  return p;
}

ImpWinograd *
imp_winograd_new (const float *kernel,
                  const float *bias,
                  guint        in_channels,
                  guint        out_channels)
{
  ImpWinograd *self;
  gsize plane = (gsize) out_channels * in_channels;

  g_return_val_if_fail (kernel != NULL && bias != NULL, NULL);
  g_return_val_if_fail (in_channels > 0 && out_channels > 0, NULL);

  self = g_new0 (ImpWinograd, 1);
  self->in_channels = in_channels;
  self->out_channels = out_channels;
  self->weights = map_weights (NXI * plane);
  self->bias = g_memdup2 (bias, out_channels * sizeof (float));

  /* In chunks, so each of the 36 planes (a large power of two apart: the
   * same cache sets) gets whole cache lines at a time. */
  for (gsize oc0 = 0; oc0 < plane; oc0 += PREP_LANES)
    {
      gsize n = MIN (PREP_LANES, plane - oc0);
      float chunk[NXI][PREP_LANES];

      kernel_transform (kernel + oc0 * 9, n, chunk);
      for (guint xi = 0; xi < NXI; xi++)
        memcpy (self->weights + xi * plane + oc0, chunk[xi], n * sizeof (float));
    }
  return self;
}

void
imp_winograd_free (ImpWinograd *self)
{
  if (self == NULL)
    return;
  munmap (self->weights, MAX (NXI * self->in_channels * self->out_channels, 1) * sizeof (float));
  g_free (self->bias);
  g_free (self);
}

void
imp_winograd_force_portable (gboolean portable)
{
  g_atomic_int_set (&force_portable, portable);
}

void
imp_winograd_force_avx2 (gboolean avx2)
{
  g_atomic_int_set (&force_avx2, avx2);
}

gsize
imp_winograd_weight_bytes (guint in_channels,
                           guint out_channels)
{
  return ((gsize) NXI * in_channels * out_channels + out_channels) * sizeof (float);
}

static guint
block_tiles (guint in_channels,
             guint out_channels)
{
  guint block = BLOCK_FLOATS / (NXI * (in_channels + out_channels));

  block = CLAMP (block, MIN_BLOCK, MAX_BLOCK);
  return block & ~15u;
}

/* V or M of one block of up to @block tiles in either layout (cell ()). */
static gsize
block_floats (guint channels,
              guint block)
{
  return (gsize) channels * ((block + 15) / 16) * ROW_FLOATS + NXI * PLANE_PAD;
}

gsize
imp_winograd_scratch_floats (guint in_channels,
                             guint out_channels,
                             guint n_threads)
{
  gsize block = block_tiles (in_channels, out_channels);

  return (gsize) MAX (n_threads, 1)
         * (block_floats (in_channels, block) + block_floats (out_channels, block));
}

/* V = Bt d B, rows then columns; out is written with stride @stride. */
static void
input_transform (const float d[NXI],
                 float      *out,
                 gsize       stride)
{
  float t[NXI];

  for (guint j = 0; j < PATCH; j++)
    {
      const float *c = d + j;
      float d0 = c[0], d1 = c[6], d2 = c[12], d3 = c[18], d4 = c[24], d5 = c[30];

      t[0 * 6 + j] = 4.0f * d0 - 5.0f * d2 + d4;
      t[1 * 6 + j] = -4.0f * (d1 + d2) + d3 + d4;
      t[2 * 6 + j] = 4.0f * (d1 - d2) - d3 + d4;
      t[3 * 6 + j] = 2.0f * (d3 - d1) - d2 + d4;
      t[4 * 6 + j] = 2.0f * (d1 - d3) - d2 + d4;
      t[5 * 6 + j] = 4.0f * d1 - 5.0f * d3 + d5;
    }
  for (guint i = 0; i < PATCH; i++)
    {
      const float *r = t + i * 6;
      float *o = out + i * 6 * stride;
      float d0 = r[0], d1 = r[1], d2 = r[2], d3 = r[3], d4 = r[4], d5 = r[5];

      o[0 * stride] = 4.0f * d0 - 5.0f * d2 + d4;
      o[1 * stride] = -4.0f * (d1 + d2) + d3 + d4;
      o[2 * stride] = 4.0f * (d1 - d2) - d3 + d4;
      o[3 * stride] = 2.0f * (d3 - d1) - d2 + d4;
      o[4 * stride] = 2.0f * (d1 - d3) - d2 + d4;
      o[5 * stride] = 4.0f * d1 - 5.0f * d3 + d5;
    }
}

/* Y = At m A (4x4) from the 36 values at @m with stride @stride. */
static void
output_transform (const float *m,
                  gsize        stride,
                  float        y[TILE * TILE])
{
  float t[TILE * PATCH];

  for (guint j = 0; j < PATCH; j++)
    {
      float m0 = m[(0 * 6 + j) * stride], m1 = m[(1 * 6 + j) * stride];
      float m2 = m[(2 * 6 + j) * stride], m3 = m[(3 * 6 + j) * stride];
      float m4 = m[(4 * 6 + j) * stride], m5 = m[(5 * 6 + j) * stride];
      float a = m1 + m2, b = m1 - m2, c = m3 + m4, e = m3 - m4;

      t[0 * 6 + j] = m0 + a + c;
      t[1 * 6 + j] = b + 2.0f * e;
      t[2 * 6 + j] = a + 4.0f * c;
      t[3 * 6 + j] = b + 8.0f * e + m5;
    }
  for (guint i = 0; i < TILE; i++)
    {
      const float *r = t + i * 6;
      float a = r[1] + r[2], b = r[1] - r[2], c = r[3] + r[4], e = r[3] - r[4];

      y[i * 4 + 0] = r[0] + a + c;
      y[i * 4 + 1] = b + 2.0f * e;
      y[i * 4 + 2] = a + 4.0f * c;
      y[i * 4 + 3] = b + 8.0f * e + r[5];
    }
}

/* V[xi][c][k] for the tiles t0 + k, k in [first, n), of every source channel;
 * rows of V are @ld >= n floats apart. */
static void
transform_inputs (const WinoJob *job,
                  guint          t0,
                  guint          first,
                  guint          n,
                  gsize          ld,
                  float         *v)
{
  gsize plane = (gsize) job->height * job->width;
  gsize stride = position_stride (job->v_layout, job->src_channels, ld);

  for (guint c = 0; c < job->src_channels; c++)
    {
      const float *src = job->src + c * plane;
      const float *mask = job->mask != NULL ? job->mask + c * plane : NULL;

      for (guint k = first; k < n; k++)
        {
          guint t = t0 + k;
          int ty = t / job->tiles_w, tx = t % job->tiles_w;
          float d[NXI];

          load_patch (job, src, mask, ty * TILE - 1, tx * TILE - 1, d);
          input_transform (d, v + cell (job->v_layout, job->src_channels, c, k, ld), stride);
        }
    }
}


/* The output channels of @block, its tiles k in [first, n). */
static void
transform_outputs (const WinoJob   *job,
                   const WinoBlock *block,
                   guint            first,
                   const float     *m)
{
  gsize plane = (gsize) job->height * job->width;
  gsize stride = position_stride (job->m_layout, job->dst_channels, block->ld);
  guint t0 = block->t0, n = block->n;
  gsize ld = block->ld;

  for (guint o = block->out_first; o < block->out_end; o++)
    {
      float *dst = job->dst + o * plane;
      float bias = job->bias != NULL ? job->bias[o] : 0.0f;

      for (guint k = first; k < n; k++)
        {
          guint t = t0 + k;
          float y[TILE * TILE];

          output_transform (m + cell (job->m_layout, job->dst_channels, o, k, ld), stride, y);
          store_tile (job, dst, bias, (t / job->tiles_w) * TILE,
                      (t % job->tiles_w) * TILE, y);
        }
    }
}

#ifdef IMP_WINOGRAD_X86

static gboolean
simd_supported (void)
{
  return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
}

static gboolean
avx512_supported (void)
{
  return __builtin_cpu_supports ("avx512f");
}

#else /* the x86-64 kernels are not built */

static gboolean
simd_supported (void)
{
  return FALSE;
}

static gboolean
avx512_supported (void)
{
  return FALSE;
}

#define _imp_winograd_transform_inputs_avx2(job, t0, n, ld, v) g_assert_not_reached ()
#define _imp_winograd_transform_outputs_avx2(job, t0, n, ld, m) g_assert_not_reached ()
#define _imp_winograd_multiply_avx2(job, u, v, m, cols) g_assert_not_reached ()

#endif

/* Full groups of 8 tiles through SIMD when the processor has it, the rest (and
 * everything without it) tile by tile; both sides split the block the same way.
 * The SIMD product reads whole panels of 16 tiles (@ld is n rounded up to 16),
 * so the columns past n are zeroed. */
static void
transform_block_inputs (const WinoJob   *job,
                        const WinoBlock *block,
                        float           *v)
{
  guint t0 = block->t0, n = block->n, first = job->simd ? n & ~7u : 0;
  gsize ld = block->ld;

  if (job->simd)
    _imp_winograd_transform_inputs_avx2 (job, t0, n, ld, v);
  transform_inputs (job, t0, first, n, ld, v);
  if (job->simd && ld > n)
    {
      gsize stride = position_stride (job->v_layout, job->src_channels, ld);

      for (guint xi = 0; xi < NXI; xi++)
        for (guint c = 0; c < job->src_channels; c++)
          for (guint k = n; k < ld; k++)
            v[xi * stride + cell (job->v_layout, job->src_channels, c, k, ld)] = 0.0f;
    }
}

static void
transform_block_outputs (const WinoJob   *job,
                         const WinoBlock *block,
                         const float     *m)
{
  guint first = job->simd ? block->n & ~7u : 0;

  if (job->simd)
    _imp_winograd_transform_outputs_avx2 (job, block, m);
  transform_outputs (job, block, first, m);
}

/* The 36 products of one block, the rows of its output channels: forward
 * M = U . V, backward M = Ut . V. */
static void
multiply (const WinoJob   *job,
          const WinoBlock *block,
          const float     *v,
          float           *m)
{
  gsize ld = block->ld;
  gsize src_size = position_stride (job->v_layout, job->src_channels, ld);
  gsize dst_size = position_stride (job->m_layout, job->dst_channels, ld);
  gsize w_size = (gsize) job->src_channels * job->dst_channels;
  guint o0 = block->out_first, rows = block->out_end - block->out_first;

  for (guint xi = 0; xi < NXI; xi++)
    {
      const float *u = job->weights + xi * w_size;
      float *mx = m + xi * dst_size;

      if (job->simd)
        _imp_winograd_multiply_avx2 (job, block, u, v + xi * src_size, mx);
      else if (job->backward)
        cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans,
                     rows, block->n, job->src_channels, 1.0f,
                     u + o0, job->dst_channels, v + xi * src_size, ld,
                     0.0f, mx + o0 * ld, ld);
      else
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans,
                     rows, block->n, job->src_channels, 1.0f,
                     u + (gsize) o0 * job->src_channels, job->src_channels,
                     v + xi * src_size, ld, 0.0f, mx + o0 * ld, ld);
    }
}

/* One block, its thread's CPU seconds added to @cpu: [0] the transforms,
 * [1] the products. */
static void
run_block_timed (const WinoJob   *job,
                 const WinoBlock *block,
                 float           *v,
                 float           *m,
                 double          *cpu)
{
  double start = imp_profile_thread_cpu (), transformed, multiplied;

  transform_block_inputs (job, block, v);
  transformed = imp_profile_thread_cpu ();
  multiply (job, block, v, m);
  multiplied = imp_profile_thread_cpu ();
  transform_block_outputs (job, block, m);
  cpu[0] += transformed - start + imp_profile_thread_cpu () - multiplied;
  cpu[1] += multiplied - transformed;
}

/* Block @b's tiles and output channels (plan_blocks ()). */
static void
block_range (const WinoJob *job,
             guint          b,
             WinoBlock     *block)
{
  guint part = b % job->out_parts;
  /* the output channels in whole rows of the product kernel */
  gsize row_groups = (job->dst_channels + KROWS - 1) / KROWS;

  block->t0 = b / job->out_parts * job->block;
  block->n = MIN (job->block, job->n_tiles - block->t0);
  block->ld = job->simd ? (block->n + 15) & ~15u : block->n;
  block->out_first = MIN (imp_parallel_split (row_groups, part, job->out_parts) * KROWS,
                          job->dst_channels);
  block->out_end = MIN (imp_parallel_split (row_groups, part + 1, job->out_parts) * KROWS,
                        job->dst_channels);
}

/* One thread's share: blocks taken in turn until none is left. */
static void
worker_run (guint    index,
            guint    n_threads G_GNUC_UNUSED,
            gpointer data)
{
  WinoJob *job = data;
  float *v = job->scratch + index * job->scratch_per_thread;
  float *m = v + block_floats (job->src_channels, job->block);

  for (;;)
    {
      guint b = g_atomic_int_add (&job->next_block, 1);
      WinoBlock block;

      if (b >= job->n_blocks || g_atomic_int_get (&job->cancelled))
        break;
      if (g_cancellable_is_cancelled (job->cancellable))
        {
          g_atomic_int_set (&job->cancelled, TRUE);
          break;
        }
      block_range (job, b, &block);
      if (job->cpu != NULL)
        run_block_timed (job, &block, v, m, job->cpu + 2 * index);
      else
        {
          transform_block_inputs (job, &block, v);
          multiply (job, &block, v, m);
          transform_block_outputs (job, &block, m);
        }
    }
}

/* The blocks on @n_threads threads, the threads' time in the transforms and
 * the products added to the profiled pass. */
static void
run_timed (WinoJob        *job,
           ImpParallel    *parallel,
           guint           n_threads,
           ImpProfileConv *pass)
{
  double cpu[2 * IMP_PARALLEL_MAX_THREADS] = { 0 };

  job->cpu = cpu;
  imp_parallel_run (parallel, n_threads, worker_run, job);
  job->cpu = NULL;
  for (guint t = 0; t < n_threads; t++)
    {
      pass->transform_cpu_seconds += cpu[2 * t];
      pass->product_cpu_seconds += cpu[2 * t + 1];
    }
}

static void
run_profiled (WinoJob     *job,
              ImpParallel *parallel,
              guint        n_threads)
{
  ImpProfile *profile = imp_parallel_get_profile (parallel);

  if (profile != NULL && profile->active != NULL)
    run_timed (job, parallel, n_threads, profile->active);
  else
    imp_parallel_run (parallel, n_threads, worker_run, job);
}

/* V or M with @channels rows: interleaved where there are few, in planes
 * where a panel of many channels interleaved would span more pages than the
 * TLB holds and slow the products more than it speeds the transforms. */
static Layout
choose_layout (const WinoJob *job,
               guint          channels)
{
  if (!job->simd)
    return LAYOUT_ROWS;
  return channels <= MAX_INTERLEAVED_CHANNELS ? LAYOUT_INTERLEAVED : LAYOUT_PLANES;
}

/* Blocks of equal size, as many for each thread, or one thread would wait
 * for the other's last block; sizes stay multiples of the SIMD group. Where
 * all tiles fit in one block (the deep layers' small planes) the threads
 * share the output channels instead: split by tiles, each thread would pad
 * its few tiles to whole panels and stream all of the layer's weights. Each
 * then transforms all the inputs, a small part of such a layer's work. */
static void
plan_blocks (WinoJob *job,
             guint    n_threads)
{
  job->out_parts = 1;
  job->block = block_tiles (job->src_channels, job->dst_channels);
  if (n_threads > 1 && job->n_tiles <= job->block && job->dst_channels >= n_threads * KROWS)
    {
      job->out_parts = n_threads;
      job->block = job->n_tiles;
      job->n_blocks = n_threads;
      return;
    }
  job->n_blocks = (job->n_tiles + job->block - 1) / job->block;
  job->n_blocks = (job->n_blocks + n_threads - 1) / n_threads * n_threads;
  job->block = MAX ((job->n_tiles + job->n_blocks - 1) / job->n_blocks + 15, 16) & ~15u;
  job->n_blocks = (job->n_tiles + job->block - 1) / job->block;
}

static gboolean
run (WinoJob       *job,
     ImpScratch    *scratch,
     ImpParallel   *parallel,
     GCancellable  *cancellable,
     GError       **error)
{
  guint n_threads = imp_parallel_get_n_threads (parallel);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (job->height == 0 || job->width == 0)
    return TRUE;

  job->tiles_w = (job->width + TILE - 1) / TILE;
  job->n_tiles = job->tiles_w * ((job->height + TILE - 1) / TILE);
  plan_blocks (job, n_threads);
  job->scratch_per_thread = block_floats (job->src_channels, job->block)
                            + block_floats (job->dst_channels, job->block);
  job->scratch = imp_scratch_reserve (scratch, job->scratch_per_thread * n_threads);
  job->cancellable = cancellable;
  job->simd = !g_atomic_int_get (&force_portable) && simd_supported ();
  job->avx512 = job->simd && !g_atomic_int_get (&force_avx2) && avx512_supported ();
  job->v_layout = choose_layout (job, job->src_channels);
  job->m_layout = choose_layout (job, job->dst_channels);

  run_profiled (job, parallel, MIN (n_threads, job->n_blocks));

  if (g_atomic_int_get (&job->cancelled))
    return !g_cancellable_set_error_if_cancelled (cancellable, error);
  return TRUE;
}

gboolean
imp_winograd_forward (ImpWinograd   *self,
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
  WinoJob job = {
    .weights = self->weights,
    .bias = self->bias,
    .src = input,
    .dst = output,
    .height = height,
    .width = width,
    .src_channels = self->in_channels,
    .dst_channels = self->out_channels,
    .relu = relu,
  };

  return run (&job, scratch, parallel, cancellable, error);
}

gboolean
imp_winograd_backward_input (ImpWinograd   *self,
                             const float   *grad_output,
                             guint          height,
                             guint          width,
                             float         *grad_input,
                             ImpScratch    *scratch,
                             ImpParallel   *parallel,
                             GCancellable  *cancellable,
                             GError       **error)
{
  return imp_winograd_backward_input_masked (self, grad_output, NULL, height, width,
                                             grad_input, scratch, parallel, cancellable, error);
}

gboolean
imp_winograd_backward_input_masked (ImpWinograd   *self,
                                    const float   *grad_output,
                                    const float   *relu_output,
                                    guint          height,
                                    guint          width,
                                    float         *grad_input,
                                    ImpScratch    *scratch,
                                    ImpParallel   *parallel,
                                    GCancellable  *cancellable,
                                    GError       **error)
{
  WinoJob job = {
    .weights = self->weights,
    .src = grad_output,
    .mask = relu_output,
    .dst = grad_input,
    .height = height,
    .width = width,
    .src_channels = self->out_channels,
    .dst_channels = self->in_channels,
    .backward = TRUE,
  };

  return run (&job, scratch, parallel, cancellable, error);
}
