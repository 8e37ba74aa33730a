/* imp-conv-winograd.c: Winograd F(4x4,3x3) for VGG's 3x3 convolutions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Forward: for every 4x4 output tile, the 6x6 input patch d of each channel is
 * transformed to V = Bt d B, the kernels were transformed once to U = G g Gt, and
 * the 36 positions xi of the 6x6 transform domain each become one product
 * M[xi] (out x tiles) = U[xi] (out x in) . V[xi] (in x tiles); the output tile
 * is At M A. That is 36 multiplies per channel pair and tile instead of 144 (4x
 * fewer); the transforms (AVX2, 8 tiles per vector, with a portable fallback
 * chosen at run time) work on blocks of at most 128 tiles so V and M stay near
 * the cache. With AVX2 the products run in this file's own kernel on U as it
 * lies (sgemm re-packed U for every block: 12 % of an iteration), with
 * AVX-512F in its 512-bit twin, else through single-threaded sgemm. Threads
 * take blocks from a shared counter (one pool busy at a time, never two).
 *
 * Accuracy in float32, relative to the largest magnitude of the im2col result:
 * 1e-6 on the real VGG19 layers and image gradient, up to 2e-5 on random
 * 512-channel layers (tests/engine/test-conv-fast.c bounds it by 1e-3).
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

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define TILE 4          /* outputs per tile side */
#define PATCH 6         /* inputs per tile side */
#define NXI 36          /* positions of the transform domain */
/* Per-thread V+M budget: 32 MiB lets the 512-channel layers have blocks of
 * MAX_BLOCK tiles (16 MiB gave them 112, and conv4 at 512 px, 256 tiles on
 * 2 threads, then ran 4 blocks of 64, streaming its 38 MiB of weights twice
 * as often) */
#define BLOCK_FLOATS (1u << 23)
#define MIN_BLOCK 32
#define MAX_BLOCK 128  /* conv1_2: 15-20 % less CPU than 512 (V stays near L2); flat above */
/* The 36 planes of a block would sit a multiple of 4 KiB apart and fight for
 * the same L1 sets (measured 5x slower transforms); a cache line apart they don't. */
#define PLANE_PAD 16

static gint force_portable;   /* tests: run the portable transforms */
static gint force_avx2;       /* tests: the AVX2 product kernel even with AVX-512 */

struct _ImpWinograd
{
  guint  in_channels;
  guint  out_channels;
  float *weights;   /* [36][out][in] */
  float *bias;      /* [out] */
};

/* One call's shared state; the worker threads take blocks from next_block. */
typedef struct
{
  const float  *weights;
  const float  *bias;        /* NULL in the backward pass */
  const float  *src;
  const float  *mask;        /* backward: the layer's ReLU output, or NULL */
  float        *dst;
  guint         height;
  guint         width;
  guint         src_channels;
  guint         dst_channels;
  guint         tiles_w;
  guint         n_tiles;
  guint         block;
  guint         n_blocks;
  gboolean      backward;    /* transposed weights, flipped data */
  gboolean      relu;
  gboolean      simd;        /* AVX2 + FMA at run time */
  gboolean      avx512;      /* the products with AVX-512F at run time */
  float        *scratch;
  gsize         scratch_per_thread;
  GCancellable *cancellable;
  gint          next_block;  /* atomic */
  gint          cancelled;   /* atomic */
} WinoJob;

/* Products by reciprocals, not divisions: 1.7 M kernels at session start
 * (divisions made it 1.7 s). */
static inline void
kernel_transform_1d (const double g[3],
                     double       u[6])
{
  const double sixth = 1.0 / 6.0, twelfth = 1.0 / 12.0, tw4th = 1.0 / 24.0;

  u[0] = g[0] * 0.25;
  u[1] = -(g[0] + g[1] + g[2]) * sixth;
  u[2] = -(g[0] - g[1] + g[2]) * sixth;
  u[3] = g[0] * tw4th + g[1] * twelfth + g[2] * sixth;
  u[4] = g[0] * tw4th - g[1] * twelfth + g[2] * sixth;
  u[5] = g[2];
}

/* U = G g Gt for one 3x3 kernel, in double so the weights add no rounding. */
static void
kernel_transform (const float *g,
                  double       u[NXI])
{
  double rows[3][6];

  for (guint i = 0; i < 3; i++)
    {
      double col[3] = { g[i * 3], g[i * 3 + 1], g[i * 3 + 2] };
      kernel_transform_1d (col, rows[i]);
    }
  for (guint j = 0; j < 6; j++)
    {
      double col[3] = { rows[0][j], rows[1][j], rows[2][j] };
      double out[6];

      kernel_transform_1d (col, out);
      for (guint i = 0; i < 6; i++)
        u[i * 6 + j] = out[i];
    }
}

