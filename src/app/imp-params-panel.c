/* imp-params-panel.c: the parameters of a run, bound to GSettings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The preset drop-down lists each preset with what it is for and how long it
 * takes at the current output size, the default first; once a value differs
 * from the preset's it reads "Custom" and Reset puts the preset's values back.
 * The weights are strengths relative to the preset (imp-settings.c).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "engine/imp-enums.h"
#include "engine/imp-transfer.h"
#include "imp-layer-chooser.h"
#include "imp-number.h"
#include "imp-params-panel.h"
#include "imp-value-slider.h"

struct _ImpParamsPanel
{
  GtkWidget        parent_instance;

  /* Template widgets */
  GtkDropDown     *preset_dropdown;
  GtkButton       *reset_button;
  GtkLabel        *preset_description;
  ImpValueSlider  *style_slider;
  ImpValueSlider  *content_slider;
  ImpValueSlider  *smoothing_slider;
  ImpValueSlider  *iterations_slider;
  ImpValueSlider  *size_slider;
  GtkDropDown     *optimizer_dropdown;
  GtkSpinButton   *lr_spin;
  GtkDropDown     *init_dropdown;
  GtkDropDown     *pool_dropdown;
  GtkDropDown     *colors_dropdown;
  GtkSpinButton   *start_size_spin;
  GtkSpinButton   *scale_factor_spin;
  GtkSpinButton   *average_decay_spin;
  ImpLayerChooser *content_layers_chooser;
  ImpLayerChooser *style_layers_chooser;
  GtkSpinButton   *seed_spin;

  /* Owned */
  GSettings       *settings;
  GtkStringList   *presets;
  /* Drop-down rows and button labels now bound, to refresh in place */
  GPtrArray       *bound_items;

  /* State */
  gboolean         custom;
  gboolean         selecting;
};

G_DEFINE_FINAL_TYPE (ImpParamsPanel, imp_params_panel, GTK_TYPE_WIDGET)

/* Presets */

typedef struct
{
  const char *name;
  const char *label;
  const char *description;
} PresetText;

static const PresetText preset_texts[] = {
  { "best", N_("Best"), N_("The best picture: painted small first, then refined") },
  { "fast", N_("Fast"), N_("A quick preview in the best preset’s manner") },
  { "patient", N_("Patient"), N_("The best preset’s picture, painted four times as long") },
  /* Translators: preset after Gatys et al.'s paper (a surname) */
  { "gatys", N_("Gatys"), N_("The original paper’s method, with L-BFGS") },
  /* Translators: preset that reproduces the TensorFlow tutorial */
  { "tutorial", N_("Tutorial"), N_("Exactly the TensorFlow tutorial’s recipe") },
};

static const PresetText *
preset_text (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (preset_texts); i++)
    if (g_str_equal (preset_texts[i].name, name))
      return &preset_texts[i];
  return NULL;
}

static const char *
preset_label (const char *name)
{
  const PresetText *text = preset_text (name);

  return text != NULL ? _(text->label) : name;
}

/* The output size an estimate is for: the stored one, 512 for "the content's own". */
static guint
estimate_size (GSettings *settings)
{
  guint size = settings != NULL ? g_settings_get_uint (settings, "size") : 0;

  return size > 0 ? size : 512;
}

static double
estimate_seconds (GSettings       *settings,
                  const ImpParams *params)
{
  guint size = estimate_size (settings);

  return imp_transfer_estimate_seconds (params, size, size,
                                        settings != NULL ? g_settings_get_uint (settings, "threads") : 0);
}

/* The space between a number and its unit is a no-break space (U+00A0): a
 * wrapped line keeps "55 s" together. */
static char *
format_estimate (double seconds)
{
  if (seconds < 90)
    /* Translators: expected time of a run, in seconds */
    return g_strdup_printf (_("about %u s"), (guint) MAX (5, round (seconds / 5) * 5));
  /* Translators: expected time of a run, in minutes */
  return g_strdup_printf (_("about %u min"), (guint) round (seconds / 60));
}

