/* imp-pooling.c: 2x2 stride-2 pooling
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-pooling.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Index (0..3, scan order) of the first maximum of a 2x2 window. */
static inline guint
window_argmax (const float *row0,
               const float *row1)
{
  float v[4] = { row0[0], row0[1], row1[0], row1[1] };
  guint best = 0;

  for (guint i = 1; i < 4; i++)
    if (v[i] > v[best])
      best = i;
  return best;
}

void
imp_pool_forward (ImpPoolKind  kind,
                  const float *input,
                  guint        channels,
                  guint        height,
                  guint        width,
                  float       *output)
{
  guint oh = height / 2, ow = width / 2;

  for (guint c = 0; c < channels; c++)
    for (guint y = 0; y < oh; y++)
      {
        const float *r0 = input + ((gsize) c * height + 2 * y) * width;
        const float *r1 = r0 + width;
        float *out = output + ((gsize) c * oh + y) * ow;
        for (guint x = 0; x < ow; x++)
          {
            const float *a = r0 + 2 * x, *b = r1 + 2 * x;
            if (kind == IMP_POOL_MAX)
              out[x] = MAX (MAX (a[0], a[1]), MAX (b[0], b[1]));
            else
              out[x] = 0.25f * ((a[0] + a[1]) + (b[0] + b[1]));
          }
      }
}

void
imp_pool_backward (ImpPoolKind  kind,
                   const float *input,
                   const float *grad_output,
                   guint        channels,
                   guint        height,
                   guint        width,
                   float       *grad_input)
{
  guint oh = height / 2, ow = width / 2;

  memset (grad_input, 0, (gsize) channels * height * width * sizeof (float));
  for (guint c = 0; c < channels; c++)
    for (guint y = 0; y < oh; y++)
      {
        gsize top = ((gsize) c * height + 2 * y) * width;
        const float *g = grad_output + ((gsize) c * oh + y) * ow;
        for (guint x = 0; x < ow; x++)
          {
            float *d0 = grad_input + top + 2 * x, *d1 = d0 + width;
            if (kind == IMP_POOL_MAX)
              {
                guint k = window_argmax (input + top + 2 * x, input + top + width + 2 * x);
                (k < 2 ? d0 : d1)[k & 1] = g[x];
              }
            else
              {
                float q = 0.25f * g[x];
                d0[0] = d0[1] = d1[0] = d1[1] = q;
              }
          }
      }
}

#ifdef __SSE2__
/* Four windows of one pair of rows: the window_argmax () above with the same
 * strict comparisons in scan order (first maximum, NaN never replaces), as
 * lanes, since a loop of single windows costs a visible share of an
 * iteration. Returns the number of windows done (ow rounded down to 4). */
static guint
row_argmax4 (const float *r0,
             const float *r1,
             guint        ow,
             float       *out,
             guint8      *argmax)
{
  guint x = 0;

  for (; x + 4 <= ow; x += 4)
    {
      __m128 p0 = _mm_loadu_ps (r0 + 2 * x), p1 = _mm_loadu_ps (r0 + 2 * x + 4);
      __m128 q0 = _mm_loadu_ps (r1 + 2 * x), q1 = _mm_loadu_ps (r1 + 2 * x + 4);
      __m128 v[4] = {
        _mm_shuffle_ps (p0, p1, _MM_SHUFFLE (2, 0, 2, 0)),
        _mm_shuffle_ps (p0, p1, _MM_SHUFFLE (3, 1, 3, 1)),
        _mm_shuffle_ps (q0, q1, _MM_SHUFFLE (2, 0, 2, 0)),
        _mm_shuffle_ps (q0, q1, _MM_SHUFFLE (3, 1, 3, 1)),
      };
      __m128 best = v[0];
      __m128i k = _mm_setzero_si128 ();
      guint32 bytes;

      for (int i = 1; i < 4; i++)
        {
          __m128 gt = _mm_cmpgt_ps (v[i], best);

          best = _mm_or_ps (_mm_and_ps (gt, v[i]), _mm_andnot_ps (gt, best));
          k = _mm_or_si128 (_mm_and_si128 (_mm_castps_si128 (gt), _mm_set1_epi32 (i)),
                            _mm_andnot_si128 (_mm_castps_si128 (gt), k));
        }
      _mm_storeu_ps (out + x, best);
      k = _mm_packs_epi32 (k, k);
      bytes = (guint32) _mm_cvtsi128_si32 (_mm_packus_epi16 (k, k));
      memcpy (argmax + x, &bytes, 4);
    }
  return x;
}
#endif

void
imp_pool_forward_argmax (const float *input,
                         guint        channels,
                         guint        height,
                         guint        width,
                         float       *output,
                         guint8      *argmax)
{
  guint oh = height / 2, ow = width / 2;

  for (guint c = 0; c < channels; c++)
    for (guint y = 0; y < oh; y++)
      {
        const float *r0 = input + ((gsize) c * height + 2 * y) * width;
        const float *r1 = r0 + width;
        gsize o = ((gsize) c * oh + y) * ow;
        guint x = 0;

#ifdef __SSE2__
        x = row_argmax4 (r0, r1, ow, output + o, argmax + o);
#endif
        for (; x < ow; x++)
          {
            guint k = window_argmax (r0 + 2 * x, r1 + 2 * x);
            argmax[o + x] = (guint8) k;
            output[o + x] = (k < 2 ? r0 : r1)[2 * x + (k & 1)];
          }
      }
}

void
imp_pool_backward_argmax (const guint8 *argmax,
                          const float  *grad_output,
                          guint         channels,
                          guint         height,
                          guint         width,
                          float        *grad_input)
{
  guint oh = height / 2, ow = width / 2;

  memset (grad_input, 0, (gsize) channels * height * width * sizeof (float));
  for (guint c = 0; c < channels; c++)
    for (guint y = 0; y < oh; y++)
      {
        gsize top = ((gsize) c * height + 2 * y) * width;
        gsize o = ((gsize) c * oh + y) * ow;
        for (guint x = 0; x < ow; x++)
          {
            guint k = argmax[o + x];
            grad_input[top + (k < 2 ? 0 : width) + 2 * x + (k & 1)] = grad_output[o + x];
          }
      }
}
