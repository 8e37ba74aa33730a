/* test-conv-fast.c: the Winograd convolution against the im2col reference path
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "engine/imp-conv.h"
#include "engine/imp-conv-winograd.h"
#include "engine/imp-vgg.h"
#include "engine/imp-vgg-private.h"
#include "engine/imp-weights.h"

/* The bound for layer outputs and input gradients, relative to the largest
 * magnitude of the reference: far above float32 rounding, far below a visible
 * change. F(4x4,3x3) in float32 measures 1e-6..2e-5 on these shapes. */
#define REL_BOUND 1e-3

/* Two workers whatever the machine, so the threaded paths always run. */
static ImpParallel *parallel;

typedef struct
{
  guint in;
  guint out;
  guint height;
  guint width;
} Shape;

static float *
random_floats (GRand *rand,
               gsize  n,
               double scale)
{
  float *p = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    p[i] = (float) (scale * g_rand_double_range (rand, -1.0, 1.0));
  return p;
}

static double
relative_error (const float *fast,
                const float *reference,
                gsize        n)
{
  double max_ref = 0.0, max_diff = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      max_ref = MAX (max_ref, fabs (reference[i]));
      max_diff = MAX (max_diff, fabs ((double) fast[i] - reference[i]));
    }
  return max_ref > 0.0 ? max_diff / max_ref : max_diff;
}

/* Runs forward (with and without ReLU) and the input gradient through both
 * algorithms and returns the worst relative error; asserts the bound. */
static double
compare_shape (GRand       *rand,
               const Shape *s)
{
  gsize n_in = (gsize) s->in * s->height * s->width;
  gsize n_out = (gsize) s->out * s->height * s->width;
  g_autofree float *kernel = random_floats (rand, (gsize) s->out * s->in * 9, 0.2);
  g_autofree float *bias = random_floats (rand, s->out, 1.0);
  /* VGG-like input: positive activations of a previous ReLU, large values. */
  g_autofree float *input = random_floats (rand, n_in, 100.0);
  g_autofree float *grad = random_floats (rand, n_out, 1.0);
  g_autofree float *ref = g_new (float, MAX (n_in, n_out));
  g_autofree float *fast = g_new (float, MAX (n_in, n_out));
  g_autoptr(ImpConv) plain = imp_conv_new (kernel, bias, s->in, s->out, IMP_CONV_ALGORITHM_IM2COL);
  g_autoptr(ImpConv) wino = imp_conv_new (kernel, bias, s->in, s->out, IMP_CONV_ALGORITHM_WINOGRAD);
  ImpScratch scratch = { NULL, 0 };
  double worst = 0.0;

  for (gsize i = 0; i < n_in; i++)
    input[i] = fabsf (input[i]);
  for (int relu = 0; relu <= 1; relu++)
    {
      g_assert_true (imp_conv_forward (plain, input, s->height, s->width, relu, ref, &scratch, parallel, NULL, NULL));
      g_assert_true (imp_conv_forward (wino, input, s->height, s->width, relu, fast, &scratch, parallel, NULL, NULL));
      worst = MAX (worst, relative_error (fast, ref, n_out));
      g_assert_cmpfloat (relative_error (fast, ref, n_out), <=, REL_BOUND);
    }
  g_assert_true (imp_conv_backward_input (plain, grad, s->height, s->width, ref, &scratch, parallel, NULL, NULL));
  g_assert_true (imp_conv_backward_input (wino, grad, s->height, s->width, fast, &scratch, parallel, NULL, NULL));
  worst = MAX (worst, relative_error (fast, ref, n_in));
  g_assert_cmpfloat (relative_error (fast, ref, n_in), <=, REL_BOUND);
  imp_scratch_clear (&scratch);
  return worst;
}

