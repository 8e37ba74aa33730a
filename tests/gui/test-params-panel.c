/* test-params-panel.c: parameters between presets, GSettings and the sliders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <math.h>

#include "engine/imp-enums.h"
#include "gui-find.h"
#include "imp-layer-chooser.h"
#include "imp-number.h"
#include "imp-params-panel.h"
#include "imp-value-slider.h"
#include "imp-preferences-window.h"

/* A label with @css_class under @root, not looking into popovers unless asked. */
static GtkLabel *
find_label (GtkWidget  *root,
            const char *css_class,
            gboolean    in_popovers)
{
  if (GTK_IS_POPOVER (root) && !in_popovers)
    return NULL;
  if (GTK_IS_LABEL (root) && gtk_widget_has_css_class (root, css_class))
    return GTK_LABEL (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_label (child, css_class, in_popovers);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* What the preset drop-down's button shows: a preset's name or "Custom". */
static const char *
preset_button_text (ImpParamsPanel *panel)
{
  GtkLabel *label = find_label (gui_find_by_id (GTK_WIDGET (panel), "preset_dropdown"),
                                "imp-preset-current", FALSE);

  g_assert_nonnull (label);
  return gtk_label_get_label (label);
}

static void
assert_layers_equal (const ImpLayerSet *a,
                     const ImpLayerSet *b)
{
  g_assert_cmpuint (a->n_layers, ==, b->n_layers);
  for (guint i = 0; i < a->n_layers; i++)
    {
      g_assert_cmpint (a->layers[i], ==, b->layers[i]);
      g_assert_cmpfloat_with_epsilon (a->weights[i], b->weights[i], 1e-6);
    }
}

/* Every value a preset sets that has a GSettings key. */
static void
assert_params_equal (const ImpParams *got,
                     const ImpParams *want)
{
  g_assert_cmpstr (got->preset, ==, want->preset);
  g_assert_cmpfloat (got->content_weight, ==, want->content_weight);
  g_assert_cmpfloat (got->style_weight, ==, want->style_weight);
  g_assert_cmpfloat (got->tv_weight, ==, want->tv_weight);
  g_assert_cmpuint (got->iterations, ==, want->iterations);
  g_assert_cmpuint (got->size, ==, want->size);
  g_assert_cmpint (got->style_size, ==, want->style_size);
  g_assert_cmpfloat (got->style_scale, ==, want->style_scale);
  g_assert_cmpint (got->optimizer, ==, want->optimizer);
  g_assert_cmpint (got->pool, ==, want->pool);
  g_assert_cmpint (got->init, ==, want->init);
  g_assert_cmpint (got->preserve_colors, ==, want->preserve_colors);
  g_assert_cmpfloat (got->lr, ==, want->lr);
  g_assert_cmpfloat (got->beta1, ==, want->beta1);
  g_assert_cmpfloat (got->beta2, ==, want->beta2);
  g_assert_cmpfloat (got->epsilon, ==, want->epsilon);
  g_assert_cmpuint (got->lbfgs_history, ==, want->lbfgs_history);
  g_assert_cmpuint (got->seed, ==, want->seed);
  g_assert_cmpuint (got->start_size, ==, want->start_size);
  g_assert_cmpfloat (got->scale_factor, ==, want->scale_factor);
  g_assert_cmpfloat (got->first_scale_weight, ==, want->first_scale_weight);
  g_assert_cmpfloat (got->last_scale_weight, ==, want->last_scale_weight);
  g_assert_cmpfloat (got->ema_decay, ==, want->ema_decay);
  assert_layers_equal (&got->content_layers, &want->content_layers);
  assert_layers_equal (&got->style_layers, &want->style_layers);
}

/* Weights far from the preset's are stored at the ends of the strengths' range. */
static void
test_strength_range (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  ImpParams p;

  g_assert_true (imp_params_init_preset (&p, "best", NULL));
  p.style_weight *= 1000;
  p.content_weight /= 1000;
  imp_params_to_settings (&p, settings);
  g_assert_cmpfloat (g_settings_get_double (settings, "style-strength"), ==, 10);
  g_assert_cmpfloat (g_settings_get_double (settings, "content-strength"), ==, 0.1);
}

/* Numbers as people write them, and read as they type them. */
static void
test_numbers (void)
{
  static const struct { double value; int digits; const char *text; } shown[] = {
    { 10, 4, "10" }, { 0.24, 3, "0.24" }, { G_SQRT2, 3, "1.41" }, { 0.9, 3, "0.9" },
    { 1e-5, 3, "0.00001" }, { 123456, 3, "123456" }, { 2147483647, 10, "2147483647" },
  };
  static const struct { const char *text; gboolean ok; double value; } typed[] = {
    { "2.5", TRUE, 2.5 }, { "0,5", TRUE, 0.5 }, { " 3 ", TRUE, 3 }, { "1e3", TRUE, 1000 },
    { "", FALSE, 0 }, { "1x", FALSE, 0 }, { "nan", FALSE, 0 }, { "inf", FALSE, 0 }, { "-", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (shown); i++)
    {
      g_autofree char *text = imp_format_number (shown[i].value, shown[i].digits);

      g_assert_cmpstr (text, ==, shown[i].text);
    }
  for (guint i = 0; i < G_N_ELEMENTS (typed); i++)
    {
      double v = 0;

      g_assert_cmpint (imp_parse_number (typed[i].text, &v), ==, typed[i].ok);
      if (typed[i].ok)
        g_assert_cmpfloat (v, ==, typed[i].value);
    }
}

/* Every preset survives the trip through GSettings unchanged. */
static void
test_round_trip (void)
{
  const char * const *presets = imp_params_list_presets ();
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  for (guint i = 0; presets[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      ImpParams want, got;

      g_assert_true (imp_params_init_preset (&want, presets[i], NULL));
      g_settings_set_string (settings, "preset", presets[i]);
      imp_params_to_settings (&want, settings);
      g_assert_true (imp_params_from_settings (settings, &got, &error));
      g_assert_no_error (error);
      assert_params_equal (&got, &want);
    }
}

static void
reset_all_keys (GSettings *settings)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (settings, keys[i]);
}

/* A typo in a layer list is a message for the user, not a crash. */
static void
test_bad_layers (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  ImpParams params;

  g_settings_set_string (settings, "preset", "tutorial");
  g_settings_set_string (settings, "style-layers", "conv1_1,conv9_9");
  g_assert_false (imp_params_from_settings (settings, &params, &error));
  g_assert_error (error, IMP_PARAMS_ERROR, IMP_PARAMS_ERROR_STYLE_LAYERS);
  g_assert_nonnull (strstr (error->message, "conv9_9"));
  message = imp_settings_describe_error (error);
  g_assert_cmpstr (message, ==, "The style layers are not valid. Choose them again under Advanced.");
  g_settings_reset (settings, "style-layers");
}

static GSettings *
fresh_settings (void)
{
  GSettings *settings = g_settings_new (APP_ID);

  reset_all_keys (settings);
  return settings;
}

/* A panel in a shown window, so its widgets have sizes. */
static ImpParamsPanel *
shown_panel (GSettings *settings,
             GtkWindow **window_out)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  ImpParamsPanel *panel = g_object_new (IMP_TYPE_PARAMS_PANEL, NULL);

  gtk_window_set_child (window, GTK_WIDGET (panel));
  gtk_window_set_default_size (window, 380, -1);
  imp_params_panel_set_settings (panel, settings);
  gtk_window_present (window);
  while (gtk_widget_get_width (GTK_WIDGET (panel)) == 0)
    g_main_context_iteration (NULL, TRUE);
  *window_out = window;
  return panel;
}

static void
drain (void)
{
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

/* Hidden, not destroyed: GTK 4.8 can leave a text field's timer behind that
 * fires on a destroyed controller. */
static void
close_window (GtkWindow *window)
{
  drain ();
  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
  drain ();
}

/* As a click on "Advanced": a closed expander holds its child outside the tree. */
static void
open_advanced (ImpParamsPanel *panel)
{
  gtk_expander_set_expanded (GTK_EXPANDER (gui_find_by_id (GTK_WIDGET (panel), "advanced_expander")), TRUE);
  drain ();
}

static ImpValueSlider *
slider (ImpParamsPanel *panel,
        const char     *id)
{
  GtkWidget *w = gui_find_by_id (GTK_WIDGET (panel), id);

  g_assert_true (IMP_IS_VALUE_SLIDER (w));
  return IMP_VALUE_SLIDER (w);
}

static GtkRange *
slider_scale (ImpValueSlider *s)
{
  return GTK_RANGE (gui_find_by_type (GTK_WIDGET (s), GTK_TYPE_SCALE));
}

static GtkEditableLabel *
slider_value (ImpValueSlider *s)
{
  return GTK_EDITABLE_LABEL (gui_find_by_type (GTK_WIDGET (s), GTK_TYPE_EDITABLE_LABEL));
}

/* As a user types into the value beside a slider and presses Enter. */
static void
type_value (ImpValueSlider *s,
            const char     *text,
            gboolean       *was_error)
{
  GtkEditableLabel *value = slider_value (s);

  gtk_editable_label_start_editing (value);
  gtk_editable_set_text (GTK_EDITABLE (value), text);
  if (was_error != NULL)
    *was_error = gtk_widget_has_css_class (GTK_WIDGET (value), "error");
  gtk_editable_label_stop_editing (value, TRUE);
}

static const char *
value_text (ImpValueSlider *s)
{
  return gtk_editable_get_text (GTK_EDITABLE (slider_value (s)));
}

static void
read_params (GSettings *settings,
             ImpParams *params)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (imp_params_from_settings (settings, params, &error));
  g_assert_no_error (error);
}

/* A fresh window runs the default preset (best) with its values: the
 * schema's defaults are that preset's, and the panel opens on it without
 * rewriting them. */
static void
test_schema_defaults (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GError) error = NULL;
  g_autofree char *preset = NULL;
  ImpParamsPanel *panel;
  GtkWindow *window;
  GtkDropDown *dropdown;
  GtkStringObject *item;
  ImpParams want, got;

  reset_all_keys (settings);
  preset = g_settings_get_string (settings, "preset");
  g_assert_cmpstr (preset, ==, imp_params_default_preset ());
  g_assert_cmpstr (preset, ==, "best");
  g_assert_true (imp_params_init_preset (&want, preset, NULL));
  g_assert_true (imp_params_from_settings (settings, &got, &error));
  g_assert_no_error (error);
  assert_params_equal (&got, &want);
  /* Nothing was changed by hand, so every key still reads its default. */
  g_assert_null (g_settings_get_user_value (settings, "iterations"));

  panel = shown_panel (settings, &window);
  dropdown = GTK_DROP_DOWN (gui_find_by_id (GTK_WIDGET (panel), "preset_dropdown"));
  item = gtk_drop_down_get_selected_item (dropdown);
  g_assert_cmpstr (gtk_string_object_get_string (item), ==, "best");
  g_assert_cmpstr (preset_button_text (panel), ==, "Best");
  g_assert_true (imp_params_from_settings (settings, &got, &error));
  g_assert_no_error (error);
  assert_params_equal (&got, &want);

  close_window (window);
}

/* Strengths read as plain numbers relative to the preset: 1 is the preset's
 * weight in every preset, and right always means more of that term. */
static void
test_strengths (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  const char * const *presets = imp_params_list_presets ();
  GtkWindow *window;
  ImpParamsPanel *panel = shown_panel (settings, &window);
  ImpValueSlider *style = slider (panel, "style_slider");
  ImpValueSlider *content = slider (panel, "content_slider");
  ImpValueSlider *smoothing = slider (panel, "smoothing_slider");

  for (guint i = 0; presets[i] != NULL; i++)
    {
      GtkAdjustment *adjustment = gtk_range_get_adjustment (slider_scale (style));
      ImpParams preset, got;

      g_assert_true (imp_params_init_preset (&preset, presets[i], NULL));
      g_settings_set_string (settings, "preset", presets[i]);
      imp_params_panel_reset (panel);
      g_test_message ("preset %s", presets[i]);
      g_assert_cmpstr (value_text (style), ==, "1");
      g_assert_cmpstr (value_text (content), ==, "1");
      g_assert_cmpstr (value_text (smoothing), ==, preset.tv_weight > 0 ? "1" : "Off");

      /* One step right: a little more style (fine steps near 1). */
      gtk_range_set_value (slider_scale (style), gtk_adjustment_get_value (adjustment)
                                                 + gtk_adjustment_get_step_increment (adjustment));
      read_params (settings, &got);
      g_assert_cmpfloat (got.style_weight, >, preset.style_weight);
      g_assert_cmpfloat (g_settings_get_double (settings, "style-strength"), ==, 1.1);
      g_assert_cmpstr (value_text (style), ==, "1.1");

      /* Typed: kept as typed, out of range brought in, not a number refused. */
      type_value (style, "2.37", NULL);
      read_params (settings, &got);
      g_assert_cmpfloat (g_settings_get_double (settings, "style-strength"), ==, 2.37);
      g_assert_cmpfloat (got.style_weight, ==, 2.37 * preset.style_weight);
      type_value (content, "50", NULL);
      g_assert_cmpfloat (g_settings_get_double (settings, "content-strength"), ==, 10);
      g_assert_cmpstr (value_text (content), ==, "10");
      g_assert_cmpfloat (imp_value_slider_get_value (content), ==, 10);
    }

  /* Smoothing's left end is off; typing 0.5 turns it on at half the default's. */
  {
    gboolean was_error = FALSE;
    ImpParams best, got;

    g_settings_set_string (settings, "preset", "tutorial");
    type_value (smoothing, "0,5", &was_error);
    g_assert_false (was_error);
    read_params (settings, &got);
    g_assert_true (imp_params_init_preset (&best, "best", NULL));
    g_assert_cmpfloat (got.tv_weight, ==, 0.5 * best.tv_weight);
    type_value (smoothing, "a lot", &was_error);
    g_assert_true (was_error);
    g_assert_cmpfloat (g_settings_get_double (settings, "smoothing-strength"), ==, 0.5);
    g_assert_cmpstr (value_text (smoothing), ==, "0.5");
    g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (slider_value (smoothing)), "error"));
    gtk_range_set_value (slider_scale (smoothing), -100);
    g_assert_cmpfloat (g_settings_get_double (settings, "smoothing-strength"), ==, 0);
    g_assert_cmpstr (value_text (smoothing), ==, "Off");
  }
  close_window (window);
}

