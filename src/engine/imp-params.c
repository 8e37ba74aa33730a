/* imp-params.c: presets, layer sets and validation of a run's parameters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-params.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (imp-params-error-quark, imp_params_error)

/* Larger outputs are refused by validation: at 8192 px one iteration needs tens of
 * gigabytes; the memory estimate catches smaller-but-too-large runs. */
#define MAX_SIZE IMP_PARAMS_MAX_SIZE

static const char * const preset_names[] = {
  "tutorial", "gatys", "fast", "best", "patient", NULL
};

#define BEST_STYLE_WEIGHT 3.5e8
#define PATIENT_ITERATIONS 600

const char * const *
imp_params_list_presets (void)
{
  return preset_names;
}

/* A user who gives no preset gets the best picture in about a
 * minute; the tutorial's recipe is one --preset away. */
const char *
imp_params_default_preset (void)
{
  return "best";
}

static void
layer_set_init (ImpLayerSet       *set,
                const ImpVggLayer *layers,
                const double      *weights,
                guint              n_layers)
{
  memset (set, 0, sizeof *set);
  set->n_layers = n_layers;
  for (guint i = 0; i < n_layers; i++)
    {
      set->layers[i] = layers[i];
      set->weights[i] = weights != NULL ? weights[i] : -1.0;
    }
}

static const ImpVggLayer gatys_style_layers[] = {
  IMP_CONV1_1, IMP_CONV2_1, IMP_CONV3_1, IMP_CONV4_1, IMP_CONV5_1
};

/* The TensorFlow post's recipe exactly (docs/algorithm.md). */
static void
preset_tutorial (ImpParams *p)
{
  static const ImpVggLayer content[] = { IMP_CONV5_2 };

  p->size = 512;
  p->style_size = IMP_STYLE_SIZE_FOLLOW;
  p->content_weight = 1e3;
  p->style_weight = 1e-2;
  p->tv_weight = 0.0;
  layer_set_init (&p->content_layers, content, NULL, 1);
  layer_set_init (&p->style_layers, gatys_style_layers, NULL, 5);
  p->pool = IMP_POOL_MAX;
  p->iterations = 1000;
  p->optimizer = IMP_OPTIMIZER_ADAM;
  p->lr = 5.0;
  p->beta1 = 0.99;
  p->beta2 = 0.999;
  p->epsilon = 0.1;
  p->init = IMP_INIT_CONTENT;
}

/* Gatys' layers with L-BFGS, as jcjohnson/neural-style runs it (content 5,
 * style 100, L-BFGS step scale 1). Its loss scale differs from ours: its Gram is
 * divided by C*H*W (ours by H*W) and each style layer gets the full style weight,
 * so its layer l weighs 100 / C_l^2 in our units. On turtle/wave at 256 px the
 * unweighted per-layer style losses at the start are 5.8e6, 1.2e9, 2.3e9, 3.1e11
 * and 2.7e7 (conv1_1..conv5_1): jcjohnson's weighting then gives a style term of
 * 1.28e8, which our 1/5 layer weights reach with style weight 2.07e-3. The
 * content loss (mean squared error at conv4_2) is the same in both, hence
 * content 5, style 2e-3. Checked by eye on tubingen/starry night: the houses
 * stay readable under the swirls, as in jcjohnson's published example. */
static void
preset_gatys (ImpParams *p)
{
  static const ImpVggLayer content[] = { IMP_CONV4_2 };

  preset_tutorial (p);
  p->content_weight = 5.0;
  p->style_weight = 2e-3;
  layer_set_init (&p->content_layers, content, NULL, 1);
  p->iterations = 500;
  p->optimizer = IMP_OPTIMIZER_LBFGS;
  p->lr = 1.0;
}

/* Coarse to fine after crowsonkb/style-transfer-pytorch (128 px growing by
 * sqrt 2; each scale starts from the previous result upsampled; the result
 * is an average of the iterates), with what makes the picture hold up beside
 * jcjohnson/neural-style's (docs/presets.md has the measurements):
 * - the start is the photo in the style's colour mean and covariance, and a
 *   colour term holds the style's colour distribution: the Gram matrices
 *   alone let the colours drift back towards the photo's;
 * - each style layer's loss is relative to the photo's own, so one weight
 *   suits a style close to the photo and one far from it; conv4_1, where the
 *   style's strokes are, has most of it;
 * - L-BFGS (a short history, dropped at each scale): at equal time it keeps
 *   the photo's shapes better than Adam at the same style loss. */
