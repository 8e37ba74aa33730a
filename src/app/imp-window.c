/* imp-window.c: the main window: images, parameters, the live painting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "imp-progress-text.h"
#include "imp-samples.h"
#include "imp-window-private.h"

G_DEFINE_FINAL_TYPE (ImpWindow, imp_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  IMAGE_SAVED,
  ANIMATION_SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Keys that only weigh the loss: a running session takes them at its next step. */
static const char * const steering_keys[] = {
  "content-strength", "style-strength", "smoothing-strength",
};

static int
text_width (GtkWidget  *label,
            const char *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (label, text);
  int width;

  pango_layout_get_pixel_size (layout, &width, NULL);
  g_object_unref (layout);
  return width;
}

/* The longest progress line that fits under the painting. */
static void
show_progress_text (ImpWindow         *self,
                    const ImpProgress *p)
{
  int available = gtk_widget_get_width (GTK_WIDGET (self->status_label));
  ImpProgressTextLength length = IMP_PROGRESS_TEXT_FULL;
  g_autofree char *text = imp_progress_text_format (p, length);

  self->shown_progress = *p;
  self->showing_progress = TRUE;
  self->fitted_width = available;
  while (length < IMP_PROGRESS_TEXT_TINY && text_width (GTK_WIDGET (self->status_label), text) > available)
    {
      g_free (text);
      text = imp_progress_text_format (p, ++length);
    }
  gtk_label_set_label (self->status_label, text);
}

/* A resized window fits the line again at once, not at the next step. */
static gboolean
refit_progress_text (GtkWidget     *label,
                     GdkFrameClock *clock,
                     gpointer       data)
{
  ImpWindow *self = data;

  if (self->showing_progress && gtk_widget_get_width (label) != self->fitted_width)
    show_progress_text (self, &self->shown_progress);
  return G_SOURCE_CONTINUE;
}

static void
show_progress (ImpWindow         *self,
               const ImpProgress *p)
{
  gtk_progress_bar_set_fraction (self->progress_bar,
                                 p->n_iterations > 0 ? (double) (p->iteration + 1) / p->n_iterations : 0);
  show_progress_text (self, p);
  imp_preview_set_coarse (self->preview, p->scale + 1 < p->n_scales);
}

static void
on_frame (ImpRunController *controller,
          ImpWindow        *self)
{
  ImpProgress progress;

  imp_preview_set_texture (self->preview, imp_run_controller_get_frame (controller));
  if (!imp_run_controller_get_progress (controller, &progress))
    return;
  show_progress (self, &progress);
  if (progress.iteration != self->last_plotted)
    {
      imp_loss_plot_add (self->loss_plot, &progress);
      self->last_plotted = progress.iteration;
    }
}

/* The result was painted from other images than the wells hold now: say so
 * over it, and compare it with the photo it was painted from. */
static void
mark_stale_result (ImpWindow *self)
{
  GdkTexture *content = imp_image_well_get_texture (self->content_well);
  GdkTexture *style = imp_image_well_get_texture (self->style_well);
  gboolean has_result = imp_run_controller_get_result (self->controller) != NULL;
  g_autofree char *text = NULL;

  if (has_result && self->result_content != NULL && content != self->result_content)
    /* Translators: the painting shown is of the first image; Start paints the second */
    text = g_strdup_printf (_("Painted from “%s” · Start paints “%s”"),
                            self->result_content_name, imp_image_well_get_name (self->content_well));
  else if (has_result && self->result_style != NULL && style != self->result_style)
    text = g_strdup_printf (_("Painted in another style · Start paints in “%s”"),
                            imp_image_well_get_name (self->style_well));
  gtk_label_set_label (self->stale_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->stale_label), text != NULL);
}

/* The preview between runs: the result if there is one, else the content. */
static void
show_idle_preview (ImpWindow *self)
{
  GdkTexture *result = imp_run_controller_get_result_texture (self->controller);
  GdkTexture *content = imp_image_well_get_texture (self->content_well);

  imp_preview_set_coarse (self->preview, FALSE);
  imp_preview_set_compare_texture (self->preview,
                                   result != NULL && self->result_content != NULL ? self->result_content : content);
  imp_preview_set_texture (self->preview, result != NULL ? result : content);
  mark_stale_result (self);
}