static void
test_fixed_shapes (void)
{
  static const Shape shapes[] = {
    { 3, 64, 1, 1 }, { 3, 64, 2, 3 }, { 5, 7, 5, 7 }, { 64, 64, 13, 9 },
    { 3, 64, 64, 64 }, { 64, 64, 64, 64 }, { 128, 256, 19, 21 }, { 512, 512, 8, 8 },
    { 16, 16, 37, 70 }, { 32, 24, 4, 36 }, { 16, 24, 12, 128 }, { 8, 8, 21, 203 },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      double err = compare_shape (rand, &shapes[i]);

      g_test_message ("%u->%u %ux%u: worst relative error %.2g", shapes[i].in,
                      shapes[i].out, shapes[i].height, shapes[i].width, err);
    }
}

/* Backward through ReLU in one pass: against masking first, then im2col. */
static double
compare_masked (GRand       *rand,
                const Shape *s)
{
  gsize n_in = (gsize) s->in * s->height * s->width;
  gsize n_out = (gsize) s->out * s->height * s->width;
  g_autofree float *kernel = random_floats (rand, (gsize) s->out * s->in * 9, 0.2);
  g_autofree float *bias = random_floats (rand, s->out, 1.0);
  g_autofree float *input = random_floats (rand, n_in, 1.0);
  g_autofree float *act = g_new (float, n_out);
  g_autofree float *grad = random_floats (rand, n_out, 1.0);
  g_autofree float *grad_masked = g_new (float, n_out);
  g_autofree float *ref = g_new (float, n_in);
  g_autofree float *fast = g_new (float, n_in);
  g_autoptr(ImpConv) plain = imp_conv_new (kernel, bias, s->in, s->out, IMP_CONV_ALGORITHM_IM2COL);
  g_autoptr(ImpWinograd) wino = imp_winograd_new (kernel, bias, s->in, s->out);
  ImpScratch scratch = { NULL, 0 };
  gsize zeros = 0;
  double err;

  g_assert_true (imp_conv_forward (plain, input, s->height, s->width, TRUE, act, &scratch, parallel, NULL, NULL));
  for (gsize i = 0; i < n_out; i++)
    {
      grad_masked[i] = act[i] > 0.0f ? grad[i] : 0.0f;
      zeros += act[i] == 0.0f;
    }
  /* the mask must matter: about half the outputs are cut by the ReLU */
  g_assert_cmpuint (zeros, >, n_out / 5);
  g_assert_true (imp_conv_backward_input (plain, grad_masked, s->height, s->width, ref, &scratch, parallel, NULL, NULL));
  g_assert_true (imp_winograd_backward_input_masked (wino, grad, act, s->height, s->width, fast,
                                                     &scratch, parallel, NULL, NULL));
  err = relative_error (fast, ref, n_in);
  g_assert_cmpfloat (err, <=, REL_BOUND);
  imp_scratch_clear (&scratch);
  return err;
}

