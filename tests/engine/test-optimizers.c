/* test-optimizers.c: TF1 Adam by hand-computed steps, L-BFGS on quadratics
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "engine/imp-adam.h"
#include "engine/imp-lbfgs.h"

#include <math.h>

/* f(x) = sum a_i (x_i - c_i)^2 / 2, gradient a_i (x_i - c_i). */
static void
quadratic_gradient (const float  *x,
                    const double *a,
                    const double *c,
                    float        *g,
                    gsize         n)
{
  for (gsize i = 0; i < n; i++)
    g[i] = (float) (a[i] * (x[i] - c[i]));
}

/* x0 = 100, f = (x - 50)^2, lr 5, b1 .99, b2 .999, eps .1. By hand (double):
 * t=1: g=100, m=1, v=10, lr_t = 5 sqrt(.001)/.01 = 15.8113883,
 *      x = 100 - 15.8113883 / (sqrt 10 + .1) = 95.15326715...
 * PyTorch's update would give 95.005 here: the test tells them apart. */
static void
test_adam_tf1_steps (void)
{
  static const double expected[] = { 95.15326715015858, 90.27540322311457, 85.3962098337278 };
  static const double a[] = { 2.0 };
  static const double c[] = { 50.0 };
  g_autoptr(ImpAdam) adam = imp_adam_new (1, 5.0, 0.99, 0.999, 0.1);
  float x = 100.f, g;

  for (guint t = 0; t < 3; t++)
    {
      quadratic_gradient (&x, a, c, &g, 1);
      imp_adam_step (adam, &x, &g, 0.f, 255.f);
      g_assert_cmpfloat_with_epsilon (x, expected[t], 2e-4);
      g_assert_cmpuint (imp_adam_get_t (adam), ==, t + 1);
    }
  g_assert_cmpfloat_with_epsilon (imp_adam_get_m (adam)[0], 0.99 * 0.99 * 0.01 * 100.0
                                  + 0.99 * 0.01 * 2 * (95.15326715015858 - 50)
                                  + 0.01 * 2 * (90.27540322311457 - 50), 1e-3);
}

static void
test_adam_clamps (void)
{
  g_autoptr(ImpAdam) adam = imp_adam_new (2, 5.0, 0.99, 0.999, 0.1);
  float x[2] = { 1.f, 254.f };
  float g[2] = { 1000.f, -1000.f };

  imp_adam_step (adam, x, g, 0.f, 255.f);
  g_assert_cmpfloat (x[0], ==, 0.f);
  g_assert_cmpfloat (x[1], ==, 255.f);
}

static void
test_adam_converges (void)
{
  double a[16], c[16];
  float x[16], g[16];
  g_autoptr(ImpAdam) adam = imp_adam_new (16, 1.0, 0.9, 0.999, 1e-8);

  for (guint i = 0; i < 16; i++)
    {
      a[i] = 1.0 + i;
      c[i] = 20.0 + 10.0 * i;
      x[i] = 128.f;
    }
  for (guint k = 0; k < 2000; k++)
    {
      quadratic_gradient (x, a, c, g, 16);
      imp_adam_step (adam, x, g, 0.f, 255.f);
    }
  for (guint i = 0; i < 16; i++)
    g_assert_cmpfloat_with_epsilon (x[i], c[i], 0.05);
}

static double
lbfgs_run (guint   history,
           guint   n_steps,
           double *final_err)
{
  enum { N = 64 };
  double a[N], c[N], err = 0.0;
  float x[N], g[N];
  g_autoptr(ImpLbfgs) lbfgs = imp_lbfgs_new (N, history, 1.0);

  for (guint i = 0; i < N; i++)
    {
      a[i] = pow (100.0, i / (N - 1.0));   /* condition number 100 */
      c[i] = 30.0 + 3.0 * i;
      x[i] = 128.f;
    }
  for (guint k = 0; k < n_steps; k++)
    {
      quadratic_gradient (x, a, c, g, N);
      imp_lbfgs_step (lbfgs, x, g, 0.f, 255.f);
      g_assert_cmpuint (imp_lbfgs_get_n_pairs (lbfgs), <=, history);
    }
  for (guint i = 0; i < N; i++)
    err = MAX (err, fabs (x[i] - c[i]));
  *final_err = err;
  return err;
}

static void
test_lbfgs_converges (void)
{
  double err;

  lbfgs_run (10, 80, &err);
  g_test_message ("L-BFGS(10), 80 steps: max error %g", err);
  g_assert_cmpfloat (err, <, 1e-2);
}

/* Steepest descent with the best fixed step needs ~ condition number * log
 * steps; L-BFGS with 60 steps must beat it by far. Also checks history 1. */
