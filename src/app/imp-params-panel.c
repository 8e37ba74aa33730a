/* imp-params-panel.c: the parameters of a run, bound to GSettings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Weights span many decades, so their sliders move in log10 units; the mapping
 * functions translate to and from the linear values GSettings stores.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "imp-params-panel.h"

static const char * const optimizer_nicks[] = { "adam", "lbfgs", NULL };
static const char * const init_nicks[] = { "content", "noise", "style", NULL };
static const char * const pool_nicks[] = { "max", "avg", NULL };
static const char * const colors_nicks[] = { "none", "luminance", "histogram", NULL };

struct _ImpParamsPanel
{
  GtkWidget    parent_instance;

  /* Template widgets */
  GtkDropDown *preset_dropdown;
  GtkScale    *style_scale;
  GtkScale    *content_scale;
  GtkScale    *tv_scale;
  GtkScale    *iterations_scale;
  GtkScale    *size_scale;
  GtkDropDown *optimizer_dropdown;
  GtkSpinButton *lr_spin;
  GtkDropDown *init_dropdown;
  GtkDropDown *pool_dropdown;
  GtkDropDown *colors_dropdown;
  GtkEntry    *content_layers_entry;
  GtkEntry    *style_layers_entry;
  GtkSpinButton *seed_spin;

  /* Owned */
  GSettings   *settings;
};

G_DEFINE_FINAL_TYPE (ImpParamsPanel, imp_params_panel, GTK_TYPE_WIDGET)

/* Numbers of any GSettings integer or double type, so the schema may pick. */
static double
settings_get_number (GSettings  *settings,
                     const char *key)
{
  g_autoptr(GVariant) v = g_settings_get_value (settings, key);

  switch (g_variant_classify (v))
    {
    case G_VARIANT_CLASS_DOUBLE: return g_variant_get_double (v);
    case G_VARIANT_CLASS_INT32:  return g_variant_get_int32 (v);
    case G_VARIANT_CLASS_UINT32: return g_variant_get_uint32 (v);
    case G_VARIANT_CLASS_INT64:  return g_variant_get_int64 (v);
    case G_VARIANT_CLASS_UINT64: return g_variant_get_uint64 (v);
    default:
      g_warning ("Settings key %s is not a number", key);
      return 0;
    }
}

static GVariant *
number_variant (const GVariantType *type,
                double              value)
{
  if (g_variant_type_equal (type, G_VARIANT_TYPE_DOUBLE))
    return g_variant_new_double (value);
  if (g_variant_type_equal (type, G_VARIANT_TYPE_INT32))
    return g_variant_new_int32 ((gint32) CLAMP (round (value), G_MININT32, G_MAXINT32));
  if (g_variant_type_equal (type, G_VARIANT_TYPE_UINT32))
    return g_variant_new_uint32 ((guint32) CLAMP (round (value), 0, G_MAXUINT32));
  if (g_variant_type_equal (type, G_VARIANT_TYPE_INT64))
    return g_variant_new_int64 ((gint64) round (value));
  if (g_variant_type_equal (type, G_VARIANT_TYPE_UINT64))
    return g_variant_new_uint64 ((guint64) MAX (0, round (value)));
  return NULL;
}

static void
settings_set_number (GSettings  *settings,
                     const char *key,
                     double      value)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaKey) skey = NULL;
  GVariant *v;

  g_object_get (settings, "settings-schema", &schema, NULL);
  skey = g_settings_schema_get_key (schema, key);
  v = number_variant (g_settings_schema_key_get_value_type (skey), value);
  if (v == NULL || !g_settings_schema_key_range_check (skey, v))
    {
      g_warning ("Value %g does not fit settings key %s", value, key);
      if (v != NULL)
        g_variant_unref (g_variant_ref_sink (v));
      return;
    }
  g_settings_set_value (settings, key, v);
}

static int
nick_index (const char * const *nicks,
            const char         *nick)
{
  for (int i = 0; nicks[i] != NULL; i++)
    if (g_strcmp0 (nicks[i], nick) == 0)
      return i;
  return -1;
}

static gboolean
parse_choice (GSettings          *settings,
              const char         *key,
              const char * const *nicks,
              int                *out,
              GError            **error)
{
  g_autofree char *nick = g_settings_get_string (settings, key);
  int i = nick_index (nicks, nick);

  if (i < 0)
    {
      g_set_error (error, IMP_PARAMS_ERROR, IMP_PARAMS_ERROR_INVALID,
                   _("Unknown value “%s” for %s"), nick, key);
      return FALSE;
    }
  *out = i;
  return TRUE;
}

