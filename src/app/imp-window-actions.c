/* imp-window-actions.c: ImpWindow's actions: run, export, weights, zoom
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "imp-export.h"
#include "imp-window-private.h"

void
imp_window_show_toast (ImpWindow  *self,
                       const char *text)
{
  AdwToast *toast = adw_toast_new (text);

  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
}

void
imp_window_update_actions (ImpWindow *self)
{
  gboolean running = imp_run_controller_get_running (self->controller);
  gboolean has_result = imp_run_controller_get_result (self->controller) != NULL;
  gboolean has_images = imp_image_well_get_image (self->content_well) != NULL
                        && imp_image_well_get_image (self->style_well) != NULL;
  gboolean downloading = self->download != NULL && imp_weights_download_get_running (self->download);
  g_autofree char *script = NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.start",
                                 !running && has_images && self->weights_path != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop", running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-image", has_result);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-image", has_result);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-animation",
                                 imp_run_controller_get_recorder (self->controller) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.download-weights",
                                 !downloading && (script = imp_weights_download_find_script ()) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-download", downloading);
}

void
imp_window_set_weights_path (ImpWindow  *self,
                             const char *path)
{
  g_autofree char *description = NULL;

  g_free (self->weights_path);
  self->weights_path = g_strdup (path);
  gtk_stack_set_visible_child_name (self->main_stack, path != NULL ? "main" : "weights");
  imp_window_update_actions (self);
  if (path != NULL)
    return;

  description = g_strdup_printf (
    _("Impasto paints with the VGG19 network, whose weights (about 80 MB) are fetched separately. "
      "Download them (this runs <tt>weights/fetch</tt>, which stores them in %s), "
      "or choose a <tt>vgg19-conv.safetensors</tt> file you already have."),
    "<tt>~/.local/share/impasto/weights/</tt>");
  adw_status_page_set_description (self->weights_page, description);
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  imp_window_start (IMP_WINDOW (widget));
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  imp_run_controller_stop (IMP_WINDOW (widget)->controller);
}

typedef struct
{
  ImpWindow *self;
  GFile     *file;
} SaveData;

static void
on_saved (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  SaveData *data = user_data;
  g_autoptr(ImpWindow) self = data->self;
  g_autoptr(GFile) file = data->file;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *text = NULL;

  if (imp_export_save_finish (result, &error))
    text = g_strdup_printf (_("Saved “%s”"), name);
  else
    text = g_strdup_printf (_("Could not save “%s”: %s. The painting is kept: save it elsewhere."),
                            name, error->message);
  imp_window_show_toast (self, text);
  imp_window_emit_image_saved (self, file, error);
  g_free (data);
  if (error == NULL)
    imp_window_mark_saved (self, file);
  else
    self->close_after_save = FALSE;
}

/* Inputs are never written over: the export would destroy what it came from. */
static gboolean
refuse_input_file (ImpWindow *self,
                   GFile     *file)
{
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (!imp_window_is_input_file (self, file))
    return FALSE;
  name = g_file_get_basename (file);
  g_set_error (&error, G_IO_ERROR, G_IO_ERROR_EXISTS,
               _("“%s” is one of the input images and is never overwritten. Choose another name."),
               name);
  imp_window_show_toast (self, error->message);
  self->close_after_save = FALSE;
  imp_window_emit_image_saved (self, file, error);
  return TRUE;
}

