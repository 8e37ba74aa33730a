/* test-convert.c: impasto-weights' conversions, tensor by tensor, and its errors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-convert.h"
#include "engine/imp-weights.h"
#include "weights-test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("impasto-weights-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  test_remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static char *
fixture_path (Fixture    *fixture,
              const char *name)
{
  return g_build_filename (fixture->dir, name, NULL);
}

/* Every element of @set against the Keras HWIO/BGR source: out[o][i][ky][kx]
 * must be hwio[ky][kx][i'][o] with i' = 2 - i for conv1_1, i elsewhere. */
static void
check_against_keras (const ImpWeightSet *set,
                     const TestTensors  *keras,
                     guint               n_layers)
{
  for (guint l = 0; l < n_layers; l++)
    {
      guint in = imp_vgg_layer_in_channels (l), out = imp_vgg_layer_out_channels (l);
      gsize mismatches = 0;

      g_assert_nonnull (set->kernel[l]);
      for (guint o = 0; o < out; o++)
        for (guint i = 0; i < in; i++)
          for (guint ky = 0; ky < 3; ky++)
            for (guint kx = 0; kx < 3; kx++)
              {
                guint i_src = l == IMP_CONV1_1 ? 2 - i : i;
                float want = keras->kernel[l][((ky * 3 + kx) * (gsize) in + i_src) * out + o];
                float have = set->kernel[l][(((gsize) o * in + i) * 3 + ky) * 3 + kx];
                mismatches += want != have;
              }
      g_assert_cmpuint (mismatches, ==, 0);
      g_assert_cmpmem (set->bias[l], out * sizeof (float), keras->bias[l], out * sizeof (float));
    }
}

static void
check_metadata (const ImpWeightSet *set,
                const char         *scale,
                const char         *mean,
                const char         *std)
{
  g_assert_cmpstr (set->metadata[0], ==, "vgg19-features");
  g_assert_cmpstr (set->metadata[1], ==, "OIHW");
  g_assert_cmpstr (set->metadata[2], ==, "RGB");
  g_assert_cmpstr (set->metadata[3], ==, scale);
  g_assert_cmpstr (set->metadata[4], ==, mean);
  g_assert_cmpstr (set->metadata[5], ==, std);
  g_assert_cmpstr (set->metadata[6], ==, "zero");
  g_assert_nonnull (strstr (set->metadata[7], "converted by impasto-weights"));
}

/* The written file, read back by the engine's own loader. */
static void
check_engine_reads (const char         *path,
                    const ImpWeightSet *set,
                    double              scale,
                    double              mean0,
                    double              std0)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpWeights) weights = imp_weights_load (path, &error);
  const ImpPreprocess *pre;

  g_assert_no_error (error);
  pre = imp_weights_get_preprocess (weights);
  g_assert_false (pre->bgr);
  g_assert_cmpfloat_with_epsilon (pre->scale, scale, 1e-12);
  g_assert_cmpfloat_with_epsilon (pre->mean[0], mean0, 1e-12);
  g_assert_cmpfloat_with_epsilon (pre->std[0], std0, 1e-12);
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      g_assert_cmpmem (imp_weights_get_kernel (weights, l), imp_weight_set_kernel_size (l) * 4,
                       set->kernel[l], imp_weight_set_kernel_size (l) * 4);
      g_assert_cmpmem (imp_weights_get_bias (weights, l), imp_vgg_layer_out_channels (l) * 4,
                       set->bias[l], imp_vgg_layer_out_channels (l) * 4);
    }
}

static void
convert_keras_layout (Fixture            *fixture,
                      const TestKerasSpec *spec)
{
  g_autofree char *h5 = fixture_path (fixture, "vgg19.h5");
  g_autofree char *out = fixture_path (fixture, "vgg19-conv.safetensors");
  TestTensors *keras = test_tensors_keras_pattern ();
  g_autoptr(ImpWeightSet) set = NULL;
  g_autoptr(GError) error = NULL;

  test_write_keras_h5 (h5, spec, keras);
  set = imp_weight_set_from_keras_h5 (h5, &error);
  g_assert_no_error (error);
  check_against_keras (set, keras, IMP_N_VGG_LAYERS);
  check_metadata (set, "255", "123.68,116.779,103.939", "1,1,1");
  g_assert_true (imp_weight_set_write (set, out, &error));
  g_assert_no_error (error);
  check_engine_reads (out, set, 255, 123.68, 1);
  /* only the input and the output: no temporary file left behind */
  g_assert_cmpuint (test_count_entries (fixture->dir), ==, 2);
  test_tensors_free (keras);
}