static char *
describe_run_error (const GError *error)
{
  if (error->domain == IMP_PARAMS_ERROR)
    return imp_settings_describe_error (error);
  if (g_error_matches (error, IMP_TRANSFER_ERROR, IMP_TRANSFER_ERROR_TOO_LARGE))
    return g_strdup_printf (_("Not enough memory for this size: %s. Choose a smaller output size."),
                            error->message);
  if (error->domain == IMP_WEIGHTS_ERROR)
    return g_strdup_printf (_("The network weights cannot be used: %s"), error->message);
  return g_strdup_printf (_("The painting failed: %s"), error->message);
}

/* Stopped before the last scale: the result is a small picture enlarged. */
static void
offer_finish (ImpWindow         *self,
              const ImpProgress *p)
{
  guint side = MAX (p->width, p->height);
  g_autofree char *status = g_strdup_printf (_("Stopped at scale %u of %u: a coarse %u px painting"),
                                             p->scale + 1, p->n_scales, side);
  g_autofree char *text = g_strdup_printf (_("The painting is from a coarse scale (%u px), enlarged"), side);
  AdwToast *toast;

  gtk_label_set_label (self->status_label, status);
  _imp_window_show_toast (self, text);
  toast = self->last_toast;
  /* Longer than other toasts: it is an offer. Its button is disabled while a
   * run goes on (win.finish-run), and the toast goes by itself. */
  adw_toast_set_timeout (toast, 12);
  adw_toast_set_button_label (toast, _("_Finish It"));
  adw_toast_set_action_name (toast, "win.finish-run");
}

static void
on_finished (ImpRunController *controller,
             const GError     *error,
             ImpWindow        *self)
{
  ImpProgress progress;
  gboolean has_progress = imp_run_controller_get_progress (controller, &progress);

  _imp_window_hide_restart (self);
  self->showing_progress = FALSE;
  if (imp_run_controller_get_result (controller) != NULL)
    {
      g_set_object (&self->result_content, self->run_content);
      g_set_object (&self->result_style, self->run_style);
      g_free (self->result_content_name);
      self->result_content_name = g_strdup (self->run_content_name);
    }
  show_idle_preview (self);
  imp_autosaver_stop (self->autosaver);
  /* A run has just delivered its result: it is unsaved work from now on. */
  self->unsaved = imp_run_controller_get_result (controller) != NULL;
  if (g_settings_get_uint (self->settings, "autosave-interval") > 0)
    imp_autosaver_write_result (self->autosaver);
  _imp_window_update_actions (self);

  if (error != NULL)
    {
      g_autofree char *text = describe_run_error (error);

      gtk_label_set_label (self->status_label, _("Failed"));
      _imp_window_show_toast (self, text);
      if (error->domain == IMP_WEIGHTS_ERROR)
        _imp_window_set_weights_path (self, NULL);
    }
  else if (imp_run_controller_get_completed (controller))
    {
      gtk_progress_bar_set_fraction (self->progress_bar, 1.0);
      gtk_label_set_label (self->status_label, _("Finished"));
    }
  else if (has_progress && imp_run_controller_get_can_resume (controller))
    offer_finish (self, &progress);
  else if (has_progress)
    {
      g_autofree char *text = g_strdup_printf (_("Stopped at iteration %u of %u"),
                                               progress.iteration + 1, progress.n_iterations);
      gtk_label_set_label (self->status_label, text);
    }
  else
    gtk_label_set_label (self->status_label, _("Stopped"));

  if (self->close_after_save)
    {
      /* Save was chosen while painting: this is the result so far. */
      if (self->unsaved)
        _imp_window_ask_save_image (self);
      else
        self->close_after_save = FALSE;
    }
  else if (self->restart_after_stop)
    {
      self->restart_after_stop = FALSE;
      _imp_window_start (self);
    }
}