static gboolean
parse_layers (GSettings    *settings,
              const char   *key,
              ImpLayerSet  *set,
              GError      **error)
{
  g_autofree char *text = g_settings_get_string (settings, key);
  g_autoptr(GError) local_error = NULL;

  if (imp_layer_set_parse (set, text, &local_error))
    return TRUE;
  g_set_error (error, IMP_PARAMS_ERROR, IMP_PARAMS_ERROR_INVALID,
               _("The %s “%s” are not valid: %s"),
               g_str_equal (key, "content-layers") ? _("content layers") : _("style layers"),
               text, local_error->message);
  return FALSE;
}

static gboolean
read_choices (GSettings  *settings,
              ImpParams  *p,
              GError    **error)
{
  int optimizer, init, pool, colors;

  if (!parse_choice (settings, "optimizer", optimizer_nicks, &optimizer, error)
      || !parse_choice (settings, "init", init_nicks, &init, error)
      || !parse_choice (settings, "pool", pool_nicks, &pool, error)
      || !parse_choice (settings, "preserve-colors", colors_nicks, &colors, error))
    return FALSE;
  p->optimizer = optimizer;
  p->init = init;
  p->pool = pool;
  p->preserve_colors = colors;
  return TRUE;
}

gboolean
imp_params_from_settings (GSettings  *settings,
                          ImpParams  *p,
                          GError    **error)
{
  g_autofree char *preset = g_settings_get_string (settings, "preset");

  /* The preset fills what has no key (coarse-to-fine scales, averaging). */
  if (!imp_params_init_preset (p, preset, error))
    return FALSE;

  p->content_weight = settings_get_number (settings, "content-weight");
  p->style_weight = settings_get_number (settings, "style-weight");
  p->tv_weight = settings_get_number (settings, "tv-weight");
  p->iterations = settings_get_number (settings, "iterations");
  p->size = settings_get_number (settings, "size");
  p->style_size = settings_get_number (settings, "style-size");
  p->style_scale = settings_get_number (settings, "style-scale");
  p->lr = settings_get_number (settings, "learning-rate");
  p->beta1 = settings_get_number (settings, "beta1");
  p->beta2 = settings_get_number (settings, "beta2");
  p->epsilon = settings_get_number (settings, "epsilon");
  p->lbfgs_history = settings_get_number (settings, "lbfgs-history");
  p->seed = settings_get_number (settings, "seed");
  p->threads = settings_get_number (settings, "threads");
  /* The key is in megabytes. */
  p->memory_limit = (guint64) settings_get_number (settings, "memory-limit") * 1024 * 1024;

  return read_choices (settings, p, error)
         && parse_layers (settings, "content-layers", &p->content_layers, error)
         && parse_layers (settings, "style-layers", &p->style_layers, error);
}

/* A second object on the same keys: delay-apply mode cannot be left again, and
 * the caller's object is shared with bindings that must write at once. */
static GSettings *
settings_clone (GSettings *settings)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsBackend) backend = NULL;
  g_autofree char *path = NULL;

  g_object_get (settings, "settings-schema", &schema, "backend", &backend, "path", &path, NULL);
  return g_settings_new_full (schema, backend, path);
}

void
imp_params_to_settings (const ImpParams *p,
                        GSettings       *shared)
{
  g_autofree char *content_layers = imp_layer_set_to_string (&p->content_layers);
  g_autofree char *style_layers = imp_layer_set_to_string (&p->style_layers);
  g_autoptr(GSettings) settings = settings_clone (shared);

  /* One batch: listeners see a consistent set of values. */
  g_settings_delay (settings);
  settings_set_number (settings, "content-weight", p->content_weight);
  settings_set_number (settings, "style-weight", p->style_weight);
  settings_set_number (settings, "tv-weight", p->tv_weight);
  settings_set_number (settings, "iterations", p->iterations);
  settings_set_number (settings, "size", p->size);
  settings_set_number (settings, "style-size", p->style_size);
  settings_set_number (settings, "style-scale", p->style_scale);
  settings_set_number (settings, "learning-rate", p->lr);
  settings_set_number (settings, "beta1", p->beta1);
  settings_set_number (settings, "beta2", p->beta2);
  settings_set_number (settings, "epsilon", p->epsilon);
  settings_set_number (settings, "lbfgs-history", p->lbfgs_history);
  settings_set_number (settings, "seed", p->seed);
  g_settings_set_string (settings, "optimizer", optimizer_nicks[p->optimizer]);
  g_settings_set_string (settings, "init", init_nicks[p->init]);
  g_settings_set_string (settings, "pool", pool_nicks[p->pool]);
  g_settings_set_string (settings, "preserve-colors", colors_nicks[p->preserve_colors]);
  g_settings_set_string (settings, "content-layers", content_layers);
  g_settings_set_string (settings, "style-layers", style_layers);
  g_settings_apply (settings);
}

