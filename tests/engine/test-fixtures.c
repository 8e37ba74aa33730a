/* test-fixtures.c: the network, losses and gradient against the independent
 * reference values in $IMPASTO_FIXTURES (computed in float64 by PyTorch)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "engine/imp-losses.h"
#include "engine/imp-objective.h"
#include "engine/imp-vgg.h"

static const double mean_rgb[3] = { 123.68, 116.779, 103.939 };

static ImpWeights *weights;
/* One worker per processor, as a session would run. */
static ImpParallel *parallel;
static JsonObject *fixtures;
static JsonParser *parser;

/* Relative tolerance for losses, sums and norms (fixtures README). */
#define REL_TOL 1e-4

static gboolean
need_fixtures (void)
{
  if (weights == NULL || fixtures == NULL)
    {
      g_test_skip ("IMPASTO_WEIGHTS and IMPASTO_FIXTURES must both be set");
      return FALSE;
    }
  if (g_strcmp0 (imp_weights_get_sha256 (weights),
                 json_object_get_string_member (json_object_get_object_member (fixtures, "weights"),
                                                "sha256")) != 0)
    {
      g_test_skip ("the weights file differs from the one the fixtures were computed from");
      return FALSE;
    }
  return TRUE;
}

static JsonObject *
member (JsonObject *object,
        const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    object = json_object_get_object_member (object, parts[i]);
  return object;
}

static void
assert_close (const char *what,
              double      got,
              double      want,
              double      tol)
{
  g_test_message ("%s: got %.10g want %.10g (|diff| %.3g, tol %.3g)", what, got, want,
                  fabs (got - want), tol);
  if (!(fabs (got - want) <= tol))
    g_error ("%s: got %.10g, reference %.10g, |diff| %.3g > %.3g", what, got, want,
             fabs (got - want), tol);
}

static void
assert_rel (const char *what,
            double      got,
            double      want)
{
  assert_close (what, got, want, REL_TOL * fabs (want));
}

/* points: [c, y, x, value] entries of a [C, H, W] map; tolerance per README:
 * 1e-4 |b| + 1e-4 max |map|. */
static void
check_points (const char  *what,
              JsonArray   *points,
              const float *map,
              guint        height,
              guint        width,
              double       max_abs)
{
  for (guint i = 0; i < json_array_get_length (points); i++)
    {
      JsonArray *p = json_array_get_array_element (points, i);
      guint c = (guint) json_array_get_int_element (p, 0);
      guint y = (guint) json_array_get_int_element (p, 1);
      guint x = (guint) json_array_get_int_element (p, 2);
      double want = json_array_get_double_element (p, 3);
      double got = map[((gsize) c * height + y) * width + x];
      g_autofree char *name = g_strdup_printf ("%s[%u,%u,%u]", what, c, y, x);

      assert_close (name, got, want, 1e-4 * fabs (want) + 1e-4 * max_abs);
    }
}

static void
map_stats (const float *map,
           gsize        n,
           double      *sum,
           double      *sumsq,
           double      *max_abs)
{
  *sum = *sumsq = *max_abs = 0;
  for (gsize i = 0; i < n; i++)
    {
      *sum += map[i];
      *sumsq += (double) map[i] * map[i];
      *max_abs = MAX (*max_abs, fabs (map[i]));
    }
}

/* Checks shape, sum, sumsq and points of one fixture entry. */
static void
check_map (const char  *name,
           JsonObject  *entry,
           const float *map,
           guint        channels,
           guint        height,
           guint        width)
{
  JsonArray *shape = json_object_get_array_member (entry, "shape");
  gsize n = (gsize) channels * height * width;
  double sum, sumsq, max_abs;

  g_assert_cmpint (json_array_get_int_element (shape, 0), ==, channels);
  g_assert_cmpint (json_array_get_int_element (shape, 1), ==, height);
  g_assert_cmpint (json_array_get_int_element (shape, 2), ==, width);
  map_stats (map, n, &sum, &sumsq, &max_abs);
  assert_rel (name, sum, json_object_get_double_member (entry, "sum"));
  assert_rel (name, sumsq, json_object_get_double_member (entry, "sumsq"));
  check_points (name, json_object_get_array_member (entry, "points"), map, height, width, max_abs);
}