static char *
well_path (ImpImageWell *well)
{
  GFile *file = imp_image_well_get_file (well);

  return g_strdup (file != NULL && g_file_peek_path (file) != NULL ? g_file_peek_path (file) : "");
}

static void
start_autosave (ImpWindow *self)
{
  g_autofree char *content = well_path (self->content_well);
  g_autofree char *style = well_path (self->style_well);

  /* The run's autosave replaces the last session's: no longer offer that one. */
  if (self->restore_toast != NULL)
    adw_toast_dismiss (self->restore_toast);
  imp_autosaver_set_inputs (self->autosaver, content, style);
  imp_autosaver_start (self->autosaver, g_settings_get_uint (self->settings, "autosave-interval"));
}

static void
on_autosave_failed (ImpWindow    *self,
                    const GError *error)
{
  g_autofree char *text = g_strdup_printf (_("The painting could not be autosaved: %s"),
                                           error->message);

  _imp_window_show_toast (self, text);
}

static void
remember_run_inputs (ImpWindow *self)
{
  /* A resumed run goes on with what it started with. */
  if (imp_run_controller_get_state (self->controller) == IMP_RUN_PAINTING && self->run_settings != NULL)
    return;
  _imp_window_remember_run_settings (self);
  g_set_object (&self->run_content, imp_image_well_get_texture (self->content_well));
  g_set_object (&self->run_style, imp_image_well_get_texture (self->style_well));
  g_free (self->run_content_name);
  self->run_content_name = g_strdup (imp_image_well_get_name (self->content_well));
}

static void
on_running_changed (ImpRunController *controller,
                    GParamSpec       *pspec,
                    ImpWindow        *self)
{
  gboolean running = imp_run_controller_get_running (controller);

  gtk_widget_set_visible (GTK_WIDGET (self->start_button), !running);
  gtk_widget_set_visible (GTK_WIDGET (self->stop_button), running);
  if (running)
    {
      remember_run_inputs (self);
      start_autosave (self);
    }
  _imp_window_update_actions (self);
}

static void
on_state_changed (ImpRunController *controller,
                  GParamSpec       *pspec,
                  ImpWindow        *self)
{
  if (imp_run_controller_get_state (controller) != IMP_RUN_PAINTING)
    self->showing_progress = FALSE;
  switch (imp_run_controller_get_state (controller))
    {
    case IMP_RUN_LOADING:
      gtk_label_set_label (self->status_label, _("Loading the network…"));
      break;
    case IMP_RUN_PREPARING:
      gtk_label_set_label (self->status_label, _("Preparing…"));
      break;
    case IMP_RUN_STOPPING:
      gtk_label_set_label (self->status_label, _("Stopping…"));
      break;
    case IMP_RUN_PAINTING:
    case IMP_RUN_IDLE:
    default:
      break;
    }
}

static gboolean
blending (ImpWindow *self)
{
  return gtk_check_button_get_active (self->blend_check)
         && imp_image_well_get_image (self->style2_well) != NULL;
}

/* style-blend holds the weights only while blending is on. */
static void
store_blend (ImpWindow *self)
{
  double share = gtk_range_get_value (GTK_RANGE (self->blend_scale)) / 100;
  double weights[2] = { 1 - share, share };
  guint n = gtk_check_button_get_active (self->blend_check) ? 2 : 0;

  g_settings_set_value (self->settings, "style-blend",
                        g_variant_new_fixed_array (G_VARIANT_TYPE_DOUBLE, weights, n, sizeof (double)));
}

static void
on_blend_changed (ImpWindow *self)
{
  store_blend (self);
  _imp_window_update_actions (self);
  /* The style targets are computed when a run starts. */
  _imp_window_ask_restart (self, _("The new style blend applies from the next run."));
}

static char *
format_share (GtkScale *scale,
              double    value,
              gpointer  user_data)
{
  /* Translators: a percentage */
  return g_strdup_printf (_("%.0f %%"), value);
}

