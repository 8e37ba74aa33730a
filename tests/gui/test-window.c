/* test-window.c: the real window under Xvfb with the real weights
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tests run in order on one window, as a user would: open it, drop two
 * images, paint at a tiny size, steer the style weight, stop, export. A 5 ms
 * timeout measures how long the main loop is ever kept from running.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <time.h>

#include "gui-find.h"
#include "gui-test-util.h"
#include "imp-window-private.h"

#define RUN_ITERATIONS 400

/* Latency bounds: the window stays responsive (a frame stall under 250 ms) and
 * Stop answers within 2 s, for optimised builds. Sanitizers make every
 * instruction several times slower, so they scale the bounds likewise. */
#define MAX_STALL_MS   (250.0 * GUI_TEST_SLOWDOWN)
#define MAX_STOP_S     (2.0 * GUI_TEST_SLOWDOWN)

static ImpWindow *window;
static guint      output_size = 48;
static double     max_stall_ms;
static gint64     last_tick;
static gint64     last_cpu;
static gboolean   monitoring;
static char      *tmp_dir;

/* Saving: what "image-saved" reported. */
static gboolean   saved;
static GError    *saved_error;

static guint current_iteration (void);

static gboolean
monitor_tick (gpointer data)
{
  gint64 now = g_get_monotonic_time ();
  struct timespec ts;
  gint64 cpu;

  /* CPU time of this thread: tells a busy main loop from a starved one. */
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  cpu = ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;

  if (monitoring && last_tick != 0)
    {
      double gap = (now - last_tick) / 1000.0;

      if (gap > 50 && g_getenv ("IMPASTO_GUI_DEBUG_STALLS") != NULL)
        g_printerr ("stall %.1f ms (%.1f ms on the CPU) at iteration %u, state %u\n", gap,
                    (cpu - last_cpu) / 1000.0, current_iteration (),
                    imp_run_controller_get_state (window->controller));
      max_stall_ms = MAX (max_stall_ms, gap);
    }
  last_tick = now;
  last_cpu = cpu;
  return G_SOURCE_CONTINUE;
}


static gboolean
well_idle (gpointer data)
{
  return !imp_image_well_get_loading (IMP_IMAGE_WELL (data));
}

static guint
current_iteration (void)
{
  ImpProgress progress;

  if (!imp_run_controller_get_progress (window->controller, &progress))
    return 0;
  return progress.iteration;
}

static gboolean
reached_iteration (gpointer data)
{
  return current_iteration () >= GPOINTER_TO_UINT (data);
}

static gboolean
not_running (gpointer data)
{
  return !imp_run_controller_get_running (window->controller);
}

static gboolean
is_saved (gpointer data)
{
  return saved;
}

static void
on_image_saved (ImpWindow    *win,
                GFile        *file,
                const GError *error,
                gpointer      data)
{
  saved = TRUE;
  g_clear_error (&saved_error);
  if (error != NULL)
    saved_error = g_error_copy (error);
}

static gboolean
textures_differ (GdkTexture *a,
                 GdkTexture *b)
{
  int w = gdk_texture_get_width (a), h = gdk_texture_get_height (a);
  g_autofree guchar *pa = NULL, *pb = NULL;

  if (w != gdk_texture_get_width (b) || h != gdk_texture_get_height (b))
    return TRUE;
  pa = g_malloc ((gsize) w * h * 4);
  pb = g_malloc ((gsize) w * h * 4);
  gdk_texture_download (a, pa, (gsize) w * 4);
  gdk_texture_download (b, pb, (gsize) w * 4);
  return memcmp (pa, pb, (gsize) w * h * 4) != 0;
}