/* The fixture images, from their integer formulas (README). */
static ImpImage *
make_image (gboolean style)
{
  guint w = style ? 36 : 56, h = style ? 48 : 40;
  ImpImage *image = g_new0 (ImpImage, 1);
  gsize plane = (gsize) w * h;

  image->width = w;
  image->height = h;
  image->data = g_new (float, 3 * plane);
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        gsize i = (gsize) y * w + x;
        if (!style)
          {
            image->data[i] = (float) ((7 * x + 3 * y) % 256);
            image->data[plane + i] = (float) ((5 * x * y) % 256);
            image->data[2 * plane + i] = (float) ((11 * x + 13 * y + 17) % 256);
          }
        else
          {
            image->data[i] = (float) ((x * x + 3 * y * y + 29) % 256);
            image->data[plane + i] = (float) ((9 * x + 4 * y + 2 * x * y) % 256);
            image->data[2 * plane + i] = (float) (255 - ((6 * x + 10 * y) % 256));
          }
      }
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

static void
test_images (void)
{
  const char *names[2] = { "content", "style" };

  if (!need_fixtures ())
    return;
  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(TestImage) image = make_image (s == 1);
      JsonArray *sums = json_object_get_array_member (member (fixtures, s ? "images.style.check"
                                                                          : "images.content.check"),
                                                      "sum_rgb");
      gsize plane = (gsize) image->width * image->height;
      for (guint c = 0; c < 3; c++)
        {
          double sum = 0;
          for (gsize i = 0; i < plane; i++)
            sum += image->data[c * plane + i];
          g_test_message ("%s channel %u", names[s], c);
          g_assert_cmpfloat (sum, ==, (double) json_array_get_int_element (sums, c));
        }
    }
}

/* The network on the plain path (IM2COL) or the fast one (AUTO: Winograd
 * from conv1_2 on): the fixtures hold for both within the same tolerance. */
static ImpVgg *
run_vgg (const ImpImage   *image,
         ImpConvAlgorithm  algorithm)
{
  g_autoptr(GError) error = NULL;
  ImpVgg *vgg = imp_vgg_new (weights, IMP_CONV5_2, IMP_POOL_MAX, algorithm, parallel);

  g_assert_true (imp_vgg_set_size (vgg, image->width, image->height, &error));
  g_assert_true (imp_vgg_forward (vgg, image->data, NULL, &error));
  g_assert_no_error (error);
  return vgg;
}

static void
test_layers (gconstpointer data)
{
  ImpConvAlgorithm algorithm = GPOINTER_TO_INT (data);
  g_autoptr(TestImage) content = NULL;
  g_autoptr(ImpVgg) vgg = NULL;
  JsonObject *layers;

  if (!need_fixtures ())
    return;
  content = make_image (FALSE);
  vgg = run_vgg (content, algorithm);
  layers = json_object_get_object_member (fixtures, "layers");
  for (guint l = 0; l <= IMP_CONV5_2; l++)
    {
      guint w, h;
      imp_vgg_layer_size (vgg, l, &w, &h);
      check_map (imp_vgg_layer_name (l), json_object_get_object_member (layers, imp_vgg_layer_name (l)),
                 imp_vgg_get_activation (vgg, l), imp_vgg_layer_out_channels (l), h, w);
    }
  for (guint b = 0; b < 4; b++)
    {
      static const guint channels[4] = { 64, 128, 256, 512 };
      g_autofree char *name = g_strdup_printf ("pool%u", b + 1);
      check_map (name, json_object_get_object_member (layers, name), imp_vgg_get_pool (vgg, b),
                 channels[b], 40 >> (b + 1), 56 >> (b + 1));
    }
}

static void
gram_of (ImpVgg      *vgg,
         ImpVggLayer  layer,
         float       *gram)
{
  guint w, h;

  imp_vgg_layer_size (vgg, layer, &w, &h);
  imp_gram (imp_vgg_get_activation (vgg, layer), imp_vgg_layer_out_channels (layer),
            (gsize) w * h, gram, parallel);
}