static void
restore_blend (ImpWindow *self)
{
  g_autoptr(GVariant) v = g_settings_get_value (self->settings, "style-blend");
  gsize n = 0;
  const double *w = g_variant_get_fixed_array (v, &n, sizeof (double));

  if (n == 2 && w[0] + w[1] > 0)
    {
      gtk_range_set_value (GTK_RANGE (self->blend_scale), 100 * w[1] / (w[0] + w[1]));
      gtk_check_button_set_active (self->blend_check, TRUE);
    }
}

static void
on_steering_key_changed (GSettings  *settings,
                         const char *key,
                         ImpWindow  *self)
{
  double content, style, tv;

  imp_settings_get_loss_weights (settings, &content, &style, &tv);
  imp_run_controller_set_loss_weights (self->controller, content, style, tv);
}

static void
remember_file (ImpWindow    *self,
               ImpImageWell *well)
{
  GFile *file = imp_image_well_get_file (well);
  const char *path = file != NULL ? g_file_peek_path (file) : NULL;
  g_autofree char *samples = g_strdup (imp_samples_get_dir ());

  /* Samples are found again by default; only the user's own files are remembered. */
  if (path == NULL || (samples != NULL && g_str_has_prefix (path, samples)))
    path = "";
  if (well == self->content_well)
    g_settings_set_string (self->settings, "last-content", path);
  else
    {
      g_auto(GStrv) old = g_settings_get_strv (self->settings, "last-styles");
      guint index = well == self->style_well ? 0 : 1;
      const char *paths[3] = {
        index == 0 ? path : (old[0] != NULL ? old[0] : ""),
        index == 1 ? path : (old[0] != NULL && old[1] != NULL ? old[1] : ""),
        NULL,
      };

      /* Trailing empty entries mean "the sample": leave them out. */
      if (*paths[1] == '\0')
        paths[1] = NULL;
      if (paths[1] == NULL && *paths[0] == '\0')
        paths[0] = NULL;
      g_settings_set_strv (self->settings, "last-styles", paths);
    }
}

/* "astronaut.jpg + scream.jpg", as the window list and the task switcher show it. */
static void
update_title (ImpWindow *self)
{
  const char *content = imp_image_well_get_name (self->content_well);
  const char *style = imp_image_well_get_name (self->style_well);
  g_autofree char *title = NULL;

  if (content == NULL || style == NULL)
    {
      gtk_window_set_title (GTK_WINDOW (self), _("Impasto"));
      return;
    }
  /* Translators: the window title, the content and the style image's file names */
  title = g_strdup_printf (_("%s + %s – Impasto"), content, style);
  gtk_window_set_title (GTK_WINDOW (self), title);
}

static void
on_well_loaded (ImpImageWell *well,
                ImpWindow    *self)
{
  remember_file (self, well);
  update_title (self);
  if (!imp_run_controller_get_running (self->controller))
    show_idle_preview (self);
  else if (well != self->style2_well || blending (self))
    _imp_window_ask_restart (self, _("The new image applies from the next run."));
  _imp_window_update_actions (self);
}

static void
on_well_load_failed (ImpImageWell *well,
                     const GError *error,
                     ImpWindow    *self)
{
  /* The well keeps its previous picture; the message names the file. */
  _imp_window_show_toast (self, error->message);
}