static void
test_open (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  g_settings_set_uint (settings, "size", output_size);
  g_settings_set_uint (settings, "iterations", RUN_ITERATIONS);
  /* The user's cache is no place for test paintings (test-lost-work covers autosave). */
  g_settings_set_uint (settings, "autosave-interval", 0);

  window = imp_window_new (NULL);
  g_signal_connect (window, "image-saved", G_CALLBACK (on_image_saved), NULL);
  g_signal_connect (window, "animation-saved", G_CALLBACK (on_image_saved), NULL);
  gtk_window_present (GTK_WINDOW (window));

  g_assert_nonnull (window->weights_path);
  /* The window opens with a sample pair, so Start works at once. */
  g_assert_true (gui_test_wait_until (gui_test_well_idle_with_image, window->content_well, 20));
  g_assert_true (gui_test_wait_until (gui_test_well_idle_with_image, window->style_well, 20));
  g_assert_cmpstr (imp_image_well_get_name (window->content_well), ==, "astronaut.jpg");
  g_assert_cmpstr (imp_image_well_get_name (window->style_well), ==, "scream.jpg");
  /* Before a run the canvas shows the content. */
  g_assert_true (imp_preview_get_texture (window->preview)
                 == imp_image_well_get_texture (window->content_well));
}

static void
check_drop (ImpImageWell *well,
            const char   *name)
{
  g_autofree char *path = gui_test_image (name);
  int width = 0, height = 0;
  const ImpImage *image;

  g_assert_nonnull (gdk_pixbuf_get_file_info (path, &width, &height));
  g_assert_true (gui_test_drop_file (well, path));
  g_assert_true (imp_image_well_get_loading (well));
  g_assert_true (gui_test_wait_until (well_idle, well, 20));
  g_assert_cmpstr (imp_image_well_get_name (well), ==, name);
  image = imp_image_well_get_image (well);
  g_assert_nonnull (image);
  /* Only pictures beyond the well's limit are scaled while decoding. */
  g_assert_cmpint (MAX (width, height), <=, IMP_IMAGE_WELL_MAX_SIDE);
  g_assert_cmpuint (image->width, ==, width);
  g_assert_cmpuint (image->height, ==, height);
}

static void
test_drop (void)
{
  ImpImageWell *content = window->content_well;
  g_autofree char *not_image = gui_test_image ("README.md");

  check_drop (content, "tubingen.jpg");
  check_drop (window->style_well, "starry_night.jpg");

  /* A file that is no image: a message in the window, the picture stays. */
  if (g_file_test (not_image, G_FILE_TEST_IS_REGULAR))
    {
      g_assert_true (gui_test_drop_file (content, not_image));
      g_assert_true (gui_test_wait_until (well_idle, content, 20));
      g_assert_cmpstr (imp_image_well_get_name (content), ==, "tubingen.jpg");
      g_assert_nonnull (adw_toast_get_title (window->last_toast));
      g_assert_true (g_str_has_prefix (adw_toast_get_title (window->last_toast), "“README.md” is not an image"));
    }
}

static void
test_run (void)
{
  ImpRunController *controller = window->controller;
  ImpPreview *preview = window->preview;
  g_autoptr(GdkTexture) before = NULL;
  g_autoptr(GdkTexture) first = NULL;
  GdkTexture *later;
  ImpProgress progress;
  guint iteration;

  before = g_object_ref (imp_preview_get_texture (preview));
  last_tick = 0;
  monitoring = TRUE;
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  g_assert_true (imp_run_controller_get_running (controller));

  g_assert_true (gui_test_wait_until (reached_iteration, GUINT_TO_POINTER (3), 120));
  first = g_object_ref (imp_preview_get_texture (preview));
  g_assert_true (first != before);
  g_assert_cmpuint (MAX (gdk_texture_get_width (first), gdk_texture_get_height (first)), ==, output_size);

  g_assert_true (imp_run_controller_get_progress (controller, &progress));
  g_assert_cmpuint (progress.n_iterations, ==, RUN_ITERATIONS);
  iteration = progress.iteration;
  /* The progress counts the steps done: iteration numbers the loss before a step. */
  g_assert_cmpfloat_with_epsilon (gtk_progress_bar_get_fraction (window->progress_bar),
                                  (double) (iteration + 1) / RUN_ITERATIONS, 1e-9);

  /* The painting forms: a few steps later the canvas shows other pixels. */
  g_assert_true (gui_test_wait_until (reached_iteration, GUINT_TO_POINTER (iteration + 3), 60));
  later = imp_preview_get_texture (preview);
  g_assert_true (textures_differ (first, later));
  g_assert_cmpfloat (gtk_progress_bar_get_fraction (window->progress_bar), >,
                     (double) (iteration + 1) / RUN_ITERATIONS);
  g_assert_cmpuint (imp_loss_plot_get_n_points (window->loss_plot), >=, 2);
}

