/* imp-conv-winograd-avx2.c: the Winograd transforms and products with AVX2
 * and FMA
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Compiled with -mavx2 -mfma; the driver calls in here only where the
 * processor has both.
 */
#include "imp-conv-winograd-private.h"

#include <immintrin.h>
#include <stdint.h>

/* Groups of 8 tiles are transformed together, one tile per vector lane. The
 * in-lane 4x4 transpose below puts tile lane_tile[p] of the group in lane p;
 * V and M keep that order (sgemm doesn't care), the output side undoes it. */
static const guint8 lane_tile[8] = { 0, 2, 4, 6, 1, 3, 5, 7 };

static inline void
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
static inline __m256
load8 (const float *row,
       int          m,
       gboolean     flip)
{
  if (!flip)
    return _mm256_loadu_ps (row + m);
  return _mm256_permutevar8x32_ps (_mm256_loadu_ps (row - m - 7),
                                   _mm256_setr_epi32 (7, 6, 5, 4, 3, 2, 1, 0));
}

static inline void
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
static inline __m256
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
static inline void
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
static void
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
static inline __m256
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
 * rows through masked loads, with no copy of each row into a zeroed buffer. */
static void
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
static void
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

static inline void
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
static void
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

void
_imp_winograd_transform_inputs_avx2 (const WinoJob *job,
                                     guint          t0,
                       guint          n,
                       gsize          ld,
                       float         *v)
{
  gsize plane = (gsize) job->height * job->width;
  gsize stride = position_stride (job->v_layout, job->src_channels, ld);
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
          input_transform8 (d, v + cell (job->v_layout, job->src_channels, c, k, ld), stride);
        }
    }
}

static inline void
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
static void
output_transform8 (const float *m,
                   gsize        stride,
                   __m256       y[TILE * TILE])
{
  __m256 t[TILE * PATCH], col[TILE];

#pragma GCC unroll 6
  for (guint j = 0; j < PATCH; j++)
    {
      at_1d (_mm256_loadu_ps (m + j * stride), _mm256_loadu_ps (m + (6 + j) * stride),
             _mm256_loadu_ps (m + (12 + j) * stride), _mm256_loadu_ps (m + (18 + j) * stride),
             _mm256_loadu_ps (m + (24 + j) * stride), _mm256_loadu_ps (m + (30 + j) * stride),
             col);
#pragma GCC unroll 6
      for (guint i = 0; i < TILE; i++)
        t[i * 6 + j] = col[i];
    }
#pragma GCC unroll 6
  for (guint i = 0; i < TILE; i++)
    at_1d (t[i * 6], t[i * 6 + 1], t[i * 6 + 2], t[i * 6 + 3], t[i * 6 + 4], t[i * 6 + 5],
           y + i * 4);
}

/* Row i of 8 side-by-side output tiles to frame columns 0..31 of @row. */
static inline void
store_tile_row8 (const WinoJob *job,
                 float         *row,
                 gboolean       flip,
                 float          bias,
                 __m256        *r)
{
  __m256 b = _mm256_set1_ps (bias), zero = _mm256_setzero_ps ();

  transpose4 (r, r + 1, r + 2, r + 3);
#pragma GCC unroll 6
  for (int k = 0; k < 4; k++)
    {
      __m256 value = _mm256_add_ps (r[k], b);

      if (job->relu)
        value = _mm256_max_ps (value, zero);
      store8 (row, 8 * k, flip, value);
    }
}

static void
store_group_fast (const WinoJob *job,
                  float         *plane,
                  float          bias,
                  int            y0,
                  int            x0,
                  __m256         y[TILE * TILE])
{
#pragma GCC unroll 6
  for (int i = 0; i < TILE; i++)
    store_tile_row8 (job, plane + frame_offset (job, y0 + i, x0), job->backward, bias,
                     y + i * 4);
}

/* 8 tiles of one tile row that reach past the plane: through a row buffer. */
static void
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

static void
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

void
_imp_winograd_transform_outputs_avx2 (const WinoJob   *job,
                                      const WinoBlock *block,
                                      const float     *m)
{
  gsize plane = (gsize) job->height * job->width;
  gsize ld = block->ld, stride = position_stride (job->m_layout, job->dst_channels, ld);
  guint t0 = block->t0, n = block->n;
  int h = job->height, w = job->width;

  for (guint o = block->out_first; o < block->out_end; o++)
    {
      float *dst = job->dst + o * plane;
      float bias = job->bias != NULL ? job->bias[o] : 0.0f;

      for (guint k = 0; k + 8 <= n; k += 8)
        {
          guint t = t0 + k;
          int ty = t / job->tiles_w, tx = t % job->tiles_w;
          __m256 y[TILE * TILE];

          output_transform8 (m + cell (job->m_layout, job->dst_channels, o, k, ld), stride, y);
          if (tx + 8 > (int) job->tiles_w)
            store_group_slow (job, dst, bias, t, y);
          else if (ty * TILE + TILE <= h && tx * TILE + 32 <= w)
            store_group_fast (job, dst, bias, ty * TILE, tx * TILE, y);
          else
            store_group_rows (job, dst, bias, ty * TILE, tx * TILE, y);
        }
    }
}

