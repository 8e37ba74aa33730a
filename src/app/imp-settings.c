/* imp-settings.c: a run's parameters in GSettings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The loss weights are stored as strengths, multiples of the preset's weights:
 * 1 reads as "the preset's balance" whatever the preset's units, a preset tuned
 * again keeps its meaning for a stored value, and moving a strength up always
 * adds more of that term.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "engine/imp-enums.h"
#include "imp-settings.h"

typedef enum
{
  FIELD_DOUBLE,
  FIELD_UINT,
  FIELD_INT,
  FIELD_UINT64,
  FIELD_ENUM,
  FIELD_LAYERS,
  FIELD_STRENGTH,
} FieldKind;

/* One settings key and the ImpParams field it holds. */
typedef struct
{
  const char *key;
  FieldKind   kind;
  gsize       offset;
  gboolean    from_preset;   /* the preset defines it (and Reset restores it) */
} Field;

#define F(key, kind, member, from_preset) \
  { key, kind, G_STRUCT_OFFSET (ImpParams, member), from_preset }

static const Field fields[] = {
  F ("style-strength", FIELD_STRENGTH, style_weight, TRUE),
  F ("content-strength", FIELD_STRENGTH, content_weight, TRUE),
  F ("smoothing-strength", FIELD_STRENGTH, tv_weight, TRUE),
  F ("iterations", FIELD_UINT, iterations, TRUE),
  F ("content-layers", FIELD_LAYERS, content_layers, TRUE),
  F ("style-layers", FIELD_LAYERS, style_layers, TRUE),
  F ("pool", FIELD_ENUM, pool, TRUE),
  F ("optimizer", FIELD_ENUM, optimizer, TRUE),
  F ("learning-rate", FIELD_DOUBLE, lr, TRUE),
  F ("beta1", FIELD_DOUBLE, beta1, TRUE),
  F ("beta2", FIELD_DOUBLE, beta2, TRUE),
  F ("epsilon", FIELD_DOUBLE, epsilon, TRUE),
  F ("lbfgs-history", FIELD_UINT, lbfgs_history, TRUE),
  F ("init", FIELD_ENUM, init, TRUE),
  F ("start-size", FIELD_UINT, start_size, TRUE),
  F ("scale-factor", FIELD_DOUBLE, scale_factor, TRUE),
  F ("average-decay", FIELD_DOUBLE, ema_decay, TRUE),
  /* The user's own: a preset neither sets nor compares them. */
  F ("size", FIELD_UINT, size, FALSE),
  F ("style-size", FIELD_INT, style_size, FALSE),
  F ("style-scale", FIELD_DOUBLE, style_scale, FALSE),
  F ("seed", FIELD_UINT64, seed, FALSE),
  F ("preserve-colors", FIELD_ENUM, preserve_colors, FALSE),
};

#undef F

#define FIELD_PTR(p, field, type) ((type *) G_STRUCT_MEMBER_P ((p), (field)->offset))

const char * const *
imp_settings_preset_keys (void)
{
  static const char *keys[G_N_ELEMENTS (fields) + 1];

  if (keys[0] == NULL)
    {
      guint n = 0;

      for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
        if (fields[i].from_preset)
          keys[n++] = fields[i].key;
    }
  return keys;
}

double
imp_settings_smoothing_reference (const ImpParams *preset)
{
  ImpParams fallback;

  if (preset->tv_weight > 0)
    return preset->tv_weight;
  imp_params_init_preset (&fallback, imp_params_default_preset (), NULL);
  return fallback.tv_weight;
}

/* The weight a strength of 1 stands for. */
static double
strength_unit (const Field     *field,
               const ImpParams *preset)
{
  if (field->offset == G_STRUCT_OFFSET (ImpParams, tv_weight))
    return imp_settings_smoothing_reference (preset);
  return *FIELD_PTR (preset, field, double);
}

/* A preset's own strength: 1, or 0 for smoothing it does not use. */
static double
preset_strength (const Field     *field,
                 const ImpParams *preset)
{
  return *FIELD_PTR (preset, field, double) > 0 ? 1.0 : 0.0;
}

static gboolean
read_layers (GSettings    *settings,
             const char   *key,
             ImpLayerSet  *set,
             GError      **error)
{
  g_autofree char *text = g_settings_get_string (settings, key);
  g_autoptr(GError) local_error = NULL;

  if (imp_layer_set_parse (set, text, &local_error))
    return TRUE;
  g_set_error (error, IMP_PARAMS_ERROR,
               g_str_equal (key, "content-layers") ? IMP_PARAMS_ERROR_CONTENT_LAYERS
                                                   : IMP_PARAMS_ERROR_STYLE_LAYERS,
               "%s “%s”: %s", key, text, local_error->message);
  return FALSE;
}

