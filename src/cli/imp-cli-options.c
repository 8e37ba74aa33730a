/* imp-cli-options.c: impasto-cli's command line
 *
 * Options are recorded in the order given while GOptionContext parses, then
 * applied after the preset: "--lr 2 --preset gatys" still means gatys with lr 2.
 * One table below lists every option; adding one is one row and one small setter.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-cli-options.h"

#include "engine/imp-enums.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (imp-cli-usage-error-quark, imp_cli_usage_error)

/* Frames are kept in memory until the end: 1000 at 512 px are about 600 MB. */
#define MAX_ANIMATION_FRAMES 1000

/* Defaults of the animation options, the window's too. */
#define DEFAULT_ANIMATION_FRAMES 60
#define DEFAULT_ANIMATION_DELAY  80
#define DEFAULT_ANIMATION_SIZE   512

typedef gboolean (*Setter) (ImpCliOptions *o,
                            const char    *option,
                            const char    *value,
                            GError       **error);

typedef struct
{
  const char *long_name;
  char        short_name;
  gboolean    flag;          /* takes no value */
  const char *arg;           /* for --help */
  const char *help;
  Setter      set;
} OptionSpec;

typedef struct
{
  const OptionSpec *spec;
  char             *value;
} Given;

static gboolean
usage_error (GError    **error,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static gboolean
usage_error (GError    **error,
             const char *format,
             ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (IMP_CLI_USAGE_ERROR, 0, format, args));
  va_end (args);
  return FALSE;
}

/* Value parsers: the whole string must be the number. */

static gboolean
parse_uint64 (const char *option,
              const char *value,
              guint64     max,
              guint64    *out,
              GError    **error)
{
  guint64 v = 0;

  if (!g_ascii_string_to_unsigned (value, 10, 0, max, &v, NULL))
    {
      /* G_GUINT64_FORMAT cannot sit in a translatable string: gettext would
       * not see the whole message. */
      g_autofree char *max_text = g_strdup_printf ("%" G_GUINT64_FORMAT, max);

      return usage_error (error, _("%s: “%s” is not a whole number between 0 and %s"),
                          option, value, max_text);
    }
  *out = v;
  return TRUE;
}

static gboolean
parse_uint (const char *option,
            const char *value,
            guint      *out,
            GError    **error)
{
  guint64 v = 0;

  if (!parse_uint64 (option, value, G_MAXINT, &v, error))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

/* An underflow (1e-320) is the tiny number it is, for the range checks of
 * imp_params_validate() to judge; an overflow is too large whatever the option. */
static gboolean
parse_double (const char *option,
              const char *value,
              double     *out,
              GError    **error)
{
  char *end = NULL;
  double v;

  errno = 0;
  v = g_ascii_strtod (value, &end);
  if (*value == '\0' || end == value || *end != '\0')
    return usage_error (error, _("%s: “%s” is not a number"), option, value);
  if (!isfinite (v) && errno == ERANGE)
    return usage_error (error, _("%s: “%s” is too large a number"), option, value);
  if (!isfinite (v))
    return usage_error (error, _("%s: “%s” is not a finite number"), option, value);
  *out = v;
  return TRUE;
}

/* One of an enum's nicks ("adam", "lbfgs"), the words the window's settings use too. */
static gboolean
parse_enum (const char *option,
            const char *value,
            GType       type,
            int        *out,
            GError    **error)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value_by_nick (klass, value);
  g_autoptr(GString) list = NULL;

  if (v != NULL)
    {
      *out = v->value;
      return TRUE;
    }
  list = g_string_new (NULL);
  for (guint i = 0; i < klass->n_values; i++)
    g_string_append_printf (list, "%s%s", i > 0 ? ", " : "", klass->values[i].value_nick);
  return usage_error (error, _("%s: “%s” is not one of %s"), option, value, list->str);
}

/* File names are the bytes given (G_OPTION_FLAG_FILENAME), whatever their
 * encoding; only the empty name is no name. */
static gboolean
check_file_name (const char *option,
                 const char *value,
                 GError    **error)
{
  if (*value == '\0')
    return usage_error (error, _("%s: the file name is empty"), option);
  return TRUE;
}

/* Setters */

static gboolean
set_content (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  if (!check_file_name (option, value, error))
    return FALSE;
  g_free (o->content);
  o->content = g_strdup (value);
  return TRUE;
}

