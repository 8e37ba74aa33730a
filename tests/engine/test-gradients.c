/* test-gradients.c: every backward pass against central finite differences of
 * the same float code, on tiny shapes, with the differences taken in double
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "engine/imp-color-loss.h"
#include "engine/imp-conv.h"
#include "engine/imp-losses.h"
#include "engine/imp-objective-private.h"
#include "engine/imp-pooling.h"
#include "engine/imp-relu.h"
#include "engine/imp-vgg.h"
#include "engine/imp-vgg-private.h"

static GRand *rng;

static float *
random_floats (gsize  n,
               double lo,
               double hi)
{
  float *v = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    v[i] = (float) g_rand_double_range (rng, lo, hi);
  return v;
}

static double
dot (const float *a,
     const float *b,
     gsize        n)
{
  double s = 0;

  for (gsize i = 0; i < n; i++)
    s += (double) a[i] * b[i];
  return s;
}

static double
max_abs (const float *v,
         gsize        n)
{
  double m = 0;

  for (gsize i = 0; i < n; i++)
    m = MAX (m, fabs (v[i]));
  return m;
}

/* |numeric - analytic| <= rel * max|analytic| for one coordinate. */
static void
assert_grad_close (const char *what,
                   gsize       index,
                   double      numeric,
                   double      analytic,
                   double      scale,
                   double      rel)
{
  if (!(fabs (numeric - analytic) <= rel * scale))
    g_error ("%s[%" G_GSIZE_FORMAT "]: finite difference %.8g, analytic %.8g (scale %.3g)",
             what, index, numeric, analytic, scale);
}

/* ---- convolution ---- */

typedef struct
{
  guint            in;
  guint            out;
  guint            height;
  guint            width;
  ImpConvAlgorithm algorithm;
} ConvCase;

static const ConvCase conv_cases[] = {
  { 3, 5, 6, 7, IMP_CONV_ALGORITHM_IM2COL },     /* widening: col2im backward */
  { 20, 6, 5, 9, IMP_CONV_ALGORITHM_IM2COL },    /* narrowing: transposed conv */
  { 4, 4, 1, 1, IMP_CONV_ALGORITHM_IM2COL },     /* only the centre tap sees data */
  { 3, 7, 2, 13, IMP_CONV_ALGORITHM_AUTO },
  { 16, 24, 9, 6, IMP_CONV_ALGORITHM_AUTO },     /* Winograd when available */
  { 24, 16, 7, 10, IMP_CONV_ALGORITHM_WINOGRAD },
};

static double
naive_conv (const float *kernel,
            const float *bias,
            const float *input,
            const ConvCase *k,
            guint        o,
            int          y,
            int          x)
{
  double s = bias[o];

  for (guint c = 0; c < k->in; c++)
    for (int ky = 0; ky < 3; ky++)
      for (int kx = 0; kx < 3; kx++)
        {
          int iy = y + ky - 1, ix = x + kx - 1;
          if (iy < 0 || ix < 0 || iy >= (int) k->height || ix >= (int) k->width)
            continue;
          s += (double) kernel[((o * k->in + c) * 3 + ky) * 3 + kx] *
               input[(c * k->height + iy) * k->width + ix];
        }
  return s;
}

static void
test_conv_forward (void)
{
  for (guint t = 0; t < G_N_ELEMENTS (conv_cases); t++)
    {
      const ConvCase *k = &conv_cases[t];
      gsize n_in = (gsize) k->in * k->height * k->width;
      gsize n_out = (gsize) k->out * k->height * k->width;
      g_autofree float *kernel = random_floats ((gsize) k->out * k->in * 9, -0.5, 0.5);
      g_autofree float *bias = random_floats (k->out, -0.5, 0.5);
      g_autofree float *input = random_floats (n_in, -1, 1);
      g_autofree float *out = g_new (float, n_out);
      g_autofree float *out_relu = g_new (float, n_out);
      g_autoptr(ImpConv) conv = imp_conv_new (kernel, bias, k->in, k->out, k->algorithm);
      ImpScratch scratch = { NULL, 0 };
      g_autoptr(GError) error = NULL;
      double worst = 0;

      g_assert_true (imp_conv_forward (conv, input, k->height, k->width, FALSE, out, &scratch,
                                       NULL, NULL, &error));
      g_assert_true (imp_conv_forward (conv, input, k->height, k->width, TRUE, out_relu, NULL,
                                       NULL, NULL, &error));
      g_assert_no_error (error);
      for (guint o = 0; o < k->out; o++)
        for (guint y = 0; y < k->height; y++)
          for (guint x = 0; x < k->width; x++)
            {
              gsize i = (o * k->height + y) * k->width + x;
              double ref = naive_conv (kernel, bias, input, k, o, (int) y, (int) x);
              worst = MAX (worst, fabs (out[i] - ref));
              g_assert_cmpfloat (fabs (out[i] - ref), <=, 1e-4);
              g_assert_cmpfloat (fabs (out_relu[i] - MAX (ref, 0)), <=, 1e-4);
            }
      g_test_message ("conv %u->%u %ux%u algorithm %d: max |error| %.3g", k->in, k->out,
                      k->height, k->width, k->algorithm, worst);
      imp_scratch_clear (&scratch);
    }
}