/* The transformed weights (38 MiB for a 512x512 layer) are mapped on their
 * own: from malloc, layers prepared on pool threads stayed in those threads'
 * arenas after being freed (RSS grew 45 MB over 100 sessions in
 * tests/soak). Ordinary pages, not MADV_HUGEPAGE: huge pages made the first
 * touch in a fresh process slower and erratic here (0.44-0.77 s for all 16
 * layers against 0.34-0.36 s on 4 KiB pages, the kernel zeroing 2 MiB pages
 * at ~0.5 GB/s), and once touched the weights are streamed, where 4 KiB pages
 * cost nothing measurable. */
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

  /* In chunks, so each of the 36 planes (1 MiB apart: the same cache sets)
   * gets whole cache lines at a time. */
  for (gsize oc0 = 0; oc0 < plane; oc0 += 64)
    {
      gsize n = MIN (64, plane - oc0);
      float chunk[NXI][64];

      for (gsize k = 0; k < n; k++)
        {
          double u[NXI];

          kernel_transform (kernel + (oc0 + k) * 9, u);
          for (guint xi = 0; xi < NXI; xi++)
            chunk[xi][k] = (float) u[xi];
        }
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

gsize
imp_winograd_scratch_floats (guint in_channels,
                             guint out_channels,
                             guint n_threads)
{
  gsize block = block_tiles (in_channels, out_channels);

  return (gsize) MAX (n_threads, 1) * NXI * ((in_channels + out_channels) * block + 2 * PLANE_PAD);
}

/* plane[i], or 0 where the ReLU output @mask (when given) is not positive. */
static inline float
masked (const float *plane,
        const float *mask,
        gsize        i)
{
  return mask == NULL || mask[i] > 0.0f ? plane[i] : 0.0f;
}

/* Where (channel @c, tile @k) of a block lives in one position's plane of V
 * or M with @channels rows. The SIMD product wants each 16 tiles of every
 * channel together ([k / 16][c][k % 16]: its loads run straight through
 * memory); sgemm wants rows of @ld tiles. */
static inline gsize
cell (const WinoJob *job,
      guint          channels,
      guint          c,
      guint          k,
      gsize          ld)
{
  if (job->simd)
    return (gsize) (k & ~15u) * channels + c * 16 + (k & 15);
  return (gsize) c * ld + k;
}

/* The 6x6 patch whose top-left is (y0, x0), zero outside the plane. In the
 * backward pass the plane is read flipped in both directions. */
static void
load_patch (const WinoJob *job,
            const float   *plane,
            const float   *mask,
            int            y0,
            int            x0,
            float          d[NXI])
{
  int h = job->height, w = job->width;

  if (!job->backward && mask == NULL && y0 >= 0 && x0 >= 0 && y0 + PATCH <= h
      && x0 + PATCH <= w)
    {
      for (int i = 0; i < PATCH; i++)
        memcpy (d + i * PATCH, plane + (gsize) (y0 + i) * w + x0, PATCH * sizeof (float));
      return;
    }
  for (int i = 0; i < PATCH; i++)
    for (int j = 0; j < PATCH; j++)
      {
        int y = y0 + i, x = x0 + j;

        if (y < 0 || x < 0 || y >= h || x >= w)
          d[i * PATCH + j] = 0.0f;
        else if (job->backward)
          d[i * PATCH + j] = masked (plane, mask, (gsize) (h - 1 - y) * w + (w - 1 - x));
        else
          d[i * PATCH + j] = masked (plane, mask, (gsize) y * w + x);
      }
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
  gsize stride = (gsize) job->src_channels * ld + PLANE_PAD;

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
          input_transform (d, v + cell (job, job->src_channels, c, k, ld), stride);
        }
    }
}

static void
store_tile (const WinoJob *job,
            float         *plane,
            float          bias,
            int            y0,
            int            x0,
            const float    y[TILE * TILE])
{
  int h = job->height, w = job->width;

  for (int i = 0; i < TILE && y0 + i < h; i++)
    for (int j = 0; j < TILE && x0 + j < w; j++)
      {
        float value = y[i * TILE + j] + bias;

        if (job->relu && value < 0.0f)
          value = 0.0f;
        if (job->backward)
          plane[(gsize) (h - 1 - (y0 + i)) * w + (w - 1 - (x0 + j))] = value;
        else
          plane[(gsize) (y0 + i) * w + x0 + j] = value;
      }
}

static void
transform_outputs (const WinoJob *job,
                   guint          t0,
                   guint          first,
                   guint          n,
                   gsize          ld,
                   const float   *m)
{
  gsize plane = (gsize) job->height * job->width;
  gsize stride = (gsize) job->dst_channels * ld + PLANE_PAD;

  for (guint o = 0; o < job->dst_channels; o++)
    {
      float *dst = job->dst + o * plane;
      float bias = job->bias != NULL ? job->bias[o] : 0.0f;

      for (guint k = first; k < n; k++)
        {
          guint t = t0 + k;
          float y[TILE * TILE];

          output_transform (m + cell (job, job->dst_channels, o, k, ld), stride, y);
          store_tile (job, dst, bias, (t / job->tiles_w) * TILE,
                      (t % job->tiles_w) * TILE, y);
        }
    }
}

#if defined(__GNUC__) && defined(__x86_64__)

#include <immintrin.h>

#define AVX2 __attribute__ ((target ("avx2,fma")))

/* Groups of 8 tiles are transformed together, one tile per vector lane. The
 * in-lane 4x4 transpose below puts tile lane_tile[p] of the group in lane p;
 * V and M keep that order (sgemm doesn't care), the output side undoes it. */
static const guint8 lane_tile[8] = { 0, 2, 4, 6, 1, 3, 5, 7 };

static gboolean
simd_supported (void)
{
  return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
}

AVX2 static inline void
transpose4 (__m256 *a,
            __m256 *b,
            __m256 *c,
            __m256 *d)
{
  __m256 x0 = _mm256_unpacklo_ps (*a, *b), x1 = _mm256_unpackhi_ps (*a, *b);
  __m256 x2 = _mm256_unpacklo_ps (*c, *d), x3 = _mm256_unpackhi_ps (*c, *d);

  *a = _mm256_shuffle_ps (x0, x2, 0x44);
  *b = _mm256_shuffle_ps (x0, x2, 0xEE);
  *c = _mm256_shuffle_ps (x1, x3, 0x44);
  *d = _mm256_shuffle_ps (x1, x3, 0xEE);
}