static void
gram_stats (const float *gram,
            guint        c,
            double      *sum,
            double      *trace)
{
  *sum = *trace = 0;
  for (gsize i = 0; i < (gsize) c * c; i++)
    *sum += gram[i];
  for (guint i = 0; i < c; i++)
    *trace += gram[(gsize) i * c + i];
}

static void
test_grams (gconstpointer data)
{
  ImpConvAlgorithm algorithm = GPOINTER_TO_INT (data);
  g_autoptr(TestImage) content = NULL, style = NULL;
  g_autoptr(ImpVgg) vgg = NULL, svgg = NULL;
  g_autofree float *gram = g_new (float, 512 * 512);
  const char *content_layers[2] = { "conv1_1", "conv3_1" };
  const char *style_layers[5] = { "conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1" };

  if (!need_fixtures ())
    return;
  content = make_image (FALSE);
  style = make_image (TRUE);
  vgg = run_vgg (content, algorithm);
  svgg = run_vgg (style, algorithm);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *entry = json_object_get_object_member (member (fixtures, "gram"), content_layers[i]);
      JsonArray *entries = json_object_get_array_member (entry, "entries");
      ImpVggLayer l;
      double sum, trace, max_abs = 0;
      guint c;

      g_assert_true (imp_vgg_layer_from_name (content_layers[i], &l));
      c = imp_vgg_layer_out_channels (l);
      gram_of (vgg, l, gram);
      gram_stats (gram, c, &sum, &trace);
      assert_rel ("gram sum", sum, json_object_get_double_member (entry, "sum"));
      assert_rel ("gram trace", trace, json_object_get_double_member (entry, "trace"));
      for (gsize k = 0; k < (gsize) c * c; k++)
        max_abs = MAX (max_abs, fabsf (gram[k]));
      for (guint k = 0; k < json_array_get_length (entries); k++)
        {
          JsonArray *e = json_array_get_array_element (entries, k);
          gsize at = (gsize) json_array_get_int_element (e, 0) * c + json_array_get_int_element (e, 1);
          double want = json_array_get_double_element (e, 2);
          assert_close ("gram entry", gram[at], want, 1e-4 * fabs (want) + 1e-5 * max_abs);
        }
    }
  for (guint i = 0; i < 5; i++)
    {
      JsonObject *entry = json_object_get_object_member (member (fixtures, "style_image_gram"),
                                                         style_layers[i]);
      ImpVggLayer l;
      double sum, trace;

      g_assert_true (imp_vgg_layer_from_name (style_layers[i], &l));
      gram_of (svgg, l, gram);
      gram_stats (gram, imp_vgg_layer_out_channels (l), &sum, &trace);
      assert_rel ("style gram sum", sum, json_object_get_double_member (entry, "sum"));
      assert_rel ("style gram trace", trace, json_object_get_double_member (entry, "trace"));
    }
}

/* The tutorial's loss, set up by hand so this test needs only the network. */
static ImpObjective *
make_objective (void)
{
  g_autoptr(TestImage) content = make_image (FALSE);
  g_autoptr(TestImage) style = make_image (TRUE);
  const ImpImage *styles[1] = { style };
  g_autoptr(GError) error = NULL;
  ImpObjective *objective;
  ImpParams params;

  memset (&params, 0, sizeof params);
  params.content_weight = 1e3;
  params.style_weight = 1e-2;
  params.content_layers.n_layers = 1;
  params.content_layers.layers[0] = IMP_CONV5_2;
  params.content_layers.weights[0] = 1.0;
  params.style_layers.n_layers = 5;
  for (guint i = 0; i < 5; i++)
    {
      static const ImpVggLayer style_layers[5] = {
        IMP_CONV1_1, IMP_CONV2_1, IMP_CONV3_1, IMP_CONV4_1, IMP_CONV5_1
      };
      params.style_layers.layers[i] = style_layers[i];
      params.style_layers.weights[i] = 0.2;
    }
  params.pool = IMP_POOL_MAX;
  params.threads = 2;
  objective = imp_objective_new (weights, &params, content, styles, NULL, 1, NULL, &error);
  g_assert_no_error (error);
  return objective;
}