/* L(x) = Σ y · conv(x); dL/dx = backward_input(y). Linear, so the central
 * difference is exact up to float rounding. */
static void
test_conv_input_gradient (void)
{
  for (guint t = 0; t < G_N_ELEMENTS (conv_cases); t++)
    {
      const ConvCase *k = &conv_cases[t];
      gsize n_in = (gsize) k->in * k->height * k->width;
      gsize n_out = (gsize) k->out * k->height * k->width;
      g_autofree float *kernel = random_floats ((gsize) k->out * k->in * 9, -0.5, 0.5);
      g_autofree float *bias = random_floats (k->out, -0.5, 0.5);
      g_autofree float *input = random_floats (n_in, -1, 1);
      g_autofree float *y = random_floats (n_out, -1, 1);
      g_autofree float *out = g_new (float, n_out);
      g_autofree float *grad = g_new (float, n_in);
      g_autoptr(ImpConv) conv = imp_conv_new (kernel, bias, k->in, k->out, k->algorithm);
      ImpScratch scratch = { NULL, 0 };
      double scale;
      const float h = 0.0625f;   /* a power of two: x ± h is exact */

      g_assert_true (imp_conv_backward_input (conv, y, k->height, k->width, grad, &scratch,
                                              NULL, NULL, NULL));
      scale = max_abs (grad, n_in);
      g_assert_cmpfloat (scale, >, 0);
      for (gsize i = 0; i < n_in; i++)
        {
          float keep = input[i];
          double lp, lm;
          input[i] = keep + h;
          imp_conv_forward (conv, input, k->height, k->width, FALSE, out, &scratch, NULL, NULL,
                            NULL);
          lp = dot (y, out, n_out);
          input[i] = keep - h;
          imp_conv_forward (conv, input, k->height, k->width, FALSE, out, &scratch, NULL, NULL,
                            NULL);
          lm = dot (y, out, n_out);
          input[i] = keep;
          assert_grad_close ("conv input gradient", i, (lp - lm) / (2 * h), grad[i], scale, 1e-4);
        }
      imp_scratch_clear (&scratch);
    }
}

/* ---- pooling ---- */

/* Distinct values at least 0.05 apart, so a step of 1e-3 never changes an arg-max. */
static float *
distinct_values (gsize n)
{
  float *v = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    v[i] = (float) i * 0.05f - 1.f;
  for (gsize i = n - 1; i > 0; i--)
    {
      gsize j = (gsize) g_rand_int_range (rng, 0, (gint32) i + 1);
      float t = v[i];
      v[i] = v[j];
      v[j] = t;
    }
  return v;
}

static void
check_pool (ImpPoolKind kind)
{
  const guint c = 2, height = 5, width = 7;   /* floor: 2 x 3, row 4 and column 6 ignored */
  gsize n_in = c * height * width, n_out = c * (height / 2) * (width / 2);
  g_autofree float *x = distinct_values (n_in);
  g_autofree float *y = random_floats (n_out, -1, 1);
  g_autofree float *out = g_new (float, n_out);
  g_autofree float *grad = g_new (float, n_in);
  const float h = 1.f / 1024;
  double scale;

  imp_pool_backward (kind, x, y, c, height, width, grad);
  scale = max_abs (grad, n_in);
  for (gsize i = 0; i < n_in; i++)
    {
      float keep = x[i];
      double lp, lm;
      x[i] = keep + h;
      imp_pool_forward (kind, x, c, height, width, out);
      lp = dot (y, out, n_out);
      x[i] = keep - h;
      imp_pool_forward (kind, x, c, height, width, out);
      lm = dot (y, out, n_out);
      x[i] = keep;
      assert_grad_close (kind == IMP_POOL_MAX ? "max pool" : "avg pool", i, (lp - lm) / (2 * h),
                         grad[i], scale, 1e-4);
      if (i % width == width - 1 || (i / width) % height == height - 1)
        g_assert_cmpfloat (grad[i], ==, 0);
    }
}

static void
test_pool_max (void)
{
  float x[4] = { 1, 3, 3, 2 }, g = 5, grad[4], out;

  check_pool (IMP_POOL_MAX);

  /* A tie goes to the first arg-max in scan order. */
  imp_pool_forward (IMP_POOL_MAX, x, 1, 2, 2, &out);
  g_assert_cmpfloat (out, ==, 3);
  imp_pool_backward (IMP_POOL_MAX, x, &g, 1, 2, 2, grad);
  g_assert_cmpfloat (grad[0], ==, 0);
  g_assert_cmpfloat (grad[1], ==, 5);
  g_assert_cmpfloat (grad[2], ==, 0);
  g_assert_cmpfloat (grad[3], ==, 0);
}

/* The recorded arg-max gives the same pool and the same gradient as finding
 * it again from the input: odd sizes, and many ties (values from 0..3). Its
 * own random numbers: the shared stream's draws stay those of the other tests.
 * Width 7 takes the window-by-window loop, width 19 also the 4-window SIMD
 * one (and its tail). */
