/* test-objective.c: ImpObjective's contract beyond the numbers (errors, loss
 * weights, style blending, cancellation, determinism, memory estimate)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "engine/imp-objective.h"
#include "engine/imp-objective-private.h"

static GRand *rng;
static ImpWeights *weights;   /* random, conv1_1 .. conv2_1 */

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

static ImpWeights *
random_weights (ImpVggLayer deepest)
{
  const ImpPreprocess pre = { FALSE, 255, { 123.68, 116.779, 103.939 }, { 1, 1, 1 } };
  const float *kernels[IMP_N_VGG_LAYERS] = { NULL };
  const float *biases[IMP_N_VGG_LAYERS] = { NULL };
  ImpWeights *w;

  for (guint l = 0; l <= deepest; l++)
    {
      guint in = imp_vgg_layer_in_channels (l), out = imp_vgg_layer_out_channels (l);
      double s = sqrt (6.0 / (9.0 * in)) / (l == 0 ? 100 : 1);   /* pixel units at conv1_1 */
      kernels[l] = random_floats ((gsize) out * in * 9, -s, s);
      biases[l] = random_floats (out, -0.05, 0.1);
    }
  w = imp_weights_new_from_data (kernels, biases, &pre);
  for (guint l = 0; l <= deepest; l++)
    {
      g_free ((float *) kernels[l]);
      g_free ((float *) biases[l]);
    }
  return w;
}

typedef ImpImage TestImage;

static void
free_image (TestImage *image)
{
  g_free (image->data);
  g_free (image);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestImage, free_image)

static TestImage *
random_image (guint width,
              guint height)
{
  TestImage *image = g_new0 (TestImage, 1);

  image->width = width;
  image->height = height;
  image->data = random_floats ((gsize) 3 * width * height, 0, 255);
  return image;
}

static void
init_params (ImpParams *params)
{
  memset (params, 0, sizeof *params);
  params->content_layers.n_layers = 1;
  params->content_layers.layers[0] = IMP_CONV2_1;
  params->content_layers.weights[0] = 1;
  params->style_layers.n_layers = 2;
  params->style_layers.layers[0] = IMP_CONV1_1;
  params->style_layers.layers[1] = IMP_CONV2_1;
  params->style_layers.weights[0] = params->style_layers.weights[1] = 0.5;
  params->content_weight = 1;
  params->style_weight = 1;
  params->tv_weight = 1;
  params->pool = IMP_POOL_MAX;
  params->threads = 1;
}