static void
preset_best (ImpParams *p)
{
  static const ImpVggLayer content[] = { IMP_CONV4_2 };
  static const double style_w[] = { 0.05, 0.05, 0.05, 0.8, 0.05 };

  preset_tutorial (p);
  layer_set_init (&p->content_layers, content, NULL, 1);
  layer_set_init (&p->style_layers, gatys_style_layers, style_w, 5);
  p->style_relative = TRUE;
  p->content_weight = 120.0;
  p->style_weight = BEST_STYLE_WEIGHT;
  p->tv_weight = 1e3;
  p->color_weight = 1e5;
  p->init = IMP_INIT_RECOLORED;
  p->iterations = 150;
  p->optimizer = IMP_OPTIMIZER_LBFGS;
  p->lr = 1.0;
  p->lbfgs_history = 20;
  /* Adam's settings as the previous best's, for a user who switches to it. */
  p->beta1 = 0.9;
  p->beta2 = 0.99;
  p->epsilon = 1e-2;
  p->start_size = 128;
  p->scale_factor = G_SQRT2;
  p->first_scale_weight = 2.0;
  p->last_scale_weight = 1.0;
  p->ema_decay = 0.9;
}

/* best for longer: about four times its time (under 5 minutes at 512 px). */
static void
preset_patient (ImpParams *p)
{
  preset_best (p);
  p->iterations = PATIENT_ITERATIONS;
}

/* best's loss on a short schedule for a preview: three scales (128, 256,
 * 512) sharing 60 iterations 6:3:1 (36, 18, 6), so the picture takes shape
 * where iterations are cheap and the last scale only sharpens it. */
static void
preset_fast (ImpParams *p)
{
  preset_best (p);
  p->iterations = 60;
  p->scale_factor = 2.0;
  p->first_scale_weight = 2.0;
  p->last_scale_weight = 1.0 / 3.0;
}

static void
params_defaults (ImpParams *p)
{
  memset (p, 0, sizeof *p);
  p->style_size = IMP_STYLE_SIZE_FOLLOW;
  p->lbfgs_history = 100;
  p->seed = 0;
  p->scale_factor = G_SQRT2;
  p->preserve_colors = IMP_COLORS_NONE;
}

gboolean
imp_params_init_preset (ImpParams  *params,
                        const char *preset,
                        GError    **error)
{
  static const struct
  {
    const char *name;
    void      (*init) (ImpParams *p);
  } presets[] = {
    { "tutorial", preset_tutorial },
    { "gatys", preset_gatys },
    { "fast", preset_fast },
    { "best", preset_best },
    { "patient", preset_patient },
  };

  g_return_val_if_fail (params != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    {
      if (g_strcmp0 (preset, presets[i].name) != 0)
        continue;
      params_defaults (params);
      presets[i].init (params);
      g_strlcpy (params->preset, presets[i].name, sizeof params->preset);
      return TRUE;
    }

  g_set_error (error, IMP_PARAMS_ERROR, IMP_PARAMS_ERROR_PRESET,
               "unknown preset “%s” (choose tutorial, gatys, fast, best or patient)",
               preset != NULL ? preset : "");
  return FALSE;
}

static gboolean
parse_weight (const char *text,
              double     *weight)
{
  char *end = NULL;
  double v;

  if (*text == '\0')
    return FALSE;
  v = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (v) || v < 0.0)
    return FALSE;
  *weight = v;
  return TRUE;
}