static void
check_pool_argmax (guint width)
{
  const guint c = 3, height = 9;
  gsize n_in = c * height * width, n_out = c * (height / 2) * (width / 2);
  g_autoptr(GRand) own = g_rand_new_with_seed (5);
  g_autofree float *x = g_new (float, n_in);
  g_autofree float *y = g_new (float, n_out);
  g_autofree float *out = g_new (float, n_out), *out_rec = g_new (float, n_out);
  g_autofree float *grad = g_new (float, n_in), *grad_rec = g_new (float, n_in);
  g_autofree guint8 *argmax = g_new (guint8, n_out);
  guint used[4] = { 0 };

  for (gsize i = 0; i < n_in; i++)
    x[i] = (float) g_rand_int_range (own, 0, 4);
  for (gsize i = 0; i < n_out; i++)
    y[i] = (float) g_rand_double_range (own, -1, 1);
  imp_pool_forward (IMP_POOL_MAX, x, c, height, width, out);
  imp_pool_forward_argmax (x, c, height, width, out_rec, argmax);
  g_assert_cmpmem (out, n_out * sizeof (float), out_rec, n_out * sizeof (float));
  for (gsize i = 0; i < n_out; i++)
    {
      g_assert_cmpuint (argmax[i], <, 4);
      used[argmax[i]]++;
    }
  /* every window position was the arg-max somewhere: the test can see a wrong one */
  for (guint k = 0; k < 4; k++)
    g_assert_cmpuint (used[k], >, 0);
  imp_pool_backward (IMP_POOL_MAX, x, y, c, height, width, grad);
  memset (grad_rec, 0xff, n_in * sizeof (float));   /* NaN: all must be written */
  imp_pool_backward_argmax (argmax, y, c, height, width, grad_rec);
  g_assert_cmpmem (grad, n_in * sizeof (float), grad_rec, n_in * sizeof (float));
}

static void
test_pool_argmax (void)
{
  check_pool_argmax (7);
  check_pool_argmax (19);
}

static void
test_pool_avg (void)
{
  float x[4] = { 1, 3, 3, 2 }, out;

  check_pool (IMP_POOL_AVG);
  imp_pool_forward (IMP_POOL_AVG, x, 1, 2, 2, &out);
  g_assert_cmpfloat (out, ==, 2.25f);
}

/* ---- Gram and losses ---- */

static void
test_gram (void)
{
  const guint c = 5;
  const gsize n = 13;
  g_autofree float *f = random_floats (c * n, 0, 2);
  g_autofree float *g = g_new (float, c * c);

  imp_gram (f, c, n, g, NULL);
  for (guint i = 0; i < c; i++)
    for (guint j = 0; j < c; j++)
      {
        double ref = 0;
        for (gsize p = 0; p < n; p++)
          ref += (double) f[i * n + p] * f[j * n + p];
        ref /= n;
        g_assert_cmpfloat (fabs (g[i * c + j] - ref), <=, 1e-5 * (1 + fabs (ref)));
      }
}

typedef double (*LossFunc) (float *x, gsize n, float *grad, gpointer data);

/* Central differences of @loss at every coordinate against its own gradient. */
static void
check_loss_gradient (const char *what,
                     LossFunc    loss,
                     float      *x,
                     gsize       n,
                     float       h,
                     double      rel,
                     gpointer    data)
{
  g_autofree float *grad = g_new0 (float, n);
  double scale;

  loss (x, n, grad, data);
  scale = max_abs (grad, n);
  g_assert_cmpfloat (scale, >, 0);
  for (gsize i = 0; i < n; i++)
    {
      float keep = x[i];
      double lp, lm;
      x[i] = keep + h;
      lp = loss (x, n, NULL, data);
      x[i] = keep - h;
      lm = loss (x, n, NULL, data);
      x[i] = keep;
      assert_grad_close (what, i, (lp - lm) / (2 * h), grad[i], scale, rel);
    }
}

typedef struct
{
  guint        channels;
  const float *target;
  float       *scratch;
  double       grad_scale;
} LossData;

static double
style_loss (float    *x,
            gsize     n,
            float    *grad,
            gpointer  data)
{
  LossData *d = data;

  return d->grad_scale * imp_style_loss (x, d->channels, n / d->channels, d->target, d->scratch,
                                         d->grad_scale, grad, NULL);
}

static double
content_loss (float    *x,
              gsize     n,
              float    *grad,
              gpointer  data)
{
  LossData *d = data;

  return d->grad_scale * imp_content_loss (x, d->target, n, d->grad_scale, grad);
}

static double
tv_loss (float    *x,
         gsize     n,
         float    *grad,
         gpointer  data)
{
  LossData *d = data;

  return d->grad_scale * imp_tv_loss (x, 3, 4, (guint) (n / 12), d->grad_scale, grad);
}

static void
test_style_loss (void)
{
  const guint c = 6;
  const gsize n = 11;
  g_autofree float *f = random_floats (c * n, 0, 2);
  g_autofree float *other = random_floats (c * n, 0, 2);
  g_autofree float *target = g_new (float, c * c);
  g_autofree float *scratch = g_new (float, c * c);
  LossData d = { c, target, scratch, 3.0 };

  imp_gram (other, c, n, target, NULL);
  check_loss_gradient ("style loss", style_loss, f, c * n, 1.f / 256, 1e-3, &d);
}

