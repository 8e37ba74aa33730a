/* imp-color-loss.c: sliced Wasserstein loss on the picture's colours
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-color-loss.h"

#include <math.h>
#include <string.h>

#include "imp-palette.h"
#include "imp-parallel.h"

#define DIRECTION_SEED 20210610u
/* Resolution of each direction's target quantile function. */
#define TARGET_QUANTILES 1024

/* One thread's scratch for one direction at a time, grown to the largest
 * image seen. */
typedef struct
{
  guint64 *keys;       /* projected value's sort key << 32 | pixel */
  guint64 *keys_tmp;
  float   *diff;       /* each pixel's distance to its target quantile */
} Sorter;

struct _ImpColorLoss
{
  guint   n_directions;
  float  *directions;   /* [K][3] */
  float  *targets;      /* [K][TARGET_QUANTILES], ascending */
  gsize   capacity;
  Sorter  sorters[IMP_PARALLEL_MAX_THREADS];
};

static void
sorters_free (ImpColorLoss *self)
{
  for (guint t = 0; t < IMP_PARALLEL_MAX_THREADS; t++)
    {
      g_clear_pointer (&self->sorters[t].keys, g_free);
      g_clear_pointer (&self->sorters[t].keys_tmp, g_free);
      g_clear_pointer (&self->sorters[t].diff, g_free);
    }
}

void
imp_color_loss_free (ImpColorLoss *self)
{
  if (self == NULL)
    return;
  g_free (self->directions);
  g_free (self->targets);
  sorters_free (self);
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

/* The pixels of @image projected on @u, in ascending order of the value:
 * its key in the upper half of each of @s's keys, the pixel in the lower. */
static void
argsort_projection (Sorter         *s,
                    const ImpImage *image,
                    const float    *u)
{
  gsize n = (gsize) image->width * image->height;
  const float *r = image->data, *g = r + n, *b = g + n;

  for (gsize i = 0; i < n; i++)
    {
      float value = u[0] * r[i] + u[1] * g[i] + u[2] * b[i];

      s->keys[i] = ((guint64) imp_palette_float_key (value) << 32) | (guint64) i;
    }
  key_pass (s->keys, s->keys_tmp, n, 0);
  key_pass (s->keys_tmp, s->keys, n, 11);
  key_pass (s->keys, s->keys_tmp, n, 22);
  memcpy (s->keys, s->keys_tmp, n * sizeof *s->keys);
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
  sorters_free (self);
  self->capacity = n;
}

/* One evaluation's directions d0 .. d0 + count - 1, one a thread. */
typedef struct
{
  ImpColorLoss   *self;
  const ImpImage *image;
  guint           d0;
  guint           count;
  double          sums[IMP_PARALLEL_MAX_THREADS];
  float           g;
  float          *grad;
} ColorJob;

/* Direction d0 + @t: its squared distances summed, and with a gradient each
 * pixel's distance in its sorter's diff. */
static void
direction_part (guint    t,
                guint    k G_GNUC_UNUSED,
                gpointer data)
{
  ColorJob *job = data;
  Sorter *s = &job->self->sorters[t];
  guint d = job->d0 + t;
  gsize n = (gsize) job->image->width * job->image->height;
  const float *target = job->self->targets + (gsize) d * TARGET_QUANTILES;
  double sum = 0;

  if (s->keys == NULL)
    {
      s->keys = g_new (guint64, job->self->capacity);
      s->keys_tmp = g_new (guint64, job->self->capacity);
      s->diff = g_new (float, job->self->capacity);
    }
  argsort_projection (s, job->image, job->self->directions + 3 * d);
  for (gsize r = 0; r < n; r++)
    {
      float diff = imp_palette_key_float ((guint32) (s->keys[r] >> 32)) - target_at (target, r, n);

      sum += (double) diff * diff;
      if (job->grad != NULL)
        s->diff[s->keys[r] & 0xffffffffu] = diff;
    }
  job->sums[t] = sum;
}

/* Part @t of @k of the pixels: the gradient of the job's directions, added
 * one direction after the other as a single thread would. */
static void
gradient_part (guint    t,
               guint    k,
               gpointer data)
{
  ColorJob *job = data;
  gsize n = (gsize) job->image->width * job->image->height;
  gsize i0 = imp_parallel_split (n, t, k), i1 = imp_parallel_split (n, t + 1, k);
  float g = job->g, *grad = job->grad;

  for (guint j = 0; j < job->count; j++)
    {
      const float *u = job->self->directions + 3 * (job->d0 + j);
      const float *diff = job->self->sorters[j].diff;

      for (gsize i = i0; i < i1; i++)
        {
          grad[i] += g * diff[i] * u[0];
          grad[n + i] += g * diff[i] * u[1];
          grad[2 * n + i] += g * diff[i] * u[2];
        }
    }
}

guint64
imp_color_loss_estimate_memory (gsize n_pixels,
                                guint n_directions,
                                guint n_threads)
{
  guint64 sorter = (guint64) n_pixels * (2 * sizeof (guint64) + sizeof (float));

  return (guint64) n_directions * (3 + TARGET_QUANTILES) * sizeof (float) +
         MIN (MAX (n_threads, 1), n_directions) * sorter;
}

double
imp_color_loss_evaluate (ImpColorLoss   *self,
                         const ImpImage *image,
                         double          grad_scale,
                         float          *grad,
                         ImpParallel    *parallel)
{
  gsize n = (gsize) image->width * image->height;
  guint n_threads = imp_parallel_get_n_threads (parallel);
  ColorJob job = { self, image, 0, 0, { 0 },
                   (float) (grad_scale * 2.0 / ((double) n * self->n_directions)), grad };
  double sum = 0;

  ensure_capacity (self, n);
  /* as many directions at once as threads; sums added in direction order,
   * so the result does not depend on the thread count */
  for (job.d0 = 0; job.d0 < self->n_directions; job.d0 += job.count)
    {
      job.count = MIN (n_threads, self->n_directions - job.d0);
      imp_parallel_run (parallel, job.count, direction_part, &job);
      for (guint t = 0; t < job.count; t++)
        sum += job.sums[t];
      if (grad != NULL)
        imp_parallel_run (parallel, 0, gradient_part, &job);
    }
  return sum / ((double) n * self->n_directions);
}
