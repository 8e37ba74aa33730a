/* imp-color-loss.c: sliced Wasserstein loss on the picture's colours
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-color-loss.h"

#include <math.h>
#include <string.h>

#include "imp-palette.h"

#define DIRECTION_SEED 20210610u
/* Resolution of each direction's target quantile function. */
#define TARGET_QUANTILES 1024

struct _ImpColorLoss
{
  guint   n_directions;
  float  *directions;   /* [K][3] */
  float  *targets;      /* [K][TARGET_QUANTILES], ascending */
  /* scratch, grown to the largest image seen */
  gsize   capacity;
  guint64 *keys;
  guint64 *keys_tmp;
  float  *projected;
};

void
imp_color_loss_free (ImpColorLoss *self)
{
  if (self == NULL)
    return;
  g_free (self->directions);
  g_free (self->targets);
  g_free (self->keys);
  g_free (self->keys_tmp);
  g_free (self->projected);
  g_free (self);
}

static void
project (const ImpImage *image,
         const float    *u,
         float          *out)
{
  gsize n = (gsize) image->width * image->height;
  const float *r = image->data, *g = r + n, *b = g + n;

  for (gsize i = 0; i < n; i++)
    out[i] = u[0] * r[i] + u[1] * g[i] + u[2] * b[i];
}

ImpColorLoss *
imp_color_loss_new (const ImpImage * const *styles,
                    const double           *blend,
                    guint                   n_styles,
                    guint                   n_directions)
{
  ImpColorLoss *self;
  double total = 0;

  g_return_val_if_fail (n_styles > 0 && n_directions > 0, NULL);

  self = g_new0 (ImpColorLoss, 1);
  self->n_directions = n_directions;
  self->directions = g_new (float, 3 * n_directions);
  self->targets = g_new0 (float, (gsize) n_directions * TARGET_QUANTILES);
  imp_palette_directions (self->directions, n_directions, DIRECTION_SEED);
  for (guint s = 0; s < n_styles; s++)
    total += blend != NULL ? blend[s] : 1.0;
  for (guint s = 0; s < n_styles; s++)
    {
      gsize n = (gsize) styles[s]->width * styles[s]->height;
      g_autofree float *values = g_new (float, n);
      g_autofree float *scratch = g_new (float, n);
      float q[TARGET_QUANTILES];
      double w = (blend != NULL ? blend[s] : 1.0) / total;

      for (guint d = 0; d < n_directions; d++)
        {
          float *t = self->targets + (gsize) d * TARGET_QUANTILES;

          project (styles[s], self->directions + 3 * d, values);
          imp_palette_sort (values, n, scratch);
          imp_palette_quantiles (values, n, TARGET_QUANTILES, q);
          for (guint i = 0; i < TARGET_QUANTILES; i++)
            t[i] += (float) (w * q[i]);
        }
    }
  return self;
}

static inline guint32
float_key (float value)
{
  guint32 bits;

  memcpy (&bits, &value, sizeof bits);
  return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}

/* Stable counting pass on 11 bits of the upper (key) half. */
static void
key_pass (const guint64 *in,
          guint64       *out,
          gsize          n,
          guint          shift)
{
  gsize count[1u << 11] = { 0 };
  gsize sum = 0;

  for (gsize i = 0; i < n; i++)
    count[(in[i] >> (32 + shift)) & 0x7ff]++;
  for (guint b = 0; b < (1u << 11); b++)
    {
      gsize c = count[b];
      count[b] = sum;
      sum += c;
    }
  for (gsize i = 0; i < n; i++)
    out[count[(in[i] >> (32 + shift)) & 0x7ff]++] = in[i];
}

/* Pixel indices in ascending order of @values, in the low halves of keys. */
static void
argsort (ImpColorLoss *self,
         const float  *values,
         gsize         n)
{
  for (gsize i = 0; i < n; i++)
    self->keys[i] = ((guint64) float_key (values[i]) << 32) | (guint64) i;
  key_pass (self->keys, self->keys_tmp, n, 0);
  key_pass (self->keys_tmp, self->keys, n, 11);
  key_pass (self->keys, self->keys_tmp, n, 22);
  memcpy (self->keys, self->keys_tmp, n * sizeof *self->keys);
}

/* The target's quantile at (rank + 0.5) / n, linearly interpolated. */
static inline float
target_at (const float *t,
           gsize        rank,
           gsize        n)
{
  double pos = (rank + 0.5) / n * TARGET_QUANTILES - 0.5;
  gsize k;
  double frac;

  pos = CLAMP (pos, 0.0, TARGET_QUANTILES - 1.0);
  k = (gsize) pos;
  frac = pos - k;
  return k + 1 < TARGET_QUANTILES ? (float) ((1.0 - frac) * t[k] + frac * t[k + 1]) : t[k];
}

static void
ensure_capacity (ImpColorLoss *self,
                 gsize         n)
{
  if (n <= self->capacity)
    return;
  g_free (self->keys);
  g_free (self->keys_tmp);
  g_free (self->projected);
  self->keys = g_new (guint64, n);
  self->keys_tmp = g_new (guint64, n);
  self->projected = g_new (float, n);
  self->capacity = n;
}

double
imp_color_loss_evaluate (ImpColorLoss   *self,
                         const ImpImage *image,
                         double          grad_scale,
                         float          *grad)
{
  gsize n = (gsize) image->width * image->height;
  float g = (float) (grad_scale * 2.0 / ((double) n * self->n_directions));
  double sum = 0;

  ensure_capacity (self, n);
  for (guint d = 0; d < self->n_directions; d++)
    {
      const float *u = self->directions + 3 * d;
      const float *t = self->targets + (gsize) d * TARGET_QUANTILES;

      project (image, u, self->projected);
      argsort (self, self->projected, n);
      for (gsize r = 0; r < n; r++)
        {
          gsize i = (gsize) (self->keys[r] & 0xffffffffu);
          float diff = self->projected[i] - target_at (t, r, n);

          sum += (double) diff * diff;
          if (grad != NULL)
            {
              grad[i] += g * diff * u[0];
              grad[n + i] += g * diff * u[1];
              grad[2 * n + i] += g * diff * u[2];
            }
        }
    }
  return sum / ((double) n * self->n_directions);
}
