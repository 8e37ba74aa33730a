/* imp-layer-chooser.c: VGG19 layers picked from the real list, each with a weight
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A button names the chosen layers; its popover lists all sixteen convolution
 * layers with a check button and, for style layers, a weight. Layers without a
 * written weight share equally (as the engine reads them) until one weight is
 * changed; then every weight is written. The last chosen layer cannot be
 * unchosen: a loss needs at least one.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "engine/imp-params.h"
#include "imp-layer-chooser.h"
#include "imp-number.h"

struct _ImpLayerChooser
{
  GtkWidget       parent_instance;

  /* Children */
  GtkMenuButton  *button;
  GtkLabel       *summary;
  GtkCheckButton *checks[IMP_N_VGG_LAYERS];
  GtkSpinButton  *spins[IMP_N_VGG_LAYERS];

  /* State */
  char           *layers;
  ImpLayerSet     set;
  gboolean        show_weights;
  gboolean        syncing;
};

enum
{
  PROP_0,
  PROP_LAYERS,
  PROP_SHOW_WEIGHTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ImpLayerChooser, imp_layer_chooser, GTK_TYPE_WIDGET)

static int
set_index (const ImpLayerSet *set,
           ImpVggLayer        layer)
{
  for (guint i = 0; i < set->n_layers; i++)
    if (set->layers[i] == layer)
      return i;
  return -1;
}

/* The weight the engine will use: the written one or an equal share. */
static double
effective_weight (const ImpLayerSet *set,
                  guint              i)
{
  return set->weights[i] >= 0 ? set->weights[i] : 1.0 / set->n_layers;
}

static void
update_summary (ImpLayerChooser *self)
{
  g_autoptr(GString) names = g_string_new (NULL);
  g_autoptr(GString) tip = g_string_new (NULL);

  for (guint i = 0; i < self->set.n_layers; i++)
    {
      const char *name = imp_vgg_layer_name (self->set.layers[i]);
      g_autofree char *weight = imp_format_number (effective_weight (&self->set, i), 3);

      g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", name);
      if (self->show_weights)
        g_string_append_printf (tip, "%s%s  %s", i > 0 ? "\n" : "", name, weight);
      else
        g_string_append_printf (tip, "%s%s", i > 0 ? "\n" : "", name);
    }
  gtk_label_set_label (self->summary, names->str);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), tip->str);
}

/* Writes the set into the check buttons and weights. */
static void
sync_children (ImpLayerChooser *self)
{
  self->syncing = TRUE;
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      int i = set_index (&self->set, l);

      gtk_check_button_set_active (self->checks[l], i >= 0);
      /* A layer not chosen has no weight to show. */
      gtk_widget_set_sensitive (GTK_WIDGET (self->spins[l]), i >= 0);
      gtk_widget_set_opacity (GTK_WIDGET (self->spins[l]), i >= 0);
      if (i >= 0)
        gtk_spin_button_set_value (self->spins[l], effective_weight (&self->set, i));
    }
  self->syncing = FALSE;
  update_summary (self);
}

static void
store_set (ImpLayerChooser *self)
{
  g_free (self->layers);
  self->layers = imp_layer_set_to_string (&self->set);
  sync_children (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYERS]);
}

const char *
imp_layer_chooser_get_layers (ImpLayerChooser *self)
{
  g_return_val_if_fail (IMP_IS_LAYER_CHOOSER (self), NULL);

  return self->layers;
}

void
imp_layer_chooser_set_layers (ImpLayerChooser *self,
                              const char      *layers)
{
  ImpLayerSet set;

  g_return_if_fail (IMP_IS_LAYER_CHOOSER (self));

  if (g_strcmp0 (layers, self->layers) == 0)
    return;
  /* A stored list that does not parse shows as it is; a run then says why. */
  if (!imp_layer_set_parse (&set, layers, NULL))
    memset (&set, 0, sizeof set);
  self->set = set;
  g_free (self->layers);
  self->layers = g_strdup (layers);
  sync_children (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYERS]);
}

/* The set in network order with @layer added or removed. */
static void
toggle_layer (ImpLayerSet *set,
              ImpVggLayer  layer,
              gboolean     on,
              double       weight)
{
  ImpLayerSet out = { 0 };

  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      int i = set_index (set, l);

      if (l == layer ? !on : i < 0)
        continue;
      out.layers[out.n_layers] = l;
      out.weights[out.n_layers] = l == layer ? weight : set->weights[i];
      out.n_layers++;
    }
  *set = out;
}

/* A layer added to written weights gets their mean, so the balance holds. */
static double
weight_for_new_layer (const ImpLayerSet *set)
{
  double sum = 0;
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  if (set->n_layers == 0 || set->weights[0] < 0)
    return -1;
  for (guint i = 0; i < set->n_layers; i++)
    sum += effective_weight (set, i);
  /* Three digits: 0.2, not 0.19999999999999998. */
  return g_ascii_strtod (g_ascii_formatd (text, sizeof text, "%.3g", sum / set->n_layers), NULL);
}