static char *
preset_estimate (ImpParamsPanel *self,
                 const char     *name)
{
  ImpParams params;

  if (!imp_params_init_preset (&params, name, NULL))
    return g_strdup ("");
  return format_estimate (estimate_seconds (self->settings, &params));
}

static int
compare_by_time (gconstpointer a,
                 gconstpointer b)
{
  const char *name_a = *(const char **) a, *name_b = *(const char **) b;
  ImpParams pa, pb;
  double ta, tb;

  if (g_str_equal (name_a, imp_params_default_preset ()) || g_str_equal (name_b, imp_params_default_preset ()))
    return g_str_equal (name_a, imp_params_default_preset ()) ? -1 : 1;
  imp_params_init_preset (&pa, name_a, NULL);
  imp_params_init_preset (&pb, name_b, NULL);
  ta = imp_transfer_estimate_seconds (&pa, 512, 512, 1);
  tb = imp_transfer_estimate_seconds (&pb, 512, 512, 1);
  return ta < tb ? -1 : ta > tb;
}

/* The default first, then from quickest to slowest. */
static GtkStringList *
ordered_presets (void)
{
  const char * const *names = imp_params_list_presets ();
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();

  for (guint i = 0; names[i] != NULL; i++)
    g_ptr_array_add (sorted, (gpointer) names[i]);
  g_ptr_array_sort (sorted, compare_by_time);
  g_ptr_array_add (sorted, NULL);
  return gtk_string_list_new ((const char * const *) sorted->pdata);
}

static const char *
item_name (GtkListItem *item)
{
  return gtk_string_object_get_string (gtk_list_item_get_item (item));
}

static const char *
selected_name (ImpParamsPanel *self)
{
  GtkStringObject *item = gtk_drop_down_get_selected_item (self->preset_dropdown);

  return item != NULL ? gtk_string_object_get_string (item) : imp_params_default_preset ();
}

/* Drop-down rows: the button shows the name or "Custom"; the list shows each
 * preset with its time, its description and a check at the current one. */

static void
fill_button_label (ImpParamsPanel *self,
                   GtkListItem    *item)
{
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));

  gtk_label_set_label (label, self->custom ? _("Custom") : preset_label (item_name (item)));
}

static void
fill_list_row (ImpParamsPanel *self,
               GtkListItem    *item)
{
  GtkWidget *row = gtk_list_item_get_child (item);
  const char *name = item_name (item);
  const PresetText *text = preset_text (name);
  g_autofree char *time = preset_estimate (self, name);

  gtk_label_set_label (g_object_get_data (G_OBJECT (row), "title"), preset_label (name));
  gtk_label_set_label (g_object_get_data (G_OBJECT (row), "time"), time);
  gtk_label_set_label (g_object_get_data (G_OBJECT (row), "description"),
                       text != NULL ? _(text->description) : "");
  gtk_widget_set_opacity (g_object_get_data (G_OBJECT (row), "check"),
                          gtk_list_item_get_position (item) == gtk_drop_down_get_selected (self->preset_dropdown));
}

static void
fill_item (ImpParamsPanel *self,
           GtkListItem    *item)
{
  if (GTK_IS_LABEL (gtk_list_item_get_child (item)))
    fill_button_label (self, item);
  else
    fill_list_row (self, item);
}

static void
refresh_items (ImpParamsPanel *self)
{
  for (guint i = 0; i < self->bound_items->len; i++)
    fill_item (self, g_ptr_array_index (self->bound_items, i));
}

static void
setup_button_label (GtkSignalListItemFactory *factory,
                    GtkListItem              *item,
                    ImpParamsPanel           *self)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "imp-preset-current");
  gtk_list_item_set_child (item, label);
}

static GtkWidget *
row_label (GtkWidget  *row,
           const char *key,
           gboolean    dim)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (dim)
    gtk_widget_add_css_class (label, "dim-label");
  g_object_set_data (G_OBJECT (row), key, label);
  return label;
}

