/* imp-export.c: saving and copying the result
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "media/imp-animation.h"
#include "media/imp-image-io.h"

#include "imp-export.h"
#include "imp-texture.h"

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const ImpImage *image = task_data;
  GFile *file = g_object_get_data (G_OBJECT (task), "file");
  const char *path = g_file_peek_path (file);
  GError *error = NULL;

  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("“%s” is not a local file"), uri);
      return;
    }

  if (imp_image_io_save (image, path, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
imp_export_save_async (const ImpImage      *image,
                       GFile               *file,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_return_if_fail (image != NULL);
  g_return_if_fail (G_IS_FILE (file));

  g_task_set_source_tag (task, imp_export_save_async);
  /* The worker gets its own copy: the window may start a new run meanwhile. */
  g_task_set_task_data (task, imp_image_copy (image), (GDestroyNotify) imp_image_free);
  g_object_set_data_full (G_OBJECT (task), "file", g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, save_thread);
}

gboolean
imp_export_save_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct
{
  ImpFrameRecorder    *recorder;
  ImpImage            *first_frame;
  ImpAnimationOptions  options;
} AnimationJob;

static void
animation_job_free (AnimationJob *job)
{
  imp_frame_recorder_unref (job->recorder);
  g_clear_pointer (&job->first_frame, imp_image_free);
  g_free (job);
}

static void
save_animation_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  AnimationJob *job = task_data;
  GFile *file = g_object_get_data (G_OBJECT (task), "file");
  const char *path = g_file_peek_path (file);
  GError *error = NULL;

  if (path == NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                             _("Only local files can be written"));
  else if (imp_animation_save (job->recorder, path, &job->options, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
imp_export_save_animation_async (ImpFrameRecorder    *recorder,
                                 GFile               *file,
                                 guint                delay_ms,
                                 guint                final_delay_ms,
                                 guint                size,
                                 const ImpImage      *first_frame,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  AnimationJob *job = g_new0 (AnimationJob, 1);

  job->recorder = imp_frame_recorder_ref (recorder);
  job->first_frame = first_frame != NULL ? imp_image_copy (first_frame) : NULL;
  imp_animation_options_init (&job->options);
  job->options.delay_ms = delay_ms;
  job->options.final_delay_ms = final_delay_ms;
  job->options.size = size;
  job->options.first_frame = job->first_frame;

  g_task_set_source_tag (task, imp_export_save_animation_async);
  g_task_set_task_data (task, job, (GDestroyNotify) animation_job_free);
  g_object_set_data_full (G_OBJECT (task), "file", g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, save_animation_thread);
}

gboolean
imp_export_save_animation_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
imp_export_copy_to_clipboard (GdkClipboard   *clipboard,
                              const ImpImage *image)
{
  g_autoptr(GdkTexture) texture = imp_texture_new_from_image (image);

  gdk_clipboard_set_texture (clipboard, texture);
}

static char *
stem (const char *name)
{
  char *s = g_strdup (name != NULL && *name != '\0' ? name : "image");
  char *dot = strrchr (s, '.');

  if (dot != NULL && dot != s)
    *dot = '\0';
  return s;
}

char *
imp_export_suggest_name (const char *content_name,
                         const char *style_name)
{
  g_autofree char *a = stem (content_name);
  g_autofree char *b = stem (style_name);

  return g_strdup_printf ("%s-%s.png", a, b);
}