/* Log sliders: the adjustment holds log10 (value); its lower end means 0 where
 * the key allows 0 (the smoothing slider's "off"). */
static gboolean
log_get_mapping (GValue   *value,
                 GVariant *variant,
                 gpointer  user_data)
{
  GtkAdjustment *adjustment = user_data;
  double v = g_variant_get_double (variant);
  double lower = gtk_adjustment_get_lower (adjustment);
  double upper = gtk_adjustment_get_upper (adjustment);

  g_value_set_double (value, v > 0 ? CLAMP (log10 (v), lower, upper) : lower);
  return TRUE;
}

static GVariant *
log_set_mapping (const GValue       *value,
                 const GVariantType *expected_type,
                 gpointer            user_data)
{
  GtkAdjustment *adjustment = user_data;
  double x = g_value_get_double (value);
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  if (g_object_get_data (G_OBJECT (adjustment), "lower-is-off") != NULL
      && x <= gtk_adjustment_get_lower (adjustment) + 1e-9)
    return g_variant_new_double (0);
  /* Three significant digits: the slider cannot mean more, and the values read well. */
  g_ascii_formatd (text, sizeof text, "%.3g", pow (10, x));
  return g_variant_new_double (g_ascii_strtod (text, NULL));
}

/* 0.01, 1000, 2.5×10⁶: plain where short, powers of ten beyond. */
static char *
format_weight (double v)
{
  static const char *superscripts[] = { "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹" };
  GString *s;
  int exponent;
  double mantissa;
  char digits[16];

  g_ascii_formatd (digits, sizeof digits, "%.3g", v);
  v = g_ascii_strtod (digits, NULL);
  if (v == 0 || (v >= 1e-3 && v < 1e5))
    return g_strdup_printf ("%.6g", v);

  exponent = (int) floor (log10 (v) + 1e-9);
  mantissa = v / pow (10, exponent);
  s = g_string_new (NULL);
  if (fabs (mantissa - 1) > 0.005)
    g_string_append_printf (s, "%.2g×", mantissa);
  g_string_append (s, "10");
  if (exponent < 0)
    g_string_append (s, "⁻");
  g_snprintf (digits, sizeof digits, "%d", ABS (exponent));
  for (const char *d = digits; *d != '\0'; d++)
    g_string_append (s, superscripts[*d - '0']);
  return g_string_free (s, FALSE);
}

static char *
format_log_value (GtkScale *scale,
                  double    x,
                  gpointer  user_data)
{
  GtkAdjustment *adjustment = gtk_range_get_adjustment (GTK_RANGE (scale));

  if (x <= gtk_adjustment_get_lower (adjustment) + 1e-9)
    return g_strdup (_("off"));
  return format_weight (pow (10, x));
}

static void
bind_log (ImpParamsPanel *self,
          GtkScale       *scale,
          const char     *key,
          gboolean        lower_is_off)
{
  GtkAdjustment *adjustment = gtk_range_get_adjustment (GTK_RANGE (scale));

  if (lower_is_off)
    g_object_set_data (G_OBJECT (adjustment), "lower-is-off", GINT_TO_POINTER (TRUE));
  g_settings_bind_with_mapping (self->settings, key, adjustment, "value",
                                G_SETTINGS_BIND_DEFAULT,
                                log_get_mapping, log_set_mapping,
                                adjustment, NULL);
  if (lower_is_off)
    gtk_scale_set_format_value_func (scale, format_log_value, NULL, NULL);
}

static gboolean
choice_get_mapping (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  int i = nick_index (user_data, g_variant_get_string (variant, NULL));

  if (i < 0)
    return FALSE;
  g_value_set_uint (value, i);
  return TRUE;
}

static GVariant *
choice_set_mapping (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  const char * const *nicks = user_data;
  guint i = g_value_get_uint (value);

  if (i >= g_strv_length ((char **) nicks))
    return NULL;
  return g_variant_new_string (nicks[i]);
}

static void
bind_choice (ImpParamsPanel     *self,
             GtkDropDown        *dropdown,
             const char         *key,
             const char * const *nicks)
{
  g_settings_bind_with_mapping (self->settings, key, dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                choice_get_mapping, choice_set_mapping,
                                (gpointer) nicks, NULL);
}

static void
on_preset_changed (GSettings      *settings,
                   const char     *key,
                   ImpParamsPanel *self)
{
  imp_params_panel_reset (self);
}

