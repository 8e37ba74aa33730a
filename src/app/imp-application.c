/* imp-application.c: the application: app actions, about, preferences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "imp-application.h"
#include "imp-preferences-window.h"
#include "imp-samples.h"
#include "imp-window.h"

struct _ImpApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (ImpApplication, imp_application, ADW_TYPE_APPLICATION)

static void
imp_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (imp_window_new (ADW_APPLICATION (app)));
  gtk_window_present (window);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GtkApplication *app = user_data;
  GList *windows = gtk_application_get_windows (app);

  /* Closing, not quitting outright, so each window saves its state. */
  for (GList *l = windows; l != NULL;)
    {
      GtkWindow *window = l->data;

      l = l->next;
      gtk_window_close (window);
    }
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkApplication *app = user_data;
  const char *developers[] = { "The Impasto contributors", NULL };
  const char *network[] = {
    "Karen Simonyan and Andrew Zisserman, “Very Deep Convolutional Networks for Large-Scale Image Recognition” (VGG19, CC BY 4.0)",
    "Leon A. Gatys, Alexander S. Ecker and Matthias Bethge, “A Neural Algorithm of Artistic Style”",
    NULL,
  };
  g_autoptr(GPtrArray) samples = g_ptr_array_new ();
  GtkWidget *about;

  for (const ImpSample *s = imp_samples_list (); s->file != NULL; s++)
    g_ptr_array_add (samples, (gpointer) s->credit);
  g_ptr_array_add (samples, NULL);

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-name", _("Impasto"),
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "developers", developers,
                        "comments", _("Paint a photo in the style of a picture"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "website", "https://github.com/impasto/impasto",
                        "issue-url", "https://github.com/impasto/impasto/issues",
                        "translator-credits", _("translator-credits"),
                        NULL);
  adw_about_window_add_credit_section (ADW_ABOUT_WINDOW (about), _("Neural Network"), network);
  adw_about_window_add_credit_section (ADW_ABOUT_WINDOW (about), _("Sample Pictures"),
                                       (const char **) samples->pdata);
  gtk_window_present (GTK_WINDOW (about));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  GtkApplication *app = user_data;
  GtkWindow *prefs = imp_preferences_window_new (gtk_application_get_active_window (app));

  gtk_window_present (prefs);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action, NULL, NULL, NULL, { 0 } },
  { "about", about_action, NULL, NULL, NULL, { 0 } },
  { "preferences", preferences_action, NULL, NULL, NULL, { 0 } },
};

static void
imp_application_startup (GApplication *app)
{
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *prefs_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (imp_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", prefs_accels);
}

static void
imp_application_class_init (ImpApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = imp_application_activate;
  app_class->startup = imp_application_startup;
}

static void
imp_application_init (ImpApplication *self)
{
}

ImpApplication *
imp_application_new (void)
{
  return g_object_new (IMP_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/impasto/Impasto",
                       NULL);
}