static void
check_losses (const char      *where,
              const ImpLosses *losses)
{
  JsonObject *ref = json_object_get_object_member (fixtures, where);
  double content = json_object_get_double_member (ref, "content");

  assert_rel ("style", losses->style, json_object_get_double_member (ref, "style"));
  assert_rel ("total", losses->total, json_object_get_double_member (ref, "total"));
  if (content == 0)
    g_assert_cmpfloat (losses->content, ==, 0);   /* same image, same computation */
  else
    assert_rel ("content", losses->content, content);
  g_assert_cmpfloat (losses->tv, ==, 0);
}

static void
check_gradient (const char  *where,
                const float *grad,
                guint        height,
                guint        width)
{
  JsonObject *ref = json_object_get_object_member (fixtures, where);
  double sum, sumsq, max_abs, abs_sum = 0;
  gsize n = (gsize) 3 * height * width;

  map_stats (grad, n, &sum, &sumsq, &max_abs);
  for (gsize i = 0; i < n; i++)
    abs_sum += fabsf (grad[i]);
  assert_rel ("grad l2", sqrt (sumsq), json_object_get_double_member (ref, "l2"));
  assert_rel ("grad abs_sum", abs_sum, json_object_get_double_member (ref, "abs_sum"));
  /* A signed sum cancels: compare it on the scale of the absolute sum. */
  assert_close ("grad sum", sum, json_object_get_double_member (ref, "sum"), REL_TOL * abs_sum);
  check_points ("grad", json_object_get_array_member (ref, "points"), grad, height, width, max_abs);
}

static void
test_loss_and_gradient (void)
{
  g_autoptr(ImpObjective) objective = NULL;
  g_autoptr(TestImage) image = NULL;
  g_autofree float *grad = NULL;
  g_autoptr(GError) error = NULL;
  ImpLosses losses;
  gsize plane = 40 * 56;

  if (!need_fixtures ())
    return;
  objective = make_objective ();
  image = make_image (FALSE);
  grad = g_new (float, 3 * plane);

  g_assert_true (imp_objective_evaluate (objective, image, grad, &losses, NULL, &error));
  check_losses ("loss_at_init", &losses);
  check_gradient ("grad_at_init", grad, 40, 56);

  /* Perturbed, not clamped: exercises the content gradient. */
  for (guint c = 0; c < 3; c++)
    for (guint y = 0; y < 40; y++)
      for (guint x = 0; x < 56; x++)
        image->data[c * plane + y * 56 + x] += (float) ((13 * x + 7 * y + 5 * c) % 21) - 10;
  g_assert_true (imp_objective_evaluate (objective, image, grad, &losses, NULL, &error));
  check_losses ("loss_at_perturbed", &losses);
  check_gradient ("grad_at_perturbed", grad, 40, 56);

  /* Without a gradient the same losses come out. */
  {
    ImpLosses again;
    g_assert_true (imp_objective_evaluate (objective, image, NULL, &again, NULL, &error));
    g_assert_cmpfloat (again.total, ==, losses.total);
  }
}

