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

typedef struct
{
  ImpFileChosenFunc callback;
  GObject          *owner;
} ChooserData;

static void
on_chooser_response (GtkNativeDialog *chooser,
                     int              response,
                     gpointer         user_data)
{
  ChooserData *data = user_data;
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  data->callback (file, data->owner);
  g_object_unref (data->owner);
  g_free (data);
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
add_file_types (GtkFileChooser      *chooser,
                const ImpFileChoice *choice)
{
  for (guint i = 0; i < choice->n_types; i++)
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
      const ImpFileType *type = &choice->types[i];

      gtk_file_filter_set_name (filter, _(type->name));
      if (type->mime_type != NULL && g_str_equal (type->mime_type, "image/*"))
        gtk_file_filter_add_pixbuf_formats (filter);
      else if (type->mime_type != NULL)
        gtk_file_filter_add_mime_type (filter, type->mime_type);
      if (type->pattern != NULL)
        gtk_file_filter_add_pattern (filter, type->pattern);
      gtk_file_chooser_add_filter (chooser, filter);
    }
}

void
imp_export_choose_file (GtkWidget           *widget,
                        const ImpFileChoice *choice,
                        ImpFileChosenFunc    callback,
                        gpointer             owner)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  gboolean saving = choice->action == GTK_FILE_CHOOSER_ACTION_SAVE;
  GtkFileChooserNative *chooser;
  ChooserData *data;

  g_return_if_fail (G_IS_OBJECT (owner));

  chooser = gtk_file_chooser_native_new (choice->title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         choice->action,
                                         saving ? _("_Save") : choice->action == GTK_FILE_CHOOSER_ACTION_OPEN
                                                               ? _("_Open") : _("_Select"),
                                         _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  add_file_types (GTK_FILE_CHOOSER (chooser), choice);
  if (choice->folder != NULL)
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), choice->folder, NULL);
  /* GTK 4 has no do-overwrite-confirmation switch: its chooser (and the portal's)
   * always asks "A file named … already exists. Do you want to replace it?"
   * itself, so a file the chooser returns is one the user agreed to replace. */
  if (saving && choice->name != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), choice->name);
  data = g_new0 (ChooserData, 1);
  data->callback = callback;
  data->owner = g_object_ref (owner);
  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response), data);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static GFile *
existing_folder (const char *path)
{
  if (path == NULL || *path == '\0' || !g_file_test (path, G_FILE_TEST_IS_DIR))
    return NULL;
  return g_file_new_for_path (path);
}

GFile *
imp_export_get_save_folder (GSettings *settings)
{
  g_autofree char *last = g_settings_get_string (settings, "last-save-folder");
  g_autofree char *preferred = g_settings_get_string (settings, "default-folder");
  GFile *folder;

  if ((folder = existing_folder (last)) != NULL
      || (folder = existing_folder (preferred)) != NULL
      || (folder = existing_folder (g_get_user_special_dir (G_USER_DIRECTORY_PICTURES))) != NULL)
    return folder;
  return g_file_new_for_path (g_get_home_dir ());
}

void
imp_export_remember_folder (GSettings *settings,
                            GFile     *file)
{
  g_autoptr(GFile) parent = g_file_get_parent (file);

  if (parent != NULL && g_file_peek_path (parent) != NULL)
    g_settings_set_string (settings, "last-save-folder", g_file_peek_path (parent));
}
