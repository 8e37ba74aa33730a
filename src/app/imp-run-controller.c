/* imp-run-controller.c: one style-transfer run on a worker thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The worker owns the ImpTransfer session and never touches widgets. After each
 * step it stores the newest frame under the mutex and queues one idle callback
 * only when none is pending, so a slow main loop sees the latest frame, never a
 * backlog. Stop only cancels: the worker leaves its step at the next layer
 * boundary and queues the "finished" idle, which joins the (exiting) thread.
 */
#define _GNU_SOURCE   /* gettid () */
#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <sys/resource.h>
#include <unistd.h>

#include "media/imp-frame-recorder.h"

#include "imp-run-controller.h"
#include "imp-texture.h"

typedef struct
{
  ImpRunController *self;      /* strong: the worker uses the mutex */
  char             *weights_path;
  ImpImage         *content;
  GPtrArray        *styles;        /* (element-type ImpImage) */
  double           *blend;         /* n_styles weights, or NULL for equal */
  ImpParams         params;
  GCancellable     *cancellable;
  guint             animation_frames;
  guint             animation_size;
  ImpFrameRecorder *recorder;      /* created once the output size is known */
  ImpImage         *result;
  gboolean          completed;     /* all iterations done, not stopped */
  GError           *error;
  /* The session: made by the worker, or handed over to resume a kept one. */
  ImpTransfer      *transfer;
  /* Stopped before the last scale: the session is kept to finish it later. */
  gboolean          coarse_stop;
} RunJob;

struct _ImpRunController
{
  GObject       parent_instance;

  /* Shared with the worker, under mutex */
  GMutex        mutex;
  ImpTransfer  *transfer;          /* non-NULL while a session exists */
  ImpRunState   worker_state;
  guint8       *frame_rgb;
  guint         frame_width;
  guint         frame_height;
  ImpProgress   frame_progress;
  gboolean      frame_has_progress;
  gboolean      idle_pending;
  gboolean      weights_pending;   /* changed before the session existed */
  double        pending_weights[3];
  gboolean      weights_sent;
  double        sent_weights[3];
  guint         steps_since_sent;
  guint         applied_iteration;  /* first step surely evaluated with them */

  /* Worker only (one worker at a time) */
  ImpWeights   *weights;

  /* Main thread */
  guint         animation_frames;
  guint         animation_size;
  ImpFrameRecorder *recorder;
  GThread      *thread;
  GCancellable *cancellable;
  ImpRunState   state;
  ImpProgress   progress;
  gboolean      has_progress;
  GdkTexture   *frame;
  guint         n_frames;
  ImpImage     *result;
  GdkTexture   *result_texture;
  gboolean      completed;
  /* A session stopped at a coarse scale, which imp_run_controller_resume finishes. */
  ImpTransfer  *kept_transfer;
};

G_DEFINE_FINAL_TYPE (ImpRunController, imp_run_controller, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_STATE,
  N_PROPS
};

enum {
  FRAME,
  FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
run_job_free (RunJob *job)
{
  g_clear_object (&job->self);
  g_free (job->weights_path);
  g_clear_pointer (&job->content, imp_image_free);
  g_clear_pointer (&job->styles, g_ptr_array_unref);
  g_free (job->blend);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->result, imp_image_free);
  g_clear_pointer (&job->recorder, imp_frame_recorder_unref);
  g_clear_pointer (&job->transfer, imp_transfer_free);
  g_clear_error (&job->error);
  g_free (job);
}