/* The sliders' right ends line up, whatever the width of their numbers. */
static void
test_sliders_line_up (void)
{
  static const char * const ids[] = {
    "style_slider", "content_slider", "smoothing_slider", "iterations_slider", "size_slider",
  };
  g_autoptr(GSettings) settings = fresh_settings ();
  GtkWindow *window;
  ImpParamsPanel *panel;
  double right = -1;

  g_settings_set_string (settings, "preset", "tutorial");
  panel = shown_panel (settings, &window);
  imp_params_panel_reset (panel);
  g_settings_set_uint (settings, "size", 2048);
  g_settings_set_uint (settings, "iterations", 7);
  type_value (slider (panel, "style_slider"), "0.123", NULL);
  drain ();
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      graphene_rect_t bounds;

      g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (slider_scale (slider (panel, ids[i]))),
                                                GTK_WIDGET (panel), &bounds));
      g_test_message ("%s: \"%s\", scale ends at %g", ids[i], value_text (slider (panel, ids[i])),
                      bounds.origin.x + bounds.size.width);
      if (right < 0)
        right = bounds.origin.x + bounds.size.width;
      g_assert_cmpfloat (bounds.origin.x + bounds.size.width, ==, right);
    }
  g_assert_cmpstr (value_text (slider (panel, "smoothing_slider")), ==, "Off");
  g_assert_cmpstr (value_text (slider (panel, "size_slider")), ==, "2048");
  close_window (window);
}