/* The products without sgemm, which would pack both operands on every call
 * and so re-pack the weights for every block of tiles. This kernel reads U
 * where it lies (broadcasts, 6 rows of M at a time) and V as it lies (16
 * tiles, two vectors), so neither is copied: C[6][16] in 12 accumulators.
 * Forward, row i of the 6 is output channel o0 + i: U[o0 + i][k]; backward it
 * is input channel c0 + i of the transposed U: U[k][c0 + i]. */
static inline __attribute__ ((always_inline)) void
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
 * may hold only 8): panel t / 16 of B starts at (t / 16) k_count b_row, of C
 * at (t / 16) ldc c_row (cell ()). */
#define GEMM_ROWS(R, A_K, A_I)                                                 \
  do                                                                           \
    {                                                                          \
      guint t = 0;                                                             \
      for (; t + 16 <= cols; t += 16)                                          \
        gemm_panel (a, A_K, A_I, b + (t >> 4) * k_count * b_row, b_row, k_count, \
                    c + (t >> 4) * ldc * c_row, c_row, R, TRUE);               \
      if (t < cols)                                                            \
        gemm_panel (a, A_K, A_I, b + (t >> 4) * k_count * b_row, b_row, k_count, \
                    c + (t >> 4) * ldc * c_row, c_row, R, FALSE);              \
    }                                                                          \
  while (0)

static void
gemm_rows_forward (const float *a,
                   gsize        lda,
                   const float *b,
                   gsize        b_row,
                   guint        k_count,
                   guint        cols,
                   float       *c,
                   gsize        c_row,
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

static void
gemm_rows_backward (const float *a,
                    gsize        lda,
                    const float *b,
                    gsize        b_row,
                    guint        k_count,
                    guint        cols,
                    float       *c,
                    gsize        c_row,
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

/* Rows r .. r + @rows - 1 of Ut as [k][KROWS]: read in place, each k would
 * be another cache line, and the K lines would push V out of L1. Eight
 * floats a row where the row has them (the 2 past the 6 are overwritten by
 * the next k): no branches of a short memcpy. */
static void
pack_backward_panel (const float *u,
                     gsize        lda,
                     guint        k_count,
                     guint        r,
                     guint        rows,
                     guint        dst,
                     float       *panel)
{
  if (r + 8 <= dst)
    for (guint k = 0; k < k_count; k++)
      _mm256_storeu_ps (panel + k * KROWS, _mm256_loadu_ps (u + (gsize) k * lda + r));
  else
    for (guint k = 0; k < k_count; k++)
      memcpy (panel + k * KROWS, u + (gsize) k * lda + r, rows * sizeof (float));
}

/* M = U . V (backward Ut . V) for one position: the rows of @block's output
 * channels over its ld columns (a multiple of 16), from dst x src weights
 * and src x ld inputs, both in cell ()'s panels. */
void
_imp_winograd_multiply_avx2 (const WinoJob   *job,
                             const WinoBlock *block,
                             const float     *u,
                             const float     *v,
                             float           *m)
{
  guint dst = job->dst_channels, src = job->src_channels;
  /* forward U is [dst][src]; backward it is [src][dst], read transposed */
  gsize lda = job->backward ? dst : src;
  gsize b_row = row_floats (job->v_layout), c_row = row_floats (job->m_layout);
  guint cols = block->ld;

  for (guint r = block->out_first; r < block->out_end; r += KROWS)
    {
      guint rows = MIN (KROWS, block->out_end - r);
      float *c = m + (gsize) r * c_row;

      if (job->backward && src <= 512)
        {
          float panel[512 * KROWS + 2];

          pack_backward_panel (u, lda, src, r, rows, dst, panel);
          if (job->avx512)
            _imp_winograd_gemm_rows_avx512 (panel, KROWS, 1, v, b_row, src, cols, c, c_row, dst,
                                            rows);
          else
            gemm_rows_backward (panel, KROWS, v, b_row, src, cols, c, c_row, dst, rows);
        }
      else if (job->backward)
        gemm_rows_backward (u + r, lda, v, b_row, src, cols, c, c_row, dst, rows);
      else if (job->avx512)
        _imp_winograd_gemm_rows_avx512 (u + (gsize) r * lda, 1, lda, v, b_row, src, cols, c,
                                        c_row, dst, rows);
      else
        gemm_rows_forward (u + (gsize) r * lda, lda, v, b_row, src, cols, c, c_row, dst, rows);
    }
}

