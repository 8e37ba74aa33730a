/* imp-window-restart.c: ImpWindow's answer to settings changed during a run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A change that needs a new session raises a bar above the painting rather
 * than a dialog, so keys typed into the size field keep going there. Keep
 * Painting puts the changed settings back to the values the run started with,
 * so what is saved later matches what the controls show.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "imp-window-private.h"

/* Keys that need a new session (image sizes, network, optimizer). */
static const char * const restart_keys[] = {
  "size", "style-size", "style-scale", "content-layers", "style-layers", "pool",
  "optimizer", "init", "preserve-colors", "preset", "start-size", "scale-factor",
  "average-decay",
};

static gboolean
has_key (ImpWindow  *self,
         const char *key)
{
  g_autoptr(GSettingsSchema) schema = NULL;

  g_object_get (self->settings, "settings-schema", &schema, NULL);
  return g_settings_schema_has_key (schema, key);
}

/* The values of restart_keys a run started with. */
void
_imp_window_remember_run_settings (ImpWindow *self)
{
  g_clear_pointer (&self->run_settings, g_variant_dict_unref);
  self->run_settings = g_variant_dict_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (restart_keys); i++)
    if (has_key (self, restart_keys[i]))
      {
        g_autoptr(GVariant) value = g_settings_get_value (self->settings, restart_keys[i]);

        g_variant_dict_insert_value (self->run_settings, restart_keys[i], value);
      }
}

void
_imp_window_hide_restart (ImpWindow *self)
{
  gtk_revealer_set_reveal_child (self->restart_revealer, FALSE);
}

/* Shown once per run; the run goes on meanwhile. */
void
_imp_window_ask_restart (ImpWindow  *self,
                         const char *what)
{
  if (!imp_run_controller_get_running (self->controller) || self->keeping_run)
    return;
  gtk_label_set_label (self->restart_label, what);
  gtk_revealer_set_reveal_child (self->restart_revealer, TRUE);
}

static void
on_restart_key_changed (GSettings  *settings,
                        const char *key,
                        ImpWindow  *self)
{
  _imp_window_ask_restart (self, _("The new settings apply from the next run."));
}

static void
keep_run_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  ImpWindow *self = IMP_WINDOW (widget);

  _imp_window_hide_restart (self);
  if (self->run_settings == NULL)
    return;
  self->keeping_run = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (restart_keys); i++)
    {
      g_autoptr(GVariant) was = g_variant_dict_lookup_value (self->run_settings, restart_keys[i], NULL);
      g_autoptr(GVariant) now = NULL;

      if (was == NULL)
        continue;
      now = g_settings_get_value (self->settings, restart_keys[i]);
      if (!g_variant_equal (was, now))
        g_settings_set_value (self->settings, restart_keys[i], was);
    }
  self->keeping_run = FALSE;
}

static void
restart_run_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  ImpWindow *self = IMP_WINDOW (widget);

  _imp_window_hide_restart (self);
  if (!imp_run_controller_get_running (self->controller))
    return;
  self->restart_after_stop = TRUE;
  imp_run_controller_stop (self->controller);
}

void
_imp_window_connect_restart (ImpWindow *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (restart_keys); i++)
    {
      g_autofree char *signal = g_strconcat ("changed::", restart_keys[i], NULL);

      g_signal_connect_object (self->settings, signal, G_CALLBACK (on_restart_key_changed), self, 0);
    }
}

void
_imp_window_class_init_restart (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.keep-run", NULL, keep_run_action);
  gtk_widget_class_install_action (widget_class, "win.restart-run", NULL, restart_run_action);
}