static gboolean
reset_sensitive (ImpParamsPanel *panel)
{
  return gtk_widget_get_sensitive (gui_find_by_id (GTK_WIDGET (panel), "reset_button"));
}

/* Any change to what the preset defines shows "Custom"; Reset puts back only
 * those values; the output size is the user's own. */
static void
test_custom_and_reset (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  GtkWindow *window;
  ImpParamsPanel *panel = shown_panel (settings, &window);
  GtkDropDown *dropdown = GTK_DROP_DOWN (gui_find_by_id (GTK_WIDGET (panel), "preset_dropdown"));
  GtkLabel *description = GTK_LABEL (gui_find_by_id (GTK_WIDGET (panel), "preset_description"));
  ImpParams fast, got;

  g_assert_cmpstr (preset_button_text (panel), ==, "Best");
  g_assert_false (reset_sensitive (panel));

  /* The output size is not the preset's: still "Best". */
  gtk_range_set_value (slider_scale (slider (panel, "size_slider")), 300);
  g_assert_cmpuint (g_settings_get_uint (settings, "size"), ==, 300);
  g_assert_cmpstr (preset_button_text (panel), ==, "Best");
  g_assert_nonnull (strstr (gtk_label_get_label (description), "300\u00a0px"));

  gtk_range_set_value (slider_scale (slider (panel, "style_slider")), 0.5);
  g_assert_cmpstr (preset_button_text (panel), ==, "Custom");
  g_assert_true (reset_sensitive (panel));
  g_assert_nonnull (strstr (gtk_label_get_label (description), "Changed from Best"));

  /* Reset: the strength is the preset's again, the size stays the user's. */
  g_signal_emit_by_name (gui_find_by_id (GTK_WIDGET (panel), "reset_button"), "clicked");
  g_assert_cmpfloat (g_settings_get_double (settings, "style-strength"), ==, 1);
  g_assert_cmpuint (g_settings_get_uint (settings, "size"), ==, 300);
  g_assert_cmpstr (preset_button_text (panel), ==, "Best");
  g_assert_false (reset_sensitive (panel));

  /* Advanced values count too. */
  g_settings_set_enum (settings, "init", IMP_INIT_NOISE);
  g_assert_cmpstr (preset_button_text (panel), ==, "Custom");

  /* Picking a preset sets its values and keeps the size. */
  for (guint i = 0; i < g_list_model_get_n_items (gtk_drop_down_get_model (dropdown)); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (dropdown)), i), "fast"))
      gtk_drop_down_set_selected (dropdown, i);
  g_assert_true (imp_params_init_preset (&fast, "fast", NULL));
  read_params (settings, &got);
  g_assert_cmpstr (got.preset, ==, "fast");
  g_assert_cmpuint (got.iterations, ==, fast.iterations);
  g_assert_cmpint (got.init, ==, fast.init);
  g_assert_cmpuint (got.size, ==, 300);
  g_assert_cmpstr (preset_button_text (panel), ==, "Fast");
  close_window (window);
}

