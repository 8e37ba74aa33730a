/* impasto-screenshots.c: drives the real window through a run and renders it
 * to data/screenshots/{main-window,painting,painting-800x600,finished}.png
 * (make-screenshots.sh)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-application.h"
#include "imp-params-panel.h"
#include "imp-window-private.h"

typedef enum
{
  WAIT_IMAGES,
  WAIT_PAINTING,
  SHOOT_SMALL,
  WAIT_FINISHED,
  DONE,
} Stage;

static const char *out_dir;
static gboolean inspect;
/* "weights" or "restore": the lost-work views, for looking at only. */
static const char *view;
static Stage stage = WAIT_IMAGES;
static guint settle;

static gboolean
shoot (GtkWidget  *window,
       const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_build_filename (out_dir, name, NULL);
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  /* Between a resize and its allocation there is nothing to draw yet. */
  if (node == NULL)
    return FALSE;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (texture == NULL)
    return FALSE;
  g_print ("%s (%d x %d)\n", path, width, height);
  return gdk_texture_save_to_png (texture, path);
}

static gboolean
images_ready (ImpWindow *window)
{
  ImpImageWell *content = window->content_well;
  ImpImageWell *style = window->style_well;

  return imp_image_well_get_image (content) != NULL && imp_image_well_get_image (style) != NULL
         && !imp_image_well_get_loading (content) && !imp_image_well_get_loading (style);
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

static GtkWindow *
other_window (GtkWindow *main_window)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (l->data != main_window && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

/* Not for data/screenshots: views to look at while working on the window. */
static gboolean
inspect_tick (gpointer data)
{
  static guint step;
  static GtkWindow *other;
  ImpWindow *window = data;
  GApplication *app = g_application_get_default ();

  switch (step++)
    {
    case 10:
      gtk_expander_set_expanded (GTK_EXPANDER (find_descendant (GTK_WIDGET (window), GTK_TYPE_EXPANDER)), TRUE);
      gtk_check_button_set_active (window->blend_check, TRUE);
      break;
    case 13:
      shoot (GTK_WIDGET (window), "inspect-advanced.png");
      g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
      break;
    case 16:
      other = other_window (GTK_WINDOW (window));
      shoot (GTK_WIDGET (other), "inspect-preferences.png");
      gtk_window_destroy (other);
      gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL);
      break;
    case 19:
      other = other_window (GTK_WINDOW (window));
      shoot (GTK_WIDGET (other), "inspect-shortcuts.png");
      gtk_widget_set_visible (GTK_WIDGET (other), FALSE);
      g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
      break;
    case 22:
      other = other_window (GTK_WINDOW (window));
      shoot (GTK_WIDGET (other), "inspect-about.png");
      gtk_window_destroy (other);
      break;
    case 24:
      g_application_quit (app);
      return G_SOURCE_REMOVE;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
tick (gpointer data)
{
  ImpWindow *window = data;
  ImpRunController *controller = window->controller;
  ImpProgress progress;

  /* Let a few frames draw after each change before rendering. */
  if (settle > 0)
    {
      settle--;
      return G_SOURCE_CONTINUE;
    }

  switch (stage)
    {
    case WAIT_IMAGES:
      if (!images_ready (window))
        break;
      shoot (GTK_WIDGET (window), "main-window.png");
      gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
      stage = WAIT_PAINTING;
      break;
    case WAIT_PAINTING:
      if (!imp_run_controller_get_progress (controller, &progress)
          || progress.iteration * 10 < progress.n_iterations * 3
          || !shoot (GTK_WIDGET (window), "painting.png"))
        break;
      /* The same run in a small window: nothing may be clipped. */
      gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
      stage = SHOOT_SMALL;
      settle = 4;
      break;
    case SHOOT_SMALL:
      if (gtk_widget_get_width (GTK_WIDGET (window)) > 800
          || !shoot (GTK_WIDGET (window), "painting-800x600.png"))
        break;
      gtk_window_set_default_size (GTK_WINDOW (window), 1200, 760);
      stage = WAIT_FINISHED;
      break;
    case WAIT_FINISHED:
      if (imp_run_controller_get_running (controller))
        break;
      if (imp_run_controller_get_result (controller) == NULL)
        {
          g_printerr ("The run ended without a result: %s\n",
                      adw_toast_get_title (window->last_toast));
          exit (1);
        }
      stage = DONE;
      settle = 3;
      break;
    case DONE:
    default:
      shoot (GTK_WIDGET (window), "finished.png");
      /* Not close: that asks whether to save the painting. */
      gtk_window_destroy (GTK_WINDOW (window));
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* The weights page, then its download failing (IMPASTO_WEIGHTS_URL points nowhere);
 * or the offer of the last session's autosave, then the restored painting. */
static gboolean
view_tick (gpointer data)
{
  ImpWindow *window = data;
  static guint step;

  switch (step++)
    {
    case 8:
      shoot (GTK_WIDGET (window), g_str_equal (view, "weights") ? "view-weights.png" : "view-restore-offer.png");
      if (g_str_equal (view, "weights"))
        gtk_widget_activate_action (GTK_WIDGET (window->weights_page), "weights.download", NULL);
      else
        gtk_widget_activate_action (GTK_WIDGET (window), "win.restore-autosave", NULL);
      break;
    case 10:
      if (g_str_equal (view, "weights"))
        shoot (GTK_WIDGET (window), "view-weights-downloading.png");
      break;
    case 30:
      shoot (GTK_WIDGET (window), g_str_equal (view, "weights") ? "view-weights-failed.png" : "view-restored.png");
      if (g_str_equal (view, "weights"))
        {
          gtk_window_destroy (GTK_WINDOW (window));
          return G_SOURCE_REMOVE;
        }
      /* The restored painting is unsaved: closing asks. */
      gtk_window_close (GTK_WINDOW (window));
      break;
    case 33:
      shoot (GTK_WIDGET (other_window (GTK_WINDOW (window))), "view-close-dialog.png");
      gtk_window_destroy (GTK_WINDOW (window));
      return G_SOURCE_REMOVE;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static void
on_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  settle = 5;
  g_timeout_add (200, view != NULL ? view_tick : inspect ? inspect_tick : tick, window);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(ImpApplication) app = NULL;
  g_autoptr(GSettings) settings = NULL;

  if (argc < 4)
    {
      g_printerr ("usage: %s OUT-DIR SIZE ITERATIONS [PRESET | inspect | weights | restore]\n", argv[0]);
      return 2;
    }
  out_dir = argv[1];
  inspect = argc > 4 && g_str_equal (argv[4], "inspect");
  if (argc > 4 && (g_str_equal (argv[4], "weights") || g_str_equal (argv[4], "restore")))
    view = argv[4];

  settings = g_settings_new (APP_ID);
  /* A preset first: it sets the size and iterations too. */
  if (argc > 4 && !inspect && view == NULL)
    {
      ImpParams params;

      if (!imp_params_init_preset (&params, argv[4], NULL))
        {
          g_printerr ("Unknown preset %s\n", argv[4]);
          return 2;
        }
      g_settings_set_string (settings, "preset", argv[4]);
      imp_params_to_settings (&params, settings);
    }
  g_settings_set_uint (settings, "size", atoi (argv[2]));
  g_settings_set_uint (settings, "iterations", atoi (argv[3]));
  g_settings_set_int (settings, "window-width", 1200);
  g_settings_set_int (settings, "window-height", 760);
  /* The run leaves no autosave in the user's cache. */
  if (view == NULL)
    g_settings_set_uint (settings, "autosave-interval", 0);

  app = imp_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (app, "activate", G_CALLBACK (on_activate), NULL);
  return g_application_run (G_APPLICATION (app), 1, argv);
}