static gboolean
read_field (GSettings       *settings,
            const Field     *field,
            const ImpParams *preset,
            ImpParams       *p,
            GError         **error)
{
  switch (field->kind)
    {
    case FIELD_DOUBLE:
      *FIELD_PTR (p, field, double) = g_settings_get_double (settings, field->key);
      break;
    case FIELD_UINT:
      *FIELD_PTR (p, field, guint) = g_settings_get_uint (settings, field->key);
      break;
    case FIELD_INT:
      *FIELD_PTR (p, field, int) = g_settings_get_int (settings, field->key);
      break;
    case FIELD_UINT64:
      *FIELD_PTR (p, field, guint64) = g_settings_get_uint64 (settings, field->key);
      break;
    case FIELD_ENUM:
      *FIELD_PTR (p, field, int) = g_settings_get_enum (settings, field->key);
      break;
    case FIELD_LAYERS:
      return read_layers (settings, field->key, FIELD_PTR (p, field, ImpLayerSet), error);
    case FIELD_STRENGTH:
      *FIELD_PTR (p, field, double) = g_settings_get_double (settings, field->key)
                                      * strength_unit (field, preset);
      break;
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

static double
strength_of (const Field     *field,
             const ImpParams *p,
             const ImpParams *preset)
{
  double unit = strength_unit (field, preset);

  return unit > 0 ? *FIELD_PTR (p, field, double) / unit : 1.0;
}

/* A strength outside its key's range (weights far from the preset's) is
 * stored at the nearest end rather than refused. */
static double
clamp_to_key (GSettings  *settings,
              const char *key,
              double      value)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaKey) skey = NULL;
  g_autoptr(GVariant) range = NULL;
  g_autoptr(GVariant) bounds = NULL;
  const char *kind;
  double lower, upper;

  g_object_get (settings, "settings-schema", &schema, NULL);
  skey = g_settings_schema_get_key (schema, key);
  range = g_settings_schema_key_get_range (skey);
  g_variant_get (range, "(&sv)", &kind, &bounds);
  if (!g_str_equal (kind, "range"))
    return value;
  g_variant_get (bounds, "(dd)", &lower, &upper);
  return CLAMP (value, lower, upper);
}

static void
write_field (GSettings       *settings,
             const Field     *field,
             const ImpParams *p,
             const ImpParams *preset)
{
  g_autofree char *layers = NULL;

  switch (field->kind)
    {
    case FIELD_DOUBLE:
      g_settings_set_double (settings, field->key, *FIELD_PTR (p, field, double));
      break;
    case FIELD_UINT:
      g_settings_set_uint (settings, field->key, *FIELD_PTR (p, field, guint));
      break;
    case FIELD_INT:
      g_settings_set_int (settings, field->key, *FIELD_PTR (p, field, int));
      break;
    case FIELD_UINT64:
      g_settings_set_uint64 (settings, field->key, *FIELD_PTR (p, field, guint64));
      break;
    case FIELD_ENUM:
      g_settings_set_enum (settings, field->key, *FIELD_PTR (p, field, int));
      break;
    case FIELD_LAYERS:
      layers = imp_layer_set_to_string (FIELD_PTR (p, field, ImpLayerSet));
      g_settings_set_string (settings, field->key, layers);
      break;
    case FIELD_STRENGTH:
      g_settings_set_double (settings, field->key,
                             clamp_to_key (settings, field->key, strength_of (field, p, preset)));
      break;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
stored_preset (GSettings  *settings,
               ImpParams  *preset,
               GError    **error)
{
  g_autofree char *name = g_settings_get_string (settings, "preset");

  return imp_params_init_preset (preset, name, error);
}

gboolean
imp_params_from_settings (GSettings  *settings,
                          ImpParams  *p,
                          GError    **error)
{
  ImpParams preset;

  /* The preset fills what has no key (the scales' shares of the iterations). */
  if (!stored_preset (settings, &preset, error))
    return FALSE;
  *p = preset;
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (!read_field (settings, &fields[i], &preset, p, error))
      return FALSE;
  p->threads = g_settings_get_uint (settings, "threads");
  /* The key is in megabytes. */
  p->memory_limit = (guint64) g_settings_get_uint (settings, "memory-limit") * 1024 * 1024;
  return TRUE;
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

/* One batch: listeners see a consistent set of values. */
static void
write_fields (GSettings       *shared,
              const ImpParams *p,
              const ImpParams *preset,
              gboolean         preset_fields_only)
{
  g_autoptr(GSettings) settings = settings_clone (shared);

  g_settings_delay (settings);
  g_settings_set_string (settings, "preset", preset->preset);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i].from_preset || !preset_fields_only)
      write_field (settings, &fields[i], p, preset);
  g_settings_apply (settings);
}

void
imp_params_to_settings (const ImpParams *p,
                        GSettings       *settings)
{
  ImpParams preset;

  if (!imp_params_init_preset (&preset, p->preset, NULL))
    imp_params_init_preset (&preset, imp_params_default_preset (), NULL);
  write_fields (settings, p, &preset, FALSE);
}

gboolean
imp_settings_apply_preset (GSettings   *settings,
                           const char  *name,
                           GError     **error)
{
  ImpParams preset;

  if (!imp_params_init_preset (&preset, name, error))
    return FALSE;
  write_fields (settings, &preset, &preset, TRUE);
  return TRUE;
}

static gboolean
same_number (double a,
             double b)
{
  return fabs (a - b) <= 1e-9 * MAX (fabs (a), fabs (b));
}

static gboolean
same_layers (const ImpLayerSet *a,
             const ImpLayerSet *b)
{
  g_autofree char *sa = imp_layer_set_to_string (a);
  g_autofree char *sb = imp_layer_set_to_string (b);

  return g_str_equal (sa, sb);
}

static gboolean
field_matches (GSettings       *settings,
               const Field     *field,
               const ImpParams *current,
               const ImpParams *preset)
{
  switch (field->kind)
    {
    case FIELD_DOUBLE:
      return same_number (*FIELD_PTR (current, field, double), *FIELD_PTR (preset, field, double));
    case FIELD_UINT:
      return *FIELD_PTR (current, field, guint) == *FIELD_PTR (preset, field, guint);
    case FIELD_ENUM:
      return *FIELD_PTR (current, field, int) == *FIELD_PTR (preset, field, int);
    case FIELD_LAYERS:
      return same_layers (FIELD_PTR (current, field, ImpLayerSet), FIELD_PTR (preset, field, ImpLayerSet));
    case FIELD_STRENGTH:
      return same_number (g_settings_get_double (settings, field->key), preset_strength (field, preset));
    default:
      g_assert_not_reached ();
    }
}

gboolean
imp_settings_is_custom (GSettings *settings)
{
  ImpParams preset, current;

  /* A value that cannot be read is not the preset's either. */
  if (!stored_preset (settings, &preset, NULL) || !imp_params_from_settings (settings, &current, NULL))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i].from_preset && !field_matches (settings, &fields[i], &current, &preset))
      return TRUE;
  return FALSE;
}