static void
setup_list_row (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                ImpParamsPanel           *self)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *title = row_label (row, "title", FALSE);
  GtkWidget *description = row_label (row, "description", TRUE);
  GtkWidget *check = gtk_image_new_from_icon_name ("object-select-symbolic");

  gtk_widget_set_hexpand (title, TRUE);
  gtk_widget_add_css_class (title, "heading");
  gtk_widget_add_css_class (description, "caption");
  gtk_label_set_wrap (GTK_LABEL (description), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (description), 36);
  g_object_set_data (G_OBJECT (row), "check", check);
  gtk_box_append (GTK_BOX (top), title);
  gtk_box_append (GTK_BOX (top), row_label (row, "time", TRUE));
  gtk_box_append (GTK_BOX (top), check);
  gtk_box_append (GTK_BOX (row), top);
  gtk_box_append (GTK_BOX (row), description);
  gtk_list_item_set_child (item, row);
}

static void
bind_item (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           ImpParamsPanel           *self)
{
  g_ptr_array_add (self->bound_items, item);
  fill_item (self, item);
}

static void
unbind_item (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             ImpParamsPanel           *self)
{
  g_ptr_array_remove_fast (self->bound_items, item);
}

static GtkListItemFactory *
preset_factory (ImpParamsPanel *self,
                GCallback       setup)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", setup, self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_item), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_item), self);
  return factory;
}

static void
update_description (ImpParamsPanel *self)
{
  const char *name = selected_name (self);
  const PresetText *text = preset_text (name);
  g_autofree char *time = NULL;
  g_autofree char *line = NULL;
  ImpParams params;

  if (self->settings == NULL || !imp_params_from_settings (self->settings, &params, NULL))
    imp_params_init_preset (&params, name, NULL);
  time = format_estimate (estimate_seconds (self->settings, &params));
  if (self->custom)
    /* Translators: preset name, expected time, output size in pixels */
    line = g_strdup_printf (_("Changed from %s · %s at %u px"), preset_label (name), time,
                            estimate_size (self->settings));
  else
    /* Translators: preset description, expected time, output size in pixels */
    line = g_strdup_printf (_("%s · %s at %u px"), text != NULL ? _(text->description) : preset_label (name),
                            time, estimate_size (self->settings));
  gtk_label_set_label (self->preset_description, line);
}

static void
update_custom (ImpParamsPanel *self)
{
  g_autofree char *tooltip = NULL;

  self->custom = imp_settings_is_custom (self->settings);
  gtk_widget_set_sensitive (GTK_WIDGET (self->reset_button), self->custom);
  /* Translators: the button that puts back the preset's values; %s is its name */
  tooltip = g_strdup_printf (_("Reset to %s"), preset_label (selected_name (self)));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->reset_button), tooltip);
  refresh_items (self);
  update_description (self);
}

static void
select_stored_preset (ImpParamsPanel *self)
{
  g_autofree char *name = g_settings_get_string (self->settings, "preset");
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->presets));

  self->selecting = TRUE;
  for (guint i = 0; i < n; i++)
    if (g_str_equal (gtk_string_list_get_string (self->presets, i), name))
      gtk_drop_down_set_selected (self->preset_dropdown, i);
  self->selecting = FALSE;
}

/* The user picked a preset: it sets its values (not the output size). */
static void
on_preset_selected (GtkDropDown    *dropdown,
                    GParamSpec     *pspec,
                    ImpParamsPanel *self)
{
  g_autoptr(GError) error = NULL;

  if (self->selecting || self->settings == NULL)
    return;
  if (!imp_settings_apply_preset (self->settings, selected_name (self), &error))
    g_warning ("%s", error->message);
  update_custom (self);
}

static void
on_settings_changed (GSettings      *settings,
                     const char     *key,
                     ImpParamsPanel *self)
{
  if (g_str_equal (key, "preset"))
    select_stored_preset (self);
  if (g_str_equal (key, "preset") || g_str_equal (key, "size") || g_str_equal (key, "threads")
      || g_strv_contains ((const char * const *) imp_settings_preset_keys (), key))
    update_custom (self);
}

