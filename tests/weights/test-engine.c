/* test-engine.c: the engine honours a converted torchvision file's preprocessing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-convert.h"
#include "engine/imp-vgg.h"
#include "engine/imp-weights.h"
#include "weights-test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static const double tv_mean[3] = { 0.485, 0.456, 0.406 };
static const double tv_std[3] = { 0.229, 0.224, 0.225 };

/* A pixel-unit RGB image (0..255, not integers) with edges and gradients. */
static float *
make_image (guint width,
            guint height)
{
  float *image = g_new (float, 3 * (gsize) width * height);

  for (guint c = 0; c < 3; c++)
    for (guint y = 0; y < height; y++)
      for (guint x = 0; x < width; x++)
        image[((gsize) c * height + y) * width + x] =
          (float) ((x * 37 + y * 11 + c * 71) % 256) * 0.99f + 0.25f;
  return image;
}

/* Double-precision reference: 3x3 cross-correlation, zero padding 1, bias, ReLU. */
static double *
naive_conv (const double *input,
            guint         in,
            guint         width,
            guint         height,
            const float  *kernel,
            const float  *bias,
            guint         out)
{
  double *output = g_new (double, (gsize) out * width * height);

  for (guint o = 0; o < out; o++)
    for (guint y = 0; y < height; y++)
      for (guint x = 0; x < width; x++)
        {
          double sum = bias[o];
          for (guint i = 0; i < in; i++)
            for (gint ky = 0; ky < 3; ky++)
              for (gint kx = 0; kx < 3; kx++)
                {
                  gint sy = (gint) y + ky - 1, sx = (gint) x + kx - 1;
                  if (sy < 0 || sx < 0 || sy >= (gint) height || sx >= (gint) width)
                    continue;
                  sum += kernel[(((gsize) o * in + i) * 3 + ky) * 3 + kx] *
                         input[((gsize) i * height + sy) * width + sx];
                }
          output[((gsize) o * height + y) * width + x] = MAX (sum, 0.0);
        }
  return output;
}

static double *
naive_pool (const double *input,
            guint         channels,
            guint         width,
            guint         height)
{
  guint pw = width / 2, ph = height / 2;
  double *output = g_new (double, (gsize) channels * pw * ph);

  for (guint c = 0; c < channels; c++)
    for (guint y = 0; y < ph; y++)
      for (guint x = 0; x < pw; x++)
        {
          const double *p = input + ((gsize) c * height + 2 * y) * width + 2 * x;
          output[((gsize) c * ph + y) * pw + x] = MAX (MAX (p[0], p[1]),
                                                       MAX (p[width], p[width + 1]));
        }
  return output;
}

/* Largest |engine - reference| over [c, y, x] with y, x at least @margin away
 * from the border, relative to the largest |reference| there. */
static double
relative_difference (const float  *engine,
                     const double *reference,
                     guint         channels,
                     guint         width,
                     guint         height,
                     guint         margin)
{
  double worst = 0, scale = 1e-30;

  for (guint c = 0; c < channels; c++)
    for (guint y = margin; y + margin < height; y++)
      for (guint x = margin; x + margin < width; x++)
        {
          gsize i = ((gsize) c * height + y) * width + x;
          worst = MAX (worst, fabs (engine[i] - reference[i]));
          scale = MAX (scale, fabs (reference[i]));
        }
  return worst / scale;
}

static char *
convert_with_cli (const char *dir,
                  const char *input)
{
  g_autofree char *program = test_build_path ("src/weights/impasto-weights");
  char *output = g_build_filename (dir, "vgg19-conv.safetensors", NULL);
  const char *argv[] = { program, "convert", "--from", "torchvision", input, output, NULL };
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (test_run (argv, NULL, &out, &err), ==, 0);
  return output;
}

static ImpVgg *
run_engine (const char  *path,
            const float *image,
            guint        width,
            guint        height)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpWeights) weights = imp_weights_load (path, &error);
  ImpVgg *vgg;

  g_assert_no_error (error);
  vgg = imp_vgg_new (weights, IMP_CONV2_1, IMP_POOL_MAX, IMP_CONV_ALGORITHM_IM2COL, NULL);
  g_assert_true (imp_vgg_set_size (vgg, width, height, &error));
  g_assert_true (imp_vgg_forward (vgg, image, NULL, &error));
  g_assert_no_error (error);
  return vgg;
}

/* Synthetic torchvision tensors through the converter and the engine, against
 * the same layers computed directly on the image preprocessed by torchvision's
 * rule (p / 255 - mean) / std: equal everywhere, borders included. */
