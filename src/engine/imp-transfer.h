/* imp-transfer.h: one style-transfer session, driven one iteration at a time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "imp-image.h"
#include "imp-objective.h"
#include "imp-params.h"
#include "imp-weights.h"

G_BEGIN_DECLS

#define IMP_TRANSFER_ERROR (imp_transfer_error_quark ())

typedef enum
{
  IMP_TRANSFER_ERROR_TOO_LARGE,   /* estimated memory above the limit */
  IMP_TRANSFER_ERROR_FAILED,
  IMP_TRANSFER_ERROR_TOO_SMALL,   /* an image too small for the network's deepest layer */
  IMP_TRANSFER_ERROR_NOT_FINITE,  /* the loss or its gradient overflowed: the run cannot go on */
} ImpTransferError;

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

GQuark       imp_transfer_error_quark    (void);

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

/* imp_transfer_new()'s checks of the images' sizes, on sizes alone, so that a
 * caller can make them before decoding anything: @sizes holds the content's
 * width and height, then each style's, as imp_transfer_new() will get them;
 * @extra_bytes is memory the caller holds beside the run (an animation's
 * frames). @params must have passed imp_params_validate(). FALSE with
 * IMP_TRANSFER_ERROR_TOO_SMALL (*@which is then 0 for the content, i + 1 for
 * style i) or IMP_TRANSFER_ERROR_TOO_LARGE (*@which is G_MAXUINT). */
gboolean     imp_transfer_check_sizes     (const ImpParams       *params,
                                           const guint           *sizes,
                                           guint                  n_styles,
                                           guint64                extra_bytes,
                                           guint                 *which,
                                           GError               **error);

/* Peak bytes for these params and a content of @width x @height (before resizing). */
guint64      imp_transfer_estimate_memory (const ImpParams       *params,
                                           guint                 content_width,
                                           guint                 content_height);
/* The limit a session uses when params->memory_limit is 0: three quarters of
 * the machine's physical memory. */
guint64      imp_transfer_default_memory_limit (void);

/* Expected seconds of a whole run on @n_threads threads (0 = all cores) for an
 * output of @width x @height, from a measured cost per pixel-iteration and the
 * run's scales; a guide for choosing a preset, not a promise. */
double       imp_transfer_estimate_seconds (const ImpParams     *params,
                                            guint                width,
                                            guint                height,
                                            guint                n_threads);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpTransfer, imp_transfer_free)

G_END_DECLS