static double
seconds_of (const char *text)
{
  double v = g_ascii_strtod (strstr (text, "about ") + 6, NULL);

  return strstr (text, "min") != NULL ? v * 60 : v;
}

/* The list: the default first, each preset with its description and its time
 * at the current output size, the current one checked. */
static void
test_preset_list (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  GtkWindow *window;
  ImpParamsPanel *panel = shown_panel (settings, &window);
  GtkDropDown *dropdown = GTK_DROP_DOWN (gui_find_by_id (GTK_WIDGET (panel), "preset_dropdown"));
  GListModel *model = gtk_drop_down_get_model (dropdown);
  GtkWidget *popover;
  GtkLabel *time_label;
  double at_512, at_1024;

  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (model), 0), ==, imp_params_default_preset ());
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, g_strv_length ((char **) imp_params_list_presets ()));

  /* Opened as a click on its button does. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (gui_find_by_type (GTK_WIDGET (dropdown), GTK_TYPE_TOGGLE_BUTTON)), TRUE);
  drain ();
  popover = gui_find_by_type (GTK_WIDGET (dropdown), GTK_TYPE_POPOVER);
  g_assert_true (gtk_widget_get_visible (popover));
  g_assert_nonnull (find_label (popover, "caption", TRUE));
  g_assert_cmpstr (gtk_label_get_label (find_label (popover, "caption", TRUE)), ==,
                   "The best picture: painted small first, then refined");
  g_assert_cmpstr (gtk_label_get_label (find_label (popover, "heading", TRUE)), ==, "Best");
  time_label = find_label (popover, "dim-label", TRUE);
  time_label = GTK_LABEL (gtk_widget_get_next_sibling (gtk_widget_get_prev_sibling (GTK_WIDGET (time_label))));
  at_512 = seconds_of (gtk_label_get_label (time_label));
  g_settings_set_uint (settings, "size", 1024);
  at_1024 = seconds_of (gtk_label_get_label (time_label));
  g_test_message ("best: %g s at 512 px, %g s at 1024 px", at_512, at_1024);
  g_assert_cmpfloat (at_512, >=, 5);
  g_assert_cmpfloat (at_1024, >, 2.5 * at_512);
  gtk_popover_popdown (GTK_POPOVER (popover));
  close_window (window);
}

/* Advanced: numbers as people write them, layers from the real list with
 * their weights, fields checked as typed. */