static void
test_content_loss (void)
{
  const gsize n = 40;
  g_autofree float *f = random_floats (n, -2, 2);
  g_autofree float *target = random_floats (n, -2, 2);
  LossData d = { 0, target, NULL, 0.5 };

  check_loss_gradient ("content loss", content_loss, f, n, 1.f / 256, 1e-4, &d);
  /* The value itself: mean of squares. */
  {
    double ref = 0;
    for (gsize i = 0; i < n; i++)
      ref += ((double) f[i] - target[i]) * ((double) f[i] - target[i]);
    g_assert_cmpfloat (fabs (imp_content_loss (f, target, n, 0, NULL) - ref / n), <=, 1e-6 * ref);
  }
}

static void
test_tv_loss (void)
{
  const gsize n = 3 * 4 * 5;
  g_autofree float *x = random_floats (n, 0, 255);
  LossData d = { 0, NULL, NULL, 2.0 };
  float flat[12] = { 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7 };
  float ramp[12] = { 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3 };   /* 1 channel of 3 used below */

  check_loss_gradient ("tv loss", tv_loss, x, n, 1.f / 16, 1e-4, &d);
  /* Known values: a constant image has none; a horizontal ramp of step 1 on a
   * 1x4 image in 3 channels: 3 differences per channel, / (3 * 1 * 4). */
  g_assert_cmpfloat (imp_tv_loss (flat, 3, 1, 4, 0, NULL), ==, 0);
  g_assert_cmpfloat (imp_tv_loss (ramp, 3, 1, 4, 0, NULL), ==, 9.0 / 12);
}

typedef struct
{
  ImpColorLoss *loss;
  guint         width;
  guint         height;
  double        grad_scale;
} ColorLossData;

static double
color_loss (float    *x,
            gsize     n,
            float    *grad,
            gpointer  data)
{
  ColorLossData *d = data;
  ImpImage image = { d->width, d->height, x };

  return d->grad_scale * imp_color_loss_evaluate (d->loss, &image, d->grad_scale, grad, NULL);
}

/* The colour term: sorted projections matched to the style's quantiles. Six
 * pixels spread over 0..255 lie far apart on every direction, so a step of
 * 1/8 does not swap two ranks and the loss is a quadratic there. */
static void
test_color_loss (void)
{
  g_autoptr(ImpImage) style = imp_image_new (7, 6);
  g_autoptr(ImpImage) same = NULL;
  g_autoptr(ImpColorLoss) loss = NULL;
  g_autofree float *x = random_floats (3 * 3 * 2, 0, 255);
  ColorLossData d = { NULL, 3, 2, 0.7 };
  const ImpImage *styles[] = { style };
  double at_style, shifted;

  for (gsize i = 0; i < 3 * 7 * 6; i++)
    style->data[i] = (float) g_rand_double_range (rng, 20, 200);
  loss = imp_color_loss_new (styles, NULL, 1, 8);
  d.loss = loss;
  check_loss_gradient ("color loss", color_loss, x, 3 * 3 * 2, 1.f / 8, 2e-3, &d);

  /* The style itself (its pixels in another order) is at the minimum, 0 but
   * for the interpolation of its quantile table;
   * every pixel shifted by 10 in each channel is at 100 (|u·(10,10,10)|²
   * averaged over the directions is near 100). */
  same = imp_image_copy (style);
  for (gsize i = 0; i < 7 * 6; i++)
    for (guint c = 0; c < 3; c++)
      same->data[c * 42 + i] = style->data[c * 42 + 41 - i];
  at_style = imp_color_loss_evaluate (loss, same, 0, NULL, NULL);
  for (gsize i = 0; i < 3 * 7 * 6; i++)
    same->data[i] = style->data[i] + 10.f;
  shifted = imp_color_loss_evaluate (loss, same, 0, NULL, NULL);
  g_test_message ("at the style %g, shifted by 10: %g", at_style, shifted);
  g_assert_cmpfloat (at_style, <, 1e-2);
  g_assert_cmpfloat (shifted, >, 30.0);
  g_assert_cmpfloat (shifted, <, 300.0);
}

/* The directions run on the pool's threads two at a time (with one left
 * over): the loss and the gradient are the same bits as on one thread. */
static void
test_color_loss_threads (void)
{
  g_autoptr(ImpImage) style = imp_image_new (23, 17);
  g_autoptr(ImpImage) image = imp_image_new (37, 29);
  g_autoptr(ImpColorLoss) loss = NULL;
  g_autoptr(ImpParallel) two = imp_parallel_new (2);
  /* its own numbers: the shared sequence's are the later tests' data */
  g_autoptr(GRand) own = g_rand_new_with_seed (7);
  const ImpImage *styles[] = { style };
  gsize n = 3 * 37 * 29;
  g_autofree float *one_grad = g_new0 (float, n), *two_grad = g_new0 (float, n);
  double one_loss, two_loss;

  for (gsize i = 0; i < 3 * 23 * 17; i++)
    style->data[i] = (float) g_rand_double_range (own, 0, 255);
  for (gsize i = 0; i < n; i++)
    image->data[i] = (float) g_rand_double_range (own, 0, 255);
  loss = imp_color_loss_new (styles, NULL, 1, 7);
  one_loss = imp_color_loss_evaluate (loss, image, 0.3, one_grad, NULL);
  two_loss = imp_color_loss_evaluate (loss, image, 0.3, two_grad, two);
  g_assert_cmpfloat (one_loss, >, 0);
  g_assert_cmpfloat (one_loss, ==, two_loss);
  g_assert_cmpmem (one_grad, n * sizeof (float), two_grad, n * sizeof (float));
}

