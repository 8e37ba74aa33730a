/* imp-losses.c: Gram matrices and the Gatys losses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-losses.h"
#include "imp-parallel.h"

#include <cblas.h>
#include <math.h>


typedef struct
{
  const float *features;
  guint        channels;
  gsize        n_positions;
  float       *gram;
  float        alpha;
  float       *grad;       /* style gradient: grad += alpha D F */
} LossJob;

/* First row of part @t of @k of the Gram's upper triangle, so that the
 * parts hold equal numbers of entries (row i holds C - i). */
static guint
gram_row (guint channels,
          guint t,
          guint k)
{
  if (t >= k)
    return channels;
  return (guint) MIN (channels, channels * (1.0 - sqrt (1.0 - (double) t / k)) + 0.5);
}

/* Rows a..b of the upper triangle: ssyrk on the diagonal block (half the
 * work of sgemm there), sgemm right of it. */
static void
gram_part (guint    t,
           guint    k,
           gpointer data)
{
  const LossJob *job = data;
  guint c = job->channels, a = gram_row (c, t, k), b = gram_row (c, t + 1, k);
  int n = (int) job->n_positions;

  if (b <= a)
    return;
  cblas_ssyrk (CblasRowMajor, CblasUpper, CblasNoTrans, (int) (b - a), n, job->alpha,
               job->features + (gsize) a * n, n, 0.f, job->gram + (gsize) a * c + a, (int) c);
  if (b < c)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) (b - a), (int) (c - b), n,
                 job->alpha, job->features + (gsize) a * n, n, job->features + (gsize) b * n, n,
                 0.f, job->gram + (gsize) a * c + b, (int) c);
}

void
imp_gram (const float *features,
          guint        channels,
          gsize        n_positions,
          float       *gram,
          ImpParallel *parallel)
{
  LossJob job = { features, channels, n_positions, gram,
                  (float) (1.0 / (double) n_positions), NULL };

  imp_parallel_run (parallel, 0, gram_part, &job);
  for (guint i = 0; i < channels; i++)
    for (guint j = 0; j < i; j++)
      gram[(gsize) i * channels + j] = gram[(gsize) j * channels + i];
}

/* Columns (positions) of part @t of @k, in whole cache lines. */
static void
style_gradient_part (guint    t,
                     guint    k,
                     gpointer data)
{
  const LossJob *job = data;
  gsize n = job->n_positions, lines = (n + 15) / 16;
  gsize p0 = MIN (n, imp_parallel_split (lines, t, k) * 16);
  gsize p1 = MIN (n, imp_parallel_split (lines, t + 1, k) * 16);
  int c = (int) job->channels;

  if (p1 <= p0)
    return;
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, c, (int) (p1 - p0), c, job->alpha,
               job->gram, c, job->features + p0, (int) n, 1.f, job->grad + p0, (int) n);
}

double
imp_style_loss (const float *features,
                guint        channels,
                gsize        n_positions,
                const float *target_gram,
                float       *gram_scratch,
                double       grad_scale,
                float       *grad,
                ImpParallel *parallel)
{
  gsize cc = (gsize) channels * channels;
  double sum = 0;

  imp_gram (features, channels, n_positions, gram_scratch, parallel);
  for (gsize i = 0; i < cc; i++)
    {
      float d = gram_scratch[i] - target_gram[i];
      gram_scratch[i] = d;
      sum += (double) d * d;
    }
  if (grad != NULL && grad_scale != 0)
    {
      /* d mean(D²)/dG = 2D/C²; dF = (dG + dGᵀ) F / N = 4 D F / (C² N), D symmetric. */
      LossJob job = { features, channels, n_positions, gram_scratch,
                      (float) (grad_scale * 4.0 / ((double) cc * (double) n_positions)), grad };

      imp_parallel_run (parallel, 0, style_gradient_part, &job);
    }
  return sum / (double) cc;
}

double
imp_content_loss (const float *features,
                  const float *target,
                  gsize        n,
                  double       grad_scale,
                  float       *grad)
{
  float g = (float) (grad_scale * 2.0 / (double) n);
  double sum = 0;

  for (gsize i = 0; i < n; i++)
    {
      float d = features[i] - target[i];
      sum += (double) d * d;
      if (grad != NULL)
        grad[i] += g * d;
    }
  return sum / (double) n;
}

double
imp_tv_loss (const float *image,
             guint        channels,
             guint        height,
             guint        width,
             double       grad_scale,
             float       *grad)
{
  double norm = (double) channels * height * width;
  float g = (float) (grad_scale * 2.0 / norm);
  double sum = 0;

  for (guint c = 0; c < channels; c++)
    for (guint y = 0; y < height; y++)
      {
        gsize row = ((gsize) c * height + y) * width;
        for (guint x = 0; x < width; x++)
          {
            gsize i = row + x;
            if (x + 1 < width)
              {
                float d = image[i + 1] - image[i];
                sum += (double) d * d;
                if (grad != NULL)
                  {
                    grad[i + 1] += g * d;
                    grad[i] -= g * d;
                  }
              }
            if (y + 1 < height)
              {
                float d = image[i + width] - image[i];
                sum += (double) d * d;
                if (grad != NULL)
                  {
                    grad[i + width] += g * d;
                    grad[i] -= g * d;
                  }
              }
          }
      }
  return sum / norm;
}