static gboolean
set_style (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  if (!check_file_name (option, value, error))
    return FALSE;
  g_ptr_array_add (o->styles, g_strdup (value));
  return TRUE;
}

static gboolean
set_output (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  if (!check_file_name (option, value, error))
    return FALSE;
  g_free (o->output);
  o->output = g_strdup (value);
  return TRUE;
}

static gboolean
set_weights (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  if (!check_file_name (option, value, error))
    return FALSE;
  g_free (o->weights);
  o->weights = g_strdup (value);
  return TRUE;
}

static gboolean
set_size (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return parse_uint (option, value, &o->params.size, error);
}

static gboolean
set_style_size (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  guint v = 0;

  if (!parse_uint (option, value, &v, error))
    return FALSE;
  o->params.style_size = (int) v;
  return TRUE;
}

static gboolean
set_style_scale (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  if (!parse_double (option, value, &o->params.style_scale, error))
    return FALSE;
  if (!(o->params.style_scale > 0.0))
    return usage_error (error, _("%s must be above 0"), option);
  return TRUE;
}

static gboolean
set_iterations (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return parse_uint (option, value, &o->params.iterations, error);
}

static gboolean
set_content_weight (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return parse_double (option, value, &o->params.content_weight, error);
}

static gboolean
set_style_weight (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return parse_double (option, value, &o->params.style_weight, error);
}

static gboolean
set_tv_weight (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return parse_double (option, value, &o->params.tv_weight, error);
}

static gboolean
set_layers (ImpLayerSet *set,
            const char  *option,
            const char  *value,
            GError     **error)
{
  g_autoptr(GError) local = NULL;

  if (!imp_layer_set_parse (set, value, &local))
    return usage_error (error, "%s: %s", option, local->message);
  return TRUE;
}

static gboolean
set_content_layers (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return set_layers (&o->params.content_layers, option, value, error);
}

static gboolean
set_style_layers (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return set_layers (&o->params.style_layers, option, value, error);
}

static gboolean
set_style_blend (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  g_auto(GStrv) items = g_strsplit (value, ",", -1);

  g_clear_pointer (&o->style_blend, g_array_unref);
  o->style_blend = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autofree char *item = g_strstrip (g_strdup (items[i]));
      double w;

      if (!parse_double (option, item, &w, error))
        return FALSE;
      if (w < 0.0)
        return usage_error (error, _("%s: weights must be 0 or more"), option);
      g_array_append_val (o->style_blend, w);
    }
  return TRUE;
}

static gboolean
set_optimizer (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  int v = 0;

  if (!parse_enum (option, value, IMP_TYPE_OPTIMIZER_KIND, &v, error))
    return FALSE;
  /* Adam's learning rate means nothing to L-BFGS (whose step scale is 1, as in
   * jcjohnson/neural-style) and back; --lr given later still wins. */
  if ((ImpOptimizerKind) v != o->params.optimizer)
    o->params.lr = v == IMP_OPTIMIZER_LBFGS ? 1.0 : 5.0;
  o->params.optimizer = (ImpOptimizerKind) v;
  return TRUE;
}

static gboolean
set_lr (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return parse_double (option, value, &o->params.lr, error);
}

static gboolean
set_beta1 (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return parse_double (option, value, &o->params.beta1, error);
}

static gboolean
set_beta2 (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return parse_double (option, value, &o->params.beta2, error);
}

static gboolean
set_epsilon (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return parse_double (option, value, &o->params.epsilon, error);
}

static gboolean
set_lbfgs_history (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return parse_uint (option, value, &o->params.lbfgs_history, error);
}

static gboolean
set_init (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  int v = 0;

  if (!parse_enum (option, value, IMP_TYPE_INIT_KIND, &v, error))
    return FALSE;
  o->params.init = (ImpInitKind) v;
  return TRUE;
}

static gboolean
set_color_weight (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return parse_double (option, value, &o->params.color_weight, error);
}

static gboolean
set_start_size (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return parse_uint (option, value, &o->params.start_size, error);
}

static gboolean
set_scale_factor (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return parse_double (option, value, &o->params.scale_factor, error);
}

static gboolean
set_average_decay (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return parse_double (option, value, &o->params.ema_decay, error);
}

static gboolean
set_seed (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return parse_uint64 (option, value, G_MAXUINT64, &o->params.seed, error);
}