static void
test_advanced (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  GtkWindow *window;
  ImpParamsPanel *panel = shown_panel (settings, &window);
  GtkSpinButton *lr, *factor;
  GtkWidget *popover;
  GtkCheckButton *checks[IMP_N_VGG_LAYERS];
  GtkSpinButton *weights[IMP_N_VGG_LAYERS];
  g_autofree char *layers = NULL;
  guint n = 0;
  ImpParams best;

  open_advanced (panel);

  lr = GTK_SPIN_BUTTON (gui_find_by_id (GTK_WIDGET (panel), "lr_spin"));
  factor = GTK_SPIN_BUTTON (gui_find_by_id (GTK_WIDGET (panel), "scale_factor_spin"));
  popover = gui_find_by_type (gui_find_by_id (GTK_WIDGET (panel), "style_layers_chooser"), GTK_TYPE_POPOVER);
  g_assert_true (imp_params_init_preset (&best, "best", NULL));
  g_assert_cmpfloat (best.lr, ==, 1);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (lr)), ==, "1");
  g_settings_set_double (settings, "learning-rate", 10);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (lr)), ==, "10");
  gtk_editable_set_text (GTK_EDITABLE (lr), "1x");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (lr), "error"));
  gtk_editable_set_text (GTK_EDITABLE (lr), "12.5");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (lr), "error"));
  gtk_spin_button_update (lr);
  g_assert_cmpfloat (g_settings_get_double (settings, "learning-rate"), ==, 12.5);
  imp_params_panel_reset (panel);

  /* The square root of 2 shows as 1.41 and stays exact when left alone. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (factor)), ==, "1.41");
  gtk_spin_button_update (factor);
  g_assert_cmpfloat (g_settings_get_double (settings, "scale-factor"), ==, G_SQRT2);
  g_assert_cmpstr (preset_button_text (panel), ==, "Best");

  /* The sixteen real layers, best's five checked with their weights. */
  for (GtkWidget *w = gui_find_by_type (popover, GTK_TYPE_CHECK_BUTTON); w != NULL; w = gtk_widget_get_next_sibling (w))
    if (GTK_IS_CHECK_BUTTON (w))
      {
        checks[n] = GTK_CHECK_BUTTON (w);
        weights[n] = GTK_SPIN_BUTTON (gtk_widget_get_next_sibling (w));
        g_assert_cmpstr (gtk_check_button_get_label (checks[n]), ==, imp_vgg_layer_name (n));
        n++;
      }
  g_assert_cmpuint (n, ==, IMP_N_VGG_LAYERS);
  g_assert_true (gtk_check_button_get_active (checks[IMP_CONV1_1]));
  g_assert_false (gtk_check_button_get_active (checks[IMP_CONV1_2]));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (weights[IMP_CONV1_1])), ==, "0.05");

  /* A layer added gets the mean weight; a weight typed is stored as typed. */
  gtk_check_button_set_active (checks[IMP_CONV3_2], TRUE);
  layers = g_settings_get_string (settings, "style-layers");
  g_assert_cmpstr (layers, ==, "conv1_1:0.05,conv2_1:0.05,conv3_1:0.05,conv3_2:0.2,conv4_1:0.8,conv5_1:0.05");
  g_assert_cmpstr (preset_button_text (panel), ==, "Custom");
  gtk_spin_button_set_value (weights[IMP_CONV1_1], 0.5);
  g_clear_pointer (&layers, g_free);
  layers = g_settings_get_string (settings, "style-layers");
  g_assert_cmpstr (layers, ==, "conv1_1:0.5,conv2_1:0.05,conv3_1:0.05,conv3_2:0.2,conv4_1:0.8,conv5_1:0.05");

  /* The tutorial's layers share equally until one weight is written. */
  g_settings_set_string (settings, "preset", "tutorial");
  imp_params_panel_reset (panel);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (weights[IMP_CONV2_1])), ==, "0.2");
  gtk_spin_button_set_value (weights[IMP_CONV2_1], 0.4);
  g_clear_pointer (&layers, g_free);
  layers = g_settings_get_string (settings, "style-layers");
  g_assert_cmpstr (layers, ==, "conv1_1:0.2,conv2_1:0.4,conv3_1:0.2,conv4_1:0.2,conv5_1:0.2");

  /* The last layer stays: a loss needs one. */
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    gtk_check_button_set_active (checks[l], FALSE);
  g_clear_pointer (&layers, g_free);
  layers = g_settings_get_string (settings, "style-layers");
  g_assert_cmpstr (layers, ==, "conv5_1:0.2");
  g_assert_true (gtk_check_button_get_active (checks[IMP_CONV5_1]));
  close_window (window);
}

