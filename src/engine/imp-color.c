/* imp-color.c: keeping the content's colours
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-color.h"

#include <math.h>

ImpImage *
imp_color_keep_luminance (const ImpImage *image,
                          const ImpImage *content)
{
  g_autoptr(ImpImage) sized = NULL;
  ImpImage *out;
  gsize n = (gsize) image->width * image->height;

  if (content->width != image->width || content->height != image->height)
    sized = imp_image_resize (content, image->width, image->height);
  out = imp_image_new (image->width, image->height);
  for (gsize i = 0; i < n; i++)
    {
      const ImpImage *c = sized != NULL ? sized : content;
      float r = image->data[i], g = image->data[n + i], b = image->data[2 * n + i];
      float cr = c->data[i], cg = c->data[n + i], cb_ = c->data[2 * n + i];
      double y = 0.299 * r + 0.587 * g + 0.114 * b;
      double cb = -0.168736 * cr - 0.331264 * cg + 0.5 * cb_;
      double crr = 0.5 * cr - 0.418688 * cg - 0.081312 * cb_;

      out->data[i] = (float) CLAMP (y + 1.402 * crr, 0.0, 255.0);
      out->data[n + i] = (float) CLAMP (y - 0.344136 * cb - 0.714136 * crr, 0.0, 255.0);
      out->data[2 * n + i] = (float) CLAMP (y + 1.772 * cb, 0.0, 255.0);
    }
  return out;
}

void
imp_color_statistics (const ImpImage *image,
                      double          mean[3],
                      double          cov[3][3])
{
  gsize n = (gsize) image->width * image->height;

  for (guint c = 0; c < 3; c++)
    {
      double s = 0.0;

      for (gsize i = 0; i < n; i++)
        s += image->data[c * n + i];
      mean[c] = s / n;
    }
  for (guint a = 0; a < 3; a++)
    for (guint b = a; b < 3; b++)
      {
        double s = 0.0;

        for (gsize i = 0; i < n; i++)
          s += (image->data[a * n + i] - mean[a]) * (image->data[b * n + i] - mean[b]);
        cov[a][b] = cov[b][a] = s / n;
      }
}

/* Lower-triangular L with L L^T = cov; a small ridge keeps flat (grey or
 * single-colour) images factorable. */
static void
cholesky (double       cov[3][3],
          double       l[3][3])
{
  for (guint i = 0; i < 3; i++)
    for (guint j = 0; j < 3; j++)
      l[i][j] = 0.0;
  for (guint i = 0; i < 3; i++)
    for (guint j = 0; j <= i; j++)
      {
        double s = cov[i][j] + (i == j ? 1e-3 : 0.0);

        for (guint k = 0; k < j; k++)
          s -= l[i][k] * l[j][k];
        if (i == j)
          l[i][i] = sqrt (MAX (s, 1e-9));
        else
          l[i][j] = s / l[j][j];
      }
}

static void
invert_lower (double l[3][3],
              double inv[3][3])
{
  for (guint i = 0; i < 3; i++)
    for (guint j = 0; j < 3; j++)
      inv[i][j] = 0.0;
  for (guint i = 0; i < 3; i++)
    {
      inv[i][i] = 1.0 / l[i][i];
      for (guint j = 0; j < i; j++)
        {
          double s = 0.0;

          for (guint k = j; k < i; k++)
            s += l[i][k] * inv[k][j];
          inv[i][j] = -s / l[i][i];
        }
    }
}

ImpImage *
imp_color_match_histogram (const ImpImage *style,
                           const ImpImage *content)
{
  double mu_s[3], mu_c[3], cov_s[3][3], cov_c[3][3];
  double ls[3][3], lc[3][3], ls_inv[3][3], t[3][3];
  gsize n = (gsize) style->width * style->height;
  ImpImage *out = imp_image_new (style->width, style->height);

  imp_color_statistics (style, mu_s, cov_s);
  imp_color_statistics (content, mu_c, cov_c);
  cholesky (cov_s, ls);
  cholesky (cov_c, lc);
  invert_lower (ls, ls_inv);
  for (guint i = 0; i < 3; i++)
    for (guint j = 0; j < 3; j++)
      {
        t[i][j] = 0.0;
        for (guint k = 0; k < 3; k++)
          t[i][j] += lc[i][k] * ls_inv[k][j];
      }

  for (gsize p = 0; p < n; p++)
    {
      double d[3];

      for (guint c = 0; c < 3; c++)
        d[c] = style->data[c * n + p] - mu_s[c];
      for (guint c = 0; c < 3; c++)
        {
          double v = mu_c[c] + t[c][0] * d[0] + t[c][1] * d[1] + t[c][2] * d[2];

          out->data[c * n + p] = (float) CLAMP (v, 0.0, 255.0);
        }
    }
  return out;
}