static gboolean
layer_set_add (ImpLayerSet *set,
               const char  *item,
               GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (item, ":", 2);
  g_autofree char *name = g_strstrip (g_strdup (parts[0] != NULL ? parts[0] : ""));
  ImpVggLayer layer;
  double weight = -1.0;

  if (*name == '\0')
    {
      g_set_error (error, IMP_PARAMS_ERROR, IMP_PARAMS_ERROR_INVALID,
                   "empty layer name in the list");
      return FALSE;
    }
  if (!imp_vgg_layer_from_name (name, &layer))
    {
      g_set_error (error, IMP_PARAMS_ERROR, IMP_PARAMS_ERROR_INVALID,
                   "unknown layer “%s” (expected conv1_1 … conv5_4)", name);
      return FALSE;
    }
  for (guint i = 0; i < set->n_layers; i++)
    if (set->layers[i] == layer)
      {
        g_set_error (error, IMP_PARAMS_ERROR, IMP_PARAMS_ERROR_INVALID,
                     "layer “%s” given twice", name);
        return FALSE;
      }
  if (parts[1] != NULL)
    {
      g_autofree char *w = g_strstrip (g_strdup (parts[1]));

      if (!parse_weight (w, &weight))
        {
          g_set_error (error, IMP_PARAMS_ERROR, IMP_PARAMS_ERROR_INVALID,
                       "weight “%s” of layer %s is not a number ≥ 0", w, name);
          return FALSE;
        }
    }
  set->layers[set->n_layers] = layer;
  set->weights[set->n_layers] = weight;
  set->n_layers++;
  return TRUE;
}

gboolean
imp_layer_set_parse (ImpLayerSet *set,
                     const char  *text,
                     GError     **error)
{
  g_auto(GStrv) items = NULL;
  g_autofree char *trimmed = g_strstrip (g_strdup (text != NULL ? text : ""));
  ImpLayerSet parsed = { 0 };

  g_return_val_if_fail (set != NULL, FALSE);

  if (*trimmed == '\0')
    {
      g_set_error (error, IMP_PARAMS_ERROR, IMP_PARAMS_ERROR_INVALID,
                   "no layer given");
      return FALSE;
    }
  items = g_strsplit (text, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      /* Duplicates are refused, so more than 16 items fail there first. */
      if (!layer_set_add (&parsed, items[i], error))
        return FALSE;
    }
  *set = parsed;
  return TRUE;
}

/* The shortest decimal that reads back as @v: 0.24, not 0.23999999999999999. */
static void
append_shortest (GString *s,
                 double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (int digits = 6; digits < 17; digits++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buf, sizeof buf, format, v);
      if (g_ascii_strtod (buf, NULL) == v)
        {
          g_string_append (s, buf);
          return;
        }
    }
  g_string_append (s, g_ascii_dtostr (buf, sizeof buf, v));
}

char *
imp_layer_set_to_string (const ImpLayerSet *set)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < set->n_layers; i++)
    {
      if (i > 0)
        g_string_append_c (s, ',');
      g_string_append (s, imp_vgg_layer_name (set->layers[i]));
      if (set->weights[i] >= 0.0)
        {
          g_string_append_c (s, ':');
          append_shortest (s, set->weights[i]);
        }
    }
  return g_string_free (s, FALSE);
}

static gboolean
check (gboolean        ok,
       GError        **error,
       ImpParamsError  code,
       const char     *format,
       ...) G_GNUC_PRINTF (4, 5);

/* The code says which parameter is wrong; the message is for developers. */
static gboolean
check (gboolean        ok,
       GError        **error,
       ImpParamsError  code,
       const char     *format,
       ...)
{
  va_list args;

  if (ok)
    return TRUE;
  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (IMP_PARAMS_ERROR, code, format, args));
  va_end (args);
  return FALSE;
}

static gboolean
is_weight (double w)
{
  return isfinite (w) && w >= 0.0;
}

static gboolean
in_range (double v,
          double lower,
          double upper)
{
  return isfinite (v) && v >= lower && v <= upper;
}

static void
layer_set_normalize (ImpLayerSet *set)
{
  for (guint i = 0; i < set->n_layers; i++)
    if (set->weights[i] < 0.0)
      set->weights[i] = 1.0 / set->n_layers;
}