/* Coarse to fine and the average are the user's to set, and remembered. */
static void
test_coarse_to_fine (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  GtkWindow *window;
  ImpParamsPanel *panel = shown_panel (settings, &window);
  const struct { const char *id; const char *text; } typed[] = {
    { "start_size_spin", "256" }, { "scale_factor_spin", "2" }, { "average_decay_spin", "0.5" },
  };
  ImpParams got, best;

  open_advanced (panel);

  for (guint i = 0; i < G_N_ELEMENTS (typed); i++)
    {
      GtkSpinButton *spin = GTK_SPIN_BUTTON (gui_find_by_id (GTK_WIDGET (panel), typed[i].id));

      gtk_editable_set_text (GTK_EDITABLE (spin), typed[i].text);
      gtk_spin_button_update (spin);
    }
  read_params (settings, &got);
  g_assert_cmpuint (got.start_size, ==, 256);
  g_assert_cmpfloat (got.scale_factor, ==, 2);
  g_assert_cmpfloat (got.ema_decay, ==, 0.5);
  g_assert_cmpuint (g_settings_get_uint (settings, "start-size"), ==, 256);
  g_assert_cmpstr (preset_button_text (panel), ==, "Custom");

  /* Out of its range: red while typed, not stored. */
  {
    GtkSpinButton *decay = GTK_SPIN_BUTTON (gui_find_by_id (GTK_WIDGET (panel), "average_decay_spin"));

    gtk_editable_set_text (GTK_EDITABLE (decay), "1.5");
    g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (decay), "error"));
  }

  imp_params_panel_reset (panel);
  g_assert_true (imp_params_init_preset (&best, "best", NULL));
  read_params (settings, &got);
  g_assert_cmpuint (got.start_size, ==, best.start_size);
  g_assert_cmpfloat (got.scale_factor, ==, best.scale_factor);
  g_assert_cmpfloat (got.ema_decay, ==, best.ema_decay);
  close_window (window);
}