/* Frame columns m..m+7 of a row; the backward frame runs right to left. */
AVX2 static inline __m256
load8 (const float *row,
       int          m,
       gboolean     flip)
{
  if (!flip)
    return _mm256_loadu_ps (row + m);
  return _mm256_permutevar8x32_ps (_mm256_loadu_ps (row - m - 7),
                                   _mm256_setr_epi32 (7, 6, 5, 4, 3, 2, 1, 0));
}

AVX2 static inline void
store8 (float    *row,
        int       m,
        gboolean  flip,
        __m256    value)
{
  if (!flip)
    _mm256_storeu_ps (row + m, value);
  else
    _mm256_storeu_ps (row - m - 7,
                      _mm256_permutevar8x32_ps (value, _mm256_setr_epi32 (7, 6, 5, 4, 3, 2, 1, 0)));
}

/* Where frame row y, column x0 lives. */
static inline gsize
frame_offset (const WinoJob *job,
              int            y,
              int            x0)
{
  if (job->backward)
    return (gsize) (job->height - 1 - y) * job->width + (job->width - 1 - x0);
  return (gsize) y * job->width + x0;
}

/* load8 () where the ReLU output @mrow (when given) is positive, else 0. */
AVX2 static inline __m256
load8_masked (const float *row,
              const float *mrow,
              int          m,
              gboolean     flip)
{
  __m256 value = load8 (row, m, flip);

  if (mrow == NULL)
    return value;
  return _mm256_and_ps (value, _mm256_cmp_ps (load8 (mrow, m, flip), _mm256_setzero_ps (),
                                              _CMP_GT_OQ));
}

/* Row i of 8 side-by-side patches from frame columns 0..35 of @row. */
AVX2 static inline void
load_patch_row8 (const float *row,
                 const float *mrow,
                 gboolean     flip,
                 __m256       d[PATCH])
{
  __m256 a0 = load8_masked (row, mrow, 0, flip), a1 = load8_masked (row, mrow, 8, flip);
  __m256 a2 = load8_masked (row, mrow, 16, flip), a3 = load8_masked (row, mrow, 24, flip);
  __m256 b0 = load8_masked (row, mrow, 4, flip), b1 = load8_masked (row, mrow, 12, flip);
  __m256 b2 = load8_masked (row, mrow, 20, flip), b3 = load8_masked (row, mrow, 28, flip);

  transpose4 (&a0, &a1, &a2, &a3);
  transpose4 (&b0, &b1, &b2, &b3);
  d[0] = a0;
  d[1] = a1;
  d[2] = a2;
  d[3] = a3;
  d[4] = b0;
  d[5] = b1;
}

/* 8 patches side by side in one tile row, all inside the plane. */
AVX2 static void
load_group_fast (const WinoJob *job,
                 const float   *plane,
                 const float   *mask,
                 int            y0,
                 int            x0,
                 __m256         d[NXI])
{
  for (int i = 0; i < PATCH; i++)
    {
      gsize offset = frame_offset (job, y0 + i, x0);

      load_patch_row8 (plane + offset, mask != NULL ? mask + offset : NULL, job->backward,
                       d + i * 6);
    }
}

/* Frame columns m..m+7 of a row of which only columns lo..hi-1 exist, the
 * others read as 0 (masked loads touch no memory there). Frame column 0 is at
 * address @col0 (@mcol0 for the ReLU output, 0 when there is none), an
 * integer because it may lie outside the plane; backward, column m is at
 * col0 - 4 m. */
AVX2 static inline __m256
load8_range (uintptr_t col0,
             uintptr_t mcol0,
             int       m,
             int       lo,
             int       hi,
             gboolean  flip)
{
  const __m256i step = _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7);
  /* the frame column in each lane as loaded (backward: before reversing) */
  __m256i cols = flip ? _mm256_sub_epi32 (_mm256_set1_epi32 (m + 7), step)
                      : _mm256_add_epi32 (_mm256_set1_epi32 (m), step);
  __m256i keep = _mm256_and_si256 (_mm256_cmpgt_epi32 (cols, _mm256_set1_epi32 (lo - 1)),
                                   _mm256_cmpgt_epi32 (_mm256_set1_epi32 (hi), cols));
  intptr_t at = flip ? -(intptr_t) (m + 7) * 4 : (intptr_t) m * 4;
  __m256 value = _mm256_maskload_ps ((const float *) (col0 + at), keep);

  if (mcol0 != 0)
    value = _mm256_and_ps (value, _mm256_cmp_ps (_mm256_maskload_ps ((const float *) (mcol0 + at),
                                                                     keep),
                                                 _mm256_setzero_ps (), _CMP_GT_OQ));
  if (flip)
    value = _mm256_permutevar8x32_ps (value, _mm256_setr_epi32 (7, 6, 5, 4, 3, 2, 1, 0));
  return value;
}

/* 8 patches side by side in one tile row that crosses the plane's border:
 * rows through masked loads (copying each row into a zeroed buffer first,
 * as before, was a fifth of the input transform in memcpy and zeroing). */
