/* imp-transfer.h: one style-transfer session, driven one iteration at a time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "imp-image.h"
#include "imp-objective.h"
#include "imp-params.h"
#include "imp-transfer-plan.h"
#include "imp-weights.h"

G_BEGIN_DECLS

typedef struct
{
  guint     iteration;        /* loss of the image after this many updates (docs/algorithm.md) */
  guint     n_iterations;     /* of the whole run, across scales */
  guint     scale;            /* 0-based scale of a coarse-to-fine run */
  guint     n_scales;
  guint     width;            /* size of the image being optimised now */
  guint     height;
  ImpLosses losses;
  double    seconds;          /* since the first iteration began */
  double    seconds_left;     /* estimate; < 0 when unknown */
} ImpProgress;

typedef struct _ImpTransfer ImpTransfer;

/* Checks params (imp_params_validate), resizes the images as params say, estimates
 * memory and refuses above params->memory_limit, computes the targets. */
ImpTransfer *imp_transfer_new            (ImpWeights             *weights,
                                          const ImpImage         *content,
                                          const ImpImage * const *styles,
                                          const double           *style_blend,
                                          guint                   n_styles,
                                          const ImpParams        *params,
                                          GCancellable           *cancellable,
                                          GError                **error);
void         imp_transfer_free           (ImpTransfer            *self);

/* One iteration: evaluate the loss (reported in @progress) and update the image.
 * FALSE with G_IO_ERROR_CANCELLED when cancelled mid-step (the image is then the
 * one before the step). */
gboolean     imp_transfer_step           (ImpTransfer            *self,
                                          ImpProgress            *progress,
                                          GCancellable           *cancellable,
                                          GError                **error);
gboolean     imp_transfer_is_done        (ImpTransfer            *self);

/* Thread safe: takes effect at the next step (best-tracking and L-BFGS history restart). */
void         imp_transfer_set_loss_weights (ImpTransfer          *self,
                                            double                content_weight,
                                            double                style_weight,
                                            double                tv_weight);

/* Thread safe copies (transfer full). current = the optimiser's iterate at its
 * current scale; shown = what a run shows while it paints (the average of the
 * iterates for presets with one, else the iterate), at the current scale;
 * result = what Stop/export deliver (lowest-loss image, or the average for
 * presets with one), always at the output size. */
ImpImage    *imp_transfer_get_current    (ImpTransfer            *self);
ImpImage    *imp_transfer_get_shown      (ImpTransfer            *self);
ImpImage    *imp_transfer_get_result     (ImpTransfer            *self);
/* Output size (the result's), known from creation. */
void         imp_transfer_get_output_size (ImpTransfer           *self,
                                           guint                 *width,
                                           guint                 *height);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpTransfer, imp_transfer_free)

G_END_DECLS
