/* imp-pool.c: 2x2 stride-2 pooling
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-pool.h"

#include <string.h>

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
        for (guint x = 0; x < ow; x++)
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