AVX2 static void
load_group_rows (const WinoJob *job,
                 const float   *plane,
                 const float   *mask,
                 int            y0,
                 int            x0,
                 __m256         d[NXI])
{
  int h = job->height, w = job->width;
  int lo = MAX (0, -x0), hi = MIN (36, w - x0);
  gboolean flip = job->backward;

  for (int i = 0; i < PATCH; i++)
    {
      int y = y0 + i;
      uintptr_t col0, mcol0;
      __m256 a0, a1, a2, a3, b0, b1, b2, b3;

      if (y < 0 || y >= h || lo >= hi)
        {
          for (int j = 0; j < PATCH; j++)
            d[i * 6 + j] = _mm256_setzero_ps ();
          continue;
        }
      /* unsigned wrap-around gives the right address for x0 = -1 too */
      col0 = (uintptr_t) plane + (uintptr_t) frame_offset (job, y, x0) * sizeof (float);
      mcol0 = mask != NULL
              ? (uintptr_t) mask + (uintptr_t) frame_offset (job, y, x0) * sizeof (float) : 0;
      a0 = load8_range (col0, mcol0, 0, lo, hi, flip);
      a1 = load8_range (col0, mcol0, 8, lo, hi, flip);
      a2 = load8_range (col0, mcol0, 16, lo, hi, flip);
      a3 = load8_range (col0, mcol0, 24, lo, hi, flip);
      b0 = load8_range (col0, mcol0, 4, lo, hi, flip);
      b1 = load8_range (col0, mcol0, 12, lo, hi, flip);
      b2 = load8_range (col0, mcol0, 20, lo, hi, flip);
      b3 = load8_range (col0, mcol0, 28, lo, hi, flip);
      transpose4 (&a0, &a1, &a2, &a3);
      transpose4 (&b0, &b1, &b2, &b3);
      d[i * 6 + 0] = a0;
      d[i * 6 + 1] = a1;
      d[i * 6 + 2] = a2;
      d[i * 6 + 3] = a3;
      d[i * 6 + 4] = b0;
      d[i * 6 + 5] = b1;
    }
}

/* Any 8 tiles (edges, row ends): patch by patch. */
AVX2 static void
load_group_slow (const WinoJob *job,
                 const float   *plane,
                 const float   *mask,
                 guint          t,
                 __m256         d[NXI])
{
  float buf[NXI][8];

  for (guint p = 0; p < 8; p++)
    {
      guint tile = t + lane_tile[p];
      float patch[NXI];

      load_patch (job, plane, mask, (tile / job->tiles_w) * TILE - 1,
                  (tile % job->tiles_w) * TILE - 1, patch);
      for (guint e = 0; e < NXI; e++)
        buf[e][p] = patch[e];
    }
  for (guint e = 0; e < NXI; e++)
    d[e] = _mm256_loadu_ps (buf[e]);
}

AVX2 static inline void
bt_1d (__m256  d0,
       __m256  d1,
       __m256  d2,
       __m256  d3,
       __m256  d4,
       __m256  d5,
       __m256 *r,
       gsize   step)
{
  const __m256 c2 = _mm256_set1_ps (2.0f), c4 = _mm256_set1_ps (4.0f);
  const __m256 c5 = _mm256_set1_ps (5.0f);

  r[0 * step] = _mm256_fmadd_ps (c4, d0, _mm256_fnmadd_ps (c5, d2, d4));
  r[1 * step] = _mm256_fnmadd_ps (c4, _mm256_add_ps (d1, d2), _mm256_add_ps (d3, d4));
  r[2 * step] = _mm256_fmadd_ps (c4, _mm256_sub_ps (d1, d2), _mm256_sub_ps (d4, d3));
  r[3 * step] = _mm256_fmadd_ps (c2, _mm256_sub_ps (d3, d1), _mm256_sub_ps (d4, d2));
  r[4 * step] = _mm256_fmadd_ps (c2, _mm256_sub_ps (d1, d3), _mm256_sub_ps (d4, d2));
  r[5 * step] = _mm256_fmadd_ps (c4, d1, _mm256_fnmadd_ps (c5, d3, d5));
}

/* V = Bt d B for 8 tiles; position xi goes to out + xi * stride. */
AVX2 static void
input_transform8 (const __m256  d[NXI],
                  float        *out,
                  gsize         stride)
{
  __m256 t[NXI], r[PATCH];

  for (guint i = 0; i < PATCH; i++)
    bt_1d (d[i * 6], d[i * 6 + 1], d[i * 6 + 2], d[i * 6 + 3], d[i * 6 + 4],
           d[i * 6 + 5], t + i * 6, 1);
  for (guint j = 0; j < PATCH; j++)
    {
      bt_1d (t[j], t[6 + j], t[12 + j], t[18 + j], t[24 + j], t[30 + j], r, 1);
      for (guint i = 0; i < PATCH; i++)
        _mm256_storeu_ps (out + (i * 6 + j) * stride, r[i]);
    }
}

AVX2 static void
transform_inputs_simd (const WinoJob *job,
                       guint          t0,
                       guint          n,
                       gsize          ld,
                       float         *v)
{
  gsize plane = (gsize) job->height * job->width;
  gsize stride = (gsize) job->src_channels * ld + PLANE_PAD;
  int h = job->height, w = job->width;

  for (guint c = 0; c < job->src_channels; c++)
    {
      const float *src = job->src + c * plane;
      const float *mask = job->mask != NULL ? job->mask + c * plane : NULL;

      for (guint k = 0; k + 8 <= n; k += 8)
        {
          guint t = t0 + k;
          int ty = t / job->tiles_w, tx = t % job->tiles_w;
          int y0 = ty * TILE - 1, x0 = tx * TILE - 1;
          __m256 d[NXI];

          if (tx + 8 > (int) job->tiles_w)
            load_group_slow (job, src, mask, t, d);
          else if (y0 >= 0 && x0 >= 0 && y0 + PATCH <= h && x0 + 36 <= w)
            load_group_fast (job, src, mask, y0, x0, d);
          else
            load_group_rows (job, src, mask, y0, x0, d);
          input_transform8 (d, v + cell (job, job->src_channels, c, k, ld), stride);
        }
    }
}