void
imp_params_panel_reset (ImpParamsPanel *self)
{
  g_autofree char *preset = NULL;
  g_autoptr(GError) error = NULL;
  ImpParams params;

  g_return_if_fail (IMP_IS_PARAMS_PANEL (self));

  if (self->settings == NULL)
    return;
  preset = g_settings_get_string (self->settings, "preset");
  if (!imp_params_init_preset (&params, preset, &error))
    {
      g_warning ("%s", error->message);
      return;
    }
  imp_params_to_settings (&params, self->settings);
}

void
imp_params_panel_set_settings (ImpParamsPanel *self,
                               GSettings      *settings)
{
  g_return_if_fail (IMP_IS_PARAMS_PANEL (self));
  g_return_if_fail (self->settings == NULL);

  self->settings = g_object_ref (settings);

  bind_choice (self, self->preset_dropdown, "preset", (const char * const *) imp_params_list_presets ());
  g_signal_connect_object (settings, "changed::preset", G_CALLBACK (on_preset_changed), self, 0);

  bind_log (self, self->style_scale, "style-weight", FALSE);
  bind_log (self, self->content_scale, "content-weight", FALSE);
  bind_log (self, self->tv_scale, "tv-weight", TRUE);
  g_settings_bind (settings, "iterations", gtk_range_get_adjustment (GTK_RANGE (self->iterations_scale)),
                   "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "size", gtk_range_get_adjustment (GTK_RANGE (self->size_scale)),
                   "value", G_SETTINGS_BIND_DEFAULT);

  bind_choice (self, self->optimizer_dropdown, "optimizer", optimizer_nicks);
  bind_choice (self, self->init_dropdown, "init", init_nicks);
  bind_choice (self, self->pool_dropdown, "pool", pool_nicks);
  bind_choice (self, self->colors_dropdown, "preserve-colors", colors_nicks);
  g_settings_bind (settings, "learning-rate", self->lr_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "seed", self->seed_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "content-layers", self->content_layers_entry, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "style-layers", self->style_layers_entry, "text", G_SETTINGS_BIND_DEFAULT);
}

GtkAdjustment *
imp_params_panel_get_adjustment (ImpParamsPanel *self,
                                 const char     *key)
{
  struct { const char *key; GtkScale *scale; } map[] = {
    { "style-weight", self->style_scale },
    { "content-weight", self->content_scale },
    { "tv-weight", self->tv_scale },
    { "iterations", self->iterations_scale },
    { "size", self->size_scale },
  };

  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (map[i].key, key))
      return gtk_range_get_adjustment (GTK_RANGE (map[i].scale));
  return NULL;
}

static char *
format_log_plain (GtkScale *scale,
                  double    x,
                  gpointer  user_data)
{
  return format_weight (pow (10, x));
}

static const char *
preset_label (const char *preset)
{
  struct { const char *name; const char *label; } labels[] = {
    /* Translators: preset that reproduces the TensorFlow tutorial */
    { "tutorial", N_("Tutorial") },
    /* Translators: preset after Gatys et al.'s paper (a surname) */
    { "gatys", N_("Gatys") },
    { "fast", N_("Fast") },
    { "best", N_("Best") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_str_equal (labels[i].name, preset))
      return _(labels[i].label);
  return preset;
}

static void
fill_presets (ImpParamsPanel *self)
{
  const char * const *presets = imp_params_list_presets ();
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);

  for (guint i = 0; presets[i] != NULL; i++)
    gtk_string_list_append (list, preset_label (presets[i]));
  gtk_drop_down_set_model (self->preset_dropdown, G_LIST_MODEL (list));
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

  G_OBJECT_CLASS (imp_params_panel_parent_class)->dispose (object);
}

static void
imp_params_panel_class_init (ImpParamsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = imp_params_panel_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/impasto/Impasto/imp-params-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, preset_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, style_scale);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, content_scale);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, tv_scale);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, iterations_scale);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, size_scale);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, optimizer_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, lr_spin);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, init_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, pool_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, colors_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, content_layers_entry);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, style_layers_entry);
  gtk_widget_class_bind_template_child (widget_class, ImpParamsPanel, seed_spin);
  gtk_widget_class_bind_template_callback (widget_class, imp_params_panel_reset);
  gtk_widget_class_set_css_name (widget_class, "imp-params-panel");
}

static void
imp_params_panel_init (ImpParamsPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  fill_presets (self);
  gtk_scale_set_format_value_func (self->style_scale, format_log_plain, NULL, NULL);
  gtk_scale_set_format_value_func (self->content_scale, format_log_plain, NULL, NULL);
}
