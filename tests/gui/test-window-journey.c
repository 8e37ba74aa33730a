/* test-window-journey.c: the window as a new user meets it: layout at small
 * sizes, a result that no longer matches the images, the loss plot, the
 * keyboard, where saving goes, messages about bad files, coarse-to-fine runs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One window goes through the tests in order. Keys are driven through the
 * window's own shortcut controllers and key-binding signals (what a key press
 * runs); IMPASTO_GUI_SHOTS=DIR also renders the window at each size there.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "gui-test-util.h"
#include "imp-export.h"
#include "imp-window-private.h"

static ImpWindow *window;
static char      *tmp_dir;
static gboolean   saved;

/* Lets GTK lay out and draw for @ms milliseconds. */
static void
settle (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
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

static gboolean
has_progress_at (gpointer data)
{
  ImpProgress progress;

  return imp_run_controller_get_progress (window->controller, &progress)
         && progress.iteration >= GPOINTER_TO_UINT (data);
}

static gboolean
at_scale (gpointer data)
{
  ImpProgress progress;

  return imp_run_controller_get_progress (window->controller, &progress)
         && progress.scale >= GPOINTER_TO_UINT (data);
}

static void
on_saved (ImpWindow    *win,
          GFile        *file,
          const GError *error,
          gpointer      data)
{
  g_assert_no_error (error);
  saved = TRUE;
}

static void
drop_file (ImpImageWell *well,
           const char   *path)
{
  g_assert_true (gui_test_drop_file (well, path));
  g_assert_true (gui_test_poll_until (gui_test_well_idle_with_image, well, 20));
}

static void
set_run (const char *preset,
         guint       size,
         guint       iterations)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  if (preset != NULL)
    g_settings_set_string (settings, "preset", preset);
  g_settings_set_uint (settings, "size", size);
  g_settings_set_uint (settings, "iterations", iterations);
}

static void
run_to_end (void)
{
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  g_assert_true (imp_run_controller_get_running (window->controller));
  g_assert_true (gui_test_poll_until (not_running, NULL, 120));
  g_assert_nonnull (imp_run_controller_get_result (window->controller));
}

static void
stop_run (void)
{
  gtk_widget_activate_action (GTK_WIDGET (window), "win.stop", NULL);
  g_assert_true (gui_test_poll_until (not_running, NULL, 30));
}

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_descendant (c, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GdkTexture *
render (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  return gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                      node, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

static void wait_for_paint (void);

/* Rendering the window by hand right after a resize may meet a header bar
 * between allocations; the pictures are for looking at only. */
static gboolean
tolerate_snapshot_warning (const char     *log_domain,
                           GLogLevelFlags  log_level,
                           const char     *message,
                           gpointer        data)
{
  return strstr (message, "without a current allocation") == NULL;
}

static void
maybe_shoot (const char *name)
{
  const char *dir = g_getenv ("IMPASTO_GUI_SHOTS");
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;

  if (dir == NULL)
    return;
  wait_for_paint ();
  g_test_log_set_fatal_handler (tolerate_snapshot_warning, NULL);
  texture = render (GTK_WIDGET (window));
  g_test_log_set_fatal_handler (NULL, NULL);
  path = g_build_filename (dir, name, NULL);
  gdk_texture_save_to_png (texture, path);
}

static gboolean
painted (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_after_paint (GdkFrameClock *clock,
                gboolean      *flag)
{
  *flag = TRUE;
}

/* Until the window has drawn itself once more: laid out at its new size. */
static void
wait_for_paint (void)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  gboolean done = FALSE;
  gulong id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &done);

  gtk_widget_queue_draw (GTK_WIDGET (window));
  g_assert_true (gui_test_poll_until (painted, &done, 10));
  g_signal_handler_disconnect (clock, id);
}

static void
resize (int width,
        int height)
{
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  settle (300);
  wait_for_paint ();
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, width);
}

