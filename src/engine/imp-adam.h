/* imp-adam.h: Adam with TensorFlow 1.x's update (docs/algorithm.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ImpAdam ImpAdam;

ImpAdam *imp_adam_new          (gsize        n,
                                double       lr,
                                double       beta1,
                                double       beta2,
                                double       epsilon);
void     imp_adam_free         (ImpAdam     *self);

/* One update of @x (n floats) along @gradient, then x clamped to [lo, hi]. */
void     imp_adam_step         (ImpAdam     *self,
                                float       *x,
                                const float *gradient,
                                float        lo,
                                float        hi);
guint    imp_adam_get_t        (ImpAdam     *self);

/* The moment estimates (n floats each), to carry them to another image size. */
float   *imp_adam_get_m        (ImpAdam     *self);
float   *imp_adam_get_v        (ImpAdam     *self);
/* Replaces the state by one of @n floats (the moments resampled by the caller);
 * @m and @v are copied, t is kept. */
void     imp_adam_resize       (ImpAdam     *self,
                                gsize        n,
                                const float *m,
                                const float *v);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpAdam, imp_adam_free)

G_END_DECLS
