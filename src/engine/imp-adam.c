/* imp-adam.c: Adam with TensorFlow 1.x's update
 *
 * TF1's AdamOptimizer folds the bias correction into the step size and adds
 * epsilon to sqrt(v) uncorrected; PyTorch's Adam corrects v first. With the
 * tutorial's large epsilon (0.1) the two differ, and the tutorial used TF1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-adam.h"

#include <math.h>
#include <string.h>

struct _ImpAdam
{
  gsize  n;
  double lr;
  double beta1;
  double beta2;
  double epsilon;
  guint  t;
  float *m;
  float *v;
};

ImpAdam *
imp_adam_new (gsize  n,
              double lr,
              double beta1,
              double beta2,
              double epsilon)
{
  ImpAdam *self = g_new0 (ImpAdam, 1);

  self->n = n;
  self->lr = lr;
  self->beta1 = beta1;
  self->beta2 = beta2;
  self->epsilon = epsilon;
  self->m = g_new0 (float, n);
  self->v = g_new0 (float, n);
  return self;
}

void
imp_adam_free (ImpAdam *self)
{
  if (self == NULL)
    return;
  g_free (self->m);
  g_free (self->v);
  g_free (self);
}

void
imp_adam_step (ImpAdam     *self,
               float       *x,
               const float *gradient,
               float        lo,
               float        hi)
{
  float b1, b2, eps, lr_t;

  self->t++;
  lr_t = (float) (self->lr * sqrt (1.0 - pow (self->beta2, self->t))
                  / (1.0 - pow (self->beta1, self->t)));
  b1 = (float) self->beta1;
  b2 = (float) self->beta2;
  eps = (float) self->epsilon;

  for (gsize i = 0; i < self->n; i++)
    {
      float g = gradient[i];
      float m = self->m[i] + (g - self->m[i]) * (1.f - b1);
      float v = self->v[i] + (g * g - self->v[i]) * (1.f - b2);
      float xi = x[i] - lr_t * m / (sqrtf (v) + eps);

      self->m[i] = m;
      self->v[i] = v;
      x[i] = CLAMP (xi, lo, hi);
    }
}

guint
imp_adam_get_t (ImpAdam *self)
{
  return self->t;
}

float *
imp_adam_get_m (ImpAdam *self)
{
  return self->m;
}

float *
imp_adam_get_v (ImpAdam *self)
{
  return self->v;
}

void
imp_adam_resize (ImpAdam     *self,
                 gsize        n,
                 const float *m,
                 const float *v)
{
  float *new_m = g_memdup2 (m, n * sizeof (float));
  float *new_v = g_memdup2 (v, n * sizeof (float));

  g_free (self->m);
  g_free (self->v);
  self->m = new_m;
  self->v = new_v;
  self->n = n;
  /* Resampling can undershoot below 0; v is a mean of squares. */
  for (gsize i = 0; i < n; i++)
    self->v[i] = MAX (self->v[i], 0.f);
}