/* @widget lies wholly inside the window, at its full natural width or more. */
static void
assert_unclipped (GtkWidget  *widget,
                  const char *what)
{
  graphene_rect_t bounds;
  int min_width;
  int window_width = gtk_widget_get_width (GTK_WIDGET (window));
  int window_height = gtk_widget_get_height (GTK_WIDGET (window));

  g_assert_true (gtk_widget_get_mapped (widget));
  g_assert_true (gtk_widget_compute_bounds (widget, GTK_WIDGET (window), &bounds));
  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  g_test_message ("%s at %.0f,%.0f %.0f x %.0f in %d x %d", what, bounds.origin.x, bounds.origin.y,
                  bounds.size.width, bounds.size.height, window_width, window_height);
  g_assert_cmpfloat (bounds.origin.x, >=, 0);
  g_assert_cmpfloat (bounds.origin.y, >=, 0);
  g_assert_cmpfloat (bounds.origin.x + bounds.size.width, <=, window_width);
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, window_height);
  /* The measure counts the margins, the bounds do not. */
  g_assert_cmpfloat (bounds.size.width, >=,
                     min_width - gtk_widget_get_margin_start (widget) - gtk_widget_get_margin_end (widget));
}

static void
assert_canvas_unclipped (void)
{
  PangoLayout *layout = gtk_label_get_layout (window->status_label);

  assert_unclipped (window->preview_buttons, "zoom buttons");
  assert_unclipped (GTK_WIDGET (window->progress_bar), "progress bar");
  assert_unclipped (GTK_WIDGET (window->status_label), "progress line");
  assert_unclipped (GTK_WIDGET (window->loss_plot), "loss plot");
  assert_unclipped (GTK_WIDGET (window->stop_button), "Stop");
  /* The line chose a form that fits: nothing cut off with an ellipsis. */
  g_test_message ("progress line: %s", gtk_label_get_label (window->status_label));
  g_assert_false (pango_layout_is_ellipsized (layout));
}

static void
test_open (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  g_settings_set_uint (settings, "autosave-interval", 0);
  set_run ("best", 48, 4);
  window = imp_window_new (NULL);
  g_signal_connect (window, "image-saved", G_CALLBACK (on_saved), NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 760);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gui_test_poll_until (gui_test_well_idle_with_image, window->content_well, 20));
  g_assert_true (gui_test_poll_until (gui_test_well_idle_with_image, window->style_well, 20));
  /* Extras: the title names both pictures. */
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "astronaut.jpg + scream.jpg – Impasto");
}

/* 2: 800 x 600 and 640 x 480 during a run clip nothing; a narrow window
 * folds the sidebar (F9 shows it); the window cannot shrink to a sliver. */
static void
test_layout (void)
{
  int min_width, min_height;

  set_run ("best", 256, 100000);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  g_assert_true (gui_test_poll_until (has_progress_at, GUINT_TO_POINTER (2), 60));

  resize (800, 600);
  g_assert_false (adw_flap_get_folded (window->flap));
  assert_canvas_unclipped ();
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window->preview)), >=, 300);
  maybe_shoot ("journey-800x600.png");

  resize (640, 480);
  assert_canvas_unclipped ();
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (window->preview)), >=, 150);
  maybe_shoot ("journey-640x480.png");

  /* Narrower: the sidebar folds away, the painting keeps the window. */
  resize (480, 480);
  g_assert_true (adw_flap_get_folded (window->flap));
  g_assert_false (adw_flap_get_reveal_flap (window->flap));
  assert_canvas_unclipped ();
  maybe_shoot ("journey-480x480.png");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-sidebar", NULL);
  g_assert_true (adw_flap_get_reveal_flap (window->flap));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-sidebar", NULL);
  g_assert_false (adw_flap_get_reveal_flap (window->flap));

  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_VERTICAL, min_width, &min_height, NULL, NULL, NULL);
  g_test_message ("minimum size %d x %d", min_width, min_height);
  g_assert_cmpint (min_width, >=, 360);
  g_assert_cmpint (min_height, >=, 400);
  g_assert_cmpint (min_width, <=, 480);
  g_assert_cmpint (min_height, <=, 480);

  stop_run ();
  resize (1100, 760);
}

/* 3: a new content image after a run marks the painting as from the old one,
 * and compare shows the photo it was painted from. */