typedef struct
{
  double style_weight;
} SentWeights;

/* Sent to the engine, and the window has seen a step evaluated with them. */
static gboolean
engine_took_weights (gpointer data)
{
  SentWeights *want = data;
  double style;
  guint applied = 0;

  return imp_run_controller_get_sent_weights (window->controller,
                                              NULL, &style, NULL, &applied)
         && style == want->style_weight && applied > 0 && current_iteration () >= applied;
}

static void
test_steer (void)
{
  ImpRunController *controller = window->controller;
  GtkWidget *slider = gui_find_by_id (GTK_WIDGET (window->params_panel), "style_slider");
  GtkRange *scale = GTK_RANGE (gui_find_by_type (slider, GTK_TYPE_SCALE));
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *name = g_settings_get_string (settings, "preset");
  SentWeights want;
  ImpParams preset;
  ImpProgress before, after;

  g_assert_true (imp_run_controller_get_progress (controller, &before));
  g_assert_true (imp_params_init_preset (&preset, name, NULL));
  g_assert_cmpfloat (g_settings_get_double (settings, "style-strength"), ==, 1.0);

  /* The user drags Style strength from the preset's 1 to its right end, 10. */
  gtk_range_set_value (scale, gtk_adjustment_get_upper (gtk_range_get_adjustment (scale)));
  g_assert_cmpfloat (g_settings_get_double (settings, "style-strength"), ==, 10.0);
  want.style_weight = 10.0 * preset.style_weight;
  g_assert_true (gui_test_wait_until (engine_took_weights, &want, 60));
  g_assert_true (imp_run_controller_get_running (controller));

  /* The engine weighs the style loss 10 times more from then on: the same run,
   * not a restart (the iteration count goes on). */
  g_assert_true (imp_run_controller_get_progress (controller, &after));
  g_assert_cmpuint (after.iteration, >, before.iteration);
  g_test_message ("style loss %g -> %g after the weight change", before.losses.style, after.losses.style);
  g_assert_cmpfloat (after.losses.style, >, 4 * before.losses.style);
}

static void
test_stop (void)
{
  ImpRunController *controller = window->controller;
  gint64 start = g_get_monotonic_time ();
  double stop_s;
  const ImpImage *result;

  gtk_widget_activate_action (GTK_WIDGET (window), "win.stop", NULL);
  g_assert_true (gui_test_wait_until (not_running, NULL, 30));
  stop_s = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  monitoring = FALSE;

  g_test_message ("output %u px: Stop took %.3f s, longest main-loop stall %.1f ms",
                  output_size, stop_s, max_stall_ms);
  g_assert_cmpfloat (stop_s, <, MAX_STOP_S);
  g_assert_cmpfloat (max_stall_ms, <, MAX_STALL_MS);
  /* Stopped early, not finished. */
  g_assert_cmpuint (current_iteration () + 1, <, RUN_ITERATIONS);
  g_assert_false (imp_run_controller_get_completed (controller));

  result = imp_run_controller_get_result (controller);
  g_assert_nonnull (result);
  g_assert_cmpuint (MAX (result->width, result->height), ==, output_size);
  g_assert_true (imp_preview_get_texture (window->preview)
                 == imp_run_controller_get_result_texture (controller));
}

static void
save_and_wait (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  saved = FALSE;
  imp_window_save_image (window, file);
  g_assert_true (gui_test_wait_until (is_saved, NULL, 30));
}

static void
test_export_png (void)
{
  const ImpImage *result = imp_run_controller_get_result (window->controller);
  g_autofree char *path = g_build_filename (tmp_dir, "painting.png", NULL);
  g_autofree guint8 *expected = imp_image_to_rgb8 (result);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;

  save_and_wait (path);
  g_assert_no_error (saved_error);

  pixbuf = gdk_pixbuf_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, result->width);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, result->height);
  g_assert_cmpint (gdk_pixbuf_get_n_channels (pixbuf), >=, 3);
  /* PNG is lossless: the file holds exactly the result's pixels. */
  for (guint y = 0; y < result->height; y++)
    for (guint x = 0; x < result->width; x++)
      {
        const guint8 *p = gdk_pixbuf_get_pixels (pixbuf) + y * gdk_pixbuf_get_rowstride (pixbuf)
                          + x * gdk_pixbuf_get_n_channels (pixbuf);
        const guint8 *q = expected + 3 * ((gsize) y * result->width + x);

        g_assert_cmpmem (p, 3, q, 3);
      }
}

