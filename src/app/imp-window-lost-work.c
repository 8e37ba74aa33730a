/* imp-window-lost-work.c: ImpWindow's guards against lost work: asking before
 * closing, the autosave during runs, offering it back, never writing over the
 * input images
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "imp-autosave.h"
#include "imp-texture.h"
#include "imp-window-private.h"

static char *
well_path (ImpImageWell *well)
{
  GFile *file = imp_image_well_get_file (well);

  return g_strdup (file != NULL && g_file_peek_path (file) != NULL ? g_file_peek_path (file) : "");
}

static void
on_autosave_written (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ImpWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  self->autosave_busy = FALSE;
  /* A window closed meanwhile has no toast overlay left. */
  if (!imp_autosave_write_finish (result, &error) && self->toast_overlay != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The painting could not be autosaved: %s"),
                                               error->message);

      imp_window_show_toast (self, text);
    }
}

static void
write_autosave (ImpWindow      *self,
                const ImpImage *image)
{
  g_autofree char *content = well_path (self->content_well);
  g_autofree char *style = well_path (self->style_well);
  ImpAutosaveInfo info = { content, style, 0, 0, g_get_real_time () / G_USEC_PER_SEC };
  ImpProgress progress;

  if (imp_run_controller_get_progress (self->controller, &progress))
    {
      info.iteration = progress.iteration + 1;
      info.n_iterations = progress.n_iterations;
    }
  self->autosave_busy = TRUE;
  imp_autosave_write_async (image, &info, on_autosave_written, g_object_ref (self));
}

static gboolean
autosave_tick (gpointer data)
{
  ImpWindow *self = data;
  GdkTexture *frame = imp_run_controller_get_frame (self->controller);
  ImpImage *image;

  /* A slow disk: skip a beat rather than queue writes. */
  if (frame == NULL || self->autosave_busy)
    return G_SOURCE_CONTINUE;
  image = imp_texture_to_image (frame);
  write_autosave (self, image);
  imp_image_free (image);
  return G_SOURCE_CONTINUE;
}

void
imp_window_autosave_start (ImpWindow *self)
{
  guint interval = g_settings_get_uint (self->settings, "autosave-interval");

  imp_window_autosave_stop (self);
  /* The run's autosave replaces the last session's: no longer offer that one. */
  if (self->restore_toast != NULL)
    adw_toast_dismiss (self->restore_toast);
  if (interval > 0)
    self->autosave_id = g_timeout_add_seconds (interval, autosave_tick, self);
}

void
imp_window_autosave_stop (ImpWindow *self)
{
  g_clear_handle_id (&self->autosave_id, g_source_remove);
}

/* A run has just delivered its result: it is unsaved work from now on. */
void
imp_window_autosave_result (ImpWindow *self)
{
  const ImpImage *result = imp_run_controller_get_result (self->controller);

  self->unsaved = result != NULL;
  if (result != NULL && g_settings_get_uint (self->settings, "autosave-interval") > 0)
    write_autosave (self, result);
}

void
imp_window_mark_saved (ImpWindow *self,
                       GFile     *file)
{
  self->unsaved = FALSE;
  /* A run in progress writes its next autosave at the next beat. */
  imp_autosave_remove ();
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

gboolean
imp_window_is_input_file (ImpWindow *self,
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

static gboolean
close_now (gpointer data)
{
  ImpWindow *self = data;

  /* Unless it was destroyed meanwhile. */
  if (self->controller != NULL)
    gtk_window_close (GTK_WINDOW (self));
  return G_SOURCE_REMOVE;
}

static void
on_close_response (AdwMessageDialog *dialog,
                   const char       *response,
                   ImpWindow        *self)
{
  gboolean running = imp_run_controller_get_running (self->controller);

  if (g_str_equal (response, "discard"))
    {
      imp_window_autosave_stop (self);
      imp_autosave_remove ();
      self->unsaved = FALSE;
      self->close_confirmed = TRUE;
      /* Not from inside the dialog's own signal: closing destroys the dialog too. */
      g_idle_add_full (G_PRIORITY_DEFAULT, close_now, g_object_ref (self), g_object_unref);
    }
  else if (g_str_equal (response, "save"))
    {
      self->close_after_save = TRUE;
      /* The result so far comes with "finished", which then asks where to save. */
      if (running)
        imp_run_controller_stop (self->controller);
      else
        imp_window_ask_save_image (self);
    }
}

/* TRUE when closing has to wait for the user's answer. */
gboolean
imp_window_confirm_close (ImpWindow *self)
{
  gboolean running = imp_run_controller_get_running (self->controller);
  GtkWidget *dialog;

  if (self->close_confirmed || (!running && !self->unsaved))
    return FALSE;
  if (self->close_dialog != NULL)
    {
      gtk_window_present (self->close_dialog);
      return TRUE;
    }

  if (running)
    dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Stop the Painting?"),
                                     _("A painting is in progress. Save what it has painted so far, "
                                       "or discard it and close the window."));
  else
    dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Save the Painting?"),
                                     _("The painting has not been saved. If you discard it, "
                                       "it is lost."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save…"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_close_response), self, 0);
  self->close_dialog = GTK_WINDOW (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->close_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

static void
restore_autosave_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  ImpWindow *self = IMP_WINDOW (widget);
  ImpAutosaveInfo info = { 0 };
  g_autoptr(GError) error = NULL;
  ImpImage *image = NULL;
  g_autofree char *status = NULL;

  if (imp_run_controller_get_running (self->controller))
    {
      imp_window_show_toast (self, _("Stop the painting first to restore the earlier one"));
      return;
    }
  if (!imp_autosave_load (&info, &image, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The earlier painting cannot be restored: %s"),
                                               error->message);

      imp_window_show_toast (self, text);
      return;
    }

  imp_run_controller_set_result (self->controller, image);
  self->unsaved = TRUE;
  /* Its images again, when they are still there, so Save suggests their names. */
  if (*info.content_path != '\0' && g_file_test (info.content_path, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr(GFile) file = g_file_new_for_path (info.content_path);

      imp_image_well_load_file (self->content_well, file);
    }
  if (*info.style_path != '\0' && g_file_test (info.style_path, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr(GFile) file = g_file_new_for_path (info.style_path);

      imp_image_well_load_file (self->style_well, file);
    }
  imp_preview_set_texture (self->preview, imp_run_controller_get_result_texture (self->controller));
  status = g_strdup_printf (_("Restored: painted to iteration %u of %u"), info.iteration, info.n_iterations);
  gtk_label_set_label (self->status_label, status);
  imp_window_update_actions (self);
  imp_autosave_info_clear (&info);
  if (self->restore_toast != NULL)
    adw_toast_dismiss (self->restore_toast);
}

void
imp_window_offer_autosave (ImpWindow *self)
{
  AdwToast *toast;

  if (!imp_autosave_exists ())
    return;
  toast = adw_toast_new (_("A painting from the last session was kept"));
  adw_toast_set_button_label (toast, _("_Restore"));
  adw_toast_set_action_name (toast, "win.restore-autosave");
  /* Until answered: it may be the only copy of a long run. */
  adw_toast_set_timeout (toast, 0);
  self->restore_toast = toast;
  g_object_add_weak_pointer (G_OBJECT (toast), (gpointer *) &self->restore_toast);
  g_free (self->last_toast);
  self->last_toast = g_strdup (adw_toast_get_title (toast));
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
imp_window_class_init_lost_work (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.restore-autosave", NULL, restore_autosave_action);
}