AVX2 static inline void
at_1d (__m256  m0,
       __m256  m1,
       __m256  m2,
       __m256  m3,
       __m256  m4,
       __m256  m5,
       __m256 *y)
{
  __m256 a = _mm256_add_ps (m1, m2), b = _mm256_sub_ps (m1, m2);
  __m256 c = _mm256_add_ps (m3, m4), e = _mm256_sub_ps (m3, m4);

  y[0] = _mm256_add_ps (_mm256_add_ps (m0, a), c);
  y[1] = _mm256_fmadd_ps (_mm256_set1_ps (2.0f), e, b);
  y[2] = _mm256_fmadd_ps (_mm256_set1_ps (4.0f), c, a);
  y[3] = _mm256_fmadd_ps (_mm256_set1_ps (8.0f), e, _mm256_add_ps (b, m5));
}

/* Y = At M A for 8 tiles: y[i * 4 + j]. */
AVX2 static void
output_transform8 (const float *m,
                   gsize        stride,
                   __m256       y[TILE * TILE])
{
  __m256 t[TILE * PATCH], col[TILE];

  for (guint j = 0; j < PATCH; j++)
    {
      at_1d (_mm256_loadu_ps (m + j * stride), _mm256_loadu_ps (m + (6 + j) * stride),
             _mm256_loadu_ps (m + (12 + j) * stride), _mm256_loadu_ps (m + (18 + j) * stride),
             _mm256_loadu_ps (m + (24 + j) * stride), _mm256_loadu_ps (m + (30 + j) * stride),
             col);
      for (guint i = 0; i < TILE; i++)
        t[i * 6 + j] = col[i];
    }
  for (guint i = 0; i < TILE; i++)
    at_1d (t[i * 6], t[i * 6 + 1], t[i * 6 + 2], t[i * 6 + 3], t[i * 6 + 4], t[i * 6 + 5],
           y + i * 4);
}

/* Row i of 8 side-by-side output tiles to frame columns 0..31 of @row. */
AVX2 static inline void
store_tile_row8 (const WinoJob *job,
                 float         *row,
                 gboolean       flip,
                 float          bias,
                 __m256        *r)
{
  __m256 b = _mm256_set1_ps (bias), zero = _mm256_setzero_ps ();

  transpose4 (r, r + 1, r + 2, r + 3);
  for (int k = 0; k < 4; k++)
    {
      __m256 value = _mm256_add_ps (r[k], b);

      if (job->relu)
        value = _mm256_max_ps (value, zero);
      store8 (row, 8 * k, flip, value);
    }
}

AVX2 static void
store_group_fast (const WinoJob *job,
                  float         *plane,
                  float          bias,
                  int            y0,
                  int            x0,
                  __m256         y[TILE * TILE])
{
  for (int i = 0; i < TILE; i++)
    store_tile_row8 (job, plane + frame_offset (job, y0 + i, x0), job->backward, bias,
                     y + i * 4);
}

/* 8 tiles of one tile row that reach past the plane: through a row buffer. */
AVX2 static void
store_group_rows (const WinoJob *job,
                  float         *plane,
                  float          bias,
                  int            y0,
                  int            x0,
                  __m256         y[TILE * TILE])
{
  int hi = MIN (32, (int) job->width - x0);

  for (int i = 0; i < TILE && y0 + i < (int) job->height; i++)
    {
      float buf[32];
      float *row = plane + frame_offset (job, y0 + i, x0);

      store_tile_row8 (job, buf, FALSE, bias, y + i * 4);
      if (job->backward)
        for (int m = 0; m < hi; m++)
          row[-m] = buf[m];
      else
        memcpy (row, buf, hi * sizeof (float));
    }
}

AVX2 static void
store_group_slow (const WinoJob *job,
                  float         *plane,
                  float          bias,
                  guint          t,
                  const __m256   y[TILE * TILE])
{
  float buf[TILE * TILE][8];

  for (guint e = 0; e < TILE * TILE; e++)
    _mm256_storeu_ps (buf[e], y[e]);
  for (guint p = 0; p < 8; p++)
    {
      guint tile = t + lane_tile[p];
      float tile_y[TILE * TILE];

      for (guint e = 0; e < TILE * TILE; e++)
        tile_y[e] = buf[e][p];
      store_tile (job, plane, bias, (tile / job->tiles_w) * TILE,
                  (tile % job->tiles_w) * TILE, tile_y);
    }
}

AVX2 static void
transform_outputs_simd (const WinoJob *job,
                        guint          t0,
                        guint          n,
                        gsize          ld,
                        const float   *m)
{
  gsize plane = (gsize) job->height * job->width;
  gsize stride = (gsize) job->dst_channels * ld + PLANE_PAD;
  int h = job->height, w = job->width;

  for (guint o = 0; o < job->dst_channels; o++)
    {
      float *dst = job->dst + o * plane;
      float bias = job->bias != NULL ? job->bias[o] : 0.0f;

      for (guint k = 0; k + 8 <= n; k += 8)
        {
          guint t = t0 + k;
          int ty = t / job->tiles_w, tx = t % job->tiles_w;
          __m256 y[TILE * TILE];

          output_transform8 (m + cell (job, job->dst_channels, o, k, ld), stride, y);
          if (tx + 8 > (int) job->tiles_w)
            store_group_slow (job, dst, bias, t, y);
          else if (ty * TILE + TILE <= h && tx * TILE + 32 <= w)
            store_group_fast (job, dst, bias, ty * TILE, tx * TILE, y);
          else
            store_group_rows (job, dst, bias, ty * TILE, tx * TILE, y);
        }
    }
}