static gboolean
set_pool (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  int v = 0;

  if (!parse_enum (option, value, IMP_TYPE_POOL_KIND, &v, error))
    return FALSE;
  o->params.pool = (ImpPoolKind) v;
  return TRUE;
}

static gboolean
set_preserve_colors (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  int v = 0;

  if (!parse_enum (option, value, IMP_TYPE_PRESERVE_COLORS, &v, error))
    return FALSE;
  o->params.preserve_colors = (ImpPreserveColors) v;
  return TRUE;
}

static gboolean
set_threads (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return parse_uint (option, value, &o->params.threads, error);
}

static gboolean
set_memory_limit (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  guint64 mb = 0;

  if (!parse_uint64 (option, value, G_MAXUINT64 >> 20, &mb, error))
    return FALSE;
  o->params.memory_limit = mb << 20;
  return TRUE;
}

static gboolean
set_log_json (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  if (!check_file_name (option, value, error))
    return FALSE;
  g_free (o->log_json);
  o->log_json = g_strdup (value);
  return TRUE;
}

static gboolean
set_save_every (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  if (!parse_uint (option, value, &o->save_every, error))
    return FALSE;
  if (o->save_every == 0)
    return usage_error (error, _("%s must be at least 1"), option);
  return TRUE;
}

static gboolean
set_save_dir (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  if (!check_file_name (option, value, error))
    return FALSE;
  g_free (o->save_dir);
  o->save_dir = g_strdup (value);
  return TRUE;
}

/* The format follows the extension; checked here (not by the media library,
 * which the option fuzzers do not link) so a typo fails before a long run. */
static gboolean
set_animation (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  g_autofree char *lower = g_ascii_strdown (value, -1);
  g_autofree char *name = g_filename_display_name (value);

  if (!check_file_name (option, value, error))
    return FALSE;
  if (!g_str_has_suffix (lower, ".gif") && !g_str_has_suffix (lower, ".webp"))
    return usage_error (error, _("%s “%s”: the name must end in .gif or .webp"), option, name);
  g_free (o->animation);
  o->animation = g_strdup (value);
  return TRUE;
}

static gboolean
parse_uint_range (const char *option,
                  const char *value,
                  guint       min,
                  guint       max,
                  guint      *out,
                  GError    **error)
{
  guint64 v = 0;

  if (!g_ascii_string_to_unsigned (value, 10, min, max, &v, NULL))
    return usage_error (error, _("%s: “%s” is not a whole number between %u and %u"),
                        option, value, min, max);
  *out = (guint) v;
  return TRUE;
}

static gboolean
set_animation_frames (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  /* Two at least: an animation of one frame is a still picture. */
  return parse_uint_range (option, value, 2, MAX_ANIMATION_FRAMES, &o->animation_frames, error);
}

static gboolean
set_animation_delay (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  /* Browsers show shorter GIF delays as 100 ms (imp-animation.h). */
  return parse_uint_range (option, value, 20, 60000, &o->animation_delay, error);
}

static gboolean
set_animation_size (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  return parse_uint_range (option, value, 16, 4096, &o->animation_size, error);
}

static gboolean
set_evaluate (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  if (!check_file_name (option, value, error))
    return FALSE;
  g_free (o->evaluate);
  o->evaluate = g_strdup (value);
  return TRUE;
}

static gboolean
set_quiet (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  o->quiet = TRUE;
  return TRUE;
}

static gboolean
set_save_on_interrupt (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  o->save_on_interrupt = TRUE;
  return TRUE;
}

static gboolean
set_list_presets (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  o->list_presets = TRUE;
  return TRUE;
}

static gboolean
set_version (ImpCliOptions *o, const char *option, const char *value, GError **error)
{
  o->version = TRUE;
  return TRUE;
}

/* --preset is read before the others and has no setter of its own. */
#define PRESET_OPTION "preset"