void
imp_params_panel_reset (ImpParamsPanel *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (IMP_IS_PARAMS_PANEL (self));

  if (self->settings == NULL)
    return;
  if (!imp_settings_apply_preset (self->settings, selected_name (self), &error))
    g_warning ("%s", error->message);
}

/* Choices: the drop-down lists the enum's values in order, so its position is
 * the value's index; the key stores the nick. A value without a label here
 * shows its nick, so an engine that gains a choice shows it at once. */

static const struct
{
  const char *nick;
  const char *label;
} choice_labels[] = {
  { "adam", N_("Adam") },
  { "lbfgs", N_("L-BFGS") },
  { "content", N_("Content image") },
  { "noise", N_("Noise") },
  { "style", N_("Style image") },
  { "recolored", N_("Content in the style’s colors") },
  { "max", N_("Maximum") },
  { "avg", N_("Average") },
  { "none", N_("From the style") },
  { "luminance", N_("Keep luminance only") },
  { "histogram", N_("Match histogram") },
};

static const char *
choice_label (const char *nick)
{
  for (guint i = 0; i < G_N_ELEMENTS (choice_labels); i++)
    if (g_str_equal (choice_labels[i].nick, nick))
      return _(choice_labels[i].label);
  return nick;
}

static int
enum_index (GEnumClass *klass,
            const char *nick)
{
  for (guint i = 0; i < klass->n_values; i++)
    if (g_str_equal (klass->values[i].value_nick, nick))
      return i;
  return -1;
}

static gboolean
enum_get_mapping (GValue   *value,
                  GVariant *variant,
                  gpointer  user_data)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (GPOINTER_TO_SIZE (user_data));
  int i = enum_index (klass, g_variant_get_string (variant, NULL));

  if (i < 0)
    return FALSE;
  g_value_set_uint (value, i);
  return TRUE;
}

static GVariant *
enum_set_mapping (const GValue       *value,
                  const GVariantType *expected_type,
                  gpointer            user_data)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (GPOINTER_TO_SIZE (user_data));
  guint i = g_value_get_uint (value);

  return i < klass->n_values ? g_variant_new_string (klass->values[i].value_nick) : NULL;
}

static void
fill_choices (GtkDropDown *dropdown,
              GType        type)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);

  for (guint i = 0; i < klass->n_values; i++)
    gtk_string_list_append (labels, choice_label (klass->values[i].value_nick));
  gtk_drop_down_set_model (dropdown, G_LIST_MODEL (labels));
}

static void
bind_enum (ImpParamsPanel *self,
           GtkDropDown    *dropdown,
           const char     *key,
           GType           type)
{
  fill_choices (dropdown, type);
  g_settings_bind_with_mapping (self->settings, key, dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                enum_get_mapping, enum_set_mapping,
                                GSIZE_TO_POINTER (type), NULL);
}