/* The products without sgemm: OpenBLAS packed both operands on every call,
 * and the weights (up to 1 MiB a position) were re-packed for every block of
 * tiles, 12 % of an iteration. This kernel reads U where it lies (broadcasts,
 * 6 rows of M at a time) and V as it lies (16 tiles, two vectors), so neither
 * is copied: C[6][16] in 12 accumulators, the shape of BLIS's Haswell kernel.
 * Forward, row i of the 6 is output channel o0 + i: U[o0 + i][k]; backward it
 * is input channel c0 + i of the transposed U: U[k][c0 + i]. */
#define KROWS 6

AVX2 static inline __attribute__ ((always_inline)) void
gemm_panel (const float *a,
            gsize        a_k,        /* floats from A(i, k) to A(i, k + 1) */
            gsize        a_i,        /* floats from A(i, k) to A(i + 1, k) */
            const float *b,
            gsize        ldb,
            guint        k_count,
            float       *c,
            gsize        ldc,
            guint        rows,       /* 1..KROWS, a constant where inlined */
            gboolean     wide)       /* 16 columns, else 8 */
{
  __m256 acc0[KROWS], acc1[KROWS];

#pragma GCC unroll 6
  for (guint i = 0; i < KROWS; i++)
    acc0[i] = acc1[i] = _mm256_setzero_ps ();
  for (guint k = 0; k < k_count; k++)
    {
      __m256 b0 = _mm256_loadu_ps (b), b1 = wide ? _mm256_loadu_ps (b + 8) : b0;

#pragma GCC unroll 6
      for (guint i = 0; i < KROWS; i++)
        if (i < rows)
          {
            __m256 x = _mm256_broadcast_ss (a + i * a_i);

            acc0[i] = _mm256_fmadd_ps (x, b0, acc0[i]);
            if (wide)
              acc1[i] = _mm256_fmadd_ps (x, b1, acc1[i]);
          }
      a += a_k;
      b += ldb;
    }
#pragma GCC unroll 6
  for (guint i = 0; i < KROWS; i++)
    if (i < rows)
      {
        _mm256_storeu_ps (c + i * ldc, acc0[i]);
        if (wide)
          _mm256_storeu_ps (c + i * ldc + 8, acc1[i]);
      }
}

/* @rows rows of M over all columns, a panel of 16 tiles at a time (the last
 * may hold only 8): panel t of B starts at t * k_count, of C at t * ldc. */
#define GEMM_ROWS(R, A_K, A_I)                                                 \
  do                                                                           \
    {                                                                          \
      guint t = 0;                                                             \
      for (; t + 16 <= cols; t += 16)                                          \
        gemm_panel (a, A_K, A_I, b + t * k_count, 16, k_count, c + t * ldc, 16, \
                    R, TRUE);                                                  \
      if (t < cols)                                                            \
        gemm_panel (a, A_K, A_I, b + t * k_count, 16, k_count, c + t * ldc, 16, \
                    R, FALSE);                                                 \
    }                                                                          \
  while (0)

AVX2 static void
gemm_rows_forward (const float *a,
                   gsize        lda,
                   const float *b,
                   guint        k_count,
                   guint        cols,
                   float       *c,
                   gsize        ldc,
                   guint        rows)
{
  switch (rows)
    {
    case 6: GEMM_ROWS (6, 1, lda); break;
    case 5: GEMM_ROWS (5, 1, lda); break;
    case 4: GEMM_ROWS (4, 1, lda); break;
    case 3: GEMM_ROWS (3, 1, lda); break;
    case 2: GEMM_ROWS (2, 1, lda); break;
    default: GEMM_ROWS (1, 1, lda); break;
    }
}

AVX2 static void
gemm_rows_backward (const float *a,
                    gsize        lda,
                    const float *b,
                    guint        k_count,
                    guint        cols,
                    float       *c,
                    gsize        ldc,
                    guint        rows)
{
  switch (rows)
    {
    case 6: GEMM_ROWS (6, lda, 1); break;
    case 5: GEMM_ROWS (5, lda, 1); break;
    case 4: GEMM_ROWS (4, lda, 1); break;
    case 3: GEMM_ROWS (3, lda, 1); break;
    case 2: GEMM_ROWS (2, lda, 1); break;
    default: GEMM_ROWS (1, lda, 1); break;
    }
}

/* The same products with AVX-512F: a zmm holds a whole panel of 16 tiles, so
 * the 6 rows take two panels at once (12 accumulators again) and each
 * instruction does twice the work (Zen 5 runs 512-bit FMAs at full width:
 * the products were 57 % of an iteration with AVX2). */
#define AVX512 __attribute__ ((target ("avx512f")))

static gboolean
avx512_supported (void)
{
  return __builtin_cpu_supports ("avx512f");
}

AVX512 static inline __attribute__ ((always_inline)) void
gemm_panel512 (const float *a,
               gsize        a_k,
               gsize        a_i,
               const float *b,        /* panel t; panel t + 1 at b + b_next */
               gsize        b_next,
               guint        k_count,
               float       *c,        /* panel t; panel t + 1 at c + c_next */
               gsize        c_next,
               guint        rows,     /* 1..KROWS, a constant where inlined */
               gboolean     two)      /* both panels, else panel t only */
{
  __m512 acc0[KROWS], acc1[KROWS];

#pragma GCC unroll 6
  for (guint i = 0; i < KROWS; i++)
    acc0[i] = acc1[i] = _mm512_setzero_ps ();
  for (guint k = 0; k < k_count; k++)
    {
      __m512 b0 = _mm512_loadu_ps (b), b1 = two ? _mm512_loadu_ps (b + b_next) : b0;

#pragma GCC unroll 6
      for (guint i = 0; i < KROWS; i++)
        if (i < rows)
          {
            __m512 x = _mm512_set1_ps (a[i * a_i]);

            acc0[i] = _mm512_fmadd_ps (x, b0, acc0[i]);
            if (two)
              acc1[i] = _mm512_fmadd_ps (x, b1, acc1[i]);
          }
      a += a_k;
      b += 16;
    }
#pragma GCC unroll 6
  for (guint i = 0; i < KROWS; i++)
    if (i < rows)
      {
        _mm512_storeu_ps (c + i * 16, acc0[i]);
        if (two)
          _mm512_storeu_ps (c + c_next + i * 16, acc1[i]);
      }
}