static void
test_export_animation (void)
{
  ImpFrameRecorder *recorder = imp_run_controller_get_recorder (window->controller);
  g_autofree char *path = g_build_filename (tmp_dir, "progress.gif", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GdkPixbufAnimation) animation = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  /* The initial image, some steps and the stopped result at least. */
  g_assert_nonnull (recorder);
  g_assert_cmpuint (imp_frame_recorder_get_n_frames (recorder), >=, 3);

  saved = FALSE;
  imp_window_save_animation (window, file);
  g_assert_true (gui_test_wait_until (is_saved, NULL, 30));
  g_assert_no_error (saved_error);

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 6);
  g_assert_cmpmem (contents, 6, "GIF89a", 6);
  animation = gdk_pixbuf_animation_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_false (gdk_pixbuf_animation_is_static_image (animation));
  g_assert_cmpint (MAX (gdk_pixbuf_animation_get_width (animation),
                        gdk_pixbuf_animation_get_height (animation)), ==, output_size);
}

static void
test_export_unwritable (void)
{
  ImpRunController *controller = window->controller;
  const ImpImage *result = imp_run_controller_get_result (controller);
  g_autofree char *blocker = g_build_filename (tmp_dir, "a-file", NULL);
  g_autofree char *path = g_build_filename (blocker, "painting.png", NULL);
  g_autofree char *elsewhere = g_build_filename (tmp_dir, "elsewhere.png", NULL);

  /* A path under a regular file cannot be written, even by root. */
  g_assert_true (g_file_set_contents (blocker, "x", 1, NULL));
  save_and_wait (path);
  g_assert_nonnull (saved_error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_nonnull (strstr (adw_toast_get_title (window->last_toast), "Could not save"));

  /* Nothing is lost: the same result is still there and saves elsewhere. */
  g_assert_true (imp_run_controller_get_result (controller) == result);
  g_assert_true (imp_preview_get_texture (window->preview)
                 == imp_run_controller_get_result_texture (controller));
  save_and_wait (elsewhere);
  g_assert_no_error (saved_error);
  g_assert_true (g_file_test (elsewhere, G_FILE_TEST_IS_REGULAR));
}

static void
test_run_to_end (void)
{
  ImpRunController *controller = window->controller;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  const ImpImage *result;

  g_settings_set_uint (settings, "iterations", 5);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  g_assert_true (imp_run_controller_get_running (controller));
  g_assert_true (gui_test_wait_until (not_running, NULL, 120));

  g_assert_true (imp_run_controller_get_completed (controller));
  g_assert_cmpuint (current_iteration () + 1, ==, 5);
  g_assert_cmpfloat (gtk_progress_bar_get_fraction (window->progress_bar), ==, 1.0);
  result = imp_run_controller_get_result (controller);
  g_assert_nonnull (result);
  g_assert_cmpuint (MAX (result->width, result->height), ==, output_size);
  /* The initial image, the steps and the result. */
  g_assert_cmpuint (imp_frame_recorder_get_n_frames (imp_run_controller_get_recorder (controller)), ==, 6);
}

/* Loss weights the engine cannot carry (here 1e300, past the sliders through
 * the controller): the run stops at the step that overflows, the window says
 * which weight to lower, and the preview keeps the last good picture. */
static void
test_overflow_keeps_last_frame (void)
{
  ImpRunController *controller = window->controller;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  const ImpImage *result;

  g_settings_set_uint (settings, "iterations", 200);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  g_assert_true (gui_test_wait_until (reached_iteration, GUINT_TO_POINTER (1), 120));
  imp_run_controller_set_loss_weights (controller, 1.0, 1e300, 0.0);
  g_assert_true (gui_test_wait_until (not_running, NULL, 120));

  g_assert_false (imp_run_controller_get_completed (controller));
  g_test_message ("%s", adw_toast_get_title (window->last_toast));
  g_assert_nonnull (strstr (adw_toast_get_title (window->last_toast), "overflow"));
  g_assert_nonnull (strstr (adw_toast_get_title (window->last_toast), "style weight"));
  result = imp_run_controller_get_result (controller);
  g_assert_nonnull (result);
  for (gsize i = 0; i < (gsize) 3 * result->width * result->height; i++)
    g_assert_true (isfinite (result->data[i]) && result->data[i] >= 0.f && result->data[i] <= 255.f);
  g_assert_true (imp_preview_get_texture (window->preview)
                 == imp_run_controller_get_result_texture (controller));
}

/* Two styles blended: the engine gets both with the share of the slider. */
static void
test_blend_two_styles (void)
{
  ImpRunController *controller = window->controller;
  ImpImageWell *style2 = window->style2_well;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GVariant) blend = NULL;
  const double *w;
  gsize n = 0;

  g_assert_true (gui_test_wait_until (gui_test_well_idle_with_image, style2, 20));
  g_assert_cmpstr (imp_image_well_get_name (style2), ==, "starry-night.jpg");
  gtk_check_button_set_active (window->blend_check, TRUE);
  blend = g_settings_get_value (settings, "style-blend");
  w = g_variant_get_fixed_array (blend, &n, sizeof (double));
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpfloat_with_epsilon (w[0] + w[1], 1.0, 1e-9);

  g_settings_set_uint (settings, "iterations", 3);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  g_assert_true (imp_run_controller_get_running (controller));
  g_assert_true (gui_test_wait_until (not_running, NULL, 120));
  g_assert_true (imp_run_controller_get_completed (controller));
  g_assert_nonnull (imp_run_controller_get_result (controller));

  gtk_check_button_set_active (window->blend_check, FALSE);
  g_clear_pointer (&blend, g_variant_unref);
  blend = g_settings_get_value (settings, "style-blend");
  g_assert_cmpuint (g_variant_n_children (blend), ==, 0);
}