/* One set of names: the drop-downs hold one row per enum value and store its
 * nick; the schema's keys are the generated enums. */
static void
test_enums (void)
{
  static const struct { const char *id; const char *key; } choices[] = {
    { "optimizer_dropdown", "optimizer" }, { "init_dropdown", "init" },
    { "pool_dropdown", "pool" }, { "colors_dropdown", "preserve-colors" },
  };
  GType types[] = {
    IMP_TYPE_OPTIMIZER_KIND, IMP_TYPE_INIT_KIND, IMP_TYPE_POOL_KIND, IMP_TYPE_PRESERVE_COLORS,
  };
  g_autoptr(GSettings) settings = fresh_settings ();
  GtkWindow *window;
  ImpParamsPanel *panel = shown_panel (settings, &window);

  open_advanced (panel);

  for (guint i = 0; i < G_N_ELEMENTS (choices); i++)
    {
      GtkDropDown *dropdown = GTK_DROP_DOWN (gui_find_by_id (GTK_WIDGET (panel), choices[i].id));
      g_autoptr(GEnumClass) klass = g_type_class_ref (types[i]);
      guint last = klass->n_values - 1;
      g_autofree char *nick = NULL;

      g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (dropdown)), ==, klass->n_values);
      /* Every choice has a label of its own, not its nick. */
      for (guint k = 0; k < klass->n_values; k++)
        g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (dropdown)), k),
                         !=, klass->values[k].value_nick);
      gtk_drop_down_set_selected (dropdown, last);
      nick = g_settings_get_string (settings, choices[i].key);
      g_assert_cmpstr (nick, ==, klass->values[last].value_nick);
      g_assert_cmpint (g_settings_get_enum (settings, choices[i].key), ==, klass->values[last].value);
    }
  g_assert_cmpstr (g_enum_get_value (g_type_class_peek (IMP_TYPE_OPTIMIZER_KIND), IMP_OPTIMIZER_LBFGS)->value_nick, ==, "lbfgs");
  close_window (window);
}