static const OptionSpec option_specs[] = {
  { "content", 'c', FALSE, N_("FILE"), N_("Content image"), set_content },
  { "style", 's', FALSE, N_("FILE"), N_("Style image (repeat for several)"), set_style },
  { "output", 'o', FALSE, N_("FILE"), N_("Output image, PNG or JPEG by extension"), set_output },
  { PRESET_OPTION, 0, FALSE, N_("NAME"), N_("best (default), fast, patient, gatys or tutorial"), NULL },
  { "weights", 0, FALSE, N_("FILE"), N_("VGG19 weights (safetensors)"), set_weights },
  { "size", 0, FALSE, N_("N"), N_("Longer side of the output; 0 = the content's own"), set_size },
  { "style-size", 0, FALSE, N_("N"), N_("Longer side of each style image; 0 = its own"), set_style_size },
  { "style-scale", 0, FALSE, N_("F"), N_("Style size as a multiple of the output size"), set_style_scale },
  { "iterations", 0, FALSE, N_("N"), N_("Number of iterations (across all scales)"), set_iterations },
  { "start-size", 0, FALSE, N_("N"), N_("Longer side of the first, coarsest scale; 0 = paint at the output size only"), set_start_size },
  { "scale-factor", 0, FALSE, N_("F"), N_("Growth of the size from one scale to the next (above 1, at most 4)"), set_scale_factor },
  { "average-decay", 0, FALSE, N_("X"), N_("Result is an average of the iterates with this decay (0 to below 1; 0 = the iterate itself)"), set_average_decay },
  { "content-weight", 0, FALSE, N_("W"), N_("Weight of the content loss"), set_content_weight },
  { "style-weight", 0, FALSE, N_("W"), N_("Weight of the style loss"), set_style_weight },
  { "tv-weight", 0, FALSE, N_("W"), N_("Weight of the total-variation loss"), set_tv_weight },
  { "color-weight", 0, FALSE, N_("W"), N_("Weight of the loss on the style's color distribution"), set_color_weight },
  { "content-layers", 0, FALSE, N_("L[,L]"), N_("Content layers, e.g. conv4_2"), set_content_layers },
  { "style-layers", 0, FALSE, N_("L[:W][,L[:W]]"), N_("Style layers with optional weights"), set_style_layers },
  { "style-blend", 0, FALSE, N_("W[,W]"), N_("Blend weight of each style image"), set_style_blend },
  { "optimizer", 0, FALSE, N_("adam|lbfgs"), N_("Optimizer"), set_optimizer },
  { "lr", 0, FALSE, N_("X"), N_("Learning rate (Adam) or step scale (L-BFGS)"), set_lr },
  { "beta1", 0, FALSE, N_("X"), N_("Adam β1"), set_beta1 },
  { "beta2", 0, FALSE, N_("X"), N_("Adam β2"), set_beta2 },
  { "epsilon", 0, FALSE, N_("X"), N_("Adam ε"), set_epsilon },
  { "lbfgs-history", 0, FALSE, N_("N"), N_("L-BFGS history size"), set_lbfgs_history },
  { "init", 0, FALSE, N_("content|noise|style|recolored"), N_("Initial image; recolored = the content in the style's colors"), set_init },
  { "seed", 0, FALSE, N_("N"), N_("Seed of the noise initialisation"), set_seed },
  { "pool", 0, FALSE, N_("max|avg"), N_("Pooling"), set_pool },
  { "preserve-colors", 0, FALSE, N_("none|luminance|histogram"), N_("Keep the content's colors"), set_preserve_colors },
  { "threads", 0, FALSE, N_("N"), N_("Threads; 0 = all cores"), set_threads },
  { "memory-limit", 0, FALSE, N_("MB"), N_("Larger runs are refused before they start; 0 allows three quarters of the memory"), set_memory_limit },
  { "log-json", 0, FALSE, N_("FILE"), N_("Write the losses of each iteration as JSON Lines"), set_log_json },
  { "save-every", 0, FALSE, N_("N"), N_("Save the image every N iterations into --save-dir"), set_save_every },
  { "save-dir", 0, FALSE, N_("DIR"), N_("Folder of the intermediate images"), set_save_dir },
  { "animation", 0, FALSE, N_("FILE"), N_("Save the run's progress as an animation, GIF or WebP by extension"), set_animation },
  { "animation-frames", 0, FALSE, N_("N"), N_("Most frames of the animation (default 60)"), set_animation_frames },
  { "animation-delay", 0, FALSE, N_("MS"), N_("Milliseconds per frame of the animation (default 80)"), set_animation_delay },
  { "animation-size", 0, FALSE, N_("N"), N_("Longer side of the animation (default 512)"), set_animation_size },
  { "evaluate", 0, FALSE, N_("FILE"), N_("Print the losses of FILE under the preset's loss at --size instead of painting"), set_evaluate },
  { "save-on-interrupt", 0, TRUE, NULL, N_("On Ctrl+C, save the result so far"), set_save_on_interrupt },
  { "quiet", 'q', TRUE, NULL, N_("No progress output"), set_quiet },
  { "list-presets", 0, TRUE, NULL, N_("List the presets and exit"), set_list_presets },
  { "version", 0, TRUE, NULL, N_("Show the version and exit"), set_version },
};