static void
on_check_toggled (GtkCheckButton  *check,
                  ImpLayerChooser *self)
{
  ImpVggLayer layer = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (check), "layer"));
  gboolean on = gtk_check_button_get_active (check);

  if (self->syncing)
    return;
  if (!on && self->set.n_layers == 1)
    {
      /* At least one layer: put the check back. */
      gtk_widget_error_bell (GTK_WIDGET (check));
      sync_children (self);
      return;
    }
  toggle_layer (&self->set, layer, on, on ? weight_for_new_layer (&self->set) : -1);
  store_set (self);
}

static void
on_weight_changed (GtkSpinButton   *spin,
                   ImpLayerChooser *self)
{
  ImpVggLayer layer = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (spin), "layer"));
  int i = set_index (&self->set, layer);

  if (self->syncing || i < 0)
    return;
  /* One written weight means all are written: the shares stay what they were. */
  for (guint k = 0; k < self->set.n_layers; k++)
    self->set.weights[k] = effective_weight (&self->set, k);
  self->set.weights[i] = gtk_spin_button_get_value (spin);
  store_set (self);
}

static GtkSpinButton *
weight_spin (ImpVggLayer layer)
{
  GtkSpinButton *spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0, 10000, 0.01));

  gtk_spin_button_set_digits (spin, 4);
  gtk_editable_set_width_chars (GTK_EDITABLE (spin), 5);
  g_object_set_data (G_OBJECT (spin), "layer", GUINT_TO_POINTER (layer));
  imp_number_spin_setup (spin, 3);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  imp_vgg_layer_name (layer), -1);
  return spin;
}

static GtkWidget *
build_popover (ImpLayerChooser *self)
{
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *popover = gtk_popover_new ();

  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 2);
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      self->checks[l] = GTK_CHECK_BUTTON (gtk_check_button_new_with_label (imp_vgg_layer_name (l)));
      self->spins[l] = weight_spin (l);
      g_object_set_data (G_OBJECT (self->checks[l]), "layer", GUINT_TO_POINTER (l));
      gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (self->checks[l]), 0, l, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (self->spins[l]), 1, l, 1, 1);
      g_signal_connect (self->checks[l], "toggled", G_CALLBACK (on_check_toggled), self);
      g_signal_connect (self->spins[l], "value-changed", G_CALLBACK (on_weight_changed), self);
    }
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 360);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), grid);
  gtk_popover_set_child (GTK_POPOVER (popover), scrolled);
  return popover;
}

static void
set_show_weights (ImpLayerChooser *self,
                  gboolean         show)
{
  self->show_weights = show;
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    gtk_widget_set_visible (GTK_WIDGET (self->spins[l]), show);
  update_summary (self);
}

static void
imp_layer_chooser_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ImpLayerChooser *self = IMP_LAYER_CHOOSER (object);

  switch (prop_id)
    {
    case PROP_LAYERS: g_value_set_string (value, self->layers); break;
    case PROP_SHOW_WEIGHTS: g_value_set_boolean (value, self->show_weights); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
imp_layer_chooser_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ImpLayerChooser *self = IMP_LAYER_CHOOSER (object);

  switch (prop_id)
    {
    case PROP_LAYERS: imp_layer_chooser_set_layers (self, g_value_get_string (value)); break;
    case PROP_SHOW_WEIGHTS: set_show_weights (self, g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
imp_layer_chooser_dispose (GObject *object)
{
  ImpLayerChooser *self = IMP_LAYER_CHOOSER (object);

  g_clear_pointer ((GtkWidget **) &self->button, gtk_widget_unparent);
  g_clear_pointer (&self->layers, g_free);

  G_OBJECT_CLASS (imp_layer_chooser_parent_class)->dispose (object);
}

/* A label's mnemonic lands on the button. */
static gboolean
grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (IMP_LAYER_CHOOSER (widget)->button));
}

static void
imp_layer_chooser_class_init (ImpLayerChooserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = imp_layer_chooser_get_property;
  object_class->set_property = imp_layer_chooser_set_property;
  object_class->dispose = imp_layer_chooser_dispose;

  properties[PROP_LAYERS] = g_param_spec_string ("layers", NULL, NULL, NULL,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_WEIGHTS] = g_param_spec_boolean ("show-weights", NULL, NULL, FALSE,
                                                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  widget_class->grab_focus = grab_focus;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "imp-layer-chooser");
}

static void
imp_layer_chooser_init (ImpLayerChooser *self)
{
  GtkWidget *content;

  self->button = GTK_MENU_BUTTON (gtk_menu_button_new ());
  self->summary = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_ellipsize (self->summary, PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (self->summary, 0);
  gtk_widget_set_hexpand (GTK_WIDGET (self->summary), TRUE);
  /* Laid out as a drop-down's button: the names on the left, the arrow right. */
  content = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->summary));
  gtk_box_append (GTK_BOX (content), gtk_image_new_from_icon_name ("pan-down-symbolic"));
  gtk_menu_button_set_child (self->button, content);
  gtk_widget_set_hexpand (content, TRUE);
  /* GtkMenuButton centers its child in a box of its own. */
  gtk_widget_set_halign (gtk_widget_get_parent (content), GTK_ALIGN_FILL);
  gtk_menu_button_set_popover (self->button, build_popover (self));
  gtk_widget_set_parent (GTK_WIDGET (self->button), GTK_WIDGET (self));
  set_show_weights (self, FALSE);
}