static guint
count_entries (GDir *dir)
{
  guint n = 0;

  g_dir_rewind (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static void
test_errors (void)
{
  g_autoptr(TestImage) content = random_image (12, 10);
  g_autoptr(TestImage) style = random_image (9, 11);
  g_autoptr(TestImage) tiny = random_image (1, 7);
  const ImpImage *styles[2] = { style, style };
  const double negative[2] = { 1, -1 }, zero[2] = { 0, 0 };
  ImpParams params;

  init_params (&params);
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (imp_objective_new (weights, &params, content, styles, NULL, 0, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (imp_objective_new (weights, &params, content, styles, negative, 2, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (imp_objective_new (weights, &params, content, styles, zero, 2, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }
  {
    /* conv2_1 comes after one pool: a 1-pixel-wide image cannot reach it. */
    g_autoptr(GError) error = NULL;
    g_assert_null (imp_objective_new (weights, &params, tiny, styles, NULL, 1, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "conv2_1"));
  }
  {
    g_autoptr(GError) error = NULL;
    params.content_layers.n_layers = params.style_layers.n_layers = 0;
    g_assert_null (imp_objective_new (weights, &params, content, styles, NULL, 1, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }
}

static ImpLosses
evaluate (ImpObjective *objective,
          ImpImage     *x,
          float        *grad)
{
  g_autoptr(GError) error = NULL;
  ImpLosses losses;

  g_assert_true (imp_objective_evaluate (objective, x, grad, &losses, NULL, &error));
  g_assert_no_error (error);
  return losses;
}

/* Loss weights change between evaluations; every term and its gradient scale. */
static void
test_loss_weights (void)
{
  g_autoptr(TestImage) content = random_image (12, 10);
  g_autoptr(TestImage) style = random_image (9, 11);
  g_autoptr(TestImage) x = random_image (12, 10);
  const ImpImage *styles[1] = { style };
  g_autoptr(ImpObjective) objective = NULL;
  gsize n = 3 * 12 * 10;
  g_autofree float *g_all = g_new (float, n), *g_c = g_new (float, n);
  g_autofree float *g_s = g_new (float, n), *g_t = g_new (float, n);
  ImpLosses one, mixed;
  ImpParams params;
  double scale = 0;

  init_params (&params);
  objective = imp_objective_new (weights, &params, content, styles, NULL, 1, NULL, NULL);
  one = evaluate (objective, x, NULL);
  g_assert_cmpfloat (one.content, >, 0);
  g_assert_cmpfloat (one.style, >, 0);
  g_assert_cmpfloat (one.tv, >, 0);

  imp_objective_set_loss_weights (objective, 2, 0.5, 0.1);
  mixed = evaluate (objective, x, g_all);
  g_assert_cmpfloat (fabs (mixed.content - 2 * one.content), <=, 1e-12 * one.content);
  g_assert_cmpfloat (fabs (mixed.style - 0.5 * one.style), <=, 1e-12 * one.style);
  g_assert_cmpfloat (fabs (mixed.tv - 0.1 * one.tv), <=, 1e-12 * one.tv);
  g_assert_cmpfloat (mixed.total, ==, mixed.content + mixed.style + mixed.tv);

  imp_objective_set_loss_weights (objective, 1, 0, 0);
  evaluate (objective, x, g_c);
  imp_objective_set_loss_weights (objective, 0, 1, 0);
  evaluate (objective, x, g_s);
  imp_objective_set_loss_weights (objective, 0, 0, 1);
  evaluate (objective, x, g_t);
  for (gsize i = 0; i < n; i++)
    scale = MAX (scale, fabs (g_all[i]));
  for (gsize i = 0; i < n; i++)
    {
      double sum = 2.0 * g_c[i] + 0.5 * g_s[i] + 0.1 * g_t[i];
      g_assert_cmpfloat (fabs (g_all[i] - sum), <=, 1e-5 * scale);
    }
}

/* Blend weights are normalised: (2, 2) is (1, 1); (1, 0) is the first style alone. */
static void
test_blend (void)
{
  g_autoptr(TestImage) content = random_image (12, 10);
  g_autoptr(TestImage) style_a = random_image (9, 11);
  g_autoptr(TestImage) style_b = random_image (16, 8);
  g_autoptr(TestImage) x = random_image (12, 10);
  const ImpImage *both[2] = { style_a, style_b };
  const ImpImage *only_a[1] = { style_a };
  const double equal[2] = { 1, 1 }, doubled[2] = { 2, 2 }, first[2] = { 1, 0 };
  g_autoptr(ImpObjective) o_equal = NULL, o_doubled = NULL, o_first = NULL, o_a = NULL;
  g_autoptr(ImpObjective) o_null = NULL;
  ImpParams params;

  init_params (&params);
  o_equal = imp_objective_new (weights, &params, content, both, equal, 2, NULL, NULL);
  o_doubled = imp_objective_new (weights, &params, content, both, doubled, 2, NULL, NULL);
  o_null = imp_objective_new (weights, &params, content, both, NULL, 2, NULL, NULL);
  o_first = imp_objective_new (weights, &params, content, both, first, 2, NULL, NULL);
  o_a = imp_objective_new (weights, &params, content, only_a, NULL, 1, NULL, NULL);
  g_assert_cmpfloat (evaluate (o_equal, x, NULL).style, ==, evaluate (o_doubled, x, NULL).style);
  g_assert_cmpfloat (evaluate (o_equal, x, NULL).style, ==, evaluate (o_null, x, NULL).style);
  g_assert_cmpfloat (evaluate (o_first, x, NULL).style, ==, evaluate (o_a, x, NULL).style);
  g_assert_cmpfloat (evaluate (o_first, x, NULL).style, !=, evaluate (o_equal, x, NULL).style);
}

static void
test_cancel (void)
{
  g_autoptr(TestImage) content = random_image (12, 10);
  g_autoptr(TestImage) style = random_image (9, 11);
  const ImpImage *styles[1] = { style };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(ImpObjective) objective = NULL;
  g_autofree float *grad = g_new (float, 3 * 12 * 10);
  g_autoptr(GError) error = NULL;
  ImpLosses losses;
  ImpParams params;

  init_params (&params);
  objective = imp_objective_new (weights, &params, content, styles, NULL, 1, NULL, NULL);
  g_cancellable_cancel (cancellable);
  g_assert_false (imp_objective_evaluate (objective, content, grad, &losses, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (imp_objective_new (weights, &params, content, styles, NULL, 1, cancellable,
                                    &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Same inputs, same threads: bit-identical losses and gradients. */
static void
test_deterministic (void)
{
  g_autoptr(TestImage) content = random_image (20, 18);
  g_autoptr(TestImage) style = random_image (15, 21);
  g_autoptr(TestImage) x = random_image (20, 18);
  const ImpImage *styles[1] = { style };
  g_autoptr(ImpObjective) a = NULL, b = NULL;
  gsize n = 3 * 20 * 18;
  g_autofree float *ga = g_new (float, n), *gb = g_new (float, n);
  ImpLosses la, lb;
  ImpParams params;

  init_params (&params);
  params.threads = 2;
  a = imp_objective_new (weights, &params, content, styles, NULL, 1, NULL, NULL);
  b = imp_objective_new (weights, &params, content, styles, NULL, 1, NULL, NULL);
  la = evaluate (a, x, ga);
  evaluate (a, content, NULL);   /* state from another image must not leak */
  lb = evaluate (b, x, gb);
  g_assert_cmpmem (&la, sizeof la, &lb, sizeof lb);
  g_assert_cmpmem (ga, n * sizeof (float), gb, n * sizeof (float));
  lb = evaluate (a, x, gb);
  g_assert_cmpmem (&la, sizeof la, &lb, sizeof lb);
  g_assert_cmpmem (ga, n * sizeof (float), gb, n * sizeof (float));
}

/* An objective at another size on the previous one's convolutions gives
 * bit-identical results to one made afresh, also once the previous is gone;
 * other weights or a deeper network are prepared anew. */
static void
test_sharing (void)
{
  g_autoptr(TestImage) small = random_image (20, 18);
  g_autoptr(TestImage) content = random_image (26, 22);
  g_autoptr(TestImage) style = random_image (15, 21);
  g_autoptr(TestImage) x = random_image (26, 22);
  g_autoptr(ImpWeights) other = random_weights (IMP_CONV2_1);
  const ImpImage *styles[1] = { style };
  g_autoptr(ImpObjective) shared = NULL, fresh = NULL, unshared = NULL, deeper = NULL;
  ImpObjective *previous;
  gsize n = 3 * 26 * 22;
  g_autofree float *g_shared = g_new (float, n), *g_fresh = g_new (float, n);
  ImpLosses l_shared, l_fresh;
  ImpParams params;

  init_params (&params);
  params.content_layers.layers[0] = IMP_CONV1_2;   /* previous reaches conv1_2 only */
  params.style_layers.layers[1] = IMP_CONV1_1;
  previous = imp_objective_new (weights, &params, small, styles, NULL, 1, NULL, NULL);
  init_params (&params);
  deeper = imp_objective_new_sharing (previous, weights, &params, content, styles, NULL, 1,
                                      NULL, NULL);
  g_assert_false (imp_vgg_shares_convolutions (imp_objective_get_vgg (previous),
                                               imp_objective_get_vgg (deeper)));
  imp_objective_free (previous);

  previous = imp_objective_new (weights, &params, small, styles, NULL, 1, NULL, NULL);
  shared = imp_objective_new_sharing (previous, weights, &params, content, styles, NULL, 1,
                                      NULL, NULL);
  unshared = imp_objective_new_sharing (previous, other, &params, content, styles, NULL, 1,
                                        NULL, NULL);
  fresh = imp_objective_new (weights, &params, content, styles, NULL, 1, NULL, NULL);
  g_assert_true (imp_vgg_shares_convolutions (imp_objective_get_vgg (previous),
                                              imp_objective_get_vgg (shared)));
  g_assert_false (imp_vgg_shares_convolutions (imp_objective_get_vgg (previous),
                                               imp_objective_get_vgg (unshared)));
  evaluate (previous, small, NULL);   /* the previous one still works */
  l_shared = evaluate (shared, x, g_shared);
  l_fresh = evaluate (fresh, x, g_fresh);
  g_assert_cmpfloat (l_shared.total, >, 0);
  g_assert_cmpmem (&l_shared, sizeof l_shared, &l_fresh, sizeof l_fresh);
  g_assert_cmpmem (g_shared, n * sizeof (float), g_fresh, n * sizeof (float));
  g_assert_cmpfloat (evaluate (unshared, x, NULL).total, !=, l_fresh.total);

  imp_objective_free (previous);
  l_shared = evaluate (shared, x, g_shared);
  g_assert_cmpmem (&l_shared, sizeof l_shared, &l_fresh, sizeof l_fresh);
  g_assert_cmpmem (g_shared, n * sizeof (float), g_fresh, n * sizeof (float));
}

/* An objective owns its threads; one made from a previous objective with as
 * many threads shares them (a coarse-to-fine run keeps one pool), and the
 * last objective to go joins them. */
static void
test_threads (void)
{
  g_autoptr(TestImage) small = random_image (20, 18);
  g_autoptr(TestImage) content = random_image (26, 22);
  g_autoptr(TestImage) style = random_image (15, 21);
  const ImpImage *styles[1] = { style };
  g_autoptr(GDir) tasks = g_dir_open ("/proc/self/task", 0, NULL);
  ImpObjective *first, *next, *other;
  guint before;
  ImpParams params;

  before = count_entries (tasks);
  init_params (&params);
  params.threads = 3;
  first = imp_objective_new (weights, &params, small, styles, NULL, 1, NULL, NULL);
  g_assert_cmpuint (imp_parallel_get_n_threads (imp_objective_get_parallel (first)), ==, 3);
  g_assert_cmpuint (count_entries (tasks), ==, before + 2);
  next = imp_objective_new_sharing (first, weights, &params, content, styles, NULL, 1,
                                    NULL, NULL);
  g_assert_true (imp_objective_get_parallel (next) == imp_objective_get_parallel (first));
  params.threads = 2;
  other = imp_objective_new_sharing (first, weights, &params, content, styles, NULL, 1,
                                     NULL, NULL);
  g_assert_true (imp_objective_get_parallel (other) != imp_objective_get_parallel (first));
  g_assert_cmpuint (count_entries (tasks), ==, before + 3);

  imp_objective_free (first);
  g_assert_cmpuint (count_entries (tasks), ==, before + 3);
  evaluate (next, content, NULL);
  imp_objective_free (next);
  imp_objective_free (other);
  g_assert_cmpuint (count_entries (tasks), ==, before);
}

/* A profiled evaluation accounts each convolution pass once, the Winograd
 * ones split into transforms and products, and the work between them; the
 * parts fit in the whole. Without a profile nothing is written. */
static void
test_profile (void)
{
  g_autoptr(TestImage) content = random_image (26, 22);
  g_autoptr(TestImage) style = random_image (15, 21);
  g_autofree float *grad = g_new (float, 3 * 26 * 22);
  const ImpImage *styles[1] = { style };
  g_autoptr(ImpObjective) objective = NULL;
  ImpProfile profile = { 0 }, untouched = { 0 };
  ImpParallel *parallel;
  ImpParams params;
  double parts = 0;
  gint64 start;
  double seconds;

  init_params (&params);
  params.threads = 2;
  objective = imp_objective_new (weights, &params, content, styles, NULL, 1, NULL, NULL);
  parallel = imp_objective_get_parallel (objective);
  imp_parallel_set_profile (parallel, &profile);
  start = g_get_monotonic_time ();
  evaluate (objective, content, grad);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  imp_parallel_set_profile (parallel, NULL);
  evaluate (objective, content, grad);

  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      guint expected = l <= IMP_CONV2_1 ? 1 : 0;

      g_assert_cmpuint (profile.forward[l].time.calls, ==, expected);
      g_assert_cmpuint (profile.backward[l].time.calls, ==, expected);
      parts += profile.forward[l].time.seconds + profile.backward[l].time.seconds;
      /* conv1_1 runs as im2col, the others as Winograd */
      g_assert_true ((profile.forward[l].product_cpu_seconds > 0) == (l > 0 && expected));
    }
  g_assert_null (profile.active);
  g_assert_cmpuint (profile.stages[IMP_PROFILE_LOSSES].calls, ==, IMP_CONV2_1 + 1);
  g_assert_cmpuint (profile.stages[IMP_PROFILE_POOLING].calls, ==, 2);   /* forward, backward */
  g_assert_cmpuint (profile.stages[IMP_PROFILE_IMAGE].calls, ==, 2);
  g_assert_cmpuint (profile.stages[IMP_PROFILE_TV].calls, ==, 1);
  g_assert_cmpuint (profile.stages[IMP_PROFILE_COLOR].calls, ==, 1);
  for (guint s = 0; s < IMP_PROFILE_N_STAGES; s++)
    parts += profile.stages[s].seconds;
  g_assert_cmpfloat (parts, >, 0);
  g_assert_cmpfloat (parts, <=, seconds);
  imp_parallel_set_profile (parallel, &untouched);
  imp_parallel_set_profile (parallel, NULL);
  evaluate (objective, content, grad);
  g_assert_cmpuint (untouched.forward[0].time.calls, ==, 0);
}

static void
test_memory_estimate (void)
{
  ImpParams params;
  guint64 small, large, activations;

  init_params (&params);
  params.content_layers.layers[0] = IMP_CONV5_2;
  params.style_layers.layers[1] = IMP_CONV5_1;
  small = imp_objective_estimate_memory (&params, 256, 256);
  large = imp_objective_estimate_memory (&params, 512, 512);
  /* conv1_1 and conv1_2 outputs alone at 512²: 2 x 64 x 512² floats */
  activations = (guint64) 2 * 64 * 512 * 512 * sizeof (float);
  g_test_message ("estimate: %.1f MB at 256x256, %.1f MB at 512x512", small / 1048576.0,
                  large / 1048576.0);
  g_assert_cmpuint (large, >, activations);
  /* the size-dependent part grows 4x from 256² to 512²; the weights do not */
  g_assert_cmpuint (large - small, >=, activations / 4 * 3);
  g_assert_cmpuint (large, <, (guint64) 2 << 30);

  /* The colour term sorts the picture's pixels on each thread: two sort
   * keys and a distance a pixel. */
  params.threads = 2;
  params.color_weight = 0;
  small = imp_objective_estimate_memory (&params, 512, 512);
  params.color_weight = 1;
  large = imp_objective_estimate_memory (&params, 512, 512);
  g_assert_cmpuint (large - small, >=, (guint64) 2 * 512 * 512 * 20);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  rng = g_rand_new_with_seed (7);
  weights = random_weights (IMP_CONV2_1);

  g_test_add_func ("/engine/objective/errors", test_errors);
  g_test_add_func ("/engine/objective/loss-weights", test_loss_weights);
  g_test_add_func ("/engine/objective/blend", test_blend);
  g_test_add_func ("/engine/objective/cancel", test_cancel);
  g_test_add_func ("/engine/objective/deterministic", test_deterministic);
  g_test_add_func ("/engine/objective/sharing", test_sharing);
  g_test_add_func ("/engine/objective/threads", test_threads);
  g_test_add_func ("/engine/objective/profile", test_profile);
  g_test_add_func ("/engine/objective/memory-estimate", test_memory_estimate);
  ret = g_test_run ();
  imp_weights_unref (weights);
  g_rand_free (rng);
  return ret;
}
