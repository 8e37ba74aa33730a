/* imp-losses.c: Gram matrices and the Gatys losses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-losses.h"

#include <cblas.h>

void
imp_gram (const float *features,
          guint        channels,
          gsize        n_positions,
          float       *gram)
{
  /* ssyrk does half the work of sgemm; mirror the other triangle after. */
  cblas_ssyrk (CblasRowMajor, CblasUpper, CblasNoTrans, (int) channels, (int) n_positions,
               (float) (1.0 / (double) n_positions), features, (int) n_positions,
               0.f, gram, (int) channels);
  for (guint i = 0; i < channels; i++)
    for (guint j = 0; j < i; j++)
      gram[(gsize) i * channels + j] = gram[(gsize) j * channels + i];
}

double
imp_style_loss (const float *features,
                guint        channels,
                gsize        n_positions,
                const float *target_gram,
                float       *gram_scratch,
                double       grad_scale,
                float       *grad)
{
  gsize cc = (gsize) channels * channels;
  double sum = 0;

  imp_gram (features, channels, n_positions, gram_scratch);
  for (gsize i = 0; i < cc; i++)
    {
      float d = gram_scratch[i] - target_gram[i];
      gram_scratch[i] = d;
      sum += (double) d * d;
    }
  if (grad != NULL && grad_scale != 0)
    {
      /* d mean(D²)/dG = 2D/C²; dF = (dG + dGᵀ) F / N = 4 D F / (C² N), D symmetric. */
      double alpha = grad_scale * 4.0 / ((double) cc * (double) n_positions);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) channels, (int) n_positions,
                   (int) channels, (float) alpha, gram_scratch, (int) channels, features,
                   (int) n_positions, 1.f, grad, (int) n_positions);
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