/* ---- the whole network ---- */

/* Random VGG weights (He scale) for conv1_1 .. @deepest, none beyond. */
static ImpWeights *
random_weights (ImpVggLayer          deepest,
                const ImpPreprocess *pre)
{
  const float *kernels[IMP_N_VGG_LAYERS] = { NULL };
  const float *biases[IMP_N_VGG_LAYERS] = { NULL };
  ImpWeights *weights;

  for (guint l = 0; l <= deepest; l++)
    {
      guint in = imp_vgg_layer_in_channels (l), out = imp_vgg_layer_out_channels (l);
      double s = sqrt (6.0 / (9.0 * in));
      kernels[l] = random_floats ((gsize) out * in * 9, -s, s);
      biases[l] = random_floats (out, -0.05, 0.1);
    }
  weights = imp_weights_new_from_data (kernels, biases, pre);
  for (guint l = 0; l <= deepest; l++)
    {
      g_free ((float *) kernels[l]);
      g_free ((float *) biases[l]);
    }
  return weights;
}

static ImpImage *
random_image (guint width,
              guint height)
{
  ImpImage *image = g_new0 (ImpImage, 1);

  image->width = width;
  image->height = height;
  image->data = random_floats ((gsize) 3 * width * height, 0, 1);
  return image;
}

static void
free_image (ImpImage *image)
{
  g_free (image->data);
  g_free (image);
}

typedef ImpImage TestImage;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestImage, free_image)

/* Every ReLU's on/off state and every max-pool window's arg-max after the
 * last evaluation: where these differ between x and x ± h, the difference
 * quotient straddles a kink and says nothing about the derivative at x. */
static GByteArray *
network_pattern (ImpObjective *objective)
{
  ImpVgg *vgg = imp_objective_get_vgg (objective);
  GByteArray *pattern = g_byte_array_new ();

  for (guint l = 0; l <= imp_vgg_get_deepest (vgg); l++)
    {
      const float *act = imp_vgg_get_activation (vgg, l);
      guint w, h, c = imp_vgg_layer_out_channels (l);
      imp_vgg_layer_size (vgg, l, &w, &h);
      for (gsize i = 0; i < (gsize) c * w * h; i++)
        {
          guint8 on = act[i] > 0;
          g_byte_array_append (pattern, &on, 1);
        }
      if (!imp_vgg_layer_pool_after (l) || l == imp_vgg_get_deepest (vgg))
        continue;
      for (guint ch = 0; ch < c; ch++)
        for (guint y = 0; y + 1 < h; y += 2)
          for (guint x = 0; x + 1 < w; x += 2)
            {
              const float *p = act + ((gsize) ch * h + y) * w + x;
              float v[4] = { p[0], p[1], p[w], p[w + 1] };
              guint8 best = 0;
              for (guint8 k = 1; k < 4; k++)
                if (v[k] > v[best])
                  best = k;
              g_byte_array_append (pattern, &best, 1);
            }
    }
  return pattern;
}

static double
objective_loss (ImpObjective *objective,
                ImpImage     *image,
                GByteArray   *pattern,
                gboolean     *kink)
{
  ImpLosses losses;
  g_autoptr(GError) error = NULL;

  g_assert_true (imp_objective_evaluate (objective, image, NULL, &losses, NULL, &error));
  if (pattern != NULL)
    {
      g_autoptr(GByteArray) now = network_pattern (objective);
      *kink |= now->len != pattern->len || memcmp (now->data, pattern->data, now->len) != 0;
    }
  return losses.total;
}

