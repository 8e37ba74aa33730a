/* imp-lbfgs.c: limited-memory BFGS, one step per evaluation
 *
 * This follows torch/optim's lbfgs.lua as jcjohnson/neural-style runs it: NO line
 * search. Every loss-and-gradient evaluation is followed by exactly one step
 * x += t * d, with d from the two-loop recursion, t = lr except on the first step
 * after a (re)start, where t = min (1, 1 / |g|_1) * lr because no curvature is
 * known yet. A pair (s, y) enters the history only when y.s > 1e-10, which keeps
 * the implied Hessian positive definite.
 *
 * Two additions to lbfgs.lua, both for the box [lo, hi] the image lives in and
 * neither a line search (still exactly one evaluation per step):
 * - the image is clamped after each step (so s is the step actually taken), and
 *   gradient components pushing a clamped pixel further out are zeroed;
 * - no pixel moves more than MAX_STEP * lr levels in one step. The second step
 *   scales by the curvature the tiny first step measured, which on the Gatys loss
 *   overshoots: on tubingen + starry night at 64 px the loss went 3.4e8 -> 1.5e10
 *   in five steps and stalled there; with the limit it falls steadily (1.0e7
 *   after 100 steps, against 1.8e7 for Adam).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-lbfgs.h"

#include <math.h>
#include <string.h>

#define MAX_STEP 8.0

struct _ImpLbfgs
{
  gsize   n;
  guint   history;
  double  lr;

  /* Ring of pairs: s[i] = x_{k+1} - x_k, y[i] = g_{k+1} - g_k. */
  float **s;
  float **y;
  double *rho;        /* 1 / y.s */
  guint   first;      /* oldest pair */
  guint   n_pairs;
  double  h_diag;     /* y.s / y.y of the newest pair: initial Hessian scale */

  gboolean have_prev;
  float   *x_prev;
  float   *g_prev;
  float   *d;         /* search direction */
  float   *g;         /* projected gradient */
  double  *alpha;
};

static double
dot (const float *a,
     const float *b,
     gsize        n)
{
  double acc = 0.0;

  for (gsize i = 0; i < n; i++)
    acc += (double) a[i] * b[i];
  return acc;
}

static void
free_vectors (ImpLbfgs *self)
{
  for (guint i = 0; i < self->history; i++)
    {
      g_clear_pointer (&self->s[i], g_free);
      g_clear_pointer (&self->y[i], g_free);
    }
  g_clear_pointer (&self->x_prev, g_free);
  g_clear_pointer (&self->g_prev, g_free);
  g_clear_pointer (&self->d, g_free);
  g_clear_pointer (&self->g, g_free);
}

ImpLbfgs *
imp_lbfgs_new (gsize  n,
               guint  history,
               double lr)
{
  ImpLbfgs *self = g_new0 (ImpLbfgs, 1);

  g_return_val_if_fail (history > 0, NULL);

  self->n = n;
  self->history = history;
  self->lr = lr;
  self->s = g_new0 (float *, history);
  self->y = g_new0 (float *, history);
  self->rho = g_new0 (double, history);
  self->alpha = g_new0 (double, history);
  self->h_diag = 1.0;
  return self;
}

void
imp_lbfgs_free (ImpLbfgs *self)
{
  if (self == NULL)
    return;
  free_vectors (self);
  g_free (self->s);
  g_free (self->y);
  g_free (self->rho);
  g_free (self->alpha);
  g_free (self);
}

void
imp_lbfgs_reset (ImpLbfgs *self,
                 gsize     n)
{
  if (n != self->n)
    free_vectors (self);
  self->n = n;
  self->first = 0;
  self->n_pairs = 0;
  self->h_diag = 1.0;
  self->have_prev = FALSE;
}

guint
imp_lbfgs_get_n_pairs (ImpLbfgs *self)
{
  return self->n_pairs;
}

guint64
imp_lbfgs_estimate_memory (gsize n,
                           guint history)
{
  return ((guint64) 2 * history + 4) * n * sizeof (float);
}

/* Records (x - x_prev, g - g_prev) when it has positive curvature, evicting the
 * oldest pair when the history is full. */