static void
test_stale_result (void)
{
  g_autofree char *tubingen = gui_test_image ("tubingen.jpg");
  g_autoptr(GdkTexture) old_content = g_object_ref (imp_image_well_get_texture (window->content_well));
  GdkTexture *result;
  const char *note;

  set_run ("best", 48, 3);
  run_to_end ();
  result = imp_run_controller_get_result_texture (window->controller);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window->stale_label)));

  drop_file (window->content_well, tubingen);
  g_assert_true (imp_preview_get_texture (window->preview) == result);
  g_assert_true (imp_preview_get_compare_texture (window->preview) == old_content);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->stale_label)));
  note = gtk_label_get_label (window->stale_label);
  g_test_message ("%s", note);
  g_assert_nonnull (strstr (note, "astronaut.jpg"));
  g_assert_nonnull (strstr (note, "tubingen.jpg"));

  /* A new run paints the new photo: the mark goes. */
  run_to_end ();
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window->stale_label)));
  g_assert_true (imp_preview_get_compare_texture (window->preview)
                 == imp_image_well_get_texture (window->content_well));
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

/* 3 and 7: a size typed during a run raises no dialog; Keep Painting puts
 * the size back to the run's, so the result and the controls agree. */
static void
test_keep_run (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  const ImpImage *result;

  set_run ("best", 48, 100000);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  g_assert_true (gui_test_poll_until (has_progress_at, GUINT_TO_POINTER (1), 60));

  /* What an arrow key on Output size does, twice. */
  g_settings_set_uint (settings, "size", 49);
  g_settings_set_uint (settings, "size", 50);
  g_assert_null (find_dialog ());
  g_assert_true (gtk_revealer_get_reveal_child (window->restart_revealer));
  g_assert_true (imp_run_controller_get_running (window->controller));

  gtk_widget_activate_action (GTK_WIDGET (window), "win.keep-run", NULL);
  g_assert_false (gtk_revealer_get_reveal_child (window->restart_revealer));
  g_assert_cmpuint (g_settings_get_uint (settings, "size"), ==, 48);
  g_assert_true (imp_run_controller_get_running (window->controller));
  stop_run ();
  result = imp_run_controller_get_result (window->controller);
  g_assert_cmpuint (MAX (result->width, result->height), ==, g_settings_get_uint (settings, "size"));
}

/* 10 and 6: the progress names the scale; a coarse stage is drawn at its own
 * size; the plot marks where the picture grew; a stop at a coarse scale says
 * so and Finish It goes on from there. */