static void
check_network (ImpPoolKind          pool,
               const ImpPreprocess *pre)
{
  g_autoptr(ImpWeights) weights = random_weights (IMP_CONV2_1, pre);
  g_autoptr(TestImage) content = random_image (7, 6);
  g_autoptr(TestImage) style = random_image (9, 8);
  g_autoptr(TestImage) style2 = random_image (6, 6);
  g_autoptr(TestImage) x = random_image (7, 6);
  const ImpImage *styles[2] = { style, style2 };
  const double blend[2] = { 3, 1 };
  g_autoptr(ImpObjective) objective = NULL;
  g_autoptr(GError) error = NULL;
  gsize n = 3 * 7 * 6;
  g_autofree float *grad = g_new (float, n);
  g_autofree float *dir = random_floats (n, -1, 1);
  ImpLosses losses;
  double scale, directional = 0, numeric;
  /* Small enough that few coordinates straddle a kink; float rounding of the
   * loss then limits the quotient to about 0.5 % of max |grad| (hence 1e-2). */
  const float h = 1.f / 4096;
  g_autoptr(GByteArray) pattern = NULL;
  guint skipped = 0;
  ImpParams params;

  memset (&params, 0, sizeof params);
  params.content_layers.n_layers = 2;
  params.content_layers.layers[0] = IMP_CONV1_2;
  params.content_layers.layers[1] = IMP_CONV2_1;
  params.content_layers.weights[0] = params.content_layers.weights[1] = -1;   /* 1/L */
  params.style_layers.n_layers = 3;
  params.style_layers.layers[0] = IMP_CONV1_1;
  params.style_layers.layers[1] = IMP_CONV1_2;
  params.style_layers.layers[2] = IMP_CONV2_1;
  params.style_layers.weights[0] = 0.5;
  params.style_layers.weights[1] = 0.3;
  params.style_layers.weights[2] = 0.2;
  params.content_weight = 1;
  params.style_weight = 1;
  params.tv_weight = 0.1;
  params.pool = pool;
  params.threads = 1;
  objective = imp_objective_new (weights, &params, content, styles, blend, 2, NULL, &error);
  g_assert_no_error (error);
  imp_objective_set_loss_weights (objective, 2, 0.5, 0.1);

  g_assert_true (imp_objective_evaluate (objective, x, grad, &losses, NULL, &error));
  g_test_message ("losses %g %g %g", losses.content, losses.style, losses.tv);
  g_assert_cmpfloat (losses.content, >, 0);
  g_assert_cmpfloat (losses.style, >, 0);
  g_assert_cmpfloat (losses.tv, >, 0);
  g_assert_cmpfloat (fabs (losses.total - (losses.content + losses.style + losses.tv)), <=,
                     1e-12 * losses.total);
  scale = max_abs (grad, n);
  /* backward overwrites the kept activations after block 1: forward again */
  objective_loss (objective, x, NULL, NULL);
  pattern = network_pattern (objective);
  for (gsize i = 0; i < n; i++)
    {
      float keep = x->data[i];
      gboolean kink = FALSE;
      double lp, lm;
      x->data[i] = keep + h;
      lp = objective_loss (objective, x, pattern, &kink);
      x->data[i] = keep - h;
      lm = objective_loss (objective, x, pattern, &kink);
      x->data[i] = keep;
      if (kink)
        skipped++;
      else
        assert_grad_close ("network", i, (lp - lm) / (2 * h), grad[i], scale, 1e-2);
    }
  g_test_message ("%u of %" G_GSIZE_FORMAT " coordinates skipped (a kink within the step)",
                  skipped, n);
  g_assert_cmpuint (skipped, <=, n / 4);

  /* Along one random direction, all coordinates at once. */
  directional = dot (grad, dir, n);
  {
    g_autofree float *keep = g_memdup2 (x->data, n * sizeof (float));
    double lp, lm;
    for (gsize i = 0; i < n; i++)
      x->data[i] = keep[i] + h * dir[i];
    lp = objective_loss (objective, x, NULL, NULL);
    for (gsize i = 0; i < n; i++)
      x->data[i] = keep[i] - h * dir[i];
    lm = objective_loss (objective, x, NULL, NULL);
    numeric = (lp - lm) / (2 * h);
  }
  g_test_message ("directional derivative: numeric %.8g analytic %.8g", numeric, directional);
  /* g · d may cancel: measure the error on the scale of Σ |g_i d_i|. */
  {
    double magnitude = 0;
    for (gsize i = 0; i < n; i++)
      magnitude += fabs ((double) grad[i] * dir[i]);
    g_assert_cmpfloat (fabs (numeric - directional), <=, 2e-3 * magnitude);
  }
}

static void
test_network_max (void)
{
  ImpPreprocess pre = { FALSE, 255, { 0.5, 0.4, 0.45 }, { 1, 1, 1 } };

  check_network (IMP_POOL_MAX, &pre);
}

static void
test_network_avg (void)
{
  ImpPreprocess pre = { FALSE, 255, { 0.5, 0.4, 0.45 }, { 1, 1, 1 } };

  /* conv1_1's output recomputed, as it is on large pictures (bgr-std too) */
  _imp_vgg_force_recompute_first (TRUE);
  check_network (IMP_POOL_AVG, &pre);
  _imp_vgg_force_recompute_first (FALSE);
}

/* torchvision-like weights: BGR input, 0..1 scale, std division. */
static void
test_network_preprocess (void)
{
  ImpPreprocess pre = { TRUE, 1, { 0.406, 0.456, 0.485 }, { 0.225, 0.224, 0.229 } };

  _imp_vgg_force_recompute_first (TRUE);
  check_network (IMP_POOL_MAX, &pre);
  _imp_vgg_force_recompute_first (FALSE);
}

static guint8 *
relu_pattern (const float *act,
              gsize        n)
{
  guint8 *mask = g_new (guint8, n);

  for (gsize i = 0; i < n; i++)
    mask[i] = act[i] > 0;
  return mask;
}

static gboolean
same_pattern (const guint8 *mask,
              const float  *act,
              gsize         n)
{
  for (gsize i = 0; i < n; i++)
    if (mask[i] != (act[i] > 0))
      return FALSE;
  return TRUE;
}

