/* imp-weights-download.c: running weights/fetch from the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The script does the download (curl, resumable), the md5 check, the
 * conversion and the atomic install; the window only starts it, shows how
 * far the .part file has grown and can end it. The script runs in its own
 * process group so Cancel ends curl too, not only the shell waiting for it.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <unistd.h>

#include "imp-weights-download.h"

#define DEFAULT_URL_NAME "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
#define POLL_MS 250

struct _ImpWeightsDownload
{
  GObject      parent_instance;

  GSubprocess *process;
  char        *part_path;
  guint        poll_id;
  double       fraction;
  gboolean     cancelled;
};

G_DEFINE_FINAL_TYPE (ImpWeightsDownload, imp_weights_download, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_FRACTION,
  N_PROPS
};

enum {
  FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

char *
imp_weights_download_find_script (void)
{
  const char *dirs[] = { BUILD_WEIGHTS_DIR, PKGDATADIR, SOURCE_WEIGHTS_DIR };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (dirs[i], "fetch", NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR) && g_access (path, X_OK) == 0)
        return g_steal_pointer (&path);
    }
  return NULL;
}

/* Where curl writes, as weights/fetch names it: CACHE/impasto/BASENAME.part. */
static char *
part_path (void)
{
  const char *url = g_getenv ("IMPASTO_WEIGHTS_URL");
  const char *slash = url != NULL && *url != '\0' ? strrchr (url, '/') : NULL;
  g_autofree char *name = g_strconcat (slash != NULL ? slash + 1 : DEFAULT_URL_NAME, ".part", NULL);

  return g_build_filename (g_get_user_cache_dir (), "impasto", name, NULL);
}

static gboolean
poll_part (gpointer data)
{
  ImpWeightsDownload *self = data;
  GStatBuf st;
  double fraction = 0;

  if (g_stat (self->part_path, &st) == 0)
    fraction = MIN (1.0, (double) st.st_size / IMP_WEIGHTS_DOWNLOAD_SIZE);
  if (fraction != self->fraction)
    {
      self->fraction = fraction;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
    }
  return G_SOURCE_CONTINUE;
}

/* The script's last "error:" line, which says what went wrong and what to do. */
static char *
error_line (GBytes *stderr_bytes)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gsize size = 0;
  const char *data;

  if (stderr_bytes == NULL)
    return NULL;
  data = g_bytes_get_data (stderr_bytes, &size);
  text = g_utf8_make_valid (data != NULL ? data : "", size);
  /* curl redraws its progress bar with carriage returns. */
  g_strdelimit (text, "\r", '\n');
  lines = g_strsplit (text, "\n", -1);
  for (guint i = g_strv_length (lines); i > 0; i--)
    {
      const char *found = strstr (lines[i - 1], "error: ");

      if (found != NULL)
        return g_strstrip (g_strdup (found + strlen ("error: ")));
    }
  return NULL;
}

static char *
installed_path (GBytes *stdout_bytes)
{
  gsize size = 0;
  const char *data = stdout_bytes != NULL ? g_bytes_get_data (stdout_bytes, &size) : NULL;
  g_autofree char *text = g_strndup (data != NULL ? data : "", size);
  g_auto(GStrv) lines = g_strsplit (g_strstrip (text), "\n", -1);
  guint n = g_strv_length (lines);

  /* fetch prints the installed path as its last line. */
  if (n == 0 || !g_file_test (lines[n - 1], G_FILE_TEST_IS_REGULAR))
    return NULL;
  return g_strdup (lines[n - 1]);
}

static void
finish (ImpWeightsDownload *self,
        const char         *path,
        const GError       *error)
{
  g_clear_object (&self->process);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_signal_emit (self, signals[FINISHED], 0, path, error);
}

static void
on_communicated (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ImpWeightsDownload) self = user_data;
  GSubprocess *process = G_SUBPROCESS (object);
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *reason = NULL;

  if (!g_subprocess_communicate_finish (process, result, &out, &err, &error))
    {
      finish (self, NULL, error);
      return;
    }
  if (self->cancelled)
    {
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The download was cancelled"));
      finish (self, NULL, error);
      return;
    }
  if (g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0)
    path = installed_path (out);
  if (path != NULL)
    {
      finish (self, path, NULL);
      return;
    }
  reason = error_line (err);
  g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
               reason != NULL ? reason : _("the fetch script ended without installing the weights"));
  finish (self, NULL, error);
}

static void
own_process_group (gpointer data)
{
  setpgid (0, 0);
}

gboolean
imp_weights_download_start (ImpWeightsDownload  *self,
                            GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *script = NULL;

  g_return_val_if_fail (IMP_IS_WEIGHTS_DOWNLOAD (self), FALSE);
  if (self->process != NULL)
    return TRUE;

  script = imp_weights_download_find_script ();
  if (script == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("The weights/fetch script of Impasto was not found"));
      return FALSE;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE
                                        | G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_subprocess_launcher_set_child_setup (launcher, own_process_group, NULL, NULL);
  self->process = g_subprocess_launcher_spawn (launcher, error, script, NULL);
  if (self->process == NULL)
    return FALSE;

  self->cancelled = FALSE;
  self->fraction = 0;
  g_free (self->part_path);
  self->part_path = part_path ();
  self->poll_id = g_timeout_add (POLL_MS, poll_part, self);
  g_subprocess_communicate_async (self->process, NULL, NULL, on_communicated, g_object_ref (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
  return TRUE;
}

void
imp_weights_download_cancel (ImpWeightsDownload *self)
{
  const char *id;

  g_return_if_fail (IMP_IS_WEIGHTS_DOWNLOAD (self));
  if (self->process == NULL)
    return;
  self->cancelled = TRUE;
  id = g_subprocess_get_identifier (self->process);
  /* The whole group: the script and the curl it waits for. Its EXIT trap
   * removes its temporary files; the .part file stays for a resume. */
  if (id != NULL)
    kill (-(pid_t) g_ascii_strtoll (id, NULL, 10), SIGTERM);
}

gboolean
imp_weights_download_get_running (ImpWeightsDownload *self)
{
  g_return_val_if_fail (IMP_IS_WEIGHTS_DOWNLOAD (self), FALSE);
  return self->process != NULL;
}

double
imp_weights_download_get_fraction (ImpWeightsDownload *self)
{
  g_return_val_if_fail (IMP_IS_WEIGHTS_DOWNLOAD (self), 0);
  return self->fraction;
}

static void
imp_weights_download_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ImpWeightsDownload *self = IMP_WEIGHTS_DOWNLOAD (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->process != NULL);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, self->fraction);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
imp_weights_download_dispose (GObject *object)
{
  ImpWeightsDownload *self = IMP_WEIGHTS_DOWNLOAD (object);

  /* The pending communicate holds a reference: here the process has ended. */
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_object (&self->process);

  G_OBJECT_CLASS (imp_weights_download_parent_class)->dispose (object);
}

static void
imp_weights_download_finalize (GObject *object)
{
  ImpWeightsDownload *self = IMP_WEIGHTS_DOWNLOAD (object);

  g_free (self->part_path);

  G_OBJECT_CLASS (imp_weights_download_parent_class)->finalize (object);
}

static void
imp_weights_download_class_init (ImpWeightsDownloadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = imp_weights_download_get_property;
  object_class->dispose = imp_weights_download_dispose;
  object_class->finalize = imp_weights_download_finalize;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
imp_weights_download_init (ImpWeightsDownload *self)
{
}

ImpWeightsDownload *
imp_weights_download_new (void)
{
  return g_object_new (IMP_TYPE_WEIGHTS_DOWNLOAD, NULL);
}