/* The default preset (best) paints coarse to fine: the iterations setting and
 * the progress count the iterations of all scales together, and the result
 * has the output size. */
static void
test_coarse_to_fine (void)
{
  ImpRunController *controller = window->controller;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *preset = g_settings_get_string (settings, "preset");
  const ImpImage *result;
  ImpProgress progress;

  g_assert_cmpstr (preset, ==, "best");
  g_settings_set_uint (settings, "size", 160);
  g_settings_set_uint (settings, "iterations", 4);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  g_assert_true (imp_run_controller_get_running (controller));
  g_assert_true (gui_test_wait_until (not_running, NULL, 120));

  g_assert_true (imp_run_controller_get_completed (controller));
  g_assert_true (imp_run_controller_get_progress (controller, &progress));
  g_assert_cmpuint (progress.n_iterations, ==, 4);
  g_assert_cmpuint (progress.iteration, ==, 3);
  g_assert_cmpuint (progress.n_scales, ==, 2);   /* 128 and 160 px */
  g_assert_cmpuint (MAX (progress.width, progress.height), ==, 160);
  g_assert_cmpfloat (gtk_progress_bar_get_fraction (window->progress_bar), ==, 1.0);
  result = imp_run_controller_get_result (controller);
  g_assert_nonnull (result);
  g_assert_cmpuint (MAX (result->width, result->height), ==, 160);
  g_settings_set_uint (settings, "size", output_size);
}