static void
test_masked_backward (void)
{
  static const Shape shapes[] = {
    { 8, 16, 5, 7 }, { 16, 24, 12, 128 }, { 8, 8, 21, 203 }, { 32, 32, 64, 64 },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (13);

  for (int portable = 0; portable <= 1; portable++)
    {
      imp_winograd_force_portable (portable);
      for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
        g_test_message ("masked%s %u->%u %ux%u: relative error %.2g", portable ? " portable" : "",
                        shapes[i].in, shapes[i].out, shapes[i].height, shapes[i].width,
                        compare_masked (rand, &shapes[i]));
    }
  imp_winograd_force_portable (FALSE);
}

/* The same shapes through the transforms of processors without AVX2. */
static void
test_portable_path (void)
{
  static const Shape shapes[] = {
    { 3, 64, 2, 3 }, { 5, 7, 5, 7 }, { 64, 64, 13, 9 }, { 16, 24, 12, 128 }, { 8, 8, 21, 203 },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (9);

  imp_winograd_force_portable (TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    g_test_message ("portable %u->%u %ux%u: worst relative error %.2g", shapes[i].in,
                    shapes[i].out, shapes[i].height, shapes[i].width,
                    compare_shape (rand, &shapes[i]));
  imp_winograd_force_portable (FALSE);
}

/* The AVX2 product kernel where the AVX-512 one would run (on a machine
 * without AVX-512 both tests run the AVX2 kernel): row tails (channels not a
 * multiple of 6), single and paired 16-tile panels, partial blocks. */
static void
test_avx2_products (void)
{
  static const Shape shapes[] = {
    { 3, 64, 2, 3 }, { 5, 7, 5, 7 }, { 64, 64, 13, 9 }, { 16, 24, 12, 128 }, { 8, 8, 21, 203 },
    { 128, 256, 19, 21 }, { 67, 41, 33, 35 },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (10);

  imp_winograd_force_avx2 (TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    g_test_message ("AVX2 products %u->%u %ux%u: worst relative error %.2g", shapes[i].in,
                    shapes[i].out, shapes[i].height, shapes[i].width,
                    compare_shape (rand, &shapes[i]));
  imp_winograd_force_avx2 (FALSE);
}

static void
test_random_shapes (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_test_rand_int ());

  for (guint i = 0; i < 12; i++)
    {
      Shape s = {
        g_rand_int_range (rand, 1, 80), g_rand_int_range (rand, 1, 80),
        g_rand_int_range (rand, 1, 50), g_rand_int_range (rand, 1, 50),
      };
      double err = compare_shape (rand, &s);

      g_test_message ("%u->%u %ux%u: worst relative error %.2g", s.in, s.out, s.height,
                      s.width, err);
    }
}

/* Both paths could share a mistake; a double-precision direct convolution
 * settles a small case independently. */
static void
test_direct_reference (void)
{
  enum { C = 4, O = 5, H = 9, W = 11 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  g_autofree float *kernel = random_floats (rand, O * C * 9, 1.0);
  g_autofree float *bias = random_floats (rand, O, 1.0);
  g_autofree float *input = random_floats (rand, C * H * W, 1.0);
  g_autofree float *grad = random_floats (rand, O * H * W, 1.0);
  float out[O * H * W], expect[O * H * W], gin[C * H * W], gexpect[C * H * W];
  g_autoptr(ImpConv) wino = imp_conv_new (kernel, bias, C, O, IMP_CONV_ALGORITHM_WINOGRAD);
  ImpScratch scratch = { NULL, 0 };

  memset (gexpect, 0, sizeof gexpect);
  for (int o = 0; o < O; o++)
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++)
        {
          double sum = bias[o];

          for (int c = 0; c < C; c++)
            for (int k = 0; k < 9; k++)
              {
                int yy = y + k / 3 - 1, xx = x + k % 3 - 1;
                double wgt = kernel[(o * C + c) * 9 + k];

                if (yy < 0 || xx < 0 || yy >= H || xx >= W)
                  continue;
                sum += wgt * input[(c * H + yy) * W + xx];
                gexpect[(c * H + yy) * W + xx] += wgt * grad[(o * H + y) * W + x];
              }
          expect[(o * H + y) * W + x] = sum;
        }
  g_assert_true (imp_conv_forward (wino, input, H, W, FALSE, out, &scratch, parallel, NULL, NULL));
  g_assert_true (imp_conv_backward_input (wino, grad, H, W, gin, &scratch, parallel, NULL, NULL));
  g_assert_cmpfloat (relative_error (out, expect, O * H * W), <=, 1e-5);
  g_assert_cmpfloat (relative_error (gin, gexpect, C * H * W), <=, 1e-5);
  imp_scratch_clear (&scratch);
}

/* One thread and two must agree: the blocks of tiles are split differently, so
 * sgemm sums in a different order (measured 5e-6 apart). */
static void
test_threads_agree (void)
{
  enum { C = 48, O = 40, H = 45, W = 67 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autofree float *kernel = random_floats (rand, O * C * 9, 0.2);
  g_autofree float *bias = random_floats (rand, O, 1.0);
  g_autofree float *input = random_floats (rand, C * H * W, 10.0);
  g_autofree float *one = g_new (float, O * H * W);
  g_autofree float *two = g_new (float, O * H * W);
  g_autoptr(ImpWinograd) wino = imp_winograd_new (kernel, bias, C, O);
  g_autoptr(ImpParallel) single = imp_parallel_new (1);
  g_autoptr(ImpParallel) pair = imp_parallel_new (2);
  ImpScratch scratch = { NULL, 0 };

  g_assert_true (imp_winograd_forward (wino, input, H, W, TRUE, one, &scratch, single, NULL,
                                       NULL));
  g_assert_true (imp_winograd_forward (wino, input, H, W, TRUE, two, &scratch, pair, NULL,
                                       NULL));
  g_assert_cmpfloat (relative_error (two, one, O * H * W), <=, 1e-4);
  g_assert_cmpuint (scratch.n_floats, <=, imp_winograd_scratch_floats (C, O, 2));
  imp_scratch_clear (&scratch);
}

/* Where all tiles fit in one block the threads share the output channels,
 * so each output is summed as on one thread: the same bits, forward and
 * through the ReLU backward, also where the channels do not split evenly. */
static void
test_small_plane_threads (void)
{
  static const Shape shapes[] = { { 256, 100, 10, 13 }, { 64, 512, 4, 4 }, { 96, 30, 7, 23 } };
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);
  g_autoptr(ImpParallel) single = imp_parallel_new (1);
  g_autoptr(ImpParallel) pair = imp_parallel_new (2);

  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      const Shape *s = &shapes[i];
      gsize n_in = (gsize) s->in * s->height * s->width;
      gsize n_out = (gsize) s->out * s->height * s->width;
      g_autofree float *kernel = random_floats (rand, (gsize) s->out * s->in * 9, 0.2);
      g_autofree float *bias = random_floats (rand, s->out, 1.0);
      g_autofree float *input = random_floats (rand, n_in, 1.0);
      g_autofree float *grad = random_floats (rand, n_out, 1.0);
      g_autofree float *act = g_new (float, n_out);
      g_autofree float *act_two = g_new (float, n_out);
      g_autofree float *back = g_new (float, n_in);
      g_autofree float *back_two = g_new (float, n_in);
      g_autoptr(ImpWinograd) wino = imp_winograd_new (kernel, bias, s->in, s->out);
      ImpScratch scratch = { NULL, 0 };

      g_assert_true (imp_winograd_forward (wino, input, s->height, s->width, TRUE, act, &scratch,
                                           single, NULL, NULL));
      g_assert_true (imp_winograd_forward (wino, input, s->height, s->width, TRUE, act_two,
                                           &scratch, pair, NULL, NULL));
      g_assert_cmpmem (act_two, n_out * sizeof (float), act, n_out * sizeof (float));
      g_assert_true (imp_winograd_backward_input_masked (wino, grad, act, s->height, s->width,
                                                         back, &scratch, single, NULL, NULL));
      g_assert_true (imp_winograd_backward_input_masked (wino, grad, act, s->height, s->width,
                                                         back_two, &scratch, pair, NULL, NULL));
      g_assert_cmpmem (back_two, n_in * sizeof (float), back, n_in * sizeof (float));
      g_assert_cmpuint (scratch.n_floats, <=, imp_winograd_scratch_floats (s->in, s->out, 2));
      imp_scratch_clear (&scratch);
    }
}

/* What imp_conv_estimate_bytes () says one call reserves holds for every
 * pass, on both paths: the network's memory estimate relies on it. */
static void
test_scratch_estimate (void)
{
  static const Shape shapes[] = {
    { 3, 64, 40, 57 }, { 64, 64, 40, 57 }, { 64, 128, 23, 31 }, { 256, 128, 12, 19 },
  };
  static const ImpConvAlgorithm algorithms[] = {
    IMP_CONV_ALGORITHM_AUTO, IMP_CONV_ALGORITHM_IM2COL,
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (13);

  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    for (guint a = 0; a < G_N_ELEMENTS (algorithms); a++)
      {
        const Shape *s = &shapes[i];
        gsize n = (gsize) MAX (s->in, s->out) * s->height * s->width;
        g_autofree float *kernel = random_floats (rand, (gsize) s->out * s->in * 9, 0.2);
        g_autofree float *x = random_floats (rand, n, 1.0);
        g_autofree float *y = g_new (float, n);
        g_autofree float *g = g_new (float, n);
        g_autoptr(ImpConv) conv = imp_conv_new (kernel, NULL, s->in, s->out, algorithms[a]);
        ImpScratch scratch = { NULL, 0 };
        guint64 bytes = 0;

        imp_conv_estimate_bytes (s->in, s->out, algorithms[a], s->width,
                                 imp_parallel_get_n_threads (parallel), &bytes);
        g_assert_true (imp_conv_forward (conv, x, s->height, s->width, TRUE, y, &scratch,
                                         parallel, NULL, NULL));
        g_assert_true (imp_conv_backward_input_relu (conv, x, y, s->height, s->width, g,
                                                     &scratch, parallel, NULL, NULL));
        g_assert_cmpuint (scratch.n_floats, >, 0);
        g_assert_cmpuint (scratch.n_floats * sizeof (float), <=, bytes);
        imp_scratch_clear (&scratch);
      }
}

static gpointer
cancel_soon (gpointer data)
{
  g_usleep (2000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_cancel (void)
{
  enum { C = 256, O = 256, H = 256, W = 256 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  g_autofree float *kernel = random_floats (rand, (gsize) O * C * 9, 0.2);
  g_autofree float *bias = random_floats (rand, O, 1.0);
  g_autofree float *input = random_floats (rand, (gsize) C * H * W, 1.0);
  g_autofree float *output = g_new (float, (gsize) O * H * W);
  g_autoptr(ImpConv) wino = imp_conv_new (kernel, bias, C, O, IMP_CONV_ALGORITHM_WINOGRAD);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  ImpScratch scratch = { NULL, 0 };
  GThread *thread;
  gint64 start;

  /* Already cancelled: nothing is written. */
  output[0] = 12345.0f;
  g_cancellable_cancel (cancellable);
  g_assert_false (imp_conv_forward (wino, input, H, W, TRUE, output, &scratch, parallel, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpfloat (output[0], ==, 12345.0f);
  g_clear_error (&error);

  /* Cancelled while running: a full pass takes ~19 GFLOP of direct work
   * (0.1..1 s here); between blocks of tiles it stops within milliseconds. */
  g_cancellable_reset (cancellable);
  start = g_get_monotonic_time ();
  thread = g_thread_new ("cancel", cancel_soon, cancellable);
  g_assert_false (imp_conv_backward_input (wino, input, H, W, output, &scratch, parallel, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_test_message ("stopped after %.1f ms", (g_get_monotonic_time () - start) / 1000.0);
  g_thread_join (thread);
  imp_scratch_clear (&scratch);
}

static const ImpVggLayer seeded[] = { IMP_CONV1_1, IMP_CONV3_1, IMP_CONV5_2 };

static ImpVgg *
run_network_kept (ImpWeights       *weights,
                  ImpConvAlgorithm  algorithm,
                  guint32           kept,
                  const float      *image,
                  guint             width,
                  guint             height,
                  float            *grad_image)
{
  g_autoptr(GError) error = NULL;
  ImpVgg *vgg = imp_vgg_new (weights, IMP_CONV5_2, IMP_POOL_MAX, algorithm, parallel);

  imp_vgg_keep_activations (vgg, kept);
  g_assert_true (imp_vgg_set_size (vgg, width, height, &error));
  g_assert_true (imp_vgg_forward (vgg, image, NULL, &error));
  imp_vgg_zero_gradients (vgg);
  for (guint i = 0; i < G_N_ELEMENTS (seeded); i++)
    {
      guint w, h;
      gsize n;
      float *g = imp_vgg_get_layer_gradient (vgg, seeded[i]);
      const float *act = imp_vgg_get_activation (vgg, seeded[i]);

      imp_vgg_layer_size (vgg, seeded[i], &w, &h);
      n = (gsize) imp_vgg_layer_out_channels (seeded[i]) * w * h;
      /* the content loss's gradient shape: proportional to the activation */
      for (gsize k = 0; k < n; k++)
        g[k] = act[k] * 1e-3f;
    }
  g_assert_true (imp_vgg_backward (vgg, grad_image, NULL, &error));
  g_assert_no_error (error);
  return vgg;
}

static ImpVgg *
run_network (ImpWeights       *weights,
             ImpConvAlgorithm  algorithm,
             const float      *image,
             guint             width,
             guint             height,
             float            *grad_image)
{
  return run_network_kept (weights, algorithm, IMP_VGG_KEEP_ALL, image, width, height,
                           grad_image);
}

/* Keeping only the seeded layers (1-bit ReLU masks and pool arg-max for the
 * others, outputs in reused buffers; conv1_1's recomputed, as on large
 * pictures, on the second round) gives the same image gradient: exactly
 * on the plain path, within rounding on Winograd (masked inside the
 * transform when kept, before it when not). 61x45: odd sizes at every pool. */
static void
test_vgg_compact (void)
{
  const char *path = g_getenv ("IMPASTO_WEIGHTS");
  enum { W = 61, H = 45 };
  g_autoptr(ImpWeights) weights = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *image = g_new (float, 3 * W * H);
  g_autofree float *grad_all = g_new (float, 3 * W * H);
  g_autofree float *grad_compact = g_new (float, 3 * W * H);
  static const ImpConvAlgorithm algorithms[2] = { IMP_CONV_ALGORITHM_IM2COL,
                                                  IMP_CONV_ALGORITHM_AUTO };
  guint32 kept = 0;

  if (path == NULL)
    {
      g_test_skip ("IMPASTO_WEIGHTS is not set: no VGG19 weights to compare with");
      return;
    }
  weights = imp_weights_load (path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 3 * W * H; i++)
    image[i] = 127.5f + 100.0f * sinf (i * 0.07f) + 20.0f * cosf (i * 0.31f);
  for (guint i = 0; i < G_N_ELEMENTS (seeded); i++)
    kept |= 1u << seeded[i];
  for (guint r = 0; r < 4; r++)
    {
      guint a = r % 2;
      g_autoptr(ImpVgg) all = run_network_kept (weights, algorithms[a], IMP_VGG_KEEP_ALL,
                                                image, W, H, grad_all);
      g_autoptr(ImpVgg) compact = NULL;
      double err;

      _imp_vgg_force_recompute_first (r >= 2);
      compact = run_network_kept (weights, algorithms[a], kept, image, W, H, grad_compact);
      _imp_vgg_force_recompute_first (FALSE);
      err = relative_error (grad_compact, grad_all, 3 * W * H);
      g_test_message ("algorithm %u, conv1_1 %s: compact vs all, relative error %.2g", a,
                      r >= 2 ? "recomputed" : "kept", err);
      g_assert_null (imp_vgg_get_activation (compact, IMP_CONV1_2));
      g_assert_null (imp_vgg_get_pool (compact, 0));
      g_assert_nonnull (imp_vgg_get_activation (compact, IMP_CONV3_1));
      /* backward overwrote the kept maps after block 1; conv1_1's is
       * recomputed on request. conv5_2 is 3x2 at 61x45. */
      g_assert_true (imp_vgg_forward (compact, image, NULL, &error));
      g_assert_cmpmem (imp_vgg_get_activation (compact, IMP_CONV5_2), 512 * 3 * 2 * sizeof (float),
                       imp_vgg_get_activation (all, IMP_CONV5_2), 512 * 3 * 2 * sizeof (float));
      g_assert_cmpmem (imp_vgg_get_activation (compact, IMP_CONV1_1), 64 * W * H * sizeof (float),
                       imp_vgg_get_activation (all, IMP_CONV1_1), 64 * W * H * sizeof (float));
      if (algorithms[a] == IMP_CONV_ALGORITHM_IM2COL)
        g_assert_cmpmem (grad_compact, 3 * W * H * sizeof (float),
                         grad_all, 3 * W * H * sizeof (float));
      else
        g_assert_cmpfloat (err, <=, 1e-5);
      g_assert_cmpfloat (fabsf (grad_all[W * H / 2]) + fabsf (grad_all[W * H]), >, 0.0f);
    }
}

/* The real VGG19 to conv5_2 on a 60x44 picture: every layer's output and the
 * image gradient of the Winograd network against the im2col network. */
static void
test_vgg_real_weights (void)
{
  const char *path = g_getenv ("IMPASTO_WEIGHTS");
  enum { W = 60, H = 44 };
  g_autoptr(ImpWeights) weights = NULL;
  g_autoptr(ImpVgg) plain = NULL;
  g_autoptr(ImpVgg) fast = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);
  g_autoptr(GError) error = NULL;
  float image[3 * W * H], grad_plain[3 * W * H], grad_fast[3 * W * H];
  double worst = 0.0;

  if (path == NULL)
    {
      g_test_skip ("IMPASTO_WEIGHTS is not set: no VGG19 weights to compare with");
      return;
    }
  weights = imp_weights_load (path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 3 * W * H; i++)
    image[i] = 127.5f + 100.0f * sinf (i * 0.05f) + (float) g_rand_double_range (rand, -20, 20);
  plain = run_network (weights, IMP_CONV_ALGORITHM_IM2COL, image, W, H, grad_plain);
  fast = run_network (weights, IMP_CONV_ALGORITHM_WINOGRAD, image, W, H, grad_fast);
  for (ImpVggLayer l = IMP_CONV1_1; l <= IMP_CONV5_2; l++)
    {
      guint w, h;
      double err;

      imp_vgg_layer_size (plain, l, &w, &h);
      err = relative_error (imp_vgg_get_activation (fast, l), imp_vgg_get_activation (plain, l),
                            (gsize) imp_vgg_layer_out_channels (l) * w * h);
      g_test_message ("%s: relative error %.2g", imp_vgg_layer_name (l), err);
      g_assert_cmpfloat (err, <=, REL_BOUND);
      worst = MAX (worst, err);
    }
  g_test_message ("image gradient: relative error %.2g",
                  relative_error (grad_fast, grad_plain, 3 * W * H));
  g_assert_cmpfloat (relative_error (grad_fast, grad_plain, 3 * W * H), <=, REL_BOUND);
  /* Both networks really ran: the gradient is not zero. */
  g_assert_cmpfloat (fabsf (grad_plain[W * H / 2]) + fabsf (grad_plain[W * H]), >, 0.0f);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/conv-fast/direct-reference", test_direct_reference);
  g_test_add_func ("/engine/conv-fast/fixed-shapes", test_fixed_shapes);
  g_test_add_func ("/engine/conv-fast/random-shapes", test_random_shapes);
  g_test_add_func ("/engine/conv-fast/portable", test_portable_path);
  g_test_add_func ("/engine/conv-fast/avx2-products", test_avx2_products);
  g_test_add_func ("/engine/conv-fast/masked-backward", test_masked_backward);
  g_test_add_func ("/engine/conv-fast/threads-agree", test_threads_agree);
  g_test_add_func ("/engine/conv-fast/small-plane-threads", test_small_plane_threads);
  g_test_add_func ("/engine/conv-fast/scratch-estimate", test_scratch_estimate);
  g_test_add_func ("/engine/conv-fast/cancel", test_cancel);
  g_test_add_func ("/engine/conv-fast/vgg-real-weights", test_vgg_real_weights);
  g_test_add_func ("/engine/conv-fast/vgg-compact", test_vgg_compact);
  parallel = imp_parallel_new (2);
  status = g_test_run ();
  imp_parallel_unref (parallel);
  return status;
}