typedef struct
{
  GPtrArray *given;        /* Given *, in command-line order */
  char      *preset;
} ParseState;

static void
given_free (gpointer data)
{
  Given *g = data;

  g_free (g->value);
  g_free (g);
}

static const OptionSpec *
find_spec (const char *option_name)
{
  const char *name = option_name;

  while (*name == '-')
    name++;
  for (guint i = 0; i < G_N_ELEMENTS (option_specs); i++)
    {
      const OptionSpec *s = &option_specs[i];

      if (g_strcmp0 (name, s->long_name) == 0
          || (s->short_name != 0 && name[0] == s->short_name && name[1] == '\0'))
        return s;
    }
  return NULL;
}

static gboolean
record_option (const char *option_name,
               const char *value,
               gpointer    data,
               GError    **error)
{
  ParseState *state = data;
  const OptionSpec *spec = find_spec (option_name);
  Given *g;

  g_return_val_if_fail (spec != NULL, FALSE);
  if (spec->set == NULL)
    {
      g_free (state->preset);
      state->preset = g_strdup (value);
      return TRUE;
    }
  g = g_new0 (Given, 1);
  g->spec = spec;
  g->value = g_strdup (value);
  g_ptr_array_add (state->given, g);
  return TRUE;
}

static GOptionEntry *
build_entries (void)
{
  GOptionEntry *entries = g_new0 (GOptionEntry, G_N_ELEMENTS (option_specs) + 1);

  for (guint i = 0; i < G_N_ELEMENTS (option_specs); i++)
    {
      const OptionSpec *s = &option_specs[i];

      entries[i].long_name = s->long_name;
      entries[i].short_name = s->short_name;
      /* Every value as given: file names need their bytes, and other values
       * are checked as text with their option's name (apply_options). */
      entries[i].flags = s->flag ? G_OPTION_FLAG_NO_ARG : G_OPTION_FLAG_FILENAME;
      entries[i].arg = G_OPTION_ARG_CALLBACK;
      entries[i].arg_data = (gpointer) record_option;
      entries[i].description = s->help;
      entries[i].arg_description = s->arg;
    }
  return entries;
}

static gboolean
check_required (ImpCliOptions *o,
                gboolean       animation_tuned,
                GError       **error)
{
  if (o->list_presets || o->version)
    return TRUE;
  if (o->content == NULL)
    return usage_error (error, _("a content image is needed: -c FILE"));
  if (o->styles->len == 0)
    return usage_error (error, _("a style image is needed: -s FILE"));
  if (o->output == NULL && o->evaluate == NULL)
    return usage_error (error, _("an output file is needed: -o FILE"));
  if (o->style_blend != NULL && o->style_blend->len != o->styles->len)
    return usage_error (error, _("--style-blend has %u weights for %u style images"),
                        o->style_blend->len, o->styles->len);
  if (o->style_blend != NULL)
    {
      double sum = 0.0;

      for (guint i = 0; i < o->style_blend->len; i++)
        sum += g_array_index (o->style_blend, double, i);
      if (!(sum > 0.0))
        return usage_error (error, _("--style-blend: at least one weight must be above 0"));
    }
  if ((o->save_every > 0) != (o->save_dir != NULL))
    return usage_error (error, _("--save-every and --save-dir go together"));
  if (o->animation == NULL && animation_tuned)
    return usage_error (error, _("--animation-frames, --animation-delay and --animation-size need --animation FILE"));
  return TRUE;
}

static gboolean
is_file_option (const OptionSpec *spec)
{
  return spec->set == set_content || spec->set == set_style || spec->set == set_output
         || spec->set == set_weights || spec->set == set_log_json || spec->set == set_save_dir
         || spec->set == set_animation || spec->set == set_evaluate;
}

