/* test-lost-work.c: no lost work: closing asks, autosave and restore, inputs
 * never overwritten, the weights page and its download
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs with its own empty XDG folders (gui-test-util.h): the autosave, the
 * download cache and the weights lookup only see this test's, never the user's.
 */
#include "config.h"

#include <adwaita.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gui-test-util.h"
#include "imp-autosave.h"
#include "imp-weights-download.h"
#include "imp-window-private.h"

#define OUTPUT_SIZE 32

static char     *tmp_dir;
static char     *xdg_dir;
static gboolean  saved;
static GError   *saved_error;

static gboolean
wells_loaded (gpointer data)
{
  ImpWindow *window = data;
  ImpImageWell *wells[] = { window->content_well, window->style_well };

  for (guint i = 0; i < G_N_ELEMENTS (wells); i++)
    if (imp_image_well_get_loading (wells[i]) || imp_image_well_get_image (wells[i]) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
not_running (gpointer data)
{
  return !imp_run_controller_get_running (IMP_WINDOW (data)->controller);
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static gboolean
is_saved (gpointer data)
{
  return saved;
}

static gboolean
autosave_there (gpointer data)
{
  return imp_autosave_exists ();
}

static void
on_image_saved (ImpWindow    *window,
                GFile        *file,
                const GError *error,
                gpointer      data)
{
  saved = TRUE;
  g_clear_error (&saved_error);
  if (error != NULL)
    saved_error = g_error_copy (error);
}

static ImpWindow *
open_window (void)
{
  ImpWindow *window = imp_window_new (NULL);

  g_signal_connect (window, "image-saved", G_CALLBACK (on_image_saved), NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gui_test_poll_until (wells_loaded, window, 20));
  return window;
}

static void
set_run_settings (guint iterations,
                  guint autosave_interval)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  g_settings_set_uint (settings, "size", OUTPUT_SIZE);
  g_settings_set_uint (settings, "iterations", iterations);
  g_settings_set_uint (settings, "autosave-interval", autosave_interval);
}

static AdwMessageDialog *
find_dialog (ImpWindow *window)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data)
        && gtk_window_get_transient_for (l->data) == GTK_WINDOW (window))
      return l->data;
  return NULL;
}

static void
answer (AdwMessageDialog *dialog,
        const char       *response)
{
  /* Closing the window may take its dialog along. */
  g_object_ref (dialog);
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_object_unref (dialog);
}

/* Closes @window and checks that it is gone, with no dialog left behind. */
static void
close_and_check_gone (ImpWindow *window)
{
  gpointer weak = window;

  g_object_add_weak_pointer (G_OBJECT (window), &weak);
  gtk_window_close (GTK_WINDOW (window));
  g_assert_true (gui_test_poll_until (is_null, &weak, 10));
}

static void
run_to_end (ImpWindow *window)
{
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  g_assert_true (imp_run_controller_get_running (window->controller));
  g_assert_true (gui_test_poll_until (not_running, window, 120));
  g_assert_nonnull (imp_run_controller_get_result (window->controller));
}

/* A finished, unsaved result: closing asks; Cancel keeps the window, Discard
 * closes it and forgets the autosave; a saved result closes without asking. */