static void
test_coarse_to_fine (void)
{
  ImpProgress stopped, resumed;
  guint side = 0, marker;

  set_run ("best", 256, 45);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  g_assert_true (gui_test_poll_until (has_progress_at, GUINT_TO_POINTER (2), 60));
  settle (100);
  g_test_message ("progress line: %s", gtk_label_get_label (window->status_label));
  g_assert_true (g_str_has_prefix (gtk_label_get_label (window->status_label), "Scale 1 of 3 · 128 px"));
  g_assert_true (imp_preview_get_coarse (window->preview));
  /* The preview is far larger than 128 px: a stretched stage would be > 1. */
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (window->preview)), >, 256);
  g_assert_cmpfloat (imp_preview_get_shown_zoom (window->preview), <=, 1.0);

  stop_run ();
  g_assert_true (imp_run_controller_get_progress (window->controller, &stopped));
  g_assert_cmpuint (stopped.scale, ==, 0);
  g_test_message ("%s / %s", gtk_label_get_label (window->status_label),
                  adw_toast_get_title (window->last_toast));
  g_assert_nonnull (strstr (gtk_label_get_label (window->status_label), "coarse"));
  g_assert_nonnull (strstr (adw_toast_get_title (window->last_toast), "coarse scale"));
  g_assert_cmpstr (adw_toast_get_action_name (window->last_toast), ==, "win.finish-run");
  g_assert_true (imp_run_controller_get_can_resume (window->controller));

  /* Finish It goes on from the stopped iteration, into the next scale. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.finish-run", NULL);
  g_assert_true (imp_run_controller_get_running (window->controller));
  g_assert_true (gui_test_poll_until (at_scale, GUINT_TO_POINTER (1), 120));
  g_assert_true (imp_run_controller_get_progress (window->controller, &resumed));
  g_assert_cmpuint (resumed.iteration, >, stopped.iteration);
  settle (100);
  marker = imp_loss_plot_get_marker (window->loss_plot, 0, &side);
  g_assert_cmpuint (marker, >, stopped.iteration);
  g_assert_cmpuint (marker, <=, resumed.iteration);
  g_assert_cmpuint (side, ==, 181);
  g_assert_cmpuint (imp_loss_plot_get_marker (window->loss_plot, 1, NULL), ==, G_MAXUINT);
  maybe_shoot ("journey-scale-2.png");
  stop_run ();
}

/* 6: the legend has its own row: no curve is drawn through it. */
static void
test_plot_legend_apart (void)
{
  g_autoptr(GdkTexture) plot = render (GTK_WIDGET (window->loss_plot));
  int w = gdk_texture_get_width (plot), h = gdk_texture_get_height (plot);
  g_autofree guchar *pixels = g_malloc ((gsize) w * h * 4);
  guint blue_in_plot = 0;

  gdk_texture_download (plot, pixels, (gsize) w * 4);
  g_assert_cmpuint (imp_loss_plot_get_n_points (window->loss_plot), >=, 2);
  /* The total's blue (53, 132, 228) appears below the legend row, where the
   * curve runs; in the legend only as its short sample line on the right. */
  for (int y = 20; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const guchar *p = pixels + ((gsize) y * w + x) * 4;   /* BGRA premultiplied */

        if (abs (p[2] - 53) < 20 && abs (p[1] - 132) < 20 && abs (p[0] - 228) < 20)
          blue_in_plot++;
      }
  g_test_message ("%u blue pixels in the plotting area", blue_in_plot);
  g_assert_cmpuint (blue_in_plot, >, 20);
}

static GtkShortcutAction *
find_shortcut (GtkWidget  *widget,
               const char *trigger)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          g_autofree char *text = gtk_shortcut_trigger_to_string (gtk_shortcut_get_trigger (shortcut));

          if (g_str_equal (text, trigger))
            return gtk_shortcut_get_action (shortcut);
        }
    }
  return NULL;
}

static void
press (const char *trigger)
{
  GtkShortcutAction *action = find_shortcut (GTK_WIDGET (window), trigger);

  g_assert_nonnull (action);
  g_assert_true (gtk_shortcut_action_activate (action, 0, GTK_WIDGET (window), NULL));
}

static gboolean
well_named (gpointer data)
{
  ImpImageWell *well = data;
  const char *want = g_object_get_data (G_OBJECT (well), "want");

  return !imp_image_well_get_loading (well) && g_strcmp0 (imp_image_well_get_name (well), want) == 0;
}

/* 7: Enter on a sample; Ctrl+V and Shift+Ctrl+V paste into the wells; the
 * round buttons over the painting show where the focus is. */
