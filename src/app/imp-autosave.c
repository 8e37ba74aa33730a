/* imp-autosave.c: the crash-safe copy of the painting in progress
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The picture is written first and the description after it, each atomically
 * (a temporary file renamed over the old one): after a crash at any moment
 * either the previous autosave or the new one is there, never half a file.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "media/imp-image-io.h"

#include "imp-autosave.h"

#define GROUP "Autosave"

/* Held while a picture is written or the files are removed. */
static GMutex lock;
/* Raised by every removal: writes queued before it are dropped. */
static guint  epoch;

typedef struct
{
  ImpImage        *image;
  ImpAutosaveInfo  info;
  guint            epoch;
} WriteJob;

void
imp_autosave_info_clear (ImpAutosaveInfo *info)
{
  g_clear_pointer (&info->content_path, g_free);
  g_clear_pointer (&info->style_path, g_free);
}

char *
imp_autosave_get_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "impasto", "autosave", NULL);
}

static char *
file_in_dir (const char *name)
{
  g_autofree char *dir = imp_autosave_get_dir ();

  return g_build_filename (dir, name, NULL);
}

static void
write_job_free (WriteJob *job)
{
  imp_image_free (job->image);
  imp_autosave_info_clear (&job->info);
  g_free (job);
}

static gboolean
write_files (WriteJob  *job,
             GError   **error)
{
  g_autofree char *dir = imp_autosave_get_dir ();
  g_autofree char *png = file_in_dir ("autosave.png");
  g_autofree char *ini = file_in_dir ("autosave.ini");
  g_autoptr(GKeyFile) key_file = g_key_file_new ();

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot create “%s”: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }
  if (!imp_image_io_save (job->image, png, error))
    return FALSE;

  g_key_file_set_string (key_file, GROUP, "content", job->info.content_path);
  g_key_file_set_string (key_file, GROUP, "style", job->info.style_path);
  g_key_file_set_uint64 (key_file, GROUP, "iteration", job->info.iteration);
  g_key_file_set_uint64 (key_file, GROUP, "iterations", job->info.n_iterations);
  g_key_file_set_int64 (key_file, GROUP, "time", job->info.time);
  return g_key_file_save_to_file (key_file, ini, error);
}

static void
write_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  WriteJob *job = task_data;
  GError *error = NULL;
  gboolean ok = TRUE;

  g_mutex_lock (&lock);
  if (job->epoch == epoch)
    ok = write_files (job, &error);
  g_mutex_unlock (&lock);

  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
imp_autosave_write_async (const ImpImage        *image,
                          const ImpAutosaveInfo *info,
                          GAsyncReadyCallback    callback,
                          gpointer               user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);
  WriteJob *job = g_new0 (WriteJob, 1);

  job->image = imp_image_copy (image);
  job->info.content_path = g_strdup (info->content_path != NULL ? info->content_path : "");
  job->info.style_path = g_strdup (info->style_path != NULL ? info->style_path : "");
  job->info.iteration = info->iteration;
  job->info.n_iterations = info->n_iterations;
  job->info.time = info->time;
  g_mutex_lock (&lock);
  job->epoch = epoch;
  g_mutex_unlock (&lock);

  g_task_set_source_tag (task, imp_autosave_write_async);
  g_task_set_task_data (task, job, (GDestroyNotify) write_job_free);
  g_task_run_in_thread (task, write_thread);
}

gboolean
imp_autosave_write_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
imp_autosave_exists (void)
{
  g_autofree char *png = file_in_dir ("autosave.png");
  g_autofree char *ini = file_in_dir ("autosave.ini");

  return g_file_test (png, G_FILE_TEST_IS_REGULAR) && g_file_test (ini, G_FILE_TEST_IS_REGULAR);
}

gboolean
imp_autosave_load (ImpAutosaveInfo  *info,
                   ImpImage        **image,
                   GError          **error)
{
  g_autofree char *png = file_in_dir ("autosave.png");
  g_autofree char *ini = file_in_dir ("autosave.ini");
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  ImpImage *picture;

  if (!g_key_file_load_from_file (key_file, ini, G_KEY_FILE_NONE, error))
    return FALSE;
  picture = imp_image_io_load (png, 0, error);
  if (picture == NULL)
    return FALSE;

  /* Missing keys are no reason to lose the picture: they read as empty or 0. */
  info->content_path = g_key_file_get_string (key_file, GROUP, "content", NULL);
  info->style_path = g_key_file_get_string (key_file, GROUP, "style", NULL);
  info->iteration = (guint) MIN (g_key_file_get_uint64 (key_file, GROUP, "iteration", NULL), G_MAXUINT);
  info->n_iterations = (guint) MIN (g_key_file_get_uint64 (key_file, GROUP, "iterations", NULL), G_MAXUINT);
  info->time = g_key_file_get_int64 (key_file, GROUP, "time", NULL);
  if (info->content_path == NULL)
    info->content_path = g_strdup ("");
  if (info->style_path == NULL)
    info->style_path = g_strdup ("");
  *image = picture;
  return TRUE;
}

void
imp_autosave_remove (void)
{
  g_autofree char *png = file_in_dir ("autosave.png");
  g_autofree char *ini = file_in_dir ("autosave.ini");
  g_autofree char *dir = imp_autosave_get_dir ();

  g_mutex_lock (&lock);
  epoch++;
  /* The description first: without it the picture is not offered back. */
  g_remove (ini);
  g_remove (png);
  g_rmdir (dir);
  g_mutex_unlock (&lock);
}