/* @index: 0 the content, 1 the style, 2 the second style. */
static GFile *
initial_file (ImpWindow *self,
              guint      index)
{
  g_autofree char *path = NULL;
  const ImpSample *sample = imp_samples_get_default (index == 0 ? IMP_SAMPLE_CONTENT : IMP_SAMPLE_STYLE);

  if (index == 0)
    path = g_settings_get_string (self->settings, "last-content");
  else
    {
      g_auto(GStrv) paths = g_settings_get_strv (self->settings, "last-styles");

      if (paths[0] != NULL)
        path = g_strdup (index == 1 ? paths[0] : paths[1]);
    }
  /* The second style defaults to the second style sample. */
  if (index == 2 && sample != NULL && sample[1].file != NULL && sample[1].role == IMP_SAMPLE_STYLE)
    sample = &sample[1];
  if (path != NULL && *path != '\0' && g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return g_file_new_for_path (path);
  return sample != NULL ? imp_samples_get_file (sample) : NULL;
}

static void
load_initial_images (ImpWindow *self)
{
  g_autoptr(GFile) content = initial_file (self, 0);
  g_autoptr(GFile) style = initial_file (self, 1);
  g_autoptr(GFile) style2 = initial_file (self, 2);

  if (content != NULL)
    imp_image_well_load_file (self->content_well, content);
  if (style != NULL)
    imp_image_well_load_file (self->style_well, style);
  if (style2 != NULL)
    imp_image_well_load_file (self->style2_well, style2);
}

static void
find_weights (ImpWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = imp_weights_find (NULL, &error);

  _imp_window_set_weights_path (self, path);
}

static void
on_weights_found (ImpWindow  *self,
                  const char *path,
                  gboolean    downloaded)
{
  _imp_window_set_weights_path (self, path);
  if (downloaded)
    _imp_window_show_toast (self, _("The network weights are installed"));
}

static void
connect_settings (ImpWindow *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (steering_keys); i++)
    {
      g_autofree char *signal = g_strconcat ("changed::", steering_keys[i], NULL);

      g_signal_connect_object (self->settings, signal, G_CALLBACK (on_steering_key_changed), self, 0);
    }
  _imp_window_connect_restart (self);
}

static gboolean
show_sidebar_button (gpointer data)
{
  ImpWindow *self = data;

  self->fold_idle_id = 0;
  gtk_widget_set_visible (self->sidebar_button, adw_flap_get_folded (self->flap));
  return G_SOURCE_REMOVE;
}

/* The flap folds while it is being allocated: showing the header bar's button
 * right then would leave the header bar unallocated for that frame. */
static void
on_folded_changed (ImpWindow *self)
{
  if (self->fold_idle_id == 0)
    self->fold_idle_id = g_idle_add (show_sidebar_button, self);
}

static void
connect_controller (ImpWindow *self)
{
  g_signal_connect_object (self->controller, "frame", G_CALLBACK (on_frame), self, 0);
  g_signal_connect_object (self->controller, "finished", G_CALLBACK (on_finished), self, 0);
  g_signal_connect_object (self->controller, "notify::running", G_CALLBACK (on_running_changed), self, 0);
  g_signal_connect_object (self->controller, "notify::state", G_CALLBACK (on_state_changed), self, 0);
}

static void
restore_window_state (ImpWindow *self)
{
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static gboolean
imp_window_close_request (GtkWindow *window)
{
  ImpWindow *self = IMP_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  if (_imp_window_confirm_close (self))
    return TRUE;
  return GTK_WINDOW_CLASS (imp_window_parent_class)->close_request (window);
}

static void
imp_window_dispose (GObject *object)
{
  ImpWindow *self = IMP_WINDOW (object);

  /* The worker holds its own reference and ends at its next layer boundary. */
  if (self->controller != NULL)
    imp_run_controller_stop (self->controller);
  if (self->autosaver != NULL)
    {
      /* A write in flight finishes without a window to report to. */
      g_signal_handlers_disconnect_by_data (self->autosaver, self);
      imp_autosaver_stop (self->autosaver);
    }
  if (self->restore_toast != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->restore_toast), (gpointer *) &self->restore_toast);
  self->restore_toast = NULL;
  if (self->close_dialog != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->close_dialog), (gpointer *) &self->close_dialog);
  self->close_dialog = NULL;
  /* Without a close (a crash, a killed session) the autosave stays, to be offered back. */
  g_clear_handle_id (&self->fold_idle_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), IMP_TYPE_WINDOW);
  g_clear_object (&self->autosaver);
  g_clear_object (&self->controller);
  g_clear_object (&self->settings);
  g_clear_object (&self->last_toast);
  g_clear_pointer (&self->run_settings, g_variant_dict_unref);
  g_clear_object (&self->run_content);
  g_clear_object (&self->run_style);
  g_clear_object (&self->result_content);
  g_clear_object (&self->result_style);

  G_OBJECT_CLASS (imp_window_parent_class)->dispose (object);
}