static void
test_keras_original (Fixture       *fixture,
                     gconstpointer  data)
{
  TestKerasSpec spec;

  test_keras_spec_init (&spec, TEST_KERAS_ORIGINAL);
  convert_keras_layout (fixture, &spec);
}

/* Newer Keras: subgroups, variable-length strings, and the bias listed first
 * (the converter must tell kernel from bias by shape, not by position). */
static void
test_keras_newer (Fixture       *fixture,
                  gconstpointer  data)
{
  TestKerasSpec spec;

  test_keras_spec_init (&spec, TEST_KERAS_NEWER);
  spec.variable_strings = TRUE;
  spec.bias_first = TRUE;
  convert_keras_layout (fixture, &spec);
}

static void
expect_keras_error (Fixture             *fixture,
                    const TestKerasSpec *spec,
                    gint                 code,
                    const char          *fragment)
{
  g_autofree char *h5 = fixture_path (fixture, "broken.h5");
  TestTensors *keras = test_tensors_keras_pattern ();
  g_autoptr(ImpWeightSet) set = NULL;
  g_autoptr(GError) error = NULL;

  test_write_keras_h5 (h5, spec, keras);
  set = imp_weight_set_from_keras_h5 (h5, &error);
  g_assert_null (set);
  g_assert_error (error, IMP_CONVERT_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, h5));
  g_assert_nonnull (strstr (error->message, fragment));
  test_tensors_free (keras);
}

static void
test_keras_broken (Fixture       *fixture,
                   gconstpointer  data)
{
  TestKerasSpec spec;

  /* Small files: only the first layers are written, so these run quickly. */
  test_keras_spec_init (&spec, TEST_KERAS_ORIGINAL);
  spec.n_layers = 2;
  expect_keras_error (fixture, &spec, IMP_CONVERT_ERROR_LAYER,
                      "block2_conv1 (conv2_1) is missing");
  spec.n_layers = 4;
  spec.skip_layer = IMP_CONV1_2;
  expect_keras_error (fixture, &spec, IMP_CONVERT_ERROR_LAYER, "block1_conv2 (conv1_2)");

  test_keras_spec_init (&spec, TEST_KERAS_NEWER);
  spec.n_layers = 3;
  spec.wrong_shape_layer = IMP_CONV1_2;
  expect_keras_error (fixture, &spec, IMP_CONVERT_ERROR_SHAPE,
                      "has shape [3,3,64,32]; VGG19 needs [3,3,64,64]");
  spec.wrong_shape_layer = -1;
  spec.theano_layer = IMP_CONV1_1;
  expect_keras_error (fixture, &spec, IMP_CONVERT_ERROR_SHAPE, "Theano dimension ordering");
  spec.theano_layer = -1;
  spec.dangling_layer = IMP_CONV2_1;
  expect_keras_error (fixture, &spec, IMP_CONVERT_ERROR_LAYER,
                      "block2_conv1/block2_conv1/bias:0, named in weight_names, is missing");
  spec.dangling_layer = -1;
  spec.no_layer_names = TRUE;
  expect_keras_error (fixture, &spec, IMP_CONVERT_ERROR_FORMAT, "not a Keras weights file");

  /* Split layer_names and a whole saved model are read: the three layers written
   * are found, and the first one absent is the one reported. */
  test_keras_spec_init (&spec, TEST_KERAS_ORIGINAL);
  spec.n_layers = 3;
  spec.chunked_names = TRUE;
  expect_keras_error (fixture, &spec, IMP_CONVERT_ERROR_LAYER, "block2_conv2 (conv2_2) is missing");
  spec.chunked_names = FALSE;
  spec.model_group = TRUE;
  spec.variable_strings = TRUE;
  expect_keras_error (fixture, &spec, IMP_CONVERT_ERROR_LAYER, "block2_conv2 (conv2_2) is missing");
}

