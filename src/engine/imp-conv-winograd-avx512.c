/* imp-conv-winograd-avx512.c: the Winograd products with AVX-512F
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Compiled with -mavx512f; called only where the processor has it.
 */
#include "imp-conv-winograd-private.h"

#include <immintrin.h>

/* The AVX2 kernel's products with 512-bit vectors: a zmm holds a whole
 * panel of 16 tiles, so the 6 rows take two panels at once (12 accumulators
 * again) and each instruction does twice the work where the processor runs
 * 512-bit FMAs at full width. */
static inline __attribute__ ((always_inline)) void
gemm_panel512 (const float *a,
               gsize        a_k,
               gsize        a_i,
               const float *b,        /* panel t; panel t + 1 at b + b_next */
               gsize        b_row,
               gsize        b_next,
               guint        k_count,
               float       *c,        /* panel t; panel t + 1 at c + c_next */
               gsize        c_row,
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
      b += b_row;
    }
#pragma GCC unroll 6
  for (guint i = 0; i < KROWS; i++)
    if (i < rows)
      {
        _mm512_storeu_ps (c + i * c_row, acc0[i]);
        if (two)
          _mm512_storeu_ps (c + c_next + i * c_row, acc1[i]);
      }
}

/* GEMM_ROWS with AVX-512: pairs of 16-tile panels, then a single one. */
#define GEMM_ROWS512(R, A_K, A_I)                                              \
  do                                                                           \
    {                                                                          \
      guint t = 0;                                                             \
      for (; t + 32 <= cols; t += 32)                                          \
        gemm_panel512 (a, A_K, A_I, b + (t >> 4) * k_count * b_row, b_row,     \
                       k_count * b_row, k_count, c + (t >> 4) * ldc * c_row,   \
                       c_row, ldc * c_row, R, TRUE);                           \
      if (t < cols)                                                            \
        gemm_panel512 (a, A_K, A_I, b + (t >> 4) * k_count * b_row, b_row, 0,  \
                       k_count, c + (t >> 4) * ldc * c_row, c_row, 0, R,       \
                       FALSE);                                                 \
    }                                                                          \
  while (0)

void
_imp_winograd_gemm_rows_avx512 (const float *a,
                                gsize        a_k,
              gsize        a_i,
              const float *b,
              gsize        b_row,
              guint        k_count,
              guint        cols,
              float       *c,
              gsize        c_row,
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
