/* imp-window-actions.c: ImpWindow's actions: run, save, copy, open, zoom
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "imp-export.h"
#include "imp-window-private.h"

static AdwToast *
add_toast (ImpWindow  *self,
           const char *text)
{
  AdwToast *toast = adw_toast_new (text);

  adw_toast_set_timeout (toast, 6);
  g_set_object (&self->last_toast, toast);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  return toast;
}

void
_imp_window_show_toast (ImpWindow  *self,
                        const char *text)
{
  add_toast (self, text);
}

void
_imp_window_update_actions (ImpWindow *self)
{
  gboolean running = imp_run_controller_get_running (self->controller);
  gboolean has_result = imp_run_controller_get_result (self->controller) != NULL;
  gboolean has_images = imp_image_well_get_image (self->content_well) != NULL
                        && imp_image_well_get_image (self->style_well) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.start",
                                 !running && has_images && self->weights_path != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop", running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-image", has_result);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-image", has_result);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.finish-run",
                                 imp_run_controller_get_can_resume (self->controller));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-animation",
                                 imp_run_controller_get_recorder (self->controller) != NULL);
}

void
_imp_window_set_weights_path (ImpWindow  *self,
                              const char *path)
{
  g_free (self->weights_path);
  self->weights_path = g_strdup (path);
  gtk_stack_set_visible_child_name (self->main_stack, path != NULL ? "main" : "weights");
  _imp_window_update_actions (self);
}

static gboolean
blending (ImpWindow *self)
{
  return gtk_check_button_get_active (self->blend_check)
         && imp_image_well_get_image (self->style2_well) != NULL;
}

static gboolean
start_run (ImpWindow  *self,
           ImpParams  *params,
           GError    **error)
{
  const ImpImage *content = imp_image_well_get_image (self->content_well);
  const ImpImage *styles[2] = {
    imp_image_well_get_image (self->style_well),
    imp_image_well_get_image (self->style2_well),
  };
  double share = gtk_range_get_value (GTK_RANGE (self->blend_scale)) / 100;
  double blend[2] = { 1 - share, share };
  guint n_styles = blending (self) ? 2 : 1;

  imp_run_controller_set_animation (self->controller,
                                    g_settings_get_uint (self->settings, "animation-frames"),
                                    g_settings_get_uint (self->settings, "animation-size"));
  return imp_params_from_settings (self->settings, params, error)
         && imp_run_controller_start (self->controller, self->weights_path, content,
                                      styles, n_styles > 1 ? blend : NULL, n_styles,
                                      params, error);
}

void
_imp_window_start (ImpWindow *self)
{
  g_autoptr(GError) error = NULL;
  ImpParams params;

  if (imp_run_controller_get_running (self->controller))
    return;
  if (imp_image_well_get_image (self->content_well) == NULL
      || imp_image_well_get_image (self->style_well) == NULL)
    {
      _imp_window_show_toast (self, _("Choose a content and a style image first"));
      return;
    }
  if (self->weights_path == NULL)
    {
      gtk_stack_set_visible_child_name (self->main_stack, "weights");
      return;
    }
  if (!start_run (self, &params, &error))
    {
      g_autofree char *message = imp_settings_describe_error (error);

      _imp_window_show_toast (self, message);
      return;
    }

  self->last_plotted = G_MAXUINT;
  imp_loss_plot_clear (self->loss_plot);
  imp_loss_plot_set_range (self->loss_plot, params.iterations);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  imp_preview_set_compare_texture (self->preview, imp_image_well_get_texture (self->content_well));
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  _imp_window_start (IMP_WINDOW (widget));
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  imp_run_controller_stop (IMP_WINDOW (widget)->controller);
}

/* The result is safe in a file: no longer unsaved work. */
static void
mark_saved (ImpWindow *self)
{
  self->unsaved = FALSE;
  imp_autosaver_discard (self->autosaver);
  if (self->close_after_save)
    {
      self->close_after_save = FALSE;
      gtk_window_close (GTK_WINDOW (self));
    }
}