/* GEMM_ROWS with AVX-512: pairs of 16-tile panels, then a single one. */
#define GEMM_ROWS512(R, A_K, A_I)                                              \
  do                                                                           \
    {                                                                          \
      guint t = 0;                                                             \
      for (; t + 32 <= cols; t += 32)                                          \
        gemm_panel512 (a, A_K, A_I, b + t * k_count, 16 * k_count, k_count,    \
                       c + t * ldc, 16 * ldc, R, TRUE);                        \
      if (t < cols)                                                            \
        gemm_panel512 (a, A_K, A_I, b + t * k_count, 0, k_count,               \
                       c + t * ldc, 0, R, FALSE);                              \
    }                                                                          \
  while (0)

AVX512 static void
gemm_rows512 (const float *a,
              gsize        a_k,
              gsize        a_i,
              const float *b,
              guint        k_count,
              guint        cols,
              float       *c,
              gsize        ldc,
              guint        rows)
{
  /* the two layouts of A as constants, as in the AVX2 kernel */
  if (a_k == 1)
    switch (rows)
      {
      case 6: GEMM_ROWS512 (6, 1, a_i); break;
      case 5: GEMM_ROWS512 (5, 1, a_i); break;
      case 4: GEMM_ROWS512 (4, 1, a_i); break;
      case 3: GEMM_ROWS512 (3, 1, a_i); break;
      case 2: GEMM_ROWS512 (2, 1, a_i); break;
      default: GEMM_ROWS512 (1, 1, a_i); break;
      }
  else
    switch (rows)
      {
      case 6: GEMM_ROWS512 (6, KROWS, 1); break;
      case 5: GEMM_ROWS512 (5, KROWS, 1); break;
      case 4: GEMM_ROWS512 (4, KROWS, 1); break;
      case 3: GEMM_ROWS512 (3, KROWS, 1); break;
      case 2: GEMM_ROWS512 (2, KROWS, 1); break;
      default: GEMM_ROWS512 (1, KROWS, 1); break;
      }
}

/* M = U . V (backward Ut . V) for one position: dst x @cols (a multiple of 16)
 * from dst x src weights and src x @cols inputs, both in cell ()'s panels. */
AVX2 static void
multiply_simd (const WinoJob *job,
               const float   *u,
               const float   *v,
               float         *m,
               guint          cols)
{
  guint dst = job->dst_channels, src = job->src_channels;
  /* forward U is [dst][src]; backward it is [src][dst], read transposed */
  gsize lda = job->backward ? dst : src;

  for (guint r = 0; r < dst; r += KROWS)
    {
      guint rows = MIN (KROWS, dst - r);

      if (job->backward)
        {
          /* The 6 columns of Ut read as [k][6]: in place, each k was another
           * cache line, and the panel's K lines pushed V out of L1 (backward
           * ran 10 % slower than forward). */
          float panel[512 * KROWS + 2];
          const float *a = u + r;
          gsize lda_panel = lda;

          if (src <= 512)
            {
              /* 8 floats a row where the row has them (the 2 past the 6 are
               * overwritten by the next k): no branches of a short memcpy */
              if (r + 8 <= dst)
                for (guint k = 0; k < src; k++)
                  _mm256_storeu_ps (panel + k * KROWS, _mm256_loadu_ps (u + (gsize) k * lda + r));
              else
                for (guint k = 0; k < src; k++)
                  memcpy (panel + k * KROWS, u + (gsize) k * lda + r, rows * sizeof (float));
              a = panel;
              lda_panel = KROWS;
            }
          if (job->avx512 && a == panel)
            gemm_rows512 (a, KROWS, 1, v, src, cols, m + (gsize) r * 16, dst, rows);
          else
            gemm_rows_backward (a, lda_panel, v, src, cols, m + (gsize) r * 16, dst, rows);
        }
      else if (job->avx512)
        gemm_rows512 (u + (gsize) r * lda, 1, lda, v, src, cols, m + (gsize) r * 16, dst, rows);
      else
        gemm_rows_forward (u + (gsize) r * lda, lda, v, src, cols, m + (gsize) r * 16, dst, rows);
    }
}

#else /* no x86-64 SIMD */

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

static void
transform_inputs_simd (const WinoJob *job,
                       guint          t0,
                       guint          n,
                       gsize          ld,
                       float         *v)
{
  g_assert_not_reached ();
}

static void
transform_outputs_simd (const WinoJob *job,
                        guint          t0,
                        guint          n,
                        gsize          ld,
                        const float   *m)
{
  g_assert_not_reached ();
}

static void
multiply_simd (const WinoJob *job,
               const float   *u,
               const float   *v,
               float         *m,
               guint          cols)
{
  g_assert_not_reached ();
}

#endif

/* Full groups of 8 tiles through SIMD when the processor has it, the rest (and
 * everything without it) tile by tile; both sides split the block the same way.
 * The SIMD product reads whole panels of 16 tiles (@ld is n rounded up to 16),
 * so the columns past n are zeroed. */