static void
bind_values (ImpParamsPanel *self)
{
  static const struct { const char *key; gsize offset; } bindings[] = {
    { "style-strength", G_STRUCT_OFFSET (ImpParamsPanel, style_slider) },
    { "content-strength", G_STRUCT_OFFSET (ImpParamsPanel, content_slider) },
    { "smoothing-strength", G_STRUCT_OFFSET (ImpParamsPanel, smoothing_slider) },
    { "iterations", G_STRUCT_OFFSET (ImpParamsPanel, iterations_slider) },
    { "size", G_STRUCT_OFFSET (ImpParamsPanel, size_slider) },
    { "learning-rate", G_STRUCT_OFFSET (ImpParamsPanel, lr_spin) },
    { "start-size", G_STRUCT_OFFSET (ImpParamsPanel, start_size_spin) },
    { "scale-factor", G_STRUCT_OFFSET (ImpParamsPanel, scale_factor_spin) },
    { "average-decay", G_STRUCT_OFFSET (ImpParamsPanel, average_decay_spin) },
    { "seed", G_STRUCT_OFFSET (ImpParamsPanel, seed_spin) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
    g_settings_bind (self->settings, bindings[i].key,
                     G_STRUCT_MEMBER (GObject *, self, bindings[i].offset), "value",
                     G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "content-layers", self->content_layers_chooser, "layers",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "style-layers", self->style_layers_chooser, "layers",
                   G_SETTINGS_BIND_DEFAULT);
}

void
imp_params_panel_set_settings (ImpParamsPanel *self,
                               GSettings      *settings)
{
  g_return_if_fail (IMP_IS_PARAMS_PANEL (self));
  g_return_if_fail (self->settings == NULL);

  self->settings = g_object_ref (settings);

  select_stored_preset (self);
  bind_values (self);
  bind_enum (self, self->optimizer_dropdown, "optimizer", IMP_TYPE_OPTIMIZER_KIND);
  bind_enum (self, self->init_dropdown, "init", IMP_TYPE_INIT_KIND);
  bind_enum (self, self->pool_dropdown, "pool", IMP_TYPE_POOL_KIND);
  bind_enum (self, self->colors_dropdown, "preserve-colors", IMP_TYPE_PRESERVE_COLORS);
  g_signal_connect_object (settings, "changed", G_CALLBACK (on_settings_changed), self, 0);
  update_custom (self);
}

static void
imp_params_panel_dispose (GObject *object)
{
  ImpParamsPanel *self = IMP_PARAMS_PANEL (object);
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (self), IMP_TYPE_PARAMS_PANEL);
  /* Unnamed template children are not cleared by dispose_template. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->settings);
  g_clear_object (&self->presets);
  g_clear_pointer (&self->bound_items, g_ptr_array_unref);

  G_OBJECT_CLASS (imp_params_panel_parent_class)->dispose (object);
}

static void
imp_params_panel_class_init (ImpParamsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = imp_params_panel_dispose;

  g_type_ensure (IMP_TYPE_VALUE_SLIDER);
  g_type_ensure (IMP_TYPE_LAYER_CHOOSER);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/impasto/Impasto/imp-params-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, preset_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, reset_button);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, preset_description);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, style_slider);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, content_slider);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, smoothing_slider);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, iterations_slider);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, size_slider);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, optimizer_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, lr_spin);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, init_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, pool_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, colors_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, start_size_spin);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, scale_factor_spin);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, average_decay_spin);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, content_layers_chooser);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, style_layers_chooser);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, seed_spin);
  gtk_widget_class_bind_template_callback (widget_class, imp_params_panel_reset);
  gtk_widget_class_set_css_name (widget_class, "imp-params-panel");
}

static void
setup_preset_dropdown (ImpParamsPanel *self)
{
  g_autoptr(GtkListItemFactory) button = preset_factory (self, G_CALLBACK (setup_button_label));
  g_autoptr(GtkListItemFactory) list = preset_factory (self, G_CALLBACK (setup_list_row));

  /* Factories first: GTK 4.8 does not set up a button row for a later one. */
  gtk_drop_down_set_factory (self->preset_dropdown, button);
  gtk_drop_down_set_list_factory (self->preset_dropdown, list);
  self->presets = ordered_presets ();
  gtk_drop_down_set_model (self->preset_dropdown, G_LIST_MODEL (self->presets));
  g_signal_connect (self->preset_dropdown, "notify::selected", G_CALLBACK (on_preset_selected), self);
}

static void
imp_params_panel_init (ImpParamsPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->bound_items = g_ptr_array_new ();
  setup_preset_dropdown (self);
  imp_number_spin_setup (self->lr_spin, 4);
  imp_number_spin_setup (self->start_size_spin, 5);
  imp_number_spin_setup (self->scale_factor_spin, 3);
  imp_number_spin_setup (self->average_decay_spin, 3);
  imp_number_spin_setup (self->seed_spin, 10);
  update_description (self);
}