static void
test_close_asks (void)
{
  ImpWindow *window;
  gpointer weak;
  AdwMessageDialog *dialog;
  g_autofree char *path = g_build_filename (tmp_dir, "kept.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  set_run_settings (4, 60);
  window = open_window ();
  weak = window;
  g_object_add_weak_pointer (G_OBJECT (window), &weak);
  g_assert_false (window->unsaved);
  run_to_end (window);
  g_assert_true (window->unsaved);
  /* The finished result is autosaved at once. */
  g_assert_true (gui_test_poll_until (autosave_there, NULL, 10));

  gtk_window_close (GTK_WINDOW (window));
  dialog = find_dialog (window);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Save the Painting?");
  answer (dialog, "cancel");
  g_main_context_iteration (NULL, FALSE);
  g_assert_nonnull (weak);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_true (imp_autosave_exists ());

  gtk_window_close (GTK_WINDOW (window));
  dialog = find_dialog (window);
  g_assert_nonnull (dialog);
  answer (dialog, "discard");
  g_assert_true (gui_test_poll_until (is_null, &weak, 10));
  g_assert_false (imp_autosave_exists ());

  /* Saved: nothing to ask, nothing kept in the cache. */
  window = open_window ();
  run_to_end (window);
  g_assert_true (gui_test_poll_until (autosave_there, NULL, 10));
  saved = FALSE;
  imp_window_save_image (window, file);
  g_assert_true (gui_test_poll_until (is_saved, NULL, 20));
  g_assert_no_error (saved_error);
  g_assert_false (window->unsaved);
  g_assert_false (imp_autosave_exists ());
  close_and_check_gone (window);
  g_assert_null (find_dialog (NULL));
  g_remove (path);
}

static gboolean
reached_iteration (gpointer data)
{
  ImpProgress progress;

  return imp_run_controller_get_progress (IMP_WINDOW (data)->controller, &progress)
         && progress.iteration >= 2;
}

/* A running run asks too; Cancel lets it go on. */
static void
test_close_while_running_asks (void)
{
  ImpWindow *window;
  AdwMessageDialog *dialog;
  gpointer weak;

  set_run_settings (100000, 60);
  window = open_window ();
  weak = window;
  g_object_add_weak_pointer (G_OBJECT (window), &weak);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  g_assert_true (gui_test_poll_until (reached_iteration, window, 60));

  gtk_window_close (GTK_WINDOW (window));
  dialog = find_dialog (window);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Stop the Painting?");
  answer (dialog, "cancel");
  g_assert_true (imp_run_controller_get_running (window->controller));

  gtk_window_close (GTK_WINDOW (window));
  dialog = find_dialog (window);
  g_assert_nonnull (dialog);
  answer (dialog, "discard");
  g_assert_true (gui_test_poll_until (is_null, &weak, 30));
  g_assert_false (imp_autosave_exists ());
}

/* During a long run the painting so far is autosaved every second; a window
 * that goes away without closing (a crash) leaves it, and the next window
 * offers it back: Restore makes it the result, ready to export. */
static void
test_autosave_restore (void)
{
  g_autofree char *export_path = g_build_filename (tmp_dir, "restored.png", NULL);
  g_autoptr(GFile) export_file = g_file_new_for_path (export_path);
  ImpAutosaveInfo info = { 0 };
  g_autoptr(GError) error = NULL;
  ImpImage *autosaved = NULL;
  ImpWindow *window;
  gpointer weak;
  const ImpImage *result;
  guint width, height;

  set_run_settings (100000, 1);
  g_assert_false (imp_autosave_exists ());
  window = open_window ();
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  g_assert_true (gui_test_poll_until (autosave_there, NULL, 30));
  /* Written while painting, not at the end. */
  g_assert_true (imp_run_controller_get_running (window->controller));
  g_assert_true (imp_autosave_load (&info, &autosaved, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (info.n_iterations, ==, 100000);
  g_assert_cmpuint (info.iteration, >=, 1);
  g_assert_cmpuint (info.iteration, <, info.n_iterations);
  g_assert_true (g_str_has_suffix (info.content_path, "astronaut.jpg"));
  g_assert_true (g_str_has_suffix (info.style_path, "scream.jpg"));
  g_assert_cmpint (info.time, >, 0);
  g_assert_cmpuint (MAX (autosaved->width, autosaved->height), <=, OUTPUT_SIZE);
  imp_autosave_info_clear (&info);
  g_clear_pointer (&autosaved, imp_image_free);

  /* The crash: the window goes without close-request. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.stop", NULL);
  g_assert_true (gui_test_poll_until (not_running, window, 30));
  weak = window;
  g_object_add_weak_pointer (G_OBJECT (window), &weak);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (gui_test_poll_until (is_null, &weak, 10));
  g_assert_true (imp_autosave_exists ());
  g_assert_true (imp_autosave_load (&info, &autosaved, &error));
  imp_autosave_info_clear (&info);
  width = autosaved->width;
  height = autosaved->height;
  g_clear_pointer (&autosaved, imp_image_free);

  window = open_window ();
  g_assert_cmpstr (adw_toast_get_title (window->last_toast), ==, "A painting from the last session was kept");
  g_assert_null (imp_run_controller_get_result (window->controller));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.restore-autosave", NULL);
  result = imp_run_controller_get_result (window->controller);
  g_assert_nonnull (result);
  g_assert_cmpuint (result->width, ==, width);
  g_assert_cmpuint (result->height, ==, height);
  g_assert_true (window->unsaved);
  g_assert_true (imp_preview_get_texture (window->preview)
                 == imp_run_controller_get_result_texture (window->controller));

  /* Exported: the autosave has done its job. */
  saved = FALSE;
  imp_window_save_image (window, export_file);
  g_assert_true (gui_test_poll_until (is_saved, NULL, 20));
  g_assert_no_error (saved_error);
  g_assert_true (g_file_test (export_path, G_FILE_TEST_IS_REGULAR));
  g_assert_false (imp_autosave_exists ());
  close_and_check_gone (window);
  g_remove (export_path);
}

static char *
file_checksum (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

static gboolean
well_has_file (gpointer data)
{
  ImpImageWell *well = data;

  return !imp_image_well_get_loading (well) && imp_image_well_get_file (well) != NULL
         && g_str_has_prefix (g_file_peek_path (imp_image_well_get_file (well)), tmp_dir);
}

/* Saving onto an input image, under its own name or another one, is refused
 * and the file stays as it was; the painting stays to be saved elsewhere. */
static void
test_export_onto_input_refused (void)
{
  g_autofree char *source = g_build_filename (g_getenv ("IMPASTO_TEST_IMAGES"), "tubingen.jpg", NULL);
  g_autofree char *copy = g_build_filename (tmp_dir, "content.jpg", NULL);
  g_autofree char *link = g_build_filename (tmp_dir, "link.jpg", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GFile) copy_file = NULL;
  g_autoptr(GFile) link_file = NULL;
  ImpImageWell *content;
  ImpWindow *window;
  gsize length = 0;
  GFile *targets[2];

  g_assert_true (g_file_get_contents (source, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (copy, contents, length, NULL));
  g_assert_cmpint (symlink (copy, link), ==, 0);
  copy_file = g_file_new_for_path (copy);
  link_file = g_file_new_for_path (link);
  before = file_checksum (copy);

  window = open_window ();
  content = window->content_well;
  imp_image_well_load_file (content, copy_file);
  g_assert_true (gui_test_poll_until (well_has_file, content, 20));
  /* Any result will do: the check comes before the image is looked at. */
  imp_run_controller_set_result (window->controller, imp_image_new (8, 8));

  targets[0] = copy_file;
  targets[1] = link_file;
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      saved = FALSE;
      imp_window_save_image (window, targets[i]);
      g_assert_true (gui_test_poll_until (is_saved, NULL, 20));
      g_assert_error (saved_error, G_IO_ERROR, G_IO_ERROR_EXISTS);
      g_assert_nonnull (strstr (adw_toast_get_title (window->last_toast), "input images"));
      after = file_checksum (copy);
      g_assert_cmpstr (before, ==, after);
      g_clear_pointer (&after, g_free);
    }
  /* The sample style image too, wherever it lives. */
  saved = FALSE;
  imp_window_save_image (window, imp_image_well_get_file (window->style_well));
  g_assert_true (gui_test_poll_until (is_saved, NULL, 20));
  g_assert_error (saved_error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_nonnull (imp_run_controller_get_result (window->controller));

  gtk_window_destroy (GTK_WINDOW (window));
  g_remove (link);
  g_remove (copy);
}

/* Opens the FIFO curl reads once curl has it open; -1 after @timeout_s. */
static int
open_fifo_writer (const char *path,
                  double      timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64) (timeout_s * GUI_TEST_SLOWDOWN * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < end)
    {
      int fd = open (path, O_WRONLY | O_NONBLOCK);

      if (fd >= 0)
        {
          fcntl (fd, F_SETFL, 0);
          return fd;
        }
      g_assert_cmpint (errno, ==, ENXIO);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  return -1;
}

/* A tenth of the download through the FIFO, then the writer waits. */
static void
feed_tenth (int fd)
{
  gsize left = IMP_WEIGHTS_DOWNLOAD_SIZE / 10;
  g_autofree char *chunk = g_malloc0 (65536);

  while (left > 0)
    {
      ssize_t n = write (fd, chunk, MIN (left, 65536));

      g_assert_cmpint (n, >, 0);
      left -= n;
    }
}

static gboolean
progress_shown (gpointer data)
{
  return imp_weights_page_get_fraction (IMP_WINDOW (data)->weights_page) >= 0.09;
}

static gboolean
download_ended (gpointer data)
{
  return imp_weights_page_get_message (IMP_WINDOW (data)->weights_page) != NULL;
}

/* No weights anywhere: the window shows the weights page; its download runs
 * weights/fetch, which fails offline with a clear message, and Cancel ends a
 * download that hangs. */
static void
test_weights_missing (void)
{
  g_autofree char *saved_weights = g_strdup (g_getenv ("IMPASTO_WEIGHTS"));
  g_autofree char *missing = g_build_filename (tmp_dir, "no-such-weights.safetensors", NULL);
  g_autofree char *cache = imp_autosave_get_dir ();
  g_autofree char *fifo = g_build_filename (tmp_dir, "hanging.h5", NULL);
  g_autofree char *fifo_url = g_strconcat ("file://", fifo, NULL);
  g_autofree char *script = imp_weights_download_find_script ();
  g_autofree char *elsewhere = NULL;
  g_autofree char *part = g_build_filename (g_get_user_cache_dir (), "impasto", "hanging.h5.part", NULL);
  int fd = -1;
  ImpWindow *window;
  const char *message;
  gint64 start;

  g_setenv ("IMPASTO_WEIGHTS", missing, TRUE);
  /* The XDG folders are this test's empty ones; an install or the build tree may still have them. */
  elsewhere = imp_weights_find (NULL, NULL);
  if (elsewhere != NULL)
    {
      g_setenv ("IMPASTO_WEIGHTS", saved_weights, TRUE);
      g_test_skip_printf ("weights are installed where every lookup finds them: %s", elsewhere);
      return;
    }
  window = imp_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  /* The test's own folders, not the user's. */
  g_assert_true (g_str_has_prefix (cache, xdg_dir));
  g_assert_null (window->weights_path);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->main_stack), ==, "weights");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  g_assert_false (imp_run_controller_get_running (window->controller));

  if (script == NULL)
    {
      g_test_message ("weights/fetch not found: the download is not tried");
      goto out;
    }

  /* Offline: a file:// address that does not exist fails like a lost network. */
  g_setenv ("IMPASTO_WEIGHTS_URL", "file:///nonexistent/impasto/vgg19.h5", TRUE);
  gtk_widget_activate_action (GTK_WIDGET (window->weights_page), "weights.download", NULL);
  g_assert_true (gui_test_poll_until (download_ended, window, 60));
  message = imp_weights_page_get_message (window->weights_page);
  g_test_message ("download message: %s", message);
  g_assert_true (g_str_has_prefix (message, "The weights could not be downloaded: "));
  g_assert_nonnull (strstr (message, "choose a weights file"));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->main_stack), ==, "weights");
  g_assert_null (window->weights_path);

  /* A download that stalls after a tenth (curl reads a FIFO): the bar shows
   * the tenth, and Cancel ends it promptly. */
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_setenv ("IMPASTO_WEIGHTS_URL", fifo_url, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (window->weights_page), "weights.download", NULL);
  g_assert_cmpfloat (imp_weights_page_get_fraction (window->weights_page), ==, 0);
  fd = open_fifo_writer (fifo, 20);
  g_assert_cmpint (fd, >=, 0);
  feed_tenth (fd);
  g_assert_true (gui_test_poll_until (progress_shown, window, 20));
  g_assert_cmpfloat (imp_weights_page_get_fraction (window->weights_page), <=, 0.11);
  g_assert_null (imp_weights_page_get_message (window->weights_page));
  start = g_get_monotonic_time ();
  gtk_widget_activate_action (GTK_WIDGET (window->weights_page), "weights.cancel", NULL);
  g_assert_true (gui_test_poll_until (download_ended, window, 10));
  g_test_message ("cancel took %.0f ms", (g_get_monotonic_time () - start) / 1000.0);
  g_assert_nonnull (strstr (imp_weights_page_get_message (window->weights_page), "cancelled"));
  close (fd);
  g_remove (fifo);
  /* Kept for a resume, as weights/fetch does. */
  g_assert_true (g_file_test (part, G_FILE_TEST_IS_REGULAR));
  g_remove (part);

out:
  g_unsetenv ("IMPASTO_WEIGHTS_URL");
  g_setenv ("IMPASTO_WEIGHTS", saved_weights, TRUE);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  int status;

  xdg_dir = gui_test_set_xdg_dirs ();
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  if (!gui_test_have_environment ())
    {
      g_test_add_func ("/gui/lost-work/environment", gui_test_skipped);
      status = g_test_run ();
      gui_test_remove_xdg_dirs (xdg_dir);
      return status;
    }
  tmp_dir = g_dir_make_tmp ("impasto-lost-work-XXXXXX", NULL);

  g_test_add_func ("/gui/lost-work/weights-missing", test_weights_missing);
  g_test_add_func ("/gui/lost-work/close-asks", test_close_asks);
  g_test_add_func ("/gui/lost-work/close-while-running-asks", test_close_while_running_asks);
  g_test_add_func ("/gui/lost-work/autosave-restore", test_autosave_restore);
  g_test_add_func ("/gui/lost-work/export-onto-input-refused", test_export_onto_input_refused);
  status = g_test_run ();

  g_clear_error (&saved_error);
  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  gui_test_remove_xdg_dirs (xdg_dir);
  g_free (xdg_dir);
  return status;
}
