/* imp-image.c: the engine's float RGB image, conversions and resampling
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-image.h"

#include <math.h>
#include <string.h>

ImpImage *
imp_image_new (guint width,
               guint height)
{
  ImpImage *image;

  g_return_val_if_fail (width > 0 && height > 0, NULL);

  image = g_new0 (ImpImage, 1);
  image->width = width;
  image->height = height;
  image->data = g_new0 (float, (gsize) 3 * width * height);
  return image;
}

ImpImage *
imp_image_copy (const ImpImage *image)
{
  ImpImage *copy;

  g_return_val_if_fail (image != NULL, NULL);

  copy = g_new0 (ImpImage, 1);
  copy->width = image->width;
  copy->height = image->height;
  copy->data = g_memdup2 (image->data,
                          sizeof (float) * 3 * image->width * image->height);
  return copy;
}

void
imp_image_free (ImpImage *image)
{
  if (image == NULL)
    return;
  g_free (image->data);
  g_free (image);
}

ImpImage *
imp_image_new_from_rgb8 (const guint8 *pixels,
                         guint         width,
                         guint         height,
                         gsize         rowstride)
{
  ImpImage *image;
  gsize plane;

  g_return_val_if_fail (pixels != NULL, NULL);
  g_return_val_if_fail (rowstride >= (gsize) 3 * width, NULL);

  image = imp_image_new (width, height);
  if (image == NULL)
    return NULL;
  plane = (gsize) width * height;
  for (guint y = 0; y < height; y++)
    {
      const guint8 *row = pixels + y * rowstride;

      for (guint x = 0; x < width; x++)
        for (guint c = 0; c < 3; c++)
          image->data[c * plane + (gsize) y * width + x] = row[3 * x + c];
    }
  return image;
}

static guint8
to_byte (float value)
{
  /* NaN compares false both ways and ends as 0 rather than undefined behaviour. */
  if (!(value > 0.f))
    return 0;
  if (value >= 255.f)
    return 255;
  return (guint8) lrintf (value);
}

guint8 *
imp_image_to_rgb8 (const ImpImage *image)
{
  gsize plane;
  guint8 *pixels;

  g_return_val_if_fail (image != NULL, NULL);

  plane = (gsize) image->width * image->height;
  pixels = g_malloc (3 * plane);
  for (gsize i = 0; i < plane; i++)
    for (guint c = 0; c < 3; c++)
      pixels[3 * i + c] = to_byte (image->data[c * plane + i]);
  return pixels;
}

/* Resampling. Both filters work the same way: for every output sample, the input
 * samples under the filter's support (widened by the scale when shrinking, so the
 * filter also antialiases) with weights normalised to sum 1. This is how Pillow's
 * resize works, which the tutorial used. */

typedef double (*FilterFunc) (double x);

typedef struct
{
  guint   n_out;
  guint   max_taps;
  int    *start;     /* first input index of each output sample */
  guint  *n_taps;
  float  *weights;   /* n_out * max_taps */
} Coefficients;

static double
sinc (double x)
{
  if (x == 0.0)
    return 1.0;
  x *= G_PI;
  return sin (x) / x;
}

static double
lanczos3 (double x)
{
  if (x <= -3.0 || x >= 3.0)
    return 0.0;
  return sinc (x) * sinc (x / 3.0);
}

/* Keys' cubic with a = -0.5 (Pillow's and most tools' bicubic). */
static double
bicubic (double x)
{
  const double a = -0.5;

  x = fabs (x);
  if (x < 1.0)
    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0)
    return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

static void
coefficients_clear (Coefficients *co)
{
  g_free (co->start);
  g_free (co->n_taps);
  g_free (co->weights);
}

