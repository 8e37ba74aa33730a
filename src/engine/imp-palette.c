/* imp-palette.c: the sliced Wasserstein distance between two pictures' colours
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-palette.h"

#include <math.h>
#include <string.h>

/* Fixed so that the distance of two pictures is the same number everywhere. */
#define DIRECTION_SEED 20170504u

/* One stable counting pass on @bits bits from @shift. */
static void
radix_pass (const guint32 *in,
            guint32       *out,
            gsize          n,
            guint          shift,
            guint          bits)
{
  gsize count[1u << 11] = { 0 };
  guint32 mask = (1u << bits) - 1;
  gsize sum = 0;

  for (gsize i = 0; i < n; i++)
    count[(in[i] >> shift) & mask]++;
  for (guint b = 0; b <= mask; b++)
    {
      gsize c = count[b];
      count[b] = sum;
      sum += c;
    }
  for (gsize i = 0; i < n; i++)
    out[count[(in[i] >> shift) & mask]++] = in[i];
}

/* Three passes of 11, 11 and 10 bits: linear time, where qsort on the
 * 1024 directions of two pictures took seconds. */
void
imp_palette_sort (float *values,
                  gsize  n,
                  float *scratch)
{
  guint32 *keys = (guint32 *) values, *tmp = (guint32 *) scratch;

  G_STATIC_ASSERT (sizeof (float) == sizeof (guint32));
  for (gsize i = 0; i < n; i++)
    keys[i] = imp_palette_float_key (values[i]);
  radix_pass (keys, tmp, n, 0, 11);
  radix_pass (tmp, keys, n, 11, 11);
  radix_pass (keys, tmp, n, 22, 10);
  for (gsize i = 0; i < n; i++)
    values[i] = imp_palette_key_float (tmp[i]);
}

void
imp_palette_quantiles (const float *sorted,
                       gsize        n,
                       guint        n_quantiles,
                       float       *quantiles)
{
  g_return_if_fail (n > 0);

  for (guint i = 0; i < n_quantiles; i++)
    {
      double pos = (i + 0.5) / n_quantiles * n - 0.5;
      gsize k;
      double frac;

      pos = CLAMP (pos, 0.0, (double) (n - 1));
      k = (gsize) pos;
      frac = pos - k;
      quantiles[i] = k + 1 < n ? (float) ((1.0 - frac) * sorted[k] + frac * sorted[k + 1])
                               : sorted[k];
    }
}

void
imp_palette_directions (float   *directions,
                        guint    n,
                        guint32  seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  for (guint d = 0; d < n; d++)
    {
      double v[3], norm;

      do
        {
          for (guint c = 0; c < 3; c++)
            {
              double u1 = 1.0 - g_rand_double (rand), u2 = g_rand_double (rand);
              v[c] = sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
            }
          norm = sqrt (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        }
      while (norm < 1e-12);
      for (guint c = 0; c < 3; c++)
        directions[3 * d + c] = (float) (v[c] / norm);
    }
}

static ImpImage *
reduced (const ImpImage *image)
{
  ImpImage *r = MAX (image->width, image->height) > IMP_PALETTE_SIDE
                ? imp_image_resize_to_fit (image, IMP_PALETTE_SIDE)
                : imp_image_copy (image);

  for (gsize i = 0; i < (gsize) 3 * r->width * r->height; i++)
    r->data[i] = CLAMP (r->data[i], 0.f, 255.f);
  return r;
}

/* The quantiles of @image's pixels projected on @direction. */
static void
projected_quantiles (const ImpImage *image,
                     const float    *direction,
                     float          *values,
                     float          *scratch,
                     float          *quantiles)
{
  gsize n = (gsize) image->width * image->height;
  const float *r = image->data, *g = r + n, *b = g + n;

  for (gsize i = 0; i < n; i++)
    values[i] = direction[0] * r[i] + direction[1] * g[i] + direction[2] * b[i];
  imp_palette_sort (values, n, scratch);
  imp_palette_quantiles (values, n, IMP_PALETTE_QUANTILES, quantiles);
}

double
imp_palette_distance (const ImpImage *a,
                      const ImpImage *b)
{
  g_autoptr(ImpImage) ra = NULL;
  g_autoptr(ImpImage) rb = NULL;
  g_autofree float (*directions)[3] = g_malloc (sizeof (float[3]) * IMP_PALETTE_DIRECTIONS);
  g_autofree float *values = NULL;
  g_autofree float *scratch = NULL;
  float qa[IMP_PALETTE_QUANTILES], qb[IMP_PALETTE_QUANTILES];
  gsize n_max;
  double sum = 0.0;

  g_return_val_if_fail (a != NULL && b != NULL, NAN);

  ra = reduced (a);
  rb = reduced (b);
  n_max = MAX ((gsize) ra->width * ra->height, (gsize) rb->width * rb->height);
  values = g_new (float, n_max);
  scratch = g_new (float, n_max);
  imp_palette_directions (&directions[0][0], IMP_PALETTE_DIRECTIONS, DIRECTION_SEED);
  for (guint d = 0; d < IMP_PALETTE_DIRECTIONS; d++)
    {
      projected_quantiles (ra, directions[d], values, scratch, qa);
      projected_quantiles (rb, directions[d], values, scratch, qb);
      for (guint i = 0; i < IMP_PALETTE_QUANTILES; i++)
        sum += (double) (qa[i] - qb[i]) * (qa[i] - qb[i]);
    }
  return sqrt (sum / ((double) IMP_PALETTE_DIRECTIONS * IMP_PALETTE_QUANTILES));
}