static gboolean
same_file (GFile *a,
           GFile *b)
{
  const char *pa = g_file_peek_path (a), *pb = g_file_peek_path (b);
  GStatBuf sa, sb;

  if (g_file_equal (a, b))
    return TRUE;
  /* Another name for the same file: a link, "..", a second mount. */
  return pa != NULL && pb != NULL && g_stat (pa, &sa) == 0 && g_stat (pb, &sb) == 0
         && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static gboolean
is_input_file (ImpWindow *self,
               GFile     *file)
{
  ImpImageWell *wells[] = { self->content_well, self->style_well, self->style2_well };

  for (guint i = 0; i < G_N_ELEMENTS (wells); i++)
    {
      GFile *input = imp_image_well_get_file (wells[i]);

      if (input != NULL && same_file (input, file))
        return TRUE;
    }
  return FALSE;
}

typedef struct
{
  ImpWindow *self;
  GFile     *file;
  gboolean   animation;
} SaveJob;

static SaveJob *
save_job_new (ImpWindow *self,
              GFile     *file,
              gboolean   animation)
{
  SaveJob *job = g_new0 (SaveJob, 1);

  job->self = g_object_ref (self);
  job->file = g_object_ref (file);
  job->animation = animation;
  return job;
}

static void
save_job_free (SaveJob *job)
{
  g_object_unref (job->self);
  g_object_unref (job->file);
  g_free (job);
}

/* Both saves end here: a toast, the signal, and the bookkeeping. */
static void
save_job_finish (SaveJob      *job,
                 const GError *error)
{
  ImpWindow *self = job->self;
  g_autofree char *name = g_file_get_basename (job->file);
  g_autofree char *text = NULL;

  if (error == NULL)
    {
      g_autofree char *uri = g_file_get_uri (job->file);
      AdwToast *toast;

      text = g_strdup_printf (_("Saved “%s”"), name);
      toast = add_toast (self, text);
      adw_toast_set_button_label (toast, _("Show in _Folder"));
      adw_toast_set_action_target_value (toast, g_variant_new_string (uri));
      adw_toast_set_action_name (toast, "win.show-in-folder");
      imp_export_remember_folder (self->settings, job->file);
    }
  else
    {
      text = job->animation
             ? g_strdup_printf (_("Could not save “%s”: %s"), name, error->message)
             : g_strdup_printf (_("Could not save “%s”: %s. The painting is kept: save it elsewhere."),
                                name, error->message);
      _imp_window_show_toast (self, text);
    }
  g_signal_emit_by_name (self, job->animation ? "animation-saved" : "image-saved", job->file, error);
  if (!job->animation)
    {
      if (error == NULL)
        mark_saved (self);
      else
        self->close_after_save = FALSE;
    }
}

static void
on_saved (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  SaveJob *job = user_data;
  g_autoptr(GError) error = NULL;

  if (job->animation)
    imp_export_save_animation_finish (result, &error);
  else
    imp_export_save_finish (result, &error);
  save_job_finish (job, error);
  save_job_free (job);
}

/* Inputs are never written over: the export would destroy what it came from. */
static gboolean
refuse_input_file (SaveJob *job)
{
  g_autofree char *name = NULL;
  g_autoptr(GError) error = NULL;

  if (!is_input_file (job->self, job->file))
    return FALSE;
  name = g_file_get_basename (job->file);
  g_set_error (&error, G_IO_ERROR, G_IO_ERROR_EXISTS,
               _("“%s” is one of the input images and is never overwritten. Choose another name."),
               name);
  _imp_window_show_toast (job->self, error->message);
  job->self->close_after_save = FALSE;
  g_signal_emit_by_name (job->self, job->animation ? "animation-saved" : "image-saved",
                         job->file, error);
  return TRUE;
}

void
imp_window_save_image (ImpWindow *self,
                       GFile     *file)
{
  const ImpImage *result;
  SaveJob *job;

  g_return_if_fail (IMP_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  result = imp_run_controller_get_result (self->controller);
  if (result == NULL)
    {
      _imp_window_show_toast (self, _("There is no painting to save yet"));
      return;
    }
  job = save_job_new (self, file, FALSE);
  if (refuse_input_file (job))
    {
      save_job_free (job);
      return;
    }
  imp_export_save_async (result, file, NULL, on_saved, job);
}

void
imp_window_save_animation (ImpWindow *self,
                           GFile     *file)
{
  ImpFrameRecorder *recorder;
  const ImpImage *first = NULL;
  SaveJob *job;

  g_return_if_fail (IMP_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  recorder = imp_run_controller_get_recorder (self->controller);
  if (recorder == NULL || imp_frame_recorder_get_n_frames (recorder) == 0)
    {
      _imp_window_show_toast (self, _("There is no progress animation to save yet"));
      return;
    }
  job = save_job_new (self, file, TRUE);
  if (refuse_input_file (job))
    {
      save_job_free (job);
      return;
    }
  if (g_settings_get_boolean (self->settings, "animation-content-frame"))
    first = imp_image_well_get_image (self->content_well);
  imp_export_save_animation_async (recorder, file,
                                   g_settings_get_uint (self->settings, "animation-delay"),
                                   g_settings_get_uint (self->settings, "animation-final-delay"),
                                   /* The recorder already keeps frames at the animation
                                    * size, never above the output's: no upscaling here. */
                                   0, first, NULL, on_saved, job);
}

static void
on_image_chosen (GFile    *file,
                 gpointer  user_data)
{
  ImpWindow *self = user_data;

  if (file != NULL)
    imp_window_save_image (self, file);
  else
    self->close_after_save = FALSE;
}

static void
on_animation_chosen (GFile    *file,
                     gpointer  user_data)
{
  if (file != NULL)
    imp_window_save_animation (IMP_WINDOW (user_data), file);
}

/* Asks where to save, suggesting "astronaut-scream" with @extension. */
static void
ask_save (ImpWindow         *self,
          gboolean           animation,
          const ImpFileType *types,
          guint              n_types)
{
  g_autoptr(GFile) folder = imp_export_get_save_folder (self->settings);
  g_autofree char *png = imp_export_suggest_name (imp_image_well_get_name (self->content_well),
                                                  imp_image_well_get_name (self->style_well));
  g_autofree char *name = NULL;
  ImpFileChoice choice = {
    .title = animation ? _("Save Progress Animation") : _("Save Painting"),
    .action = GTK_FILE_CHOOSER_ACTION_SAVE,
    .types = types,
    .n_types = n_types,
    .folder = folder,
  };

  /* "astronaut-scream.png" -> "astronaut-scream.gif" */
  if (animation)
    png[strlen (png) - strlen (".png")] = '\0';
  name = animation ? g_strconcat (png, ".gif", NULL) : g_strdup (png);
  choice.name = name;
  imp_export_choose_file (GTK_WIDGET (self), &choice,
                          animation ? on_animation_chosen : on_image_chosen, self);
}

void
_imp_window_ask_save_image (ImpWindow *self)
{
  static const ImpFileType types[] = {
    { N_("PNG Image"), "image/png", NULL },
    { N_("JPEG Image"), "image/jpeg", NULL },
  };

  ask_save (self, FALSE, types, G_N_ELEMENTS (types));
}

static void
save_image_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  _imp_window_ask_save_image (IMP_WINDOW (widget));
}

static void
save_animation_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  static const ImpFileType types[] = {
    { N_("GIF Animation"), NULL, "*.gif" },
    { N_("WebP Animation"), NULL, "*.webp" },
  };

  ask_save (IMP_WINDOW (widget), TRUE, types, G_N_ELEMENTS (types));
}

static void
copy_image_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ImpWindow *self = IMP_WINDOW (widget);
  const ImpImage *result = imp_run_controller_get_result (self->controller);

  if (result == NULL)
    return;
  imp_export_copy_to_clipboard (gtk_widget_get_clipboard (widget), result);
  _imp_window_show_toast (self, _("Painting copied"));
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ImpWindow *self = IMP_WINDOW (widget);

  imp_image_well_open (g_str_equal (action_name, "win.open-style") ? self->style_well
                                                                   : self->content_well);
}