static void
test_keyboard (void)
{
  GtkWidget *samples_button = find_descendant (GTK_WIDGET (window->content_well), GTK_TYPE_MENU_BUTTON);
  GtkFlowBox *samples;
  GtkFlowBoxChild *cat = NULL;
  g_autoptr(GdkTexture) clip = NULL;
  gboolean handled = FALSE;

  gtk_menu_button_popup (GTK_MENU_BUTTON (samples_button));
  settle (100);
  samples = GTK_FLOW_BOX (find_descendant (samples_button, GTK_TYPE_FLOW_BOX));
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (samples)); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (g_strcmp0 (gtk_widget_get_tooltip_text (c), "Cat") == 0)
      cat = GTK_FLOW_BOX_CHILD (c);
  g_assert_nonnull (cat);
  /* Tab into the gallery, Right to the cat, Enter: the flow box's key
   * bindings are move-cursor and activate-cursor-child. */
  g_assert_true (gtk_widget_child_focus (GTK_WIDGET (samples), GTK_DIR_TAB_FORWARD));
  g_signal_emit_by_name (samples, "move-cursor", GTK_MOVEMENT_VISUAL_POSITIONS, 1, FALSE, FALSE, &handled);
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (cat)));
  g_signal_emit_by_name (samples, "activate-cursor-child");
  g_object_set_data (G_OBJECT (window->content_well), "want", (gpointer) "chelsea.jpg");
  g_assert_true (gui_test_poll_until (well_named, window->content_well, 20));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (samples_button)))));

  clip = g_object_ref (imp_image_well_get_texture (window->style_well));
  gdk_clipboard_set_texture (gtk_widget_get_clipboard (GTK_WIDGET (window)), clip);
  press ("<Control>v");
  g_object_set_data (G_OBJECT (window->content_well), "want", (gpointer) "Pasted image");
  g_assert_true (gui_test_poll_until (well_named, window->content_well, 20));
  g_assert_cmpint (gdk_texture_get_width (imp_image_well_get_texture (window->content_well)), ==,
                   gdk_texture_get_width (clip));
  gdk_clipboard_set_texture (gtk_widget_get_clipboard (GTK_WIDGET (window)),
                             imp_image_well_get_texture (window->content_well));
  press ("<Shift><Control>v");
  g_object_set_data (G_OBJECT (window->style_well), "want", (gpointer) "Pasted image");
  g_assert_true (gui_test_poll_until (well_named, window->style_well, 20));

  /* Tab to the compare button: a clear ring, not a faint one. */
  {
    GtkWidget *button = GTK_WIDGET (window->compare_button);
    g_autoptr(GdkTexture) plain = NULL, focused = NULL;
    g_autofree guchar *a = NULL, *b = NULL;
    /* The ring lies outside the button: render what is around it too. */
    GtkWidget *box = gtk_widget_get_parent (window->preview_buttons);
    int w, h;
    guint changed = 0;

    gtk_window_set_focus (GTK_WINDOW (window), NULL);
    settle (500);
    plain = render (box);
    gtk_widget_grab_focus (button);
    gtk_window_set_focus_visible (GTK_WINDOW (window), TRUE);
    /* Past the theme's fade-in of focus rings. */
    settle (500);
    g_assert_true (gtk_widget_has_visible_focus (button));
    focused = render (box);
    if (g_getenv ("IMPASTO_GUI_SHOTS") != NULL)
      {
        g_autofree char *p1 = g_build_filename (g_getenv ("IMPASTO_GUI_SHOTS"), "journey-unfocused.png", NULL);
        g_autofree char *p2 = g_build_filename (g_getenv ("IMPASTO_GUI_SHOTS"), "journey-focused.png", NULL);

        gdk_texture_save_to_png (plain, p1);
        gdk_texture_save_to_png (focused, p2);
      }
    w = gdk_texture_get_width (plain);
    h = gdk_texture_get_height (plain);
    a = g_malloc ((gsize) w * h * 4);
    b = g_malloc ((gsize) w * h * 4);
    gdk_texture_download (plain, a, (gsize) w * 4);
    gdk_texture_download (focused, b, (gsize) w * 4);
    /* Pixels that turned the accent blue (#3584e4): the theme's own ring is
     * a faint white one, which this does not count. */
    for (gsize i = 0; i < (gsize) w * h; i++)
      {
        const guchar *p = a + 4 * i, *q = b + 4 * i;   /* BGRA */
        gboolean was_blue = p[0] > 150 && p[0] > p[2] + 80;
        gboolean is_blue = abs (q[2] - 53) < 40 && abs (q[1] - 132) < 40 && abs (q[0] - 228) < 40;

        if (is_blue && !was_blue)
          changed++;
      }
    g_test_message ("focus ring: %u pixels turned the accent color", changed);
    g_assert_cmpuint (changed, >, 250);
  }
}

/* 8: the next save dialog opens where the last save went; without it, in
 * Pictures or home; the Saved toast offers Show in Folder. */