static void
push_pair (ImpLbfgs    *self,
           const float *x,
           const float *g)
{
  double ys = 0.0, yy = 0.0;
  guint slot;

  for (gsize i = 0; i < self->n; i++)
    {
      double si = (double) x[i] - self->x_prev[i];
      double yi = (double) g[i] - self->g_prev[i];

      ys += si * yi;
      yy += yi * yi;
    }
  if (!(ys > 1e-10) || !(yy > 0.0))
    return;

  if (self->n_pairs == self->history)
    {
      self->first = (self->first + 1) % self->history;
      self->n_pairs--;
    }
  slot = (self->first + self->n_pairs) % self->history;
  if (self->s[slot] == NULL)
    {
      self->s[slot] = g_new (float, self->n);
      self->y[slot] = g_new (float, self->n);
    }
  for (gsize i = 0; i < self->n; i++)
    {
      self->s[slot][i] = x[i] - self->x_prev[i];
      self->y[slot][i] = g[i] - self->g_prev[i];
    }
  self->rho[slot] = 1.0 / ys;
  self->h_diag = ys / yy;
  self->n_pairs++;
}

/* d = -H g by the two-loop recursion over the stored pairs. */
static void
two_loop (ImpLbfgs    *self,
          const float *g)
{
  gsize n = self->n;

  for (gsize i = 0; i < n; i++)
    self->d[i] = -g[i];
  for (int k = (int) self->n_pairs - 1; k >= 0; k--)
    {
      guint slot = (self->first + (guint) k) % self->history;
      double a = self->rho[slot] * dot (self->s[slot], self->d, n);
      float fa = (float) a;

      self->alpha[k] = a;
      for (gsize i = 0; i < n; i++)
        self->d[i] -= fa * self->y[slot][i];
    }
  for (gsize i = 0; i < n; i++)
    self->d[i] = (float) (self->d[i] * self->h_diag);
  for (guint k = 0; k < self->n_pairs; k++)
    {
      guint slot = (self->first + k) % self->history;
      double b = self->rho[slot] * dot (self->y[slot], self->d, n);
      float c = (float) (self->alpha[k] - b);

      for (gsize i = 0; i < n; i++)
        self->d[i] += c * self->s[slot][i];
    }
}

static double
restart_step (ImpLbfgs    *self,
              const float *g)
{
  double l1 = 0.0;

  for (gsize i = 0; i < self->n; i++)
    {
      self->d[i] = -g[i];
      l1 += fabs ((double) g[i]);
    }
  return l1 > 0.0 ? MIN (1.0, 1.0 / l1) * self->lr : 0.0;
}

/* The gradient with the components that push a variable further out of
 * [lo, hi] zeroed: the clamp would undo those moves anyway, and leaving them in
 * makes the pairs describe steps that never happened (the method then stalls
 * far from the minimum). */
static void
project_gradient (ImpLbfgs    *self,
                  const float *x,
                  const float *gradient,
                  float        lo,
                  float        hi)
{
  for (gsize i = 0; i < self->n; i++)
    {
      gboolean blocked = (x[i] <= lo && gradient[i] > 0.f) || (x[i] >= hi && gradient[i] < 0.f);

      self->g[i] = blocked ? 0.f : gradient[i];
    }
}

/* The step length with no pixel moving more than MAX_STEP * lr levels. */
static double
limit_step (ImpLbfgs *self,
            double    t)
{
  double dmax = 0.0;

  for (gsize i = 0; i < self->n; i++)
    dmax = MAX (dmax, fabs ((double) self->d[i]));
  if (t * dmax > MAX_STEP * self->lr)
    t = MAX_STEP * self->lr / dmax;
  return t;
}

void
imp_lbfgs_step (ImpLbfgs    *self,
                float       *x,
                const float *raw_gradient,
                float        lo,
                float        hi)
{
  gsize n = self->n;
  const float *gradient;
  double t;

  if (self->d == NULL)
    {
      self->d = g_new (float, n);
      self->g = g_new (float, n);
      self->x_prev = g_new (float, n);
      self->g_prev = g_new (float, n);
    }
  project_gradient (self, x, raw_gradient, lo, hi);
  gradient = self->g;

  if (self->have_prev)
    push_pair (self, x, gradient);

  if (self->n_pairs == 0)
    t = restart_step (self, gradient);
  else
    {
      two_loop (self, gradient);
      t = self->lr;
      /* Not a descent direction (rounding, or the clamp bent the pairs):
       * start over from steepest descent. */
      if (!(dot (gradient, self->d, n) < -1e-9))
        {
          imp_lbfgs_reset (self, n);
          t = restart_step (self, gradient);
        }
    }

  memcpy (self->x_prev, x, n * sizeof (float));
  memcpy (self->g_prev, gradient, n * sizeof (float));
  self->have_prev = TRUE;

  t = limit_step (self, t);
  for (gsize i = 0; i < n; i++)
    {
      float xi = x[i] + (float) t * self->d[i];

      x[i] = CLAMP (xi, lo, hi);
    }
}
