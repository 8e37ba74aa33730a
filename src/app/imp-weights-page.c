/* imp-weights-page.c: what the window shows while the network weights are missing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Offers to run weights/fetch (with its progress and Cancel) or to choose a
 * weights file; the window only hears which file to use.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "imp-export.h"
#include "imp-weights-download.h"
#include "imp-weights-page.h"

struct _ImpWeightsPage
{
  GtkWidget           parent_instance;

  /* Template widgets */
  AdwStatusPage      *status_page;
  GtkBox             *download_box;
  GtkProgressBar     *download_progress;
  GtkLabel           *download_label;

  /* Owned */
  ImpWeightsDownload *download;
};

G_DEFINE_FINAL_TYPE (ImpWeightsPage, imp_weights_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MESSAGE,
  PROP_FRACTION,
  N_PROPS
};

enum {
  WEIGHTS_FOUND,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
update_actions (ImpWeightsPage *self)
{
  gboolean downloading = imp_weights_download_get_running (self->download);
  g_autofree char *script = downloading ? NULL : imp_weights_download_find_script ();

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "weights.download", !downloading && script != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "weights.cancel", downloading);
}

static void
show_message (ImpWeightsPage *self,
              const char     *text)
{
  gtk_label_set_label (self->download_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->download_label), text != NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}

static void
on_download_fraction (ImpWeightsPage *self)
{
  double fraction = imp_weights_download_get_fraction (self->download);
  /* Translators: how much of the weights file has arrived, e.g. "42 % of 80 MB" */
  g_autofree char *text = g_strdup_printf (_("%.0f %% of %.0f MB"), 100 * fraction,
                                           IMP_WEIGHTS_DOWNLOAD_SIZE / 1e6);

  gtk_progress_bar_set_fraction (self->download_progress, fraction);
  gtk_progress_bar_set_text (self->download_progress, text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
}

static void
on_download_finished (ImpWeightsDownload *download,
                      const char         *path,
                      const GError       *error,
                      ImpWeightsPage     *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->download_box), FALSE);
  update_actions (self);
  if (path != NULL)
    {
      show_message (self, NULL);
      g_signal_emit (self, signals[WEIGHTS_FOUND], 0, path, TRUE);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_message (self, _("The download was cancelled. Download again to resume it."));
  else
    {
      g_autofree char *text =
        g_strdup_printf (_("The weights could not be downloaded: %s.\nCheck the internet connection "
                           "and download again (it resumes where it stopped), or choose a weights "
                           "file you already have."), error->message);

      show_message (self, text);
    }
}

static void
download_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  ImpWeightsPage *self = IMP_WEIGHTS_PAGE (widget);
  g_autoptr(GError) error = NULL;

  show_message (self, NULL);
  if (!imp_weights_download_start (self->download, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The download cannot start: %s"), error->message);

      show_message (self, text);
      return;
    }
  on_download_fraction (self);
  gtk_widget_set_visible (GTK_WIDGET (self->download_box), TRUE);
  update_actions (self);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  imp_weights_download_cancel (IMP_WEIGHTS_PAGE (widget)->download);
}

static void
on_weights_chosen (GFile    *file,
                   gpointer  user_data)
{
  ImpWeightsPage *self = user_data;

  /* Checked when a run loads it; a bad file comes back to this page with a toast. */
  if (file != NULL && g_file_peek_path (file) != NULL)
    g_signal_emit (self, signals[WEIGHTS_FOUND], 0, g_file_peek_path (file), FALSE);
}

static void
choose_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  static const ImpFileType types[] = {
    { N_("Safetensors Weights"), NULL, "*.safetensors" },
  };
  ImpFileChoice choice = {
    .title = _("Choose the VGG19 Weights"),
    .action = GTK_FILE_CHOOSER_ACTION_OPEN,
    .types = types,
    .n_types = G_N_ELEMENTS (types),
  };

  imp_export_choose_file (GTK_WIDGET (widget), &choice, on_weights_chosen, widget);
}

static void
imp_weights_page_dispose (GObject *object)
{
  ImpWeightsPage *self = IMP_WEIGHTS_PAGE (object);

  if (self->download != NULL)
    {
      /* It outlives the page until its script has ended: no reports back. */
      g_signal_handlers_disconnect_by_data (self->download, self);
      imp_weights_download_cancel (self->download);
    }
  g_clear_object (&self->download);
  gtk_widget_dispose_template (GTK_WIDGET (self), IMP_TYPE_WEIGHTS_PAGE);

  G_OBJECT_CLASS (imp_weights_page_parent_class)->dispose (object);
}

static void
imp_weights_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ImpWeightsPage *self = IMP_WEIGHTS_PAGE (object);

  switch (prop_id)
    {
    case PROP_MESSAGE:
      g_value_set_string (value, imp_weights_page_get_message (self));
      break;
    case PROP_FRACTION:
      g_value_set_double (value, imp_weights_page_get_fraction (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
imp_weights_page_class_init (ImpWeightsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = imp_weights_page_dispose;
  object_class->get_property = imp_weights_page_get_property;

  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[WEIGHTS_FOUND] =
    g_signal_new ("weights-found", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/impasto/Impasto/imp-weights-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ImpWeightsPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, ImpWeightsPage, download_box);
  gtk_widget_class_bind_template_child (widget_class, ImpWeightsPage, download_progress);
  gtk_widget_class_bind_template_child (widget_class, ImpWeightsPage, download_label);

  gtk_widget_class_install_action (widget_class, "weights.download", NULL, download_action);
  gtk_widget_class_install_action (widget_class, "weights.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "weights.choose", NULL, choose_action);
}

static void
imp_weights_page_init (ImpWeightsPage *self)
{
  g_autofree char *description = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->download = imp_weights_download_new ();
  g_signal_connect_object (self->download, "notify::fraction", G_CALLBACK (on_download_fraction),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->download, "finished", G_CALLBACK (on_download_finished), self, 0);

  description = g_strdup_printf (
    _("Impasto paints with the VGG19 network, whose weights (about 80 MB) are fetched separately. "
      "Download them (this runs <tt>weights/fetch</tt>, which stores them in %s), "
      "or choose a <tt>vgg19-conv.safetensors</tt> file you already have."),
    "<tt>~/.local/share/impasto/weights/</tt>");
  adw_status_page_set_description (self->status_page, description);
  update_actions (self);
}

const char *
imp_weights_page_get_message (ImpWeightsPage *self)
{
  g_return_val_if_fail (IMP_IS_WEIGHTS_PAGE (self), NULL);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->download_label)))
    return NULL;
  return gtk_label_get_label (self->download_label);
}

double
imp_weights_page_get_fraction (ImpWeightsPage *self)
{
  g_return_val_if_fail (IMP_IS_WEIGHTS_PAGE (self), 0);
  return gtk_progress_bar_get_fraction (self->download_progress);
}