static void
test_torchvision_preprocessing (void)
{
  const guint width = 13, height = 10;   /* odd width: the pool floors */
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("impasto-weights-XXXXXX", &error);
  g_autofree char *input = g_build_filename (dir, "torchvision.safetensors", NULL);
  g_autofree char *converted = NULL;
  g_autofree float *image = make_image (width, height);
  g_autofree double *pre = g_new (double, 3 * width * height);
  g_autofree double *c11 = NULL, *c12 = NULL, *pool = NULL, *c21 = NULL;
  g_autoptr(ImpVgg) vgg = NULL;
  TestTensors *tv = test_tensors_oihw_pattern ();
  double d11, d21;

  if (g_getenv ("IMPASTO_BUILD_DIR") == NULL)
    {
      g_test_skip ("IMPASTO_BUILD_DIR is not set (run through meson test)");
      return;
    }
  /* conv1_1 stronger than the pattern, so the deeper layers see real signal */
  for (gsize i = 0; i < test_kernel_size (0); i++)
    tv->kernel[0][i] *= 20;
  test_write_torchvision (input, tv, -1, -1, FALSE);
  converted = convert_with_cli (dir, input);
  vgg = run_engine (converted, image, width, height);

  for (guint c = 0; c < 3; c++)
    for (guint i = 0; i < width * height; i++)
      pre[c * width * height + i] = (image[c * width * height + i] / 255.0 - tv_mean[c]) / tv_std[c];
  c11 = naive_conv (pre, 3, width, height, tv->kernel[0], tv->bias[0], 64);
  c12 = naive_conv (c11, 64, width, height, tv->kernel[1], tv->bias[1], 64);
  pool = naive_pool (c12, 64, width, height);
  c21 = naive_conv (pool, 64, width / 2, height / 2, tv->kernel[2], tv->bias[2], 128);

  d11 = relative_difference (imp_vgg_get_activation (vgg, IMP_CONV1_1), c11, 64, width, height, 0);
  d21 = relative_difference (imp_vgg_get_activation (vgg, IMP_CONV2_1), c21, 128,
                             width / 2, height / 2, 0);
  g_test_message ("relative difference conv1_1 %.3g, conv2_1 %.3g", d11, d21);
  g_assert_cmpfloat (d11, <, 1e-5);
  g_assert_cmpfloat (d21, <, 1e-5);

  test_tensors_free (tv);
  test_remove_tree (dir);
}

static float *
engine_copy (ImpVgg      *vgg,
             ImpVggLayer  layer,
             gsize        n)
{
  return g_memdup2 (imp_vgg_get_activation (vgg, layer), n * sizeof (float));
}

/* The development (Caffe-convention) weights re-expressed for torchvision's
 * preprocessing: with x_caffe = 255 std t + 255 mean - caffe_mean, conv1_1's
 * kernel scales by 255 std and its bias absorbs the shift. Inside the image
 * both files compute the same function; the borders differ because zero
 * padding happens in each convention's own input space. */
static TestTensors *
dev_as_torchvision (ImpWeights *dev)
{
  const ImpPreprocess *caffe = imp_weights_get_preprocess (dev);
  TestTensors *tv = g_new0 (TestTensors, 1);

  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      tv->kernel[l] = g_memdup2 (imp_weights_get_kernel (dev, l), test_kernel_size (l) * 4);
      tv->bias[l] = g_memdup2 (imp_weights_get_bias (dev, l), imp_vgg_layer_out_channels (l) * 4);
    }
  g_assert_false (caffe->bgr);
  for (guint o = 0; o < 64; o++)
    {
      double shift = 0;
      for (guint c = 0; c < 3; c++)
        for (guint k = 0; k < 9; k++)
          {
            float *w = &tv->kernel[0][(o * 3 + c) * 9 + k];
            shift += *w * (255 * tv_mean[c] - caffe->mean[c]);
            *w = (float) (*w * 255 * tv_std[c]);
          }
      tv->bias[0][o] = (float) (tv->bias[0][o] + shift);
    }
  return tv;
}

static void
test_torchvision_matches_caffe (void)
{
  const guint width = 24, height = 20;
  const char *dev_path = g_getenv ("IMPASTO_WEIGHTS");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *input = NULL, *converted = NULL;
  g_autofree float *image = make_image (width, height);
  g_autofree float *caffe11 = NULL, *caffe21 = NULL;
  g_autofree double *ref11 = NULL, *ref21 = NULL;
  g_autoptr(ImpWeights) dev = NULL;
  g_autoptr(ImpVgg) vgg = NULL;
  gsize n11 = 64 * (gsize) width * height, n21 = 128 * (gsize) (width / 2) * (height / 2);
  TestTensors *tv;

  if (dev_path == NULL || g_getenv ("IMPASTO_BUILD_DIR") == NULL)
    {
      g_test_skip ("IMPASTO_WEIGHTS or IMPASTO_BUILD_DIR is not set");
      return;
    }
  dev = imp_weights_load (dev_path, &error);
  g_assert_no_error (error);
  dir = g_dir_make_tmp ("impasto-weights-XXXXXX", &error);
  input = g_build_filename (dir, "torchvision.safetensors", NULL);
  tv = dev_as_torchvision (dev);
  test_write_torchvision (input, tv, -1, -1, FALSE);
  converted = convert_with_cli (dir, input);

  vgg = run_engine (dev_path, image, width, height);
  caffe11 = engine_copy (vgg, IMP_CONV1_1, n11);
  caffe21 = engine_copy (vgg, IMP_CONV2_1, n21);
  g_clear_pointer (&vgg, imp_vgg_free);
  vgg = run_engine (converted, image, width, height);

  ref11 = g_new (double, n11);
  ref21 = g_new (double, n21);
  for (gsize i = 0; i < n11; i++)
    ref11[i] = caffe11[i];
  for (gsize i = 0; i < n21; i++)
    ref21[i] = caffe21[i];
  /* conv1_1 differs on its outer ring only; conv2_1 on two rings of its grid */
  g_assert_cmpfloat (relative_difference (imp_vgg_get_activation (vgg, IMP_CONV1_1), ref11, 64,
                                          width, height, 1), <, 1e-4);
  g_assert_cmpfloat (relative_difference (imp_vgg_get_activation (vgg, IMP_CONV2_1), ref21, 128,
                                          width / 2, height / 2, 2), <, 1e-4);
  g_test_message ("on the border: conv1_1 relative difference %.3g (zero padding differs)",
                  relative_difference (imp_vgg_get_activation (vgg, IMP_CONV1_1), ref11, 64,
                                       width, height, 0));
  test_tensors_free (tv);
  test_remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/weights/engine/torchvision-preprocessing", test_torchvision_preprocessing);
  g_test_add_func ("/weights/engine/torchvision-matches-caffe", test_torchvision_matches_caffe);
  return g_test_run ();
}