static void
coefficients_compute (Coefficients *co,
                      guint         n_in,
                      guint         n_out,
                      FilterFunc    filter,
                      double        support)
{
  double scale = (double) n_in / n_out;
  double filter_scale = MAX (scale, 1.0);
  double radius = support * filter_scale;

  co->n_out = n_out;
  co->max_taps = (guint) ceil (radius) * 2 + 1;
  co->start = g_new (int, n_out);
  co->n_taps = g_new (guint, n_out);
  co->weights = g_new0 (float, (gsize) n_out * co->max_taps);

  for (guint i = 0; i < n_out; i++)
    {
      double center = (i + 0.5) * scale;
      int lo = MAX ((int) floor (center - radius + 0.5), 0);
      int hi = MIN ((int) floor (center + radius + 0.5), (int) n_in);
      float *w = co->weights + (gsize) i * co->max_taps;
      double sum = 0.0;
      guint n = 0;

      hi = MIN (hi, lo + (int) co->max_taps);
      for (int j = lo; j < hi; j++, n++)
        {
          double v = filter ((j - center + 0.5) / filter_scale);

          w[n] = (float) v;
          sum += v;
        }
      if (sum != 0.0)
        for (guint k = 0; k < n; k++)
          w[k] = (float) (w[k] / sum);
      co->start[i] = lo;
      co->n_taps[i] = n;
    }
}

/* One pass along rows (stride 1) or columns (stride = width) of one plane. */
static void
resample_line (const float        *in,
               gsize               in_stride,
               float              *out,
               gsize               out_stride,
               const Coefficients *co)
{
  for (guint i = 0; i < co->n_out; i++)
    {
      const float *w = co->weights + (gsize) i * co->max_taps;
      const float *src = in + (gsize) co->start[i] * in_stride;
      double acc = 0.0;

      for (guint k = 0; k < co->n_taps[i]; k++)
        acc += (double) w[k] * src[k * in_stride];
      out[i * out_stride] = (float) acc;
    }
}

static ImpImage *
resample (const ImpImage *image,
          guint           width,
          guint           height,
          FilterFunc      filter,
          double          support,
          gboolean        clamp)
{
  Coefficients cx, cy;
  ImpImage *out;
  float *tmp;
  gsize in_plane = (gsize) image->width * image->height;
  gsize out_plane = (gsize) width * height;

  coefficients_compute (&cx, image->width, width, filter, support);
  coefficients_compute (&cy, image->height, height, filter, support);
  out = imp_image_new (width, height);
  tmp = g_new (float, (gsize) width * image->height);

  for (guint c = 0; c < 3; c++)
    {
      const float *src = image->data + c * in_plane;
      float *dst = out->data + c * out_plane;

      for (guint y = 0; y < image->height; y++)
        resample_line (src + (gsize) y * image->width, 1,
                       tmp + (gsize) y * width, 1, &cx);
      for (guint x = 0; x < width; x++)
        resample_line (tmp + x, width, dst + x, width, &cy);
    }

  /* Lanczos and bicubic overshoot at edges; a picture lives in 0..255. */
  if (clamp)
    for (gsize i = 0; i < 3 * out_plane; i++)
      out->data[i] = CLAMP (out->data[i], 0.f, 255.f);

  g_free (tmp);
  coefficients_clear (&cx);
  coefficients_clear (&cy);
  return out;
}

ImpImage *
imp_image_resize (const ImpImage *image,
                  guint           width,
                  guint           height)
{
  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  if (width == image->width && height == image->height)
    return imp_image_copy (image);
  return resample (image, width, height, lanczos3, 3.0, TRUE);
}

ImpImage *
imp_image_resize_bicubic (const ImpImage *image,
                          guint           width,
                          guint           height,
                          gboolean        clamp)
{
  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  if (width == image->width && height == image->height)
    return imp_image_copy (image);
  return resample (image, width, height, bicubic, 2.0, clamp);
}

void
imp_image_fit_size (guint  width,
                    guint  height,
                    guint  max_side,
                    guint *out_width,
                    guint *out_height)
{
  guint longer = MAX (width, height);

  if (max_side == 0 || max_side == longer)
    {
      *out_width = width;
      *out_height = height;
      return;
    }
  /* Round the shorter side to nearest, as Pillow's thumbnail arithmetic does,
   * and never let it reach 0. */
  if (width >= height)
    {
      *out_width = max_side;
      *out_height = MAX (1, (guint) floor ((double) height * max_side / width + 0.5));
    }
  else
    {
      *out_height = max_side;
      *out_width = MAX (1, (guint) floor ((double) width * max_side / height + 0.5));
    }
}

ImpImage *
imp_image_resize_to_fit (const ImpImage *image,
                         guint           max_side)
{
  guint w, h;

  g_return_val_if_fail (image != NULL, NULL);

  imp_image_fit_size (image->width, image->height, max_side, &w, &h);
  return imp_image_resize (image, w, h);
}