static void
test_keras_nan (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *h5 = fixture_path (fixture, "nan.h5");
  TestTensors *keras = test_tensors_keras_pattern ();
  g_autoptr(ImpWeightSet) set = NULL;
  g_autoptr(GError) error = NULL;
  TestKerasSpec spec;

  test_keras_spec_init (&spec, TEST_KERAS_ORIGINAL);
  spec.n_layers = 3;
  keras->bias[IMP_CONV2_1][7] = NAN;
  test_write_keras_h5 (h5, &spec, keras);
  set = imp_weight_set_from_keras_h5 (h5, &error);
  g_assert_null (set);
  g_assert_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_VALUE);
  g_assert_nonnull (strstr (error->message, "block2_conv1 holds a NaN or infinite value"));
  test_tensors_free (keras);
}

static void
expect_file_error (const char *path,
                   gboolean    keras,
                   gint        code,
                   const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpWeightSet) set = keras ? imp_weight_set_from_keras_h5 (path, &error)
                                      : imp_weight_set_from_torchvision (path, &error);

  g_assert_null (set);
  g_assert_error (error, IMP_CONVERT_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, fragment));
}

/* Not HDF5 at all, a missing file, and an HDF5 file cut in half. */
static void
test_keras_not_hdf5 (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *text = fixture_path (fixture, "weights.h5");
  g_autofree char *missing = fixture_path (fixture, "missing.h5");
  g_autofree char *h5 = fixture_path (fixture, "full.h5");
  g_autofree char *cut = fixture_path (fixture, "cut.h5");
  g_autofree char *contents = NULL;
  TestTensors *keras = test_tensors_keras_pattern ();
  TestKerasSpec spec;
  gsize length;

  g_assert_true (g_file_set_contents (text, "<html>Not Found</html>\n", -1, NULL));
  expect_file_error (text, TRUE, IMP_CONVERT_ERROR_INPUT, "not an HDF5 file");
  expect_file_error (missing, TRUE, IMP_CONVERT_ERROR_INPUT, "no such file");

  test_keras_spec_init (&spec, TEST_KERAS_ORIGINAL);
  spec.n_layers = 3;
  test_write_keras_h5 (h5, &spec, keras);
  g_assert_true (g_file_get_contents (h5, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (cut, contents, length / 2, NULL));
  expect_file_error (cut, TRUE, IMP_CONVERT_ERROR_INPUT, "truncated or damaged");
  test_tensors_free (keras);
}

static void
test_torchvision (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *in = fixture_path (fixture, "vgg19-torchvision.safetensors");
  g_autofree char *out = fixture_path (fixture, "vgg19-conv.safetensors");
  TestTensors *tv = test_tensors_oihw_pattern ();
  g_autoptr(ImpWeightSet) set = NULL;
  g_autoptr(GError) error = NULL;

  /* features.0.bias stored as F16: make its values exactly representable. */
  for (guint o = 0; o < 64; o++)
    tv->bias[0][o] = ((float) o - 31.0f) / 256.0f;
  test_write_torchvision (in, tv, -1, -1, TRUE);
  set = imp_weight_set_from_torchvision (in, &error);
  g_assert_no_error (error);
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      /* already OIHW and RGB: an exact copy, conv1_1 included (no flip) */
      g_assert_cmpmem (set->kernel[l], test_kernel_size (l) * 4,
                       tv->kernel[l], test_kernel_size (l) * 4);
      g_assert_cmpmem (set->bias[l], imp_vgg_layer_out_channels (l) * 4,
                       tv->bias[l], imp_vgg_layer_out_channels (l) * 4);
    }
  check_metadata (set, "1", "0.485,0.456,0.406", "0.229,0.224,0.225");
  g_assert_true (imp_weight_set_write (set, out, &error));
  check_engine_reads (out, set, 1, 0.485, 0.229);
  test_tensors_free (tv);
}