/* TF1 Adam, 3 steps, in pixel units with the clamp [0, 255] (README). */
static void
test_adam (void)
{
  g_autoptr(ImpObjective) objective = NULL;
  g_autoptr(TestImage) image = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *trace;
  JsonObject *after;
  gsize n = 3 * 40 * 56, plane = 40 * 56;
  g_autofree float *grad = g_new (float, n);
  g_autofree double *m = g_new0 (double, n), *v = g_new0 (double, n);
  double lr = 5, b1 = 0.99, b2 = 0.999, eps = 0.1;
  ImpLosses losses;

  if (!need_fixtures ())
    return;
  objective = make_objective ();
  image = make_image (FALSE);
  trace = json_object_get_array_member (member (fixtures, "adam"), "trace");
  for (guint t = 1; t <= 3; t++)
    {
      JsonObject *ref = json_array_get_object_element (trace, t - 1);
      double lr_t = lr * sqrt (1 - pow (b2, t)) / (1 - pow (b1, t)), l2 = 0;

      g_assert_true (imp_objective_evaluate (objective, image, grad, &losses, NULL, &error));
      for (gsize i = 0; i < n; i++)
        l2 += (double) grad[i] * grad[i];
      assert_rel ("adam total", losses.total, json_object_get_double_member (ref, "total"));
      assert_rel ("adam style", losses.style, json_object_get_double_member (ref, "style"));
      assert_close ("adam content", losses.content, json_object_get_double_member (ref, "content"),
                    REL_TOL * fabs (json_object_get_double_member (ref, "content")));
      assert_rel ("adam grad l2", sqrt (l2), json_object_get_double_member (ref, "grad_l2"));
      for (gsize i = 0; i < n; i++)
        {
          m[i] += (grad[i] - m[i]) * (1 - b1);
          v[i] += ((double) grad[i] * grad[i] - v[i]) * (1 - b2);
          image->data[i] = (float) CLAMP (image->data[i] - lr_t * m[i] / (sqrt (v[i]) + eps), 0, 255);
        }
    }
  g_assert_true (imp_objective_evaluate (objective, image, NULL, &losses, NULL, &error));
  assert_rel ("adam after total", losses.total, json_object_get_double_member (member (fixtures,
              "adam.loss_after_last_step"), "total"));

  /* The image itself, back in the fixtures' mean-subtracted space. */
  after = member (fixtures, "adam.image_after");
  {
    g_autofree float *pre = g_new (float, n);
    double sum, sumsq, max_abs;
    for (gsize i = 0; i < n; i++)
      pre[i] = (float) (image->data[i] - mean_rgb[i / plane]);
    map_stats (pre, n, &sum, &sumsq, &max_abs);
    assert_close ("image sum", sum, json_object_get_double_member (after, "sum"), 1e-3 * n);
    assert_rel ("image sumsq", sumsq, json_object_get_double_member (after, "sumsq"));
    check_points ("image", json_object_get_array_member (after, "points"), pre, 40, 56, 10.0);
  }
}

int
main (int   argc,
      char *argv[])
{
  const char *wpath = g_getenv ("IMPASTO_WEIGHTS");
  const char *fpath = g_getenv ("IMPASTO_FIXTURES");
  int ret;

  g_test_init (&argc, &argv, NULL);
  parallel = imp_parallel_new (0);
  if (wpath != NULL && fpath != NULL)
    {
      g_autoptr(GError) error = NULL;
      weights = imp_weights_load (wpath, &error);
      if (weights == NULL)
        g_error ("IMPASTO_WEIGHTS names a file that does not load: %s", error->message);
      parser = json_parser_new ();
      json_parser_load_from_file (parser, fpath, &error);
      g_assert_no_error (error);
      fixtures = json_node_get_object (json_parser_get_root (parser));
    }

  g_test_add_func ("/engine/fixtures/images", test_images);
  g_test_add_data_func ("/engine/fixtures/layers/im2col",
                        GINT_TO_POINTER (IMP_CONV_ALGORITHM_IM2COL), test_layers);
  g_test_add_data_func ("/engine/fixtures/layers/fast",
                        GINT_TO_POINTER (IMP_CONV_ALGORITHM_AUTO), test_layers);
  g_test_add_data_func ("/engine/fixtures/grams/im2col",
                        GINT_TO_POINTER (IMP_CONV_ALGORITHM_IM2COL), test_grams);
  g_test_add_data_func ("/engine/fixtures/grams/fast",
                        GINT_TO_POINTER (IMP_CONV_ALGORITHM_AUTO), test_grams);
  g_test_add_func ("/engine/fixtures/loss-and-gradient", test_loss_and_gradient);
  g_test_add_func ("/engine/fixtures/adam", test_adam);
  ret = g_test_run ();

  g_clear_object (&parser);
  g_clear_pointer (&weights, imp_weights_unref);
  g_clear_pointer (&parallel, imp_parallel_unref);
  return ret;
}