static void
test_save_folder (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *folder = g_build_filename (tmp_dir, "paintings", NULL);
  g_autofree char *path = g_build_filename (folder, "kept.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) opens = NULL;
  g_autoptr(GFile) fallback = NULL;
  g_autofree char *uri = g_file_get_uri (file);
  GVariant *target;

  g_settings_reset (settings, "last-save-folder");
  g_settings_reset (settings, "default-folder");
  fallback = imp_export_get_save_folder (settings);
  g_assert_true (g_file_query_exists (fallback, NULL));
  if (g_get_user_special_dir (G_USER_DIRECTORY_PICTURES) == NULL
      || !g_file_test (g_get_user_special_dir (G_USER_DIRECTORY_PICTURES), G_FILE_TEST_IS_DIR))
    g_assert_cmpstr (g_file_peek_path (fallback), ==, g_get_home_dir ());

  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  saved = FALSE;
  imp_window_save_image (window, file);
  g_assert_true (gui_test_poll_until (is_saved, NULL, 20));
  opens = imp_export_get_save_folder (settings);
  g_assert_cmpstr (g_file_peek_path (opens), ==, folder);

  g_assert_cmpstr (adw_toast_get_button_label (window->last_toast), ==, "Show in _Folder");
  g_assert_cmpstr (adw_toast_get_action_name (window->last_toast), ==, "win.show-in-folder");
  target = adw_toast_get_action_target_value (window->last_toast);
  g_assert_cmpstr (g_variant_get_string (target, NULL), ==, uri);

  /* The folder went away: back to the fallback, not a dead path. */
  g_remove (path);
  g_rmdir (folder);
  g_clear_object (&opens);
  opens = imp_export_get_save_folder (settings);
  g_assert_true (g_file_equal (opens, fallback));
}

/* 9: a text file named fake.png: one sentence naming it and what it is; the
 * picture before stays. */
static void
test_bad_file (void)
{
  g_autofree char *fake = g_build_filename (tmp_dir, "fake.png", NULL);
  const char *before = NULL;
  const char *message;
  g_autofree char *kept = NULL;

  g_assert_true (g_file_set_contents (fake, "This is not a picture.\n", -1, NULL));
  kept = g_strdup (imp_image_well_get_name (window->content_well));
  before = kept;
  drop_file (window->content_well, fake);
  message = adw_toast_get_title (window->last_toast);
  g_test_message ("%s", message);
  g_assert_cmpstr (message, ==, "“fake.png” is not an image: it is a plain text document.");
  g_assert_cmpstr (imp_image_well_get_name (window->content_well), ==, before);
  g_remove (fake);

  /* A file that went away between choosing and reading. */
  drop_file (window->content_well, fake);
  g_assert_cmpstr (adw_toast_get_title (window->last_toast), ==, "“fake.png” no longer exists.");
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *xdg_dir = gui_test_set_xdg_dirs ();
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  if (!gui_test_have_environment ())
    {
      g_test_add_func ("/gui/journey/environment", gui_test_skipped);
      status = g_test_run ();
      gui_test_remove_xdg_dirs (xdg_dir);
      return status;
    }
  tmp_dir = g_dir_make_tmp ("impasto-journey-XXXXXX", NULL);
  /* What the application loads for its windows (the tests have no application). */
  if (g_getenv ("IMPASTO_TEST_NO_CSS") == NULL)
    {
      g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

      gtk_css_provider_load_from_resource (css, "/io/github/impasto/Impasto/style.css");
      gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    }

  g_test_add_func ("/gui/journey/open", test_open);
  g_test_add_func ("/gui/journey/layout-small-windows", test_layout);
  g_test_add_func ("/gui/journey/stale-result-marked", test_stale_result);
  g_test_add_func ("/gui/journey/keep-run-restores-size", test_keep_run);
  g_test_add_func ("/gui/journey/coarse-to-fine", test_coarse_to_fine);
  g_test_add_func ("/gui/journey/plot-legend-apart", test_plot_legend_apart);
  g_test_add_func ("/gui/journey/keyboard", test_keyboard);
  g_test_add_func ("/gui/journey/save-folder", test_save_folder);
  g_test_add_func ("/gui/journey/bad-file-message", test_bad_file);
  status = g_test_run ();

  if (window != NULL)
    gtk_window_destroy (GTK_WINDOW (window));
  g_rmdir (tmp_dir);
  gui_test_remove_xdg_dirs (xdg_dir);
  return status;
}