static gboolean
apply_options (ImpCliOptions *o,
               ParseState    *state,
               GError       **error)
{
  g_autoptr(GError) local = NULL;
  gboolean has_style_size = FALSE, has_style_scale = FALSE, animation_tuned = FALSE;

  if (state->preset != NULL && !g_utf8_validate (state->preset, -1, NULL))
    {
      g_autofree char *shown = g_utf8_make_valid (state->preset, -1);

      return usage_error (error, _("%s: “%s” is not valid text"), "--" PRESET_OPTION, shown);
    }
  if (!imp_params_init_preset (&o->params,
                               state->preset != NULL ? state->preset
                                                     : imp_params_default_preset (),
                               &local))
    {
      g_autofree char *names = g_strjoinv (", ", (char **) imp_params_list_presets ());

      return usage_error (error, _("--preset: unknown preset “%s” (choose %s)"), state->preset, names);
    }

  for (guint i = 0; i < state->given->len; i++)
    {
      Given *g = g_ptr_array_index (state->given, i);
      g_autofree char *option = g_strconcat ("--", g->spec->long_name, NULL);

      if (g->value != NULL && !is_file_option (g->spec)
          && !g_utf8_validate (g->value, -1, NULL))
        {
          g_autofree char *shown = g_utf8_make_valid (g->value, -1);

          return usage_error (error, _("%s: “%s” is not valid text"), option, shown);
        }
      has_style_size |= g->spec->set == set_style_size;
      has_style_scale |= g->spec->set == set_style_scale;
      animation_tuned |= g->spec->set == set_animation_frames
                         || g->spec->set == set_animation_delay
                         || g->spec->set == set_animation_size;
      if (!g->spec->set (o, option, g->value, error))
        return FALSE;
    }
  if (has_style_size && has_style_scale)
    return usage_error (error, _("--style-scale and --style-size cannot be used together"));
  return check_required (o, animation_tuned, error);
}

gboolean
imp_cli_options_parse (ImpCliOptions  *options,
                       int            *argc,
                       char         ***argv,
                       GError        **error)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autofree GOptionEntry *entries = build_entries ();
  g_autoptr(GPtrArray) given = g_ptr_array_new_with_free_func (given_free);
  g_autofree char *preset = NULL;
  ParseState state = { given, NULL };
  GOptionGroup *group;
  gboolean ok;

  memset (options, 0, sizeof *options);
  options->styles = g_ptr_array_new_with_free_func (g_free);
  options->animation_frames = DEFAULT_ANIMATION_FRAMES;
  options->animation_delay = DEFAULT_ANIMATION_DELAY;
  options->animation_size = DEFAULT_ANIMATION_SIZE;

  context = g_option_context_new (_("— paint a picture in the style of another"));
  g_option_context_set_summary (context,
                                _("impasto-cli -c CONTENT -s STYLE [-s STYLE2 …] -o OUTPUT [options]"));
  g_option_context_set_description (context,
                                    _("Exit status: 0 done, 1 failed, 2 usage error, 130 interrupted."));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  group = g_option_group_new ("impasto", NULL, NULL, &state, NULL);
  g_option_group_add_entries (group, entries);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_set_main_group (context, group);

  ok = g_option_context_parse (context, argc, argv, error);
  preset = state.preset;
  if (!ok)
    {
      /* GOptionContext's own errors (unknown option, missing value) are usage errors. */
      if (error != NULL && *error != NULL && (*error)->domain != IMP_CLI_USAGE_ERROR)
        {
          (*error)->domain = IMP_CLI_USAGE_ERROR;
          (*error)->code = 0;
        }
      return FALSE;
    }
  if (*argc > 1)
    {
      g_autofree char *shown = g_filename_display_name ((*argv)[1]);

      return usage_error (error, _("unexpected argument “%s”"), shown);
    }
  return apply_options (options, &state, error);
}

void
imp_cli_options_clear (ImpCliOptions *o)
{
  g_clear_pointer (&o->content, g_free);
  g_clear_pointer (&o->styles, g_ptr_array_unref);
  g_clear_pointer (&o->output, g_free);
  g_clear_pointer (&o->weights, g_free);
  g_clear_pointer (&o->style_blend, g_array_unref);
  g_clear_pointer (&o->log_json, g_free);
  g_clear_pointer (&o->save_dir, g_free);
  g_clear_pointer (&o->animation, g_free);
  g_clear_pointer (&o->evaluate, g_free);
}