static void
transform_block_inputs (const WinoJob *job,
                        guint          t0,
                        guint          n,
                        gsize          ld,
                        float         *v)
{
  guint first = job->simd ? n & ~7u : 0;

  if (job->simd)
    transform_inputs_simd (job, t0, n, ld, v);
  transform_inputs (job, t0, first, n, ld, v);
  if (job->simd && ld > n)
    {
      gsize stride = (gsize) job->src_channels * ld + PLANE_PAD;

      for (guint xi = 0; xi < NXI; xi++)
        for (guint c = 0; c < job->src_channels; c++)
          for (guint k = n; k < ld; k++)
            v[xi * stride + cell (job, job->src_channels, c, k, ld)] = 0.0f;
    }
}

static void
transform_block_outputs (const WinoJob *job,
                         guint          t0,
                         guint          n,
                         gsize          ld,
                         const float   *m)
{
  guint first = job->simd ? n & ~7u : 0;

  if (job->simd)
    transform_outputs_simd (job, t0, n, ld, m);
  transform_outputs (job, t0, first, n, ld, m);
}

/* The 36 products of one block: forward M = U . V, backward M = Ut . V. */
static void
multiply (const WinoJob *job,
          guint          n,
          gsize          ld,
          const float   *v,
          float         *m)
{
  gsize src_size = (gsize) job->src_channels * ld + PLANE_PAD;
  gsize dst_size = (gsize) job->dst_channels * ld + PLANE_PAD;
  gsize w_size = (gsize) job->src_channels * job->dst_channels;

  for (guint xi = 0; xi < NXI; xi++)
    {
      const float *u = job->weights + xi * w_size;

      if (job->simd)
        multiply_simd (job, u, v + xi * src_size, m + xi * dst_size, ld);
      else if (job->backward)
        cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans,
                     job->dst_channels, n, job->src_channels, 1.0f,
                     u, job->dst_channels, v + xi * src_size, ld,
                     0.0f, m + xi * dst_size, ld);
      else
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans,
                     job->dst_channels, n, job->src_channels, 1.0f,
                     u, job->src_channels, v + xi * src_size, ld,
                     0.0f, m + xi * dst_size, ld);
    }
}

/* One thread's share: blocks taken in turn until none is left. */
static void
worker_run (guint    index,
            guint    n_threads G_GNUC_UNUSED,
            gpointer data)
{
  WinoJob *job = data;
  float *v = job->scratch + index * job->scratch_per_thread;
  float *m = v + (gsize) NXI * (job->src_channels * job->block + PLANE_PAD);

  for (;;)
    {
      guint b = g_atomic_int_add (&job->next_block, 1);
      guint t0, n;
      gsize ld;

      if (b >= job->n_blocks || g_atomic_int_get (&job->cancelled))
        break;
      if (g_cancellable_is_cancelled (job->cancellable))
        {
          g_atomic_int_set (&job->cancelled, TRUE);
          break;
        }
      t0 = b * job->block;
      n = MIN (job->block, job->n_tiles - t0);
      ld = job->simd ? (n + 15) & ~15u : n;
      transform_block_inputs (job, t0, n, ld, v);
      multiply (job, n, ld, v, m);
      transform_block_outputs (job, t0, n, ld, m);
    }
}

static gboolean
run (WinoJob       *job,
     ImpScratch    *scratch,
     GCancellable  *cancellable,
     GError       **error)
{
  guint n_threads = imp_parallel_n_threads ();

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (job->height == 0 || job->width == 0)
    return TRUE;

  job->tiles_w = (job->width + TILE - 1) / TILE;
  job->n_tiles = job->tiles_w * ((job->height + TILE - 1) / TILE);
  job->block = block_tiles (job->src_channels, job->dst_channels);
  job->n_blocks = (job->n_tiles + job->block - 1) / job->block;
  /* Equal blocks, as many per thread: 5 blocks on 2 threads left one idle for
   * a fifth of a layer. Sizes stay multiples of the SIMD group. */
  job->n_blocks = (job->n_blocks + n_threads - 1) / n_threads * n_threads;
  job->block = MAX ((job->n_tiles + job->n_blocks - 1) / job->n_blocks + 15, 16) & ~15u;
  job->n_blocks = (job->n_tiles + job->block - 1) / job->block;
  job->scratch_per_thread = (gsize) NXI * ((job->src_channels + job->dst_channels) * job->block
                                          + 2 * PLANE_PAD);
  job->scratch = imp_scratch_reserve (scratch, job->scratch_per_thread * n_threads);
  job->cancellable = cancellable;
  job->simd = !g_atomic_int_get (&force_portable) && simd_supported ();
  job->avx512 = job->simd && !g_atomic_int_get (&force_avx2) && avx512_supported ();

  /* the count the scratch was sized for, whatever OpenBLAS says now */
  imp_parallel_run (MIN (n_threads, job->n_blocks), worker_run, job);

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

  return run (&job, scratch, cancellable, error);
}

gboolean
imp_winograd_backward_input (ImpWinograd   *self,
                             const float   *grad_output,
                             guint          height,
                             guint          width,
                             float         *grad_input,
                             ImpScratch    *scratch,
                             GCancellable  *cancellable,
                             GError       **error)
{
  return imp_winograd_backward_input_masked (self, grad_output, NULL, height, width,
                                             grad_input, scratch, cancellable, error);
}

gboolean
imp_winograd_backward_input_masked (ImpWinograd   *self,
                                    const float   *grad_output,
                                    const float   *relu_output,
                                    guint          height,
                                    guint          width,
                                    float         *grad_input,
                                    ImpScratch    *scratch,
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

  return run (&job, scratch, cancellable, error);
}
