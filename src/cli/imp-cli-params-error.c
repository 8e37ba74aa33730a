/* imp-cli-params-error.c: the command line's words for a wrong parameter
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine says which parameter is wrong (the error code); the option that
 * sets it is the command line's to name.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "imp-cli-params-error.h"

/* %g in the C locale, as the options are typed. */
static char *
number (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%g", v));
}

static char *
describe_sizes (ImpParamsError   code,
                const ImpParams *p)
{
  g_autofree char *v = NULL;

  switch (code)
    {
    case IMP_PARAMS_ERROR_SIZE:
      return g_strdup_printf (_("--size must be at most %d (got %u)"), IMP_PARAMS_MAX_SIZE, p->size);
    case IMP_PARAMS_ERROR_STYLE_SIZE:
      return g_strdup_printf (_("--style-size must be between 0 and %d (got %d)"),
                              IMP_PARAMS_MAX_SIZE, p->style_size);
    case IMP_PARAMS_ERROR_STYLE_SCALE:
      v = number (p->style_scale);
      return g_strdup_printf (_("--style-scale must be a number between 0 and 8 (got %s)"), v);
    case IMP_PARAMS_ERROR_STYLE_SCALE_AND_SIZE:
      return g_strdup (_("--style-scale and --style-size cannot be used together"));
    case IMP_PARAMS_ERROR_START_SIZE:
      return g_strdup_printf (_("--start-size must be at most %d (got %u)"), IMP_PARAMS_MAX_SIZE, p->start_size);
    case IMP_PARAMS_ERROR_SCALE_FACTOR:
      v = number (p->scale_factor);
      return g_strdup_printf (_("--scale-factor must be above 1 and at most 4 (got %s)"), v);
    case IMP_PARAMS_ERROR_AVERAGE_DECAY:
      v = number (p->ema_decay);
      return g_strdup_printf (_("--average-decay must be at least 0 and below 1 (got %s)"), v);
    default:
      return NULL;
    }
}

static char *
describe_loss (ImpParamsError   code,
               const ImpParams *p)
{
  g_autofree char *v = NULL;
  g_autofree char *max = number (IMP_PARAMS_MAX_LOSS_WEIGHT);

  switch (code)
    {
    case IMP_PARAMS_ERROR_CONTENT_WEIGHT:
      v = number (p->content_weight);
      return g_strdup_printf (_("--content-weight must be a number from 0 to %s (got %s)"), max, v);
    case IMP_PARAMS_ERROR_STYLE_WEIGHT:
      v = number (p->style_weight);
      return g_strdup_printf (_("--style-weight must be a number from 0 to %s (got %s)"), max, v);
    case IMP_PARAMS_ERROR_TV_WEIGHT:
      v = number (p->tv_weight);
      return g_strdup_printf (_("--tv-weight must be a number from 0 to %s (got %s)"), max, v);
    case IMP_PARAMS_ERROR_COLOR_WEIGHT:
      v = number (p->color_weight);
      return g_strdup_printf (_("--color-weight must be a number from 0 to %s (got %s)"), max, v);
    case IMP_PARAMS_ERROR_CONTENT_LAYERS:
      return g_strdup_printf (_("--content-layers: give at least one layer, with weights from 0 to %s"), max);
    case IMP_PARAMS_ERROR_STYLE_LAYERS:
      return g_strdup_printf (_("--style-layers: give at least one layer, with weights from 0 to %s"), max);
    default:
      return NULL;
    }
}

static char *
describe_optimizer (ImpParamsError   code,
                    const ImpParams *p)
{
  g_autofree char *v = NULL;

  switch (code)
    {
    case IMP_PARAMS_ERROR_ITERATIONS:
      return g_strdup_printf (_("--iterations must be between 1 and 1000000 (got %u)"), p->iterations);
    case IMP_PARAMS_ERROR_LR:
      v = number (p->lr);
      return g_strdup_printf (_("--lr must be a number above 0 (got %s)"), v);
    case IMP_PARAMS_ERROR_BETA1:
      v = number (p->beta1);
      return g_strdup_printf (_("--beta1 must be at least 0 and below 1 (got %s)"), v);
    case IMP_PARAMS_ERROR_BETA2:
      v = number (p->beta2);
      return g_strdup_printf (_("--beta2 must be at least 0 and below 1 (got %s)"), v);
    case IMP_PARAMS_ERROR_EPSILON:
      {
        g_autofree char *min = number (IMP_PARAMS_MIN_EPSILON);
        g_autofree char *max = number (IMP_PARAMS_MAX_EPSILON);

        v = number (p->epsilon);
        return g_strdup_printf (_("--epsilon must be a number from %s to %s (got %s)"), min, max, v);
      }
    case IMP_PARAMS_ERROR_LBFGS_HISTORY:
      return g_strdup_printf (_("--lbfgs-history must be between 1 and 1000 (got %u)"), p->lbfgs_history);
    case IMP_PARAMS_ERROR_THREADS:
      return g_strdup_printf (_("--threads must be between 0 and 1024 (got %u)"), p->threads);
    default:
      return NULL;
    }
}

char *
imp_cli_describe_params_error (const GError    *error,
                               const ImpParams *params)
{
  char *text = NULL;

  if (error->domain != IMP_PARAMS_ERROR)
    return g_strdup (error->message);
  if ((text = describe_sizes (error->code, params)) != NULL
      || (text = describe_loss (error->code, params)) != NULL
      || (text = describe_optimizer (error->code, params)) != NULL)
    return text;
  /* Choices and the scales' shares have no option a user can get wrong:
   * the engine's own words, for a developer. */
  return g_strdup_printf (_("invalid parameters: %s"), error->message);
}