/* A parameter error becomes the window's own sentence, naming no flag. */
static void
test_error_messages (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  ImpParams params;

  read_params (settings, &params);
  params.lr = -1;
  g_assert_false (imp_params_validate (&params, &error));
  g_assert_error (error, IMP_PARAMS_ERROR, IMP_PARAMS_ERROR_LR);
  message = imp_settings_describe_error (error);
  g_assert_cmpstr (message, ==, "The learning rate must be above 0.");
  g_assert_null (strstr (message, "--"));
}

/* The templates no other test opens: they parse and bind. */
static void
test_templates (void)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource ("/io/github/impasto/Impasto/gtk/help-overlay.ui");
  GtkWindow *prefs = imp_preferences_window_new (NULL);

  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (gtk_builder_get_object (builder, "help_overlay")));
  g_assert_true (IMP_IS_PREFERENCES_WINDOW (prefs));
  gtk_window_destroy (prefs);
  gtk_window_destroy (GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay")));
}

static void
skip_no_schema (void)
{
  g_test_skip ("The compiled GSettings schema is missing (GSETTINGS_SCHEMA_DIR)");
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GSettingsSchema) schema = NULL;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  schema = g_settings_schema_source_lookup (g_settings_schema_source_get_default (), APP_ID, TRUE);
  if (schema == NULL)
    {
      g_test_add_func ("/gui/params/skipped", skip_no_schema);
      return g_test_run ();
    }

  g_test_add_func ("/gui/params/round-trip", test_round_trip);
  g_test_add_func ("/gui/params/schema-defaults", test_schema_defaults);
  g_test_add_func ("/gui/params/strength-range", test_strength_range);
  g_test_add_func ("/gui/params/numbers", test_numbers);
  g_test_add_func ("/gui/params/bad-layers", test_bad_layers);
  g_test_add_func ("/gui/params/strengths", test_strengths);
  g_test_add_func ("/gui/params/sliders-line-up", test_sliders_line_up);
  g_test_add_func ("/gui/params/custom-and-reset", test_custom_and_reset);
  g_test_add_func ("/gui/params/preset-list", test_preset_list);
  g_test_add_func ("/gui/params/advanced", test_advanced);
  g_test_add_func ("/gui/params/coarse-to-fine", test_coarse_to_fine);
  g_test_add_func ("/gui/params/enums", test_enums);
  g_test_add_func ("/gui/params/error-messages", test_error_messages);
  g_test_add_func ("/gui/templates/preferences-and-shortcuts", test_templates);
  return g_test_run ();
}