static gboolean
validate_sizes (const ImpParams *p,
                GError         **error)
{
  return check (p->size <= MAX_SIZE, error, IMP_PARAMS_ERROR_SIZE,
                "size must be at most %d (got %u)", MAX_SIZE, p->size)
    && check (p->style_size >= IMP_STYLE_SIZE_FOLLOW && p->style_size <= MAX_SIZE, error,
              IMP_PARAMS_ERROR_STYLE_SIZE,
              "style size must be between 0 and %d (got %d)", MAX_SIZE, p->style_size)
    && check (in_range (p->style_scale, 0.0, 8.0), error, IMP_PARAMS_ERROR_STYLE_SCALE,
              "style scale must be between 0 and 8 (got %g)", p->style_scale)
    && check (p->style_scale == 0.0 || p->style_size == IMP_STYLE_SIZE_FOLLOW, error,
              IMP_PARAMS_ERROR_STYLE_SCALE_AND_SIZE,
              "style scale and style size cannot both be set")
    && check (p->start_size <= MAX_SIZE, error, IMP_PARAMS_ERROR_START_SIZE,
              "start size must be at most %d (got %u)", MAX_SIZE, p->start_size)
    && check (p->start_size == 0 || (in_range (p->scale_factor, 1.0, 4.0) && p->scale_factor > 1.0),
              error, IMP_PARAMS_ERROR_SCALE_FACTOR,
              "scale factor must be above 1 and at most 4 (got %g)", p->scale_factor)
    && check (in_range (p->first_scale_weight, 0.0, 100.0), error,
              IMP_PARAMS_ERROR_FIRST_SCALE_WEIGHT,
              "first scale's weight must be between 0 and 100 (got %g)", p->first_scale_weight)
    && check (in_range (p->last_scale_weight, 0.0, 100.0), error,
              IMP_PARAMS_ERROR_LAST_SCALE_WEIGHT,
              "last scale's weight must be between 0 and 100 (got %g)", p->last_scale_weight);
}

static gboolean
layer_weights_valid (const ImpLayerSet *set)
{
  for (guint i = 0; i < set->n_layers; i++)
    if (!(set->weights[i] < 0.0 || is_weight (set->weights[i])))   /* < 0: not given */
      return FALSE;
  return TRUE;
}

static gboolean
validate_loss (const ImpParams *p,
               GError         **error)
{
  return check (is_weight (p->content_weight), error, IMP_PARAMS_ERROR_CONTENT_WEIGHT,
                "content weight must be a number ≥ 0 (got %g)", p->content_weight)
    && check (is_weight (p->style_weight), error, IMP_PARAMS_ERROR_STYLE_WEIGHT,
              "style weight must be a number ≥ 0 (got %g)", p->style_weight)
    && check (is_weight (p->tv_weight), error, IMP_PARAMS_ERROR_TV_WEIGHT,
              "TV weight must be a number ≥ 0 (got %g)", p->tv_weight)
    && check (is_weight (p->color_weight), error, IMP_PARAMS_ERROR_COLOR_WEIGHT,
              "color weight must be a number ≥ 0 (got %g)", p->color_weight)
    && check (p->content_layers.n_layers > 0 && layer_weights_valid (&p->content_layers),
              error, IMP_PARAMS_ERROR_CONTENT_LAYERS,
              "content layers: at least one layer, weights ≥ 0")
    && check (p->style_layers.n_layers > 0 && layer_weights_valid (&p->style_layers),
              error, IMP_PARAMS_ERROR_STYLE_LAYERS,
              "style layers: at least one layer, weights ≥ 0")
    && check (p->pool == IMP_POOL_MAX || p->pool == IMP_POOL_AVG, error,
              IMP_PARAMS_ERROR_POOL, "pool must be max or avg");
}

