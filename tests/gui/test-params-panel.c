/* test-params-panel.c: parameters between presets, GSettings and the sliders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <math.h>

#include "imp-params-panel.h"
#include "imp-preferences-window.h"

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

/* The preset list is the dropdown whose items include "Tutorial". */
static GtkDropDown *
find_preset_dropdown (GtkWidget *widget)
{
  if (GTK_IS_DROP_DOWN (widget))
    {
      GListModel *model = gtk_drop_down_get_model (GTK_DROP_DOWN (widget));

      for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
        {
          g_autoptr(GObject) item = g_list_model_get_item (model, i);

          if (GTK_IS_STRING_OBJECT (item)
              && g_strcmp0 (gtk_string_object_get_string (GTK_STRING_OBJECT (item)), "Tutorial") == 0)
            return GTK_DROP_DOWN (widget);
        }
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkDropDown *found = find_preset_dropdown (child);

      if (found != NULL)
        return found;
    }
  return NULL;
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
  ImpParamsPanel *panel = g_object_new (IMP_TYPE_PARAMS_PANEL, NULL);
  GtkDropDown *dropdown;
  GtkStringObject *item;
  ImpParams want, got;

  g_object_ref_sink (panel);
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

  imp_params_panel_set_settings (panel, settings);
  dropdown = find_preset_dropdown (GTK_WIDGET (panel));
  g_assert_nonnull (dropdown);
  item = gtk_drop_down_get_selected_item (dropdown);
  g_assert_cmpstr (gtk_string_object_get_string (item), ==, "Best");
  g_assert_true (imp_params_from_settings (settings, &got, &error));
  g_assert_no_error (error);
  assert_params_equal (&got, &want);

  g_object_unref (panel);
}

/* A typo in a layer list is a message for the user, not a crash. */
static void
test_bad_layers (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GError) error = NULL;
  ImpParams params;

  g_settings_set_string (settings, "preset", "tutorial");
  g_settings_set_string (settings, "style-layers", "conv1_1,conv9_9");
  g_assert_false (imp_params_from_settings (settings, &params, &error));
  g_assert_error (error, IMP_PARAMS_ERROR, IMP_PARAMS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "conv9_9"));
  g_settings_reset (settings, "style-layers");
}

/* The weight sliders move in decades; the memory limit key is in megabytes. */
static void
test_sliders (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  ImpParamsPanel *panel = g_object_new (IMP_TYPE_PARAMS_PANEL, NULL);
  GtkAdjustment *style, *tv, *size;
  g_autofree char *optimizer = NULL;
  ImpParams params, gatys;

  g_object_ref_sink (panel);
  g_settings_set_string (settings, "preset", "tutorial");
  imp_params_panel_set_settings (panel, settings);
  imp_params_panel_reset (panel);
  style = imp_params_panel_get_adjustment (panel, "style-weight");
  tv = imp_params_panel_get_adjustment (panel, "tv-weight");
  size = imp_params_panel_get_adjustment (panel, "size");

  /* tutorial: style weight 1e-2, tv 0 ("off" at the left end). */
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_value (style), -2.0, 1e-9);
  g_assert_cmpfloat (gtk_adjustment_get_value (tv), ==, gtk_adjustment_get_lower (tv));

  gtk_adjustment_set_value (style, 3.0);
  g_assert_cmpfloat (g_settings_get_double (settings, "style-weight"), ==, 1000.0);
  gtk_adjustment_set_value (style, log10 (2.5e4));
  g_assert_cmpfloat (g_settings_get_double (settings, "style-weight"), ==, 2.5e4);
  gtk_adjustment_set_value (tv, -2.0);
  g_assert_cmpfloat (g_settings_get_double (settings, "tv-weight"), ==, 0.01);
  gtk_adjustment_set_value (tv, gtk_adjustment_get_lower (tv));
  g_assert_cmpfloat (g_settings_get_double (settings, "tv-weight"), ==, 0.0);
  gtk_adjustment_set_value (size, 300);
  g_assert_cmpuint (g_settings_get_uint (settings, "size"), ==, 300);

  g_settings_set_uint (settings, "memory-limit", 1500);
  g_assert_true (imp_params_from_settings (settings, &params, NULL));
  g_assert_cmpuint (params.memory_limit, ==, (guint64) 1500 * 1024 * 1024);
  g_assert_cmpuint (params.size, ==, 300);

  /* Choosing another preset sets its values, in the sliders too. */
  g_assert_true (imp_params_init_preset (&gatys, "gatys", NULL));
  g_assert_cmpfloat (gatys.style_weight, !=, 2.5e4);
  g_settings_set_string (settings, "preset", "gatys");
  g_assert_cmpfloat (g_settings_get_double (settings, "style-weight"), ==, gatys.style_weight);
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_value (style), log10 (gatys.style_weight), 1e-9);
  g_assert_cmpuint (g_settings_get_uint (settings, "size"), ==, gatys.size);
  optimizer = g_settings_get_string (settings, "optimizer");
  g_assert_cmpstr (optimizer, ==, gatys.optimizer == IMP_OPTIMIZER_LBFGS ? "lbfgs" : "adam");

  g_object_unref (panel);
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
  g_test_add_func ("/gui/params/bad-layers", test_bad_layers);
  g_test_add_func ("/gui/params/sliders", test_sliders);
  g_test_add_func ("/gui/templates/preferences-and-shortcuts", test_templates);
  return g_test_run ();
}
