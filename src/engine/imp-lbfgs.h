/* imp-lbfgs.h: limited-memory BFGS, one step per evaluation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ImpLbfgs ImpLbfgs;

ImpLbfgs *imp_lbfgs_new            (gsize        n,
                                    guint        history,
                                    double       lr);
void      imp_lbfgs_free           (ImpLbfgs    *self);

/* @gradient is the gradient at @x; updates @x in place (no pixel by more than
 * 8 * lr), then clamps to [lo, hi]. */
void      imp_lbfgs_step           (ImpLbfgs    *self,
                                    float       *x,
                                    const float *gradient,
                                    float        lo,
                                    float        hi);
/* Forgets the curvature pairs: the objective changed (loss weights) or the
 * variable did (a new scale, n floats from now on). */
void      imp_lbfgs_reset          (ImpLbfgs    *self,
                                    gsize        n);
guint     imp_lbfgs_get_n_pairs    (ImpLbfgs    *self);

/* Bytes of state for @n variables and @history pairs. */
guint64   imp_lbfgs_estimate_memory (gsize       n,
                                     guint       history);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpLbfgs, imp_lbfgs_free)

G_END_DECLS