static void
set_state (ImpRunController *self,
           ImpRunState       state)
{
  gboolean was_running = imp_run_controller_get_running (self);

  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (was_running != imp_run_controller_get_running (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/* Main thread: takes what the worker published since the last call. */
static void
take_published (ImpRunController *self)
{
  g_autofree guint8 *rgb = NULL;
  guint width, height;
  ImpRunState worker_state;
  gboolean has_progress;
  ImpProgress progress;

  g_mutex_lock (&self->mutex);
  rgb = g_steal_pointer (&self->frame_rgb);
  width = self->frame_width;
  height = self->frame_height;
  has_progress = self->frame_has_progress;
  progress = self->frame_progress;
  worker_state = self->worker_state;
  self->idle_pending = FALSE;
  g_mutex_unlock (&self->mutex);

  if (self->thread == NULL)
    return;
  if (self->state != IMP_RUN_STOPPING)
    set_state (self, worker_state);
  if (rgb == NULL)
    return;

  g_clear_object (&self->frame);
  self->frame = imp_texture_new_from_rgb8 (g_steal_pointer (&rgb), width, height);
  self->progress = progress;
  self->has_progress = has_progress;
  self->n_frames++;
  g_signal_emit (self, signals[FRAME], 0);
}

static gboolean
publish_idle (gpointer data)
{
  take_published (IMP_RUN_CONTROLLER (data));
  return G_SOURCE_REMOVE;
}

/* Worker thread, mutex held. */
static void
queue_publish_locked (ImpRunController *self)
{
  if (self->idle_pending)
    return;
  self->idle_pending = TRUE;
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, publish_idle,
                   g_object_ref (self), g_object_unref);
}

static void
publish_state (ImpRunController *self,
               ImpRunState       state)
{
  g_mutex_lock (&self->mutex);
  self->worker_state = state;
  queue_publish_locked (self);
  g_mutex_unlock (&self->mutex);
}

static void
publish_frame (ImpRunController  *self,
               const ImpImage    *current,
               const ImpProgress *progress)
{
  guint8 *rgb = imp_image_to_rgb8 (current);

  g_mutex_lock (&self->mutex);
  g_free (self->frame_rgb);
  self->frame_rgb = rgb;
  self->frame_width = current->width;
  self->frame_height = current->height;
  self->frame_progress = *progress;
  self->frame_has_progress = TRUE;
  /* A step already running when they were sent still used the old weights:
   * the second step after is the first that surely used the new ones. */
  if (self->weights_sent && ++self->steps_since_sent == 2)
    self->applied_iteration = progress->iteration;
  queue_publish_locked (self);
  g_mutex_unlock (&self->mutex);
}

/* Worker: weights stay loaded between runs (reading them takes a while). */
static ImpWeights *
ensure_weights (ImpRunController  *self,
                const char        *path,
                GError           **error)
{
  if (self->weights != NULL && g_strcmp0 (imp_weights_get_path (self->weights), path) == 0)
    return self->weights;

  g_clear_pointer (&self->weights, imp_weights_unref);
  self->weights = imp_weights_load (path, error);
  return self->weights;
}

static void
attach_transfer (ImpRunController *self,
                 ImpTransfer      *transfer)
{
  g_mutex_lock (&self->mutex);
  self->transfer = transfer;
  if (transfer != NULL && self->weights_pending)
    {
      const double *w = self->pending_weights;

      imp_transfer_set_loss_weights (transfer, w[0], w[1], w[2]);
      memcpy (self->sent_weights, w, sizeof self->sent_weights);
      self->weights_sent = TRUE;
      /* Before the first step: that step uses them. */
      self->steps_since_sent = 1;
      self->applied_iteration = 0;
      self->weights_pending = FALSE;
    }
  g_mutex_unlock (&self->mutex);
}

static void
start_recorder (RunJob      *job,
                ImpTransfer *transfer)
{
  g_autoptr(ImpImage) initial = imp_transfer_get_shown (transfer);
  guint width, height;

  imp_transfer_get_output_size (transfer, &width, &height);
  job->recorder = imp_frame_recorder_new (width, height, job->animation_frames, job->animation_size);
  imp_frame_recorder_add (job->recorder, initial, 0, job->params.iterations);
}

static void
run_session (RunJob      *job,
             ImpTransfer *transfer)
{
  ImpRunController *self = job->self;
  ImpProgress progress = { 0 };
  guint updates = 0;

  /* A resumed session goes on with the animation it had. */
  if (job->recorder == NULL)
    start_recorder (job, transfer);
  publish_state (self, IMP_RUN_PAINTING);
  while (!imp_transfer_is_done (transfer)
         && !g_cancellable_is_cancelled (job->cancellable))
    {
      g_autoptr(ImpImage) current = NULL;

      if (!imp_transfer_step (transfer, &progress, job->cancellable, &job->error))
        break;
      /* progress.iteration numbers the loss, evaluated before this step's
       * update: the image now has one update more. */
      updates = progress.iteration + 1;
      current = imp_transfer_get_shown (transfer);
      /* The last frame is the result, added below, as exports use it. */
      if (updates < progress.n_iterations)
        imp_frame_recorder_add (job->recorder, current, updates, progress.n_iterations);
      publish_frame (self, current, &progress);
    }
  job->completed = imp_transfer_is_done (transfer);
  job->coarse_stop = !job->completed && progress.scale + 1 < progress.n_scales
                     && (job->error == NULL || g_error_matches (job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  job->result = imp_transfer_get_result (transfer);
  if (job->result != NULL)
    imp_frame_recorder_add_final (job->recorder, job->result, updates);
}

static void
run_job (RunJob *job)
{
  ImpRunController *self = job->self;
  ImpWeights *weights;

  if (job->transfer == NULL)
    {
      publish_state (self, IMP_RUN_LOADING);
      weights = ensure_weights (self, job->weights_path, &job->error);
      if (weights == NULL)
        return;

      publish_state (self, IMP_RUN_PREPARING);
      job->transfer = imp_transfer_new (weights, job->content,
                                        (const ImpImage * const *) job->styles->pdata, job->blend,
                                        job->styles->len, &job->params, job->cancellable, &job->error);
      if (job->transfer == NULL)
        return;
    }

  attach_transfer (self, job->transfer);
  run_session (job, job->transfer);
  attach_transfer (self, NULL);
  /* Only a coarse session is kept: it is small, and finishing it is worth it. */
  if (!job->coarse_stop)
    g_clear_pointer (&job->transfer, imp_transfer_free);
}

static gboolean
finish_idle (gpointer data)
{
  RunJob *job = data;
  ImpRunController *self = job->self;

  /* The worker queued this as its last act: the join is immediate. */
  take_published (self);
  g_thread_join (g_steal_pointer (&self->thread));
  g_clear_object (&self->cancellable);

  g_clear_pointer (&self->result, imp_image_free);
  g_clear_object (&self->result_texture);
  g_clear_pointer (&self->recorder, imp_frame_recorder_unref);
  self->recorder = g_steal_pointer (&job->recorder);
  self->completed = job->completed;
  g_clear_pointer (&self->kept_transfer, imp_transfer_free);
  self->kept_transfer = g_steal_pointer (&job->transfer);
  if (job->result != NULL)
    {
      self->result = g_steal_pointer (&job->result);
      self->result_texture = imp_texture_new_from_image (self->result);
    }

  /* Stop is not an error. */
  if (g_error_matches (job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_clear_error (&job->error);

  set_state (self, IMP_RUN_IDLE);
  g_signal_emit (self, signals[FINISHED], 0, job->error);
  run_job_free (job);
  return G_SOURCE_REMOVE;
}

static gpointer
run_thread (gpointer data)
{
  RunJob *job = data;

  /* On Linux nice is per thread: the painting yields to the window, so the
   * window stays responsive even when the engine keeps every core busy. The
   * BLAS threads the engine starts from here inherit it. */
  if (setpriority (PRIO_PROCESS, gettid (), 10) != 0)
    g_debug ("Could not lower the worker's priority: %s", g_strerror (errno));

  run_job (job);
  g_idle_add_full (G_PRIORITY_DEFAULT, finish_idle, job, NULL);
  return NULL;
}

/* Resets what the main thread knows of the last run and starts the worker. */
static void
launch (ImpRunController *self,
        RunJob           *job)
{
  job->animation_frames = self->animation_frames;
  job->animation_size = self->animation_size;

  g_mutex_lock (&self->mutex);
  self->weights_pending = FALSE;
  self->weights_sent = FALSE;
  self->steps_since_sent = 0;
  self->frame_has_progress = FALSE;
  g_mutex_unlock (&self->mutex);

  self->cancellable = g_object_ref (job->cancellable);
  self->has_progress = FALSE;
  self->completed = FALSE;
  self->n_frames = 0;
  g_clear_object (&self->frame);
  set_state (self, job->transfer != NULL ? IMP_RUN_PAINTING : IMP_RUN_LOADING);
  self->thread = g_thread_new ("impasto-run", run_thread, job);
}

gboolean
imp_run_controller_start (ImpRunController        *self,
                          const char              *weights_path,
                          const ImpImage          *content,
                          const ImpImage * const  *styles,
                          const double            *blend,
                          guint                    n_styles,
                          const ImpParams         *params,
                          GError                 **error)
{
  RunJob *job;

  g_return_val_if_fail (IMP_IS_RUN_CONTROLLER (self), FALSE);
  g_return_val_if_fail (weights_path != NULL && content != NULL, FALSE);
  g_return_val_if_fail (styles != NULL && n_styles > 0, FALSE);

  if (self->thread != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _("A painting is already in progress"));
      return FALSE;
    }

  job = g_new0 (RunJob, 1);
  job->self = g_object_ref (self);
  job->weights_path = g_strdup (weights_path);
  job->content = imp_image_copy (content);
  job->styles = g_ptr_array_new_with_free_func ((GDestroyNotify) imp_image_free);
  for (guint i = 0; i < n_styles; i++)
    g_ptr_array_add (job->styles, imp_image_copy (styles[i]));
  job->blend = blend != NULL ? g_memdup2 (blend, n_styles * sizeof (double)) : NULL;
  job->params = *params;
  job->cancellable = g_cancellable_new ();

  g_clear_pointer (&self->kept_transfer, imp_transfer_free);
  launch (self, job);
  return TRUE;
}

gboolean
imp_run_controller_resume (ImpRunController  *self,
                           GError           **error)
{
  RunJob *job;

  g_return_val_if_fail (IMP_IS_RUN_CONTROLLER (self), FALSE);

  if (self->thread != NULL || self->kept_transfer == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("There is no stopped painting to finish"));
      return FALSE;
    }
  job = g_new0 (RunJob, 1);
  job->self = g_object_ref (self);
  job->transfer = g_steal_pointer (&self->kept_transfer);
  job->recorder = g_steal_pointer (&self->recorder);
  job->cancellable = g_cancellable_new ();
  launch (self, job);
  return TRUE;
}

gboolean
imp_run_controller_get_can_resume (ImpRunController *self)
{
  g_return_val_if_fail (IMP_IS_RUN_CONTROLLER (self), FALSE);
  return self->thread == NULL && self->kept_transfer != NULL;
}

void
imp_run_controller_stop (ImpRunController *self)
{
  g_return_if_fail (IMP_IS_RUN_CONTROLLER (self));

  if (self->thread == NULL || self->state == IMP_RUN_STOPPING)
    return;
  g_cancellable_cancel (self->cancellable);
  set_state (self, IMP_RUN_STOPPING);
}

void
imp_run_controller_set_loss_weights (ImpRunController *self,
                                     double            content_weight,
                                     double            style_weight,
                                     double            tv_weight)
{
  const double w[3] = { content_weight, style_weight, tv_weight };

  g_return_if_fail (IMP_IS_RUN_CONTROLLER (self));

  if (self->thread == NULL)
    return;

  g_mutex_lock (&self->mutex);
  if (self->transfer != NULL)
    {
      imp_transfer_set_loss_weights (self->transfer, w[0], w[1], w[2]);
      memcpy (self->sent_weights, w, sizeof w);
      self->weights_sent = TRUE;
      self->steps_since_sent = 0;
      self->applied_iteration = 0;
    }
  else
    {
      memcpy (self->pending_weights, w, sizeof w);
      self->weights_pending = TRUE;
    }
  g_mutex_unlock (&self->mutex);
}

gboolean
imp_run_controller_get_sent_weights (ImpRunController *self,
                                     double           *content_weight,
                                     double           *style_weight,
                                     double           *tv_weight,
                                     guint            *applied_iteration)
{
  gboolean sent;

  g_return_val_if_fail (IMP_IS_RUN_CONTROLLER (self), FALSE);

  g_mutex_lock (&self->mutex);
  sent = self->weights_sent;
  if (content_weight != NULL)
    *content_weight = self->sent_weights[0];
  if (style_weight != NULL)
    *style_weight = self->sent_weights[1];
  if (tv_weight != NULL)
    *tv_weight = self->sent_weights[2];
  if (applied_iteration != NULL)
    *applied_iteration = self->applied_iteration;
  g_mutex_unlock (&self->mutex);

  return sent;
}

ImpRunState
imp_run_controller_get_state (ImpRunController *self)
{
  g_return_val_if_fail (IMP_IS_RUN_CONTROLLER (self), IMP_RUN_IDLE);
  return self->state;
}

gboolean
imp_run_controller_get_running (ImpRunController *self)
{
  g_return_val_if_fail (IMP_IS_RUN_CONTROLLER (self), FALSE);
  return self->state != IMP_RUN_IDLE;
}

gboolean
imp_run_controller_get_progress (ImpRunController *self,
                                 ImpProgress      *progress)
{
  g_return_val_if_fail (IMP_IS_RUN_CONTROLLER (self), FALSE);

  if (self->has_progress && progress != NULL)
    *progress = self->progress;
  return self->has_progress;
}

GdkTexture *
imp_run_controller_get_frame (ImpRunController *self)
{
  g_return_val_if_fail (IMP_IS_RUN_CONTROLLER (self), NULL);
  return self->frame;
}

const ImpImage *
imp_run_controller_get_result (ImpRunController *self)
{
  g_return_val_if_fail (IMP_IS_RUN_CONTROLLER (self), NULL);
  return self->result;
}

GdkTexture *
imp_run_controller_get_result_texture (ImpRunController *self)
{
  g_return_val_if_fail (IMP_IS_RUN_CONTROLLER (self), NULL);
  return self->result_texture;
}

void
imp_run_controller_set_result (ImpRunController *self,
                               ImpImage         *result)
{
  g_return_if_fail (IMP_IS_RUN_CONTROLLER (self));
  g_return_if_fail (result != NULL);
  g_return_if_fail (self->thread == NULL);

  g_clear_pointer (&self->result, imp_image_free);
  g_clear_object (&self->result_texture);
  g_clear_pointer (&self->recorder, imp_frame_recorder_unref);
  g_clear_pointer (&self->kept_transfer, imp_transfer_free);
  self->result = result;
  self->result_texture = imp_texture_new_from_image (result);
  self->completed = FALSE;
}

gboolean
imp_run_controller_get_completed (ImpRunController *self)
{
  g_return_val_if_fail (IMP_IS_RUN_CONTROLLER (self), FALSE);
  return self->completed;
}

guint
imp_run_controller_get_n_frames (ImpRunController *self)
{
  g_return_val_if_fail (IMP_IS_RUN_CONTROLLER (self), 0);
  return self->n_frames;
}

void
imp_run_controller_set_animation (ImpRunController *self,
                                  guint             max_frames,
                                  guint             size)
{
  g_return_if_fail (IMP_IS_RUN_CONTROLLER (self));

  self->animation_frames = max_frames;
  self->animation_size = size;
}

ImpFrameRecorder *
imp_run_controller_get_recorder (ImpRunController *self)
{
  g_return_val_if_fail (IMP_IS_RUN_CONTROLLER (self), NULL);
  return self->recorder;
}

static void
imp_run_controller_dispose (GObject *object)
{
  ImpRunController *self = IMP_RUN_CONTROLLER (object);

  /* A running job holds a reference, so no thread can be left here. */
  g_warn_if_fail (self->thread == NULL);
  /* Before the weights it uses go with finalize. */
  g_clear_pointer (&self->kept_transfer, imp_transfer_free);
  g_clear_object (&self->frame);
  g_clear_object (&self->result_texture);

  G_OBJECT_CLASS (imp_run_controller_parent_class)->dispose (object);
}

static void
imp_run_controller_finalize (GObject *object)
{
  ImpRunController *self = IMP_RUN_CONTROLLER (object);

  g_clear_pointer (&self->result, imp_image_free);
  g_clear_pointer (&self->weights, imp_weights_unref);
  g_clear_pointer (&self->recorder, imp_frame_recorder_unref);
  g_free (self->frame_rgb);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (imp_run_controller_parent_class)->finalize (object);
}

static void
imp_run_controller_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ImpRunController *self = IMP_RUN_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, imp_run_controller_get_running (self));
      break;
    case PROP_STATE:
      g_value_set_uint (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
imp_run_controller_class_init (ImpRunControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = imp_run_controller_dispose;
  object_class->finalize = imp_run_controller_finalize;
  object_class->get_property = imp_run_controller_get_property;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_STATE] =
    g_param_spec_uint ("state", NULL, NULL, IMP_RUN_IDLE, IMP_RUN_STOPPING, IMP_RUN_IDLE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A new frame and progress are available. */
  signals[FRAME] =
    g_signal_new ("frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The run ended: done, stopped (error NULL) or failed (const GError *). */
  signals[FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
imp_run_controller_init (ImpRunController *self)
{
  g_mutex_init (&self->mutex);
  self->animation_frames = IMP_FRAME_RECORDER_DEFAULT_MAX_FRAMES;
  self->animation_size = IMP_FRAME_RECORDER_DEFAULT_SIZE;
}

ImpRunController *
imp_run_controller_new (void)
{
  return g_object_new (IMP_TYPE_RUN_CONTROLLER, NULL);
}