static void
test_lbfgs_beats_gradient_descent (void)
{
  double err1, err_gd = 0.0;
  double a[64], c[64];
  float x[64], g[64];

  lbfgs_run (1, 60, &err1);
  for (guint i = 0; i < 64; i++)
    {
      a[i] = pow (100.0, i / 63.0);
      c[i] = 30.0 + 3.0 * i;
      x[i] = 128.f;
    }
  for (guint k = 0; k < 60; k++)
    {
      quadratic_gradient (x, a, c, g, 64);
      for (guint i = 0; i < 64; i++)
        x[i] -= (float) (g[i] * 2.0 / 101.0);
    }
  for (guint i = 0; i < 64; i++)
    err_gd = MAX (err_gd, fabs (x[i] - c[i]));
  g_test_message ("60 steps: L-BFGS(1) %g, gradient descent %g", err1, err_gd);
  g_assert_cmpfloat (err_gd, >, 1.0);
  g_assert_cmpfloat (err1, <, err_gd / 10.0);
}

static void
test_lbfgs_clamps_and_resets (void)
{
  static const double a[] = { 1.0, 4.0 };
  static const double c[] = { -50.0, 300.0 };   /* minimum outside [0, 255] */
  g_autoptr(ImpLbfgs) lbfgs = imp_lbfgs_new (2, 5, 1.0);
  float x[2] = { 100.f, 100.f }, g[2];

  for (guint k = 0; k < 40; k++)
    {
      quadratic_gradient (x, a, c, g, 2);
      imp_lbfgs_step (lbfgs, x, g, 0.f, 255.f);
      g_assert_true (x[0] >= 0.f && x[0] <= 255.f);
      g_assert_true (x[1] >= 0.f && x[1] <= 255.f);
    }
  g_assert_cmpfloat (x[0], ==, 0.f);
  g_assert_cmpfloat (x[1], ==, 255.f);

  imp_lbfgs_reset (lbfgs, 2);
  g_assert_cmpuint (imp_lbfgs_get_n_pairs (lbfgs), ==, 0);
}

/* The first step after a (re)start is min (1, 1/|g|_1) * lr along -g. */
static void
test_lbfgs_first_step (void)
{
  g_autoptr(ImpLbfgs) lbfgs = imp_lbfgs_new (2, 5, 2.0);
  float x[2] = { 100.f, 100.f };
  float g[2] = { 30.f, -10.f };

  imp_lbfgs_step (lbfgs, x, g, 0.f, 255.f);
  g_assert_cmpfloat_with_epsilon (x[0], 100.0 - 2.0 * 30.0 / 40.0, 1e-5);
  g_assert_cmpfloat_with_epsilon (x[1], 100.0 + 2.0 * 10.0 / 40.0, 1e-5);
}

/* Far from a flat minimum the curvature-scaled step would jump hundreds of
 * levels; no pixel moves more than 8 * lr per step. */
static void
test_lbfgs_step_limit (void)
{
  static const double a[] = { 1e-4, 2e-4 };
  static const double c[] = { 5000.0, -5000.0 };
  g_autoptr(ImpLbfgs) lbfgs = imp_lbfgs_new (2, 5, 0.5);
  float x[2] = { 128.f, 128.f }, g[2];
  gboolean limited = FALSE;

  for (guint k = 0; k < 6; k++)
    {
      float before[2] = { x[0], x[1] };

      quadratic_gradient (x, a, c, g, 2);
      imp_lbfgs_step (lbfgs, x, g, -1e9f, 1e9f);
      for (guint i = 0; i < 2; i++)
        {
          double moved = fabs (x[i] - before[i]);

          g_assert_cmpfloat (moved, <=, 4.0 + 1e-3);
          limited |= moved > 3.99;
        }
    }
  g_assert_true (limited);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/optimizers/adam-tf1-steps", test_adam_tf1_steps);
  g_test_add_func ("/engine/optimizers/adam-clamps", test_adam_clamps);
  g_test_add_func ("/engine/optimizers/adam-converges", test_adam_converges);
  g_test_add_func ("/engine/optimizers/lbfgs-converges", test_lbfgs_converges);
  g_test_add_func ("/engine/optimizers/lbfgs-beats-gd", test_lbfgs_beats_gradient_descent);
  g_test_add_func ("/engine/optimizers/lbfgs-clamps-resets", test_lbfgs_clamps_and_resets);
  g_test_add_func ("/engine/optimizers/lbfgs-first-step", test_lbfgs_first_step);
  g_test_add_func ("/engine/optimizers/lbfgs-step-limit", test_lbfgs_step_limit);

  return g_test_run ();
}
