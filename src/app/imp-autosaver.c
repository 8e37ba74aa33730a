/* imp-autosaver.c: keeps a crash-safe copy of the painting while a run paints
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A timer takes the run's latest frame and writes it with imp-autosave; a write
 * still going on skips the beat rather than queue behind it on a slow disk.
 */
#include "config.h"

#include "imp-autosave.h"
#include "imp-autosaver.h"
#include "imp-texture.h"

struct _ImpAutosaver
{
  GObject           parent_instance;

  /* Owned */
  ImpRunController *controller;
  char             *content_path;
  char             *style_path;

  /* State */
  guint             timer_id;
  gboolean          busy;
};

G_DEFINE_FINAL_TYPE (ImpAutosaver, imp_autosaver, G_TYPE_OBJECT)

enum {
  FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_written (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ImpAutosaver) self = user_data;
  g_autoptr(GError) error = NULL;

  self->busy = FALSE;
  if (!imp_autosave_write_finish (result, &error))
    g_signal_emit (self, signals[FAILED], 0, error);
}

static void
write_image (ImpAutosaver   *self,
             const ImpImage *image)
{
  ImpAutosaveInfo info = {
    self->content_path != NULL ? self->content_path : (char *) "",
    self->style_path != NULL ? self->style_path : (char *) "",
    0, 0, g_get_real_time () / G_USEC_PER_SEC,
  };
  ImpProgress progress;

  if (imp_run_controller_get_progress (self->controller, &progress))
    {
      info.iteration = progress.iteration + 1;
      info.n_iterations = progress.n_iterations;
    }
  self->busy = TRUE;
  imp_autosave_write_async (image, &info, on_written, g_object_ref (self));
}

static gboolean
tick (gpointer data)
{
  ImpAutosaver *self = data;
  GdkTexture *frame = imp_run_controller_get_frame (self->controller);
  g_autoptr(ImpImage) image = NULL;

  if (frame == NULL || self->busy)
    return G_SOURCE_CONTINUE;
  image = imp_texture_to_image (frame);
  write_image (self, image);
  return G_SOURCE_CONTINUE;
}

static void
imp_autosaver_dispose (GObject *object)
{
  ImpAutosaver *self = IMP_AUTOSAVER (object);

  imp_autosaver_stop (self);
  g_clear_object (&self->controller);

  G_OBJECT_CLASS (imp_autosaver_parent_class)->dispose (object);
}

static void
imp_autosaver_finalize (GObject *object)
{
  ImpAutosaver *self = IMP_AUTOSAVER (object);

  g_free (self->content_path);
  g_free (self->style_path);

  G_OBJECT_CLASS (imp_autosaver_parent_class)->finalize (object);
}

static void
imp_autosaver_class_init (ImpAutosaverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = imp_autosaver_dispose;
  object_class->finalize = imp_autosaver_finalize;

  signals[FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
imp_autosaver_init (ImpAutosaver *self)
{
}

ImpAutosaver *
imp_autosaver_new (ImpRunController *controller)
{
  ImpAutosaver *self = g_object_new (IMP_TYPE_AUTOSAVER, NULL);

  self->controller = g_object_ref (controller);
  return self;
}

void
imp_autosaver_set_inputs (ImpAutosaver *self,
                          const char   *content_path,
                          const char   *style_path)
{
  g_return_if_fail (IMP_IS_AUTOSAVER (self));

  g_free (self->content_path);
  self->content_path = g_strdup (content_path);
  g_free (self->style_path);
  self->style_path = g_strdup (style_path);
}

void
imp_autosaver_start (ImpAutosaver *self,
                     guint         interval_s)
{
  g_return_if_fail (IMP_IS_AUTOSAVER (self));

  imp_autosaver_stop (self);
  if (interval_s > 0)
    self->timer_id = g_timeout_add_seconds (interval_s, tick, self);
}

void
imp_autosaver_stop (ImpAutosaver *self)
{
  g_return_if_fail (IMP_IS_AUTOSAVER (self));

  g_clear_handle_id (&self->timer_id, g_source_remove);
}

void
imp_autosaver_write_result (ImpAutosaver *self)
{
  const ImpImage *result;

  g_return_if_fail (IMP_IS_AUTOSAVER (self));

  result = imp_run_controller_get_result (self->controller);
  if (result != NULL)
    write_image (self, result);
}

void
imp_autosaver_discard (ImpAutosaver *self)
{
  g_return_if_fail (IMP_IS_AUTOSAVER (self));

  /* A write in flight is dropped by imp_autosave_remove itself. */
  imp_autosave_remove ();
}
