/* imp-window-lost-work.c: ImpWindow's guards against lost work: asking before
 * closing, offering the last session's autosave back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "imp-autosave.h"
#include "imp-window-private.h"

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
      imp_autosaver_stop (self->autosaver);
      imp_autosaver_discard (self->autosaver);
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
        _imp_window_ask_save_image (self);
    }
}

/* TRUE when closing has to wait for the user's answer. */
gboolean
_imp_window_confirm_close (ImpWindow *self)
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
      _imp_window_show_toast (self, _("Stop the painting first to restore the earlier one"));
      return;
    }
  if (!imp_autosave_load (&info, &image, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The earlier painting cannot be restored: %s"),
                                               error->message);

      _imp_window_show_toast (self, text);
      return;
    }

  imp_run_controller_set_result (self->controller, image);
  self->unsaved = TRUE;
  /* Not painted from what the wells hold now: its own images come back below. */
  g_clear_object (&self->result_content);
  g_clear_object (&self->result_style);
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
  _imp_window_update_actions (self);
  imp_autosave_info_clear (&info);
  if (self->restore_toast != NULL)
    adw_toast_dismiss (self->restore_toast);
}

void
_imp_window_offer_autosave (ImpWindow *self)
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
  g_set_object (&self->last_toast, toast);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
_imp_window_class_init_lost_work (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.restore-autosave", NULL, restore_autosave_action);
}