/* conv1_1 + ReLU alone: L = Σ y · relu(conv(x)), y injected at conv1_1. About
 * a third of the outputs are cut by the ReLU, so the mask matters. */
/* The packed mask gives the gradient masking by the ReLU's output gives,
 * past whole bytes too (a length that is not a multiple of 8). */
static void
test_relu_masks (void)
{
  enum { N = 8 * 37 + 5 };
  /* its own numbers: the shared stream stays as the other tests expect it */
  g_autoptr(GRand) own = g_rand_new_with_seed (7);
  float act[N], by_output[N], by_bits[N];
  guint8 mask[(N + 7) / 8];
  gsize cut = 0;

  for (gsize i = 0; i < N; i++)
    {
      by_output[i] = by_bits[i] = (float) g_rand_double_range (own, -1, 1);
      act[i] = MAX ((float) g_rand_double_range (own, -1, 1), 0.f);   /* about half zero */
    }
  memset (act, 0, 8 * 4 * sizeof (float));   /* whole bytes cut, and kept whole */
  for (gsize i = 8 * 4; i < 8 * 6; i++)
    act[i] = 1.0f + i;
  imp_relu_pack_mask (act, N, mask);
  imp_relu_mask_by_output (by_output, act, N);
  imp_relu_apply_mask (by_bits, mask, N);
  for (gsize i = 0; i < N; i++)
    {
      g_assert_cmpuint ((mask[i / 8] >> (i % 8)) & 1, ==, act[i] > 0);
      g_assert_cmpfloat (by_bits[i], ==, by_output[i]);
      g_assert_true (act[i] > 0 || by_output[i] == 0);
      cut += act[i] == 0;
    }
  g_assert_cmpuint (cut, >, N / 4);
  g_assert_cmpuint (cut, <, N - N / 4);
}