void
imp_window_save_image (ImpWindow *self,
                       GFile     *file)
{
  const ImpImage *result;
  SaveData *data;

  g_return_if_fail (IMP_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  result = imp_run_controller_get_result (self->controller);
  if (result == NULL)
    {
      imp_window_show_toast (self, _("There is no painting to save yet"));
      return;
    }
  if (refuse_input_file (self, file))
    return;
  data = g_new0 (SaveData, 1);
  data->self = g_object_ref (self);
  data->file = g_object_ref (file);
  imp_export_save_async (result, file, NULL, on_saved, data);
}

static GFile *
default_folder (ImpWindow *self)
{
  g_autofree char *folder = g_settings_get_string (self->settings, "default-folder");
  const char *pictures = g_get_user_special_dir (G_USER_DIRECTORY_PICTURES);

  if (*folder != '\0' && g_file_test (folder, G_FILE_TEST_IS_DIR))
    return g_file_new_for_path (folder);
  if (pictures != NULL && g_file_test (pictures, G_FILE_TEST_IS_DIR))
    return g_file_new_for_path (pictures);
  return NULL;
}

static void
on_save_response (GtkNativeDialog *chooser,
                  int              response,
                  ImpWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      imp_window_save_image (self, file);
    }
  else
    self->close_after_save = FALSE;
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
add_save_filters (GtkFileChooser *chooser)
{
  g_autoptr(GtkFileFilter) png = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) jpeg = gtk_file_filter_new ();

  gtk_file_filter_set_name (png, _("PNG Image"));
  gtk_file_filter_add_mime_type (png, "image/png");
  gtk_file_chooser_add_filter (chooser, png);
  gtk_file_filter_set_name (jpeg, _("JPEG Image"));
  gtk_file_filter_add_mime_type (jpeg, "image/jpeg");
  gtk_file_chooser_add_filter (chooser, jpeg);
}

void
imp_window_ask_save_image (ImpWindow *self)
{
  g_autoptr(GFile) folder = default_folder (self);
  g_autofree char *name = imp_export_suggest_name (imp_image_well_get_name (self->content_well),
                                                   imp_image_well_get_name (self->style_well));
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Save Painting"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  add_save_filters (GTK_FILE_CHOOSER (chooser));
  if (folder != NULL)
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  /* GTK 4 has no do-overwrite-confirmation switch: its chooser (and the portal's)
   * always asks "A file named … already exists. Do you want to replace it?"
   * itself, so a file the chooser returns is one the user agreed to replace. */
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
save_image_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  imp_window_ask_save_image (IMP_WINDOW (widget));
}

static void
on_animation_saved (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  SaveData *data = user_data;
  g_autoptr(ImpWindow) self = data->self;
  g_autoptr(GFile) file = data->file;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *text = NULL;

  if (imp_export_save_animation_finish (result, &error))
    text = g_strdup_printf (_("Saved “%s”"), name);
  else
    text = g_strdup_printf (_("Could not save “%s”: %s"), name, error->message);
  imp_window_show_toast (self, text);
  imp_window_emit_animation_saved (self, file, error);
  g_free (data);
}

void
imp_window_save_animation (ImpWindow *self,
                           GFile     *file)
{
  ImpFrameRecorder *recorder;
  SaveData *data;
  const ImpImage *first = NULL;

  g_return_if_fail (IMP_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  recorder = imp_run_controller_get_recorder (self->controller);
  if (recorder == NULL || imp_frame_recorder_get_n_frames (recorder) == 0)
    {
      imp_window_show_toast (self, _("There is no progress animation to save yet"));
      return;
    }
  if (imp_window_is_input_file (self, file))
    {
      g_autofree char *name = g_file_get_basename (file);
      g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_EXISTS,
                                             _("“%s” is one of the input images and is never overwritten. Choose another name."),
                                             name);

      imp_window_show_toast (self, error->message);
      imp_window_emit_animation_saved (self, file, error);
      return;
    }
  if (g_settings_get_boolean (self->settings, "animation-content-frame"))
    first = imp_image_well_get_image (self->content_well);

  data = g_new0 (SaveData, 1);
  data->self = g_object_ref (self);
  data->file = g_object_ref (file);
  imp_export_save_animation_async (recorder, file,
                                   g_settings_get_uint (self->settings, "animation-delay"),
                                   g_settings_get_uint (self->settings, "animation-final-delay"),
                                   /* The recorder already keeps frames at the animation
                                    * size, never above the output's: no upscaling here. */
                                   0, first, NULL, on_animation_saved, data);
}