static void
test_torchvision_broken (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *path = fixture_path (fixture, "tv.safetensors");
  g_autofree char *contents = NULL;
  TestTensors *tv = test_tensors_oihw_pattern ();
  gsize length;

  test_write_torchvision (path, tv, IMP_CONV3_2, -1, FALSE);
  expect_file_error (path, FALSE, IMP_CONVERT_ERROR_LAYER, "features.12.weight (conv3_2)");
  test_write_torchvision (path, tv, -1, IMP_CONV2_2, FALSE);
  expect_file_error (path, FALSE, IMP_CONVERT_ERROR_SHAPE,
                     "features.7.weight (conv2_2) has the wrong shape; VGG19 needs [128,128,3,3]");

  test_write_torchvision (path, tv, -1, -1, FALSE);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (path, contents, length - 1000, NULL));
  expect_file_error (path, FALSE, IMP_CONVERT_ERROR_FORMAT, "truncated");
  g_assert_true (g_file_set_contents (path, contents, 4, NULL));
  expect_file_error (path, FALSE, IMP_CONVERT_ERROR_FORMAT, "too short");
  memcpy (contents + 8, "[not json", 9);
  g_assert_true (g_file_set_contents (path, contents, length, NULL));
  expect_file_error (path, FALSE, IMP_CONVERT_ERROR_INPUT, "header is not valid JSON");
  g_assert_true (g_file_set_contents (path, "\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10, NULL));
  expect_file_error (path, FALSE, IMP_CONVERT_ERROR_INPUT, "header length");
  test_tensors_free (tv);
}

/* A complete set in memory, without a file to read it from. */
static ImpWeightSet *
pattern_set (TestTensors *tv)
{
  ImpWeightSet *set = imp_weight_set_new ();

  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      set->kernel[l] = g_memdup2 (tv->kernel[l], test_kernel_size (l) * sizeof (float));
      set->bias[l] = g_memdup2 (tv->bias[l], imp_vgg_layer_out_channels (l) * sizeof (float));
    }
  imp_weight_set_set_metadata (set, IMP_INPUT_CAFFE, "test \"pattern\"");
  return set;
}

static guint64
read_u64_le (const guint8 *p)
{
  guint64 v;

  memcpy (&v, p, 8);
  return GUINT64_FROM_LE (v);
}

/* The written file's layout: 8-byte aligned space-padded header, keys in
 * network order, tightly packed data; the rename leaves no temporary behind. */
static void
test_writer_layout (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *out = fixture_path (fixture, "out.safetensors");
  g_autofree char *contents = NULL;
  TestTensors *tv = test_tensors_oihw_pattern ();
  g_autoptr(ImpWeightSet) set = NULL;
  g_autoptr(GError) error = NULL;
  guint64 header_size;
  gsize length;
  const char *w11, *b54;

  set = pattern_set (tv);
  g_assert_true (g_file_set_contents (out, "old contents", -1, NULL));
  g_assert_true (imp_weight_set_write (set, out, &error));
  g_assert_true (g_file_get_contents (out, &contents, &length, NULL));
  header_size = read_u64_le ((const guint8 *) contents);
  g_assert_cmpuint (header_size % 8, ==, 0);
  g_assert_cmpuint (length, ==, 8 + header_size + 20024384 * 4);
  g_assert_true (g_str_has_prefix (contents + 8, "{\"__metadata__\":{\"architecture\":"));
  /* the JSON ends in '}', followed only by the (fewer than 8) padding spaces */
  {
    const char *end = contents + 8 + header_size;
    const char *brace = end - 1;
    while (brace > contents + 8 && *brace == ' ')
      brace--;
    g_assert_cmpint (*brace, ==, '}');
    g_assert_cmpint (end - brace - 1, <, 8);
  }
  w11 = strstr (contents + 8, "\"conv1_1.weight\"");
  b54 = strstr (contents + 8, "\"conv5_4.bias\"");
  g_assert_true (w11 != NULL && b54 != NULL && w11 < b54);
  g_assert_cmpmem (contents + 8 + header_size, 6912, tv->kernel[0], 6912);
  g_assert_cmpmem (contents + length - 2048, 2048, tv->bias[IMP_CONV5_4], 2048);
  g_assert_nonnull (strstr (contents + 8, "\"source\":\"test \\\"pattern\\\"\""));
  g_assert_cmpuint (test_count_entries (fixture->dir), ==, 1);
  test_tensors_free (tv);
}