static gboolean
validate_optimizer (const ImpParams *p,
                    GError         **error)
{
  return check (p->iterations >= 1 && p->iterations <= 1000000, error,
                IMP_PARAMS_ERROR_ITERATIONS,
                "iterations must be between 1 and 1000000 (got %u)", p->iterations)
    && check (p->optimizer == IMP_OPTIMIZER_ADAM || p->optimizer == IMP_OPTIMIZER_LBFGS,
              error, IMP_PARAMS_ERROR_OPTIMIZER, "optimizer must be adam or lbfgs")
    && check (isfinite (p->lr) && p->lr > 0.0, error, IMP_PARAMS_ERROR_LR,
              "learning rate must be a number > 0 (got %g)", p->lr)
    && check (in_range (p->beta1, 0.0, 1.0) && p->beta1 < 1.0, error, IMP_PARAMS_ERROR_BETA1,
              "beta1 must be in [0, 1) (got %g)", p->beta1)
    && check (in_range (p->beta2, 0.0, 1.0) && p->beta2 < 1.0, error, IMP_PARAMS_ERROR_BETA2,
              "beta2 must be in [0, 1) (got %g)", p->beta2)
    && check (isfinite (p->epsilon) && p->epsilon > 0.0, error, IMP_PARAMS_ERROR_EPSILON,
              "epsilon must be a number > 0 (got %g)", p->epsilon)
    && check (p->lbfgs_history >= 1 && p->lbfgs_history <= 1000, error,
              IMP_PARAMS_ERROR_LBFGS_HISTORY,
              "L-BFGS history must be between 1 and 1000 (got %u)", p->lbfgs_history)
    && check (p->init <= IMP_INIT_RECOLORED, error, IMP_PARAMS_ERROR_INIT,
              "init must be content, noise, style or recolored")
    && check (in_range (p->ema_decay, 0.0, 1.0) && p->ema_decay < 1.0, error,
              IMP_PARAMS_ERROR_AVERAGE_DECAY,
              "average decay must be in [0, 1) (got %g)", p->ema_decay)
    && check (p->preserve_colors <= IMP_COLORS_HISTOGRAM, error,
              IMP_PARAMS_ERROR_PRESERVE_COLORS,
              "preserve colors must be none, luminance or histogram")
    && check (p->threads <= 1024, error, IMP_PARAMS_ERROR_THREADS,
              "threads must be between 0 and 1024 (got %u)", p->threads);
}

/* Magnitudes: values that parse and have the right sign, yet cannot make a
 * picture. Loss weights up to the window's own range (its settings schema
 * allows 1e10); far beyond, the loss overflows within an iteration or two
 * (imp_transfer_step() stops the run then, but a weight of 1e20 is a typo).
 * Adam's epsilon is used in single precision: below the schema's 1e-12 it is
 * as good as 0, and a pixel whose gradient is 0 would become 0/0. The codes
 * are those of the parameters' other checks. */
static gboolean
layer_weights_below (const ImpLayerSet *set,
                     double             max)
{
  for (guint i = 0; i < set->n_layers; i++)
    if (set->weights[i] > max)
      return FALSE;
  return TRUE;
}

static gboolean
validate_magnitudes (const ImpParams *p,
                     GError         **error)
{
  const double max = IMP_PARAMS_MAX_LOSS_WEIGHT;

  return check (p->content_weight <= max, error, IMP_PARAMS_ERROR_CONTENT_WEIGHT,
                "content weight must be at most %g (got %g)", max, p->content_weight)
    && check (p->style_weight <= max, error, IMP_PARAMS_ERROR_STYLE_WEIGHT,
              "style weight must be at most %g (got %g)", max, p->style_weight)
    && check (p->tv_weight <= max, error, IMP_PARAMS_ERROR_TV_WEIGHT,
              "TV weight must be at most %g (got %g)", max, p->tv_weight)
    && check (p->color_weight <= max, error, IMP_PARAMS_ERROR_COLOR_WEIGHT,
              "color weight must be at most %g (got %g)", max, p->color_weight)
    && check (layer_weights_below (&p->content_layers, max), error,
              IMP_PARAMS_ERROR_CONTENT_LAYERS, "content layer weights must be at most %g", max)
    && check (layer_weights_below (&p->style_layers, max), error,
              IMP_PARAMS_ERROR_STYLE_LAYERS, "style layer weights must be at most %g", max)
    && check (in_range (p->epsilon, IMP_PARAMS_MIN_EPSILON, IMP_PARAMS_MAX_EPSILON), error,
              IMP_PARAMS_ERROR_EPSILON, "epsilon must be between %g and %g (got %g)",
              IMP_PARAMS_MIN_EPSILON, IMP_PARAMS_MAX_EPSILON, p->epsilon);
}

gboolean
imp_params_validate (ImpParams *params,
                     GError   **error)
{
  g_return_val_if_fail (params != NULL, FALSE);

  if (!validate_sizes (params, error)
      || !validate_loss (params, error)
      || !validate_optimizer (params, error)
      || !validate_magnitudes (params, error))
    return FALSE;

  layer_set_normalize (&params->content_layers);
  layer_set_normalize (&params->style_layers);
  return TRUE;
}