static void
imp_window_finalize (GObject *object)
{
  ImpWindow *self = IMP_WINDOW (object);

  g_free (self->weights_path);
  g_free (self->run_content_name);
  g_free (self->result_content_name);

  G_OBJECT_CLASS (imp_window_parent_class)->finalize (object);
}

static void
imp_window_class_init (ImpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = imp_window_dispose;
  object_class->finalize = imp_window_finalize;
  window_class->close_request = imp_window_close_request;

  signals[IMAGE_SAVED] =
    g_signal_new ("image-saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_FILE, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[ANIMATION_SAVED] =
    g_signal_new ("animation-saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_FILE, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);

  g_type_ensure (IMP_TYPE_IMAGE_WELL);
  g_type_ensure (IMP_TYPE_PARAMS_PANEL);
  g_type_ensure (IMP_TYPE_PREVIEW);
  g_type_ensure (IMP_TYPE_LOSS_PLOT);
  g_type_ensure (IMP_TYPE_WEIGHTS_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/impasto/Impasto/imp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, start_button);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, stop_button);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, sidebar_button);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, restart_revealer);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, restart_label);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, stale_label);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, weights_page);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, content_well);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, style_well);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, blend_check);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, blend_scale);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, style2_well);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, params_panel);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, preview);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, compare_button);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, preview_buttons);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, ImpWindow, loss_plot);

  _imp_window_class_init_actions (widget_class);
  _imp_window_class_init_lost_work (widget_class);
  _imp_window_class_init_restart (widget_class);
}

static void
imp_window_init (ImpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* The smallest window in which the painting, its progress and the folded
   * sidebar still work; below it the preview would be a sliver. */
  gtk_widget_set_size_request (GTK_WIDGET (self), 360, 400);
  gtk_widget_add_tick_callback (GTK_WIDGET (self->status_label), refit_progress_text, self, NULL);
  g_signal_connect_object (self->flap, "notify::folded", G_CALLBACK (on_folded_changed), self, G_CONNECT_SWAPPED);

  self->settings = g_settings_new (APP_ID);
  self->controller = imp_run_controller_new ();
  self->autosaver = imp_autosaver_new (self->controller);
  g_signal_connect_object (self->autosaver, "failed", G_CALLBACK (on_autosave_failed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->weights_page, "weights-found", G_CALLBACK (on_weights_found),
                           self, G_CONNECT_SWAPPED);
  imp_params_panel_set_settings (self->params_panel, self->settings);
  g_object_bind_property (self->compare_button, "active", self->preview, "comparing",
                          G_BINDING_BIDIRECTIONAL);

  connect_controller (self);
  connect_settings (self);
  g_signal_connect_object (self->content_well, "loaded", G_CALLBACK (on_well_loaded), self, 0);
  g_signal_connect_object (self->style_well, "loaded", G_CALLBACK (on_well_loaded), self, 0);
  g_signal_connect_object (self->content_well, "load-failed", G_CALLBACK (on_well_load_failed), self, 0);
  g_signal_connect_object (self->style_well, "load-failed", G_CALLBACK (on_well_load_failed), self, 0);
  g_signal_connect_object (self->style2_well, "loaded", G_CALLBACK (on_well_loaded), self, 0);
  g_signal_connect_object (self->style2_well, "load-failed", G_CALLBACK (on_well_load_failed), self, 0);
  gtk_scale_set_format_value_func (self->blend_scale, format_share, NULL, NULL);
  restore_blend (self);
  g_signal_connect_object (self->blend_check, "toggled", G_CALLBACK (on_blend_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->blend_scale, "value-changed", G_CALLBACK (on_blend_changed), self, G_CONNECT_SWAPPED);

  restore_window_state (self);
  find_weights (self);
  load_initial_images (self);
  _imp_window_update_actions (self);
  _imp_window_offer_autosave (self);
}

ImpWindow *
imp_window_new (AdwApplication *application)
{
  return g_object_new (IMP_TYPE_WINDOW, "application", application, NULL);
}