static void
test_writer_failure (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *out = fixture_path (fixture, "no-such-dir/out.safetensors");
  TestTensors *tv = test_tensors_oihw_pattern ();
  g_autoptr(ImpWeightSet) set = NULL;
  g_autoptr(GError) error = NULL;

  set = pattern_set (tv);
  g_assert_false (imp_weight_set_write (set, out, &error));
  g_assert_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_OUTPUT);
  g_assert_true (g_str_has_prefix (error->message, out));
  g_assert_cmpuint (test_count_entries (fixture->dir), ==, 0);
  test_tensors_free (tv);
}

/* A Keras file made from the development weights (OIHW -> HWIO, RGB -> BGR:
 * the inverse of the conversion) converts back to exactly the same tensors:
 * the data section hashes to the value the development README states. */
static void
test_keras_roundtrip_dev (Fixture       *fixture,
                          gconstpointer  data)
{
  const char *dev = g_getenv ("IMPASTO_WEIGHTS");
  g_autofree char *h5 = fixture_path (fixture, "dev.h5");
  g_autofree char *out = fixture_path (fixture, "vgg19-conv.safetensors");
  g_autofree char *contents = NULL;
  g_autoptr(ImpWeights) weights = NULL;
  g_autoptr(ImpWeightSet) set = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha = NULL;
  TestTensors *keras = g_new0 (TestTensors, 1);
  TestKerasSpec spec;
  gsize length;

  if (dev == NULL)
    {
      g_test_skip ("IMPASTO_WEIGHTS is not set (the development weights file)");
      return;
    }
  weights = imp_weights_load (dev, &error);
  g_assert_no_error (error);
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      guint in = imp_vgg_layer_in_channels (l), o_n = imp_vgg_layer_out_channels (l);
      const float *oihw = imp_weights_get_kernel (weights, l);

      keras->kernel[l] = g_new (float, test_kernel_size (l));
      for (guint o = 0; o < o_n; o++)
        for (guint i = 0; i < in; i++)
          for (guint k = 0; k < 9; k++)
            keras->kernel[l][((gsize) k * in + (l == 0 ? 2 - i : i)) * o_n + o] =
              oihw[((gsize) o * in + i) * 9 + k];
      keras->bias[l] = g_memdup2 (imp_weights_get_bias (weights, l), o_n * sizeof (float));
    }
  test_keras_spec_init (&spec, TEST_KERAS_ORIGINAL);
  test_write_keras_h5 (h5, &spec, keras);
  set = imp_weight_set_from_keras_h5 (h5, &error);
  g_assert_no_error (error);
  g_assert_true (imp_weight_set_write (set, out, &error));
  g_assert_true (g_file_get_contents (out, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 80097536);
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                     (const guchar *) contents + length - 80097536, 80097536);
  g_assert_cmpstr (sha, ==, "1b7cda451448ad0c4dde81e260b3ef522837b79a1a97bb313f22ebf5ac3d85cb");
  test_tensors_free (keras);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/weights/convert/keras-original-layout", test_keras_original);
  ADD ("/weights/convert/keras-newer-layout", test_keras_newer);
  ADD ("/weights/convert/keras-broken", test_keras_broken);
  ADD ("/weights/convert/keras-nan", test_keras_nan);
  ADD ("/weights/convert/keras-not-hdf5", test_keras_not_hdf5);
  ADD ("/weights/convert/keras-roundtrip-dev", test_keras_roundtrip_dev);
  ADD ("/weights/convert/torchvision", test_torchvision);
  ADD ("/weights/convert/torchvision-broken", test_torchvision_broken);
  ADD ("/weights/convert/writer-layout", test_writer_layout);
  ADD ("/weights/convert/writer-failure", test_writer_failure);
#undef ADD

  return g_test_run ();
}