/* Ctrl+V: the content well; Shift+Ctrl+V: the style well. A text field with
 * the focus takes its own Ctrl+V first. */
static void
paste_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  ImpWindow *self = IMP_WINDOW (widget);

  imp_image_well_paste (g_str_equal (action_name, "win.paste-style") ? self->style_well
                                                                     : self->content_well);
}

/* Goes on with a run stopped before its last scale. */
static void
finish_run_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ImpWindow *self = IMP_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!imp_run_controller_resume (self->controller, &error))
    _imp_window_show_toast (self, error->message);
}

/* F9, as in Files and Text Editor: the sidebar over a narrow window. */
static void
toggle_sidebar_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ImpWindow *self = IMP_WINDOW (widget);

  if (adw_flap_get_folded (self->flap))
    adw_flap_set_reveal_flap (self->flap, !adw_flap_get_reveal_flap (self->flap));
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ImpWindow *self = IMP_WINDOW (widget);

  if (g_str_equal (action_name, "win.zoom-in"))
    imp_preview_zoom_by (self->preview, 1.25);
  else if (g_str_equal (action_name, "win.zoom-out"))
    imp_preview_zoom_by (self->preview, 0.8);
  else
    imp_preview_set_zoom (self->preview, g_str_equal (action_name, "win.zoom-original") ? 1.0 : 0.0);
}