static AdwMessageDialog *
find_dialog (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

static gboolean
painting_at_size (gpointer data)
{
  GdkTexture *frame = imp_run_controller_get_frame (window->controller);

  return frame != NULL
         && (guint) MAX (gdk_texture_get_width (frame), gdk_texture_get_height (frame)) == GPOINTER_TO_UINT (data);
}

/* A new output size needs a new session: a bar over the painting asks (no
 * dialog takes the keyboard); Restart paints at the new size. */
static void
test_restart_on_size (void)
{
  ImpRunController *controller = window->controller;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  guint new_size = output_size - 8;

  g_settings_set_uint (settings, "iterations", RUN_ITERATIONS);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  g_assert_true (gui_test_wait_until (reached_iteration, GUINT_TO_POINTER (1), 120));
  g_assert_false (gtk_revealer_get_reveal_child (window->restart_revealer));

  g_settings_set_uint (settings, "size", new_size);
  g_assert_null (find_dialog ());
  g_assert_true (gtk_revealer_get_reveal_child (window->restart_revealer));
  /* Until the answer, the run goes on at the old size. */
  g_assert_true (imp_run_controller_get_running (controller));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.restart-run", NULL);

  g_assert_true (gui_test_wait_until (painting_at_size, GUINT_TO_POINTER (new_size), 120));
  g_assert_true (imp_run_controller_get_running (controller));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.stop", NULL);
  g_assert_true (gui_test_wait_until (not_running, NULL, 30));
  g_assert_cmpuint (MAX (imp_run_controller_get_result (controller)->width,
                         imp_run_controller_get_result (controller)->height), ==, new_size);
  g_settings_set_uint (settings, "size", output_size);
}

/* Last: closing the window stores its size for the next start. */
static void
test_remembers_size (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  AdwMessageDialog *dialog;
  int width, height;

  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  /* The stopped run's result was not saved: closing asks first. */
  g_assert_true (window->unsaved);
  gtk_window_close (GTK_WINDOW (window));
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "discard");
  gtk_window_destroy (GTK_WINDOW (dialog));
  window = NULL;
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 900);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 640);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));

  window = imp_window_new (NULL);
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 900);
  g_assert_cmpint (height, ==, 640);
}

int
main (int    argc,
      char **argv)
{
  const char *bench_size = g_getenv ("IMPASTO_GUI_BENCH_SIZE");
  /* Discard removes the autosave: never the user's. */
  g_autofree char *xdg_dir = gui_test_set_xdg_dirs ();
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  if (!gui_test_have_environment ())
    {
      g_test_add_func ("/gui/window/environment", gui_test_skipped);
      status = g_test_run ();
      gui_test_remove_xdg_dirs (xdg_dir);
      return status;
    }

  /* The benchmark: the same run at a realistic size (e.g. 512) to report figures. */
  if (bench_size != NULL)
    output_size = atoi (bench_size);
  tmp_dir = g_dir_make_tmp ("impasto-gui-XXXXXX", NULL);
  g_timeout_add (5, monitor_tick, NULL);

  g_test_add_func ("/gui/window/open-with-samples", test_open);
  g_test_add_func ("/gui/window/load-by-drop", test_drop);
  g_test_add_func ("/gui/window/run-preview-progress", test_run);
  g_test_add_func ("/gui/window/steer-style-weight", test_steer);
  g_test_add_func ("/gui/window/stop-keeps-result", test_stop);
  g_test_add_func ("/gui/window/export-png", test_export_png);
  g_test_add_func ("/gui/window/export-animation", test_export_animation);
  g_test_add_func ("/gui/window/export-unwritable", test_export_unwritable);
  g_test_add_func ("/gui/window/run-to-end", test_run_to_end);
  g_test_add_func ("/gui/window/overflow-keeps-last-frame", test_overflow_keeps_last_frame);
  g_test_add_func ("/gui/window/blend-two-styles", test_blend_two_styles);
  g_test_add_func ("/gui/window/coarse-to-fine", test_coarse_to_fine);
  g_test_add_func ("/gui/window/restart-on-size", test_restart_on_size);
  g_test_add_func ("/gui/window/remembers-size", test_remembers_size);
  status = g_test_run ();

  if (window != NULL)
    gtk_window_destroy (GTK_WINDOW (window));
  g_clear_error (&saved_error);
  if (tmp_dir != NULL)
    {
      const char *names[] = { "painting.png", "progress.gif", "a-file", "elsewhere.png" };

      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          g_autofree char *path = g_build_filename (tmp_dir, names[i], NULL);
          g_remove (path);
        }
      g_rmdir (tmp_dir);
    }
  gui_test_remove_xdg_dirs (xdg_dir);
  return status;
}