void
imp_settings_get_loss_weights (GSettings *settings,
                               double    *content_weight,
                               double    *style_weight,
                               double    *tv_weight)
{
  ImpParams preset;

  if (!stored_preset (settings, &preset, NULL))
    imp_params_init_preset (&preset, imp_params_default_preset (), NULL);
  *content_weight = g_settings_get_double (settings, "content-strength") * preset.content_weight;
  *style_weight = g_settings_get_double (settings, "style-strength") * preset.style_weight;
  *tv_weight = g_settings_get_double (settings, "smoothing-strength")
               * imp_settings_smoothing_reference (&preset);
}

static const char *
describe_params_error (ImpParamsError code)
{
  switch (code)
    {
    case IMP_PARAMS_ERROR_PRESET: return _("The stored preset is unknown. Choose a preset.");
    case IMP_PARAMS_ERROR_SIZE: return _("The output size is too large.");
    case IMP_PARAMS_ERROR_STYLE_SIZE:
    case IMP_PARAMS_ERROR_STYLE_SCALE:
    case IMP_PARAMS_ERROR_STYLE_SCALE_AND_SIZE: return _("The style image size is not valid.");
    case IMP_PARAMS_ERROR_START_SIZE: return _("The start size is too large.");
    case IMP_PARAMS_ERROR_SCALE_FACTOR: return _("The scale factor must be above 1 and at most 4.");
    case IMP_PARAMS_ERROR_FIRST_SCALE_WEIGHT:
    case IMP_PARAMS_ERROR_LAST_SCALE_WEIGHT: return _("The preset’s share of iterations per scale is not valid.");
    case IMP_PARAMS_ERROR_CONTENT_WEIGHT: return _("The content strength is not valid.");
    case IMP_PARAMS_ERROR_STYLE_WEIGHT: return _("The style strength is not valid.");
    case IMP_PARAMS_ERROR_TV_WEIGHT: return _("The smoothing strength is not valid.");
    case IMP_PARAMS_ERROR_CONTENT_LAYERS: return _("The content layers are not valid. Choose them again under Advanced.");
    case IMP_PARAMS_ERROR_STYLE_LAYERS: return _("The style layers are not valid. Choose them again under Advanced.");
    case IMP_PARAMS_ERROR_ITERATIONS: return _("The number of iterations is not valid.");
    case IMP_PARAMS_ERROR_LR: return _("The learning rate must be above 0.");
    case IMP_PARAMS_ERROR_BETA1:
    case IMP_PARAMS_ERROR_BETA2:
    case IMP_PARAMS_ERROR_EPSILON:
    case IMP_PARAMS_ERROR_LBFGS_HISTORY: return _("A stored optimizer setting is not valid. Reset to the preset.");
    case IMP_PARAMS_ERROR_AVERAGE_DECAY: return _("The average decay must be at least 0 and below 1.");
    case IMP_PARAMS_ERROR_THREADS: return _("The number of threads in Preferences is not valid.");
    case IMP_PARAMS_ERROR_INVALID:
    case IMP_PARAMS_ERROR_POOL:
    case IMP_PARAMS_ERROR_OPTIMIZER:
    case IMP_PARAMS_ERROR_INIT:
    case IMP_PARAMS_ERROR_PRESERVE_COLORS:
    default:
      return _("A stored setting is not valid. Reset to the preset.");
    }
}

char *
imp_settings_describe_error (const GError *error)
{
  if (error->domain == IMP_PARAMS_ERROR)
    return g_strdup (describe_params_error (error->code));
  return g_strdup (error->message);
}
