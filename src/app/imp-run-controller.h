/* imp-run-controller.h: one style-transfer run on a worker thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "engine/imp-transfer.h"
#include "media/imp-frame-recorder.h"

G_BEGIN_DECLS

#define IMP_TYPE_RUN_CONTROLLER (imp_run_controller_get_type ())

G_DECLARE_FINAL_TYPE (ImpRunController, imp_run_controller, IMP, RUN_CONTROLLER, GObject)

typedef enum
{
  IMP_RUN_IDLE,
  IMP_RUN_LOADING,     /* reading the weights */
  IMP_RUN_PREPARING,   /* imp_transfer_new: resizing, targets */
  IMP_RUN_PAINTING,
  IMP_RUN_STOPPING,
} ImpRunState;

ImpRunController *imp_run_controller_new              (void);

/* Copies everything; the worker never reads widgets or settings. Weights are
 * loaded from @weights_path on the worker and kept for the next run. @blend
 * holds @n_styles weights, or is NULL for equal ones. */
gboolean          imp_run_controller_start            (ImpRunController        *self,
                                                       const char              *weights_path,
                                                       const ImpImage          *content,
                                                       const ImpImage * const  *styles,
                                                       const double            *blend,
                                                       guint                    n_styles,
                                                       const ImpParams         *params,
                                                       GError                 **error);
/* Goes on with a run that was stopped before its last scale, as if it had not
 * been stopped; "finished" follows as for a new run. FALSE when there is none. */
gboolean          imp_run_controller_resume           (ImpRunController  *self,
                                                       GError           **error);
gboolean          imp_run_controller_get_can_resume   (ImpRunController  *self);
/* Returns at once; "finished" follows when the worker has left its step. */
void              imp_run_controller_stop             (ImpRunController *self);
/* Steers the running session at its next step. */
void              imp_run_controller_set_loss_weights (ImpRunController *self,
                                                       double            content_weight,
                                                       double            style_weight,
                                                       double            tv_weight);

ImpRunState       imp_run_controller_get_state        (ImpRunController *self);
gboolean          imp_run_controller_get_running      (ImpRunController *self);
/* The latest progress the main thread has seen; FALSE before the first step. */
gboolean          imp_run_controller_get_progress     (ImpRunController *self,
                                                       ImpProgress      *progress);
/* The latest frame (the optimiser's image) as a texture, or NULL. */
GdkTexture       *imp_run_controller_get_frame        (ImpRunController *self);
/* What Stop and the end of a run deliver, at the output size; NULL before. */
const ImpImage   *imp_run_controller_get_result       (ImpRunController *self);
GdkTexture       *imp_run_controller_get_result_texture (ImpRunController *self);
/* Takes @result as the result, as if a run had delivered it (a restored
 * autosave); not while running. No animation goes with it. */
void              imp_run_controller_set_result       (ImpRunController *self,
                                                       ImpImage         *result);
guint             imp_run_controller_get_n_frames     (ImpRunController *self);
/* Whether the last run did all its iterations (FALSE when stopped or failed). */
gboolean          imp_run_controller_get_completed    (ImpRunController *self);

/* The progress animation of the next run: at most @max_frames frames whose
 * longer side is @size. */
void              imp_run_controller_set_animation    (ImpRunController *self,
                                                       guint             max_frames,
                                                       guint             size);
/* The frames of the last finished run, or NULL. */
ImpFrameRecorder *imp_run_controller_get_recorder     (ImpRunController *self);

/* For tests: the loss weights last handed to imp_transfer_set_loss_weights, and
 * the iteration of the first step known to have been evaluated with them (0
 * while none is). FALSE when none were handed over yet. */
gboolean          imp_run_controller_get_sent_weights (ImpRunController *self,
                                                       double           *content_weight,
                                                       double           *style_weight,
                                                       double           *tv_weight,
                                                       guint            *applied_iteration);

G_END_DECLS