static void
on_folder_shown (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ImpWindow) self = user_data;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, NULL);
  g_autofree char *uri = g_object_steal_data (G_OBJECT (self), "shown-folder");

  /* No file manager that selects files: open the folder itself. */
  if (reply == NULL && uri != NULL)
    gtk_show_uri (GTK_WINDOW (self), uri, GDK_CURRENT_TIME);
}

/* The file manager's FileManager1 interface selects the file in its folder. */
static void
show_in_folder_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  const char *uri = g_variant_get_string (parameter, NULL);
  const char *uris[] = { uri, NULL };
  g_autoptr(GFile) file = g_file_new_for_uri (uri);
  g_autoptr(GFile) folder = g_file_get_parent (file);
  GDBusConnection *bus = g_application_get_dbus_connection (g_application_get_default ());

  if (folder == NULL)
    return;
  if (bus == NULL)
    {
      g_autofree char *folder_uri = g_file_get_uri (folder);

      gtk_show_uri (GTK_WINDOW (widget), folder_uri, GDK_CURRENT_TIME);
      return;
    }
  g_object_set_data_full (G_OBJECT (widget), "shown-folder", g_file_get_uri (folder), g_free);
  g_dbus_connection_call (bus, "org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
                          "org.freedesktop.FileManager1", "ShowItems",
                          g_variant_new ("(^ass)", uris, ""), NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_folder_shown, g_object_ref (widget));
}

void
_imp_window_class_init_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "win.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "win.save-image", NULL, save_image_action);
  gtk_widget_class_install_action (widget_class, "win.save-animation", NULL, save_animation_action);
  gtk_widget_class_install_action (widget_class, "win.copy-image", NULL, copy_image_action);
  gtk_widget_class_install_action (widget_class, "win.show-in-folder", "s", show_in_folder_action);
  gtk_widget_class_install_action (widget_class, "win.open-content", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-style", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.paste-content", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "win.paste-style", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "win.finish-run", NULL, finish_run_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-sidebar", NULL, toggle_sidebar_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-fit", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-original", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-out", NULL, zoom_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "win.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "win.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.stop", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save-image", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_S, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.save-animation", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_C, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.copy-image", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open-content", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_O, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.open-style", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "win.paste-content", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_V, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.paste-style", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.toggle-sidebar", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "win.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK, "win.zoom-original", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "win.zoom-out", NULL);
}