static void
on_save_animation_response (GtkNativeDialog *chooser,
                            int              response,
                            ImpWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      imp_window_save_animation (self, file);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
save_animation_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ImpWindow *self = IMP_WINDOW (widget);
  g_autoptr(GFile) folder = default_folder (self);
  g_autoptr(GtkFileFilter) gif = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) webp = gtk_file_filter_new ();
  g_autofree char *png = imp_export_suggest_name (imp_image_well_get_name (self->content_well),
                                                  imp_image_well_get_name (self->style_well));
  g_autofree char *name = NULL;
  GtkFileChooserNative *chooser;

  /* "astronaut-scream.png" -> "astronaut-scream.gif" */
  png[strlen (png) - strlen (".png")] = '\0';
  name = g_strconcat (png, ".gif", NULL);
  chooser = gtk_file_chooser_native_new (_("Save Progress Animation"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_filter_set_name (gif, _("GIF Animation"));
  gtk_file_filter_add_pattern (gif, "*.gif");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), gif);
  gtk_file_filter_set_name (webp, _("WebP Animation"));
  gtk_file_filter_add_pattern (webp, "*.webp");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), webp);
  if (folder != NULL)
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  /* Replacing an existing file: the chooser asks itself (see imp_window_ask_save_image). */
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_animation_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
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
  imp_window_show_toast (self, _("Painting copied"));
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
on_weights_response (GtkNativeDialog *chooser,
                     int              response,
                     ImpWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      /* Checked when a run loads it; a bad file comes back here with a toast. */
      if (g_file_peek_path (file) != NULL)
        imp_window_set_weights_path (self, g_file_peek_path (file));
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
choose_weights_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Choose the VGG19 Weights"), GTK_WINDOW (widget),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_filter_set_name (filter, _("Safetensors Weights"));
  gtk_file_filter_add_pattern (filter, "*.safetensors");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_signal_connect (chooser, "response", G_CALLBACK (on_weights_response), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_download_fraction (ImpWeightsDownload *download,
                      GParamSpec         *pspec,
                      ImpWindow          *self)
{
  double fraction = imp_weights_download_get_fraction (download);
  /* Translators: how much of the weights file has arrived, e.g. "42 % of 80 MB" */
  g_autofree char *text = g_strdup_printf (_("%.0f %% of %.0f MB"), 100 * fraction,
                                           IMP_WEIGHTS_DOWNLOAD_SIZE / 1e6);

  gtk_progress_bar_set_fraction (self->download_progress, fraction);
  gtk_progress_bar_set_text (self->download_progress, text);
}

static void
show_download_message (ImpWindow  *self,
                       const char *text)
{
  gtk_label_set_label (self->download_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->download_label), text != NULL);
}

static void
on_download_finished (ImpWeightsDownload *download,
                      const char         *path,
                      const GError       *error,
                      ImpWindow          *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->download_box), FALSE);
  imp_window_update_actions (self);
  if (path != NULL)
    {
      show_download_message (self, NULL);
      imp_window_set_weights_path (self, path);
      imp_window_show_toast (self, _("The network weights are installed"));
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_download_message (self, _("The download was cancelled. Download again to resume it."));
  else
    {
      g_autofree char *text =
        g_strdup_printf (_("The weights could not be downloaded: %s.\nCheck the internet connection "
                           "and download again (it resumes where it stopped), or choose a weights "
                           "file you already have."), error->message);

      show_download_message (self, text);
    }
}

void
imp_window_connect_download (ImpWindow *self)
{
  g_signal_connect_object (self->download, "notify::fraction", G_CALLBACK (on_download_fraction), self, 0);
  g_signal_connect_object (self->download, "finished", G_CALLBACK (on_download_finished), self, 0);
}

static void
download_weights_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  ImpWindow *self = IMP_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  show_download_message (self, NULL);
  if (!imp_weights_download_start (self->download, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The download cannot start: %s"), error->message);

      show_download_message (self, text);
      return;
    }
  on_download_fraction (self->download, NULL, self);
  gtk_widget_set_visible (GTK_WIDGET (self->download_box), TRUE);
  imp_window_update_actions (self);
}

static void
cancel_download_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  imp_weights_download_cancel (IMP_WINDOW (widget)->download);
}

void
imp_window_class_init_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.download-weights", NULL, download_weights_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-download", NULL, cancel_download_action);
  gtk_widget_class_install_action (widget_class, "win.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "win.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "win.save-image", NULL, save_image_action);
  gtk_widget_class_install_action (widget_class, "win.save-animation", NULL, save_animation_action);
  gtk_widget_class_install_action (widget_class, "win.copy-image", NULL, copy_image_action);
  gtk_widget_class_install_action (widget_class, "win.open-content", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-style", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-fit", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-original", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-out", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.choose-weights", NULL, choose_weights_action);

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
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "win.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK, "win.zoom-original", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "win.zoom-out", NULL);
}
