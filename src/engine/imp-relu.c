/* imp-relu.c: the ReLU's gradient masks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-relu.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

void
imp_relu_mask_by_output (float       *grad,
                         const float *act,
                         gsize        n)
{
  gsize i = 0;

#ifdef __SSE2__
  /* four lanes at a time (the compiler kept the conditional store scalar) */
  for (; i + 4 <= n; i += 4)
    _mm_storeu_ps (grad + i, _mm_and_ps (_mm_loadu_ps (grad + i),
                                         _mm_cmpgt_ps (_mm_loadu_ps (act + i), _mm_setzero_ps ())));
#endif
  for (; i < n; i++)
    if (!(act[i] > 0.f))
      grad[i] = 0.f;
}

void
imp_relu_pack_mask (const float *act,
                    gsize        n,
                    guint8      *mask)
{
  gsize full = n / 8;

  for (gsize j = 0; j < full; j++)
    {
      const float *a = act + 8 * j;
#ifdef __SSE2__
      /* two compares and two movemasks a byte, not a loop of shifts */
      __m128 zero = _mm_setzero_ps ();
      int lo = _mm_movemask_ps (_mm_cmpgt_ps (_mm_loadu_ps (a), zero));
      int hi = _mm_movemask_ps (_mm_cmpgt_ps (_mm_loadu_ps (a + 4), zero));

      mask[j] = (guint8) (lo | hi << 4);
#else
      guint bits = 0;
      for (guint k = 0; k < 8; k++)
        bits |= (guint) (a[k] > 0.f) << k;
      mask[j] = (guint8) bits;
#endif
    }
  if (n > 8 * full)
    {
      guint bits = 0;
      for (gsize i = 8 * full; i < n; i++)
        bits |= (guint) (act[i] > 0.f) << (i - 8 * full);
      mask[full] = (guint8) bits;
    }
}

#ifdef __SSE2__
/* lane_masks ()[b]: lane k all ones where bit k of b is set, else zero. */
static const __m128 *
lane_masks (void)
{
  static __m128 masks[16];
  static gsize done;

  if (g_once_init_enter (&done))
    {
      for (guint b = 0; b < 16; b++)
        masks[b] = _mm_castsi128_ps (_mm_setr_epi32 (b & 1 ? -1 : 0, b & 2 ? -1 : 0,
                                                     b & 4 ? -1 : 0, b & 8 ? -1 : 0));
      g_once_init_leave (&done, 1);
    }
  return masks;
}
#endif

/* Whole bytes at a time where the eight ReLUs agree (most of them in deep
 * layers). */
void
imp_relu_apply_mask (float        *grad,
                     const guint8 *mask,
                     gsize         n)
{
  gsize full = n / 8;
#ifdef __SSE2__
  const __m128 *lut = lane_masks ();
#endif

  for (gsize j = 0; j < full; j++)
    {
      float *g = grad + 8 * j;
      guint bits = mask[j];

      if (bits == 0xff)
        continue;
      if (bits == 0)
        memset (g, 0, 8 * sizeof (float));
      else
        {
#ifdef __SSE2__
          /* four lanes at a time through a table of lane masks, not a
           * branch per float */
          _mm_storeu_ps (g, _mm_and_ps (_mm_loadu_ps (g), lut[bits & 15]));
          _mm_storeu_ps (g + 4, _mm_and_ps (_mm_loadu_ps (g + 4), lut[bits >> 4]));
#else
          for (guint k = 0; k < 8; k++)
            g[k] = (bits >> k) & 1 ? g[k] : 0.f;
#endif
        }
    }
  for (gsize i = 8 * full; i < n; i++)
    if (!((mask[i >> 3] >> (i & 7)) & 1))
      grad[i] = 0.f;
}