static void
test_relu (void)
{
  ImpPreprocess pre = { FALSE, 255, { 0.5, 0.5, 0.5 }, { 1, 1, 1 } };
  g_autoptr(ImpWeights) weights = random_weights (IMP_CONV1_1, &pre);
  g_autoptr(ImpVgg) vgg = imp_vgg_new (weights, IMP_CONV1_1, IMP_POOL_MAX,
                                       IMP_CONV_ALGORITHM_AUTO, NULL);
  g_autoptr(TestImage) x = random_image (7, 6);
  gsize n = 3 * 42, n_out = 64 * 42, zeros = 0;
  g_autofree float *y = random_floats (n_out, -1, 1);
  g_autofree float *grad = g_new (float, n);
  const float h = 1.f / 1024;
  g_autofree guint8 *mask = NULL;
  guint skipped = 0;
  double scale;

  g_assert_true (imp_vgg_set_size (vgg, 7, 6, NULL));
  g_assert_true (imp_vgg_forward (vgg, x->data, NULL, NULL));
  for (gsize i = 0; i < n_out; i++)
    zeros += imp_vgg_get_activation (vgg, IMP_CONV1_1)[i] == 0;
  g_test_message ("%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " outputs cut by the ReLU", zeros, n_out);
  g_assert_cmpuint (zeros, >, n_out / 10);
  g_assert_cmpuint (zeros, <, n_out * 9 / 10);
  memcpy (imp_vgg_get_layer_gradient (vgg, IMP_CONV1_1), y, n_out * sizeof (float));
  g_assert_true (imp_vgg_backward (vgg, grad, NULL, NULL));
  scale = max_abs (grad, n);
  mask = relu_pattern (imp_vgg_get_activation (vgg, IMP_CONV1_1), n_out);
  for (gsize i = 0; i < n; i++)
    {
      float keep = x->data[i];
      double lp, lm;
      gboolean kink;
      x->data[i] = keep + h;
      imp_vgg_forward (vgg, x->data, NULL, NULL);
      lp = dot (y, imp_vgg_get_activation (vgg, IMP_CONV1_1), n_out);
      kink = !same_pattern (mask, imp_vgg_get_activation (vgg, IMP_CONV1_1), n_out);
      x->data[i] = keep - h;
      imp_vgg_forward (vgg, x->data, NULL, NULL);
      lm = dot (y, imp_vgg_get_activation (vgg, IMP_CONV1_1), n_out);
      kink |= !same_pattern (mask, imp_vgg_get_activation (vgg, IMP_CONV1_1), n_out);
      x->data[i] = keep;
      /* A pre-activation crossing 0 inside [x-h, x+h] makes the difference
       * quotient meaningless there (not the derivative at x). */
      if (kink)
        {
          skipped++;
          continue;
        }
      assert_grad_close ("relu", i, (lp - lm) / (2 * h), grad[i], scale, 1e-3);
    }
  g_test_message ("%u of %" G_GSIZE_FORMAT " coordinates skipped (a ReLU kink within the step)",
                  skipped, n);
  g_assert_cmpuint (skipped, <, n / 4);
}

/* The preprocessing really runs: a BGR network sees channel 2 first. */
static void
test_preprocess_order (void)
{
  ImpPreprocess rgb = { FALSE, 255, { 0, 0, 0 }, { 1, 1, 1 } };
  ImpPreprocess bgr = { TRUE, 255, { 0, 0, 0 }, { 1, 1, 1 } };
  g_autoptr(ImpWeights) w_rgb = random_weights (IMP_CONV1_1, &rgb);
  g_autoptr(ImpWeights) w_bgr = NULL;
  g_autoptr(ImpVgg) a = NULL, b = NULL;
  g_autoptr(TestImage) image = random_image (5, 4);
  g_autoptr(TestImage) swapped = random_image (5, 4);
  gsize plane = 20;
  const float *kernels[IMP_N_VGG_LAYERS] = { imp_weights_get_kernel (w_rgb, IMP_CONV1_1) };
  const float *biases[IMP_N_VGG_LAYERS] = { imp_weights_get_bias (w_rgb, IMP_CONV1_1) };

  w_bgr = imp_weights_new_from_data (kernels, biases, &bgr);
  memcpy (swapped->data, image->data + 2 * plane, plane * sizeof (float));
  memcpy (swapped->data + plane, image->data + plane, plane * sizeof (float));
  memcpy (swapped->data + 2 * plane, image->data, plane * sizeof (float));
  a = imp_vgg_new (w_rgb, IMP_CONV1_1, IMP_POOL_MAX, IMP_CONV_ALGORITHM_IM2COL, NULL);
  b = imp_vgg_new (w_bgr, IMP_CONV1_1, IMP_POOL_MAX, IMP_CONV_ALGORITHM_IM2COL, NULL);
  g_assert_true (imp_vgg_set_size (a, 5, 4, NULL));
  g_assert_true (imp_vgg_set_size (b, 5, 4, NULL));
  g_assert_true (imp_vgg_forward (a, image->data, NULL, NULL));
  g_assert_true (imp_vgg_forward (b, swapped->data, NULL, NULL));
  g_assert_cmpmem (imp_vgg_get_activation (a, IMP_CONV1_1), 64 * plane * sizeof (float),
                   imp_vgg_get_activation (b, IMP_CONV1_1), 64 * plane * sizeof (float));
}

static void
test_too_small (void)
{
  ImpPreprocess pre = { FALSE, 255, { 0, 0, 0 }, { 1, 1, 1 } };
  g_autoptr(ImpWeights) weights = random_weights (IMP_CONV3_1, &pre);
  g_autoptr(ImpVgg) vgg = imp_vgg_new (weights, IMP_CONV3_1, IMP_POOL_MAX,
                                       IMP_CONV_ALGORITHM_AUTO, NULL);
  g_autoptr(GError) error = NULL;

  /* conv3_1 comes after two pools: it needs 4x4 pixels. */
  g_assert_false (imp_vgg_set_size (vgg, 3, 9, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_true (imp_vgg_set_size (vgg, 4, 4, NULL));
}

static void
test_cancel (void)
{
  ImpPreprocess pre = { FALSE, 255, { 0, 0, 0 }, { 1, 1, 1 } };
  g_autoptr(ImpWeights) weights = random_weights (IMP_CONV2_1, &pre);
  g_autoptr(ImpVgg) vgg = imp_vgg_new (weights, IMP_CONV2_1, IMP_POOL_MAX,
                                       IMP_CONV_ALGORITHM_AUTO, NULL);
  g_autoptr(TestImage) image = random_image (8, 8);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (imp_vgg_set_size (vgg, 8, 8, NULL));
  g_cancellable_cancel (cancellable);
  g_assert_false (imp_vgg_forward (vgg, image->data, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  rng = g_rand_new_with_seed (20261127);

  g_test_add_func ("/engine/gradients/conv-forward", test_conv_forward);
  g_test_add_func ("/engine/gradients/conv-input", test_conv_input_gradient);
  g_test_add_func ("/engine/gradients/relu", test_relu);
  g_test_add_func ("/engine/gradients/relu-masks", test_relu_masks);
  g_test_add_func ("/engine/gradients/pool-max", test_pool_max);
  g_test_add_func ("/engine/gradients/pool-avg", test_pool_avg);
  g_test_add_func ("/engine/gradients/pool-argmax", test_pool_argmax);
  g_test_add_func ("/engine/gradients/gram", test_gram);
  g_test_add_func ("/engine/gradients/style-loss", test_style_loss);
  g_test_add_func ("/engine/gradients/content-loss", test_content_loss);
  g_test_add_func ("/engine/gradients/tv-loss", test_tv_loss);
  g_test_add_func ("/engine/gradients/color-loss", test_color_loss);
  g_test_add_func ("/engine/gradients/color-loss-threads", test_color_loss_threads);
  g_test_add_func ("/engine/gradients/network-max", test_network_max);
  g_test_add_func ("/engine/gradients/network-avg", test_network_avg);
  g_test_add_func ("/engine/gradients/network-bgr-std", test_network_preprocess);
  g_test_add_func ("/engine/gradients/preprocess-order", test_preprocess_order);
  g_test_add_func ("/engine/gradients/too-small", test_too_small);
  g_test_add_func ("/engine/gradients/cancel", test_cancel);
  ret = g_test_run ();
  g_rand_free (rng);
  return ret;
}
