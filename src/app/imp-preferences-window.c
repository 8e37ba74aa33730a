/* imp-preferences-window.c: default folder, threads, memory limit
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "imp-export.h"
#include "imp-preferences-window.h"

struct _ImpPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  /* Template widgets */
  AdwActionRow  *folder_row;
  GtkSpinButton *threads_spin;
  GtkSpinButton *memory_spin;

  /* Owned */
  GSettings     *settings;
};

G_DEFINE_FINAL_TYPE (ImpPreferencesWindow, imp_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
show_folder (ImpPreferencesWindow *self)
{
  g_autofree char *folder = g_settings_get_string (self->settings, "default-folder");

  adw_action_row_set_subtitle (self->folder_row,
                               *folder != '\0' ? folder : _("Where the last painting was saved, else Pictures"));
}

static void
on_folder_chosen (GFile    *folder,
                  gpointer  user_data)
{
  ImpPreferencesWindow *self = user_data;

  if (folder != NULL && g_file_peek_path (folder) != NULL)
    {
      g_settings_set_string (self->settings, "default-folder", g_file_peek_path (folder));
      /* A folder chosen here is where the next save dialog opens. */
      g_settings_reset (self->settings, "last-save-folder");
    }
}

static void
choose_folder (ImpPreferencesWindow *self)
{
  ImpFileChoice choice = {
    .title = _("Default Folder"),
    .action = GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
  };

  imp_export_choose_file (GTK_WIDGET (self), &choice, on_folder_chosen, self);
}

static void
imp_preferences_window_dispose (GObject *object)
{
  ImpPreferencesWindow *self = IMP_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), IMP_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (imp_preferences_window_parent_class)->dispose (object);
}

static void
imp_preferences_window_class_init (ImpPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = imp_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/impasto/Impasto/imp-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ImpPreferencesWindow, folder_row);
  gtk_widget_class_bind_template_child (widget_class, ImpPreferencesWindow, threads_spin);
  gtk_widget_class_bind_template_child (widget_class, ImpPreferencesWindow, memory_spin);
  gtk_widget_class_bind_template_callback (widget_class, choose_folder);
}

static void
imp_preferences_window_init (ImpPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "threads", self->threads_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "memory-limit", self->memory_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed::default-folder",
                           G_CALLBACK (show_folder), self, G_CONNECT_SWAPPED);
  show_folder (self);
}

GtkWindow *
imp_preferences_window_new (GtkWindow *parent)
{
  return g_object_new (IMP_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "modal", TRUE,
                       NULL);
}
