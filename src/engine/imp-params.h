/* imp-params.h: every parameter of a style-transfer run, and the presets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "imp-pooling.h"
#include "imp-vgg-layers.h"

G_BEGIN_DECLS

#define IMP_PARAMS_ERROR (imp_params_error_quark ())

typedef enum
{
  IMP_PARAMS_ERROR_INVALID,      /* a value out of range or unparsable; message names the option */
} ImpParamsError;

typedef enum
{
  IMP_OPTIMIZER_ADAM,
  IMP_OPTIMIZER_LBFGS,
} ImpOptimizerKind;

typedef enum
{
  IMP_INIT_CONTENT,
  IMP_INIT_NOISE,
  IMP_INIT_STYLE,
} ImpInitKind;

typedef enum
{
  IMP_COLORS_NONE,
  IMP_COLORS_LUMINANCE,
  IMP_COLORS_HISTOGRAM,
} ImpPreserveColors;

/* A set of VGG layers, each with a weight. A weight < 0 means "not given":
 * imp_params_normalize() turns those into 1/L (docs/algorithm.md). */
typedef struct
{
  guint       n_layers;
  ImpVggLayer layers[IMP_N_VGG_LAYERS];
  double      weights[IMP_N_VGG_LAYERS];
} ImpLayerSet;

#define IMP_STYLE_SIZE_FOLLOW (-1)   /* style_size: follow the output size */

typedef struct
{
  char              preset[16];       /* name of the preset these values started from */

  /* Sizes */
  guint             size;             /* longer side of the output; 0 = the content's own */
  int               style_size;       /* longer side of each style image; 0 = own size,
                                         IMP_STYLE_SIZE_FOLLOW = same as size */
  double            style_scale;      /* > 0: style size = style_scale * output size */

  /* Loss */
  double            content_weight;
  double            style_weight;
  double            tv_weight;
  ImpLayerSet       content_layers;
  ImpLayerSet       style_layers;
  ImpPoolKind       pool;

  /* Optimisation */
  guint             iterations;       /* loss-and-gradient evaluations, across all scales */
  ImpOptimizerKind  optimizer;
  double            lr;
  double            beta1;
  double            beta2;
  double            epsilon;
  guint             lbfgs_history;
  ImpInitKind       init;
  guint64           seed;

  /* Quality (coarse to fine, averaging, colours) */
  guint             start_size;       /* 0 = single scale; else first scale's longer side */
  double            scale_factor;     /* growth per scale, e.g. G_SQRT2 */
  double            first_scale_weight; /* the first scale's share of the iterations
                                         against 1 for each middle one; 0 = 2 */
  double            last_scale_weight; /* the last scale's share; 0 = 1 */
  double            ema_decay;        /* 0 = off; else the shown/saved image is the EMA */
  ImpPreserveColors preserve_colors;

  /* Machine */
  guint             threads;          /* 0 = all cores */
  guint64           memory_limit;     /* bytes; 0 = 75 % of physical memory */
} ImpParams;

GQuark        imp_params_error_quark   (void);

/* Names of the presets, NULL-terminated: "tutorial", "gatys", ... */
const char * const *imp_params_list_presets (void);
const char   *imp_params_default_preset (void);
/* Fills @params with the preset's values. FALSE for an unknown name. */
gboolean      imp_params_init_preset   (ImpParams         *params,
                                        const char        *preset,
                                        GError           **error);

/* "conv4_2" or "conv1_1:0.5,conv2_1" -> layer set (weights < 0 where not given). */
gboolean      imp_layer_set_parse      (ImpLayerSet       *set,
                                        const char        *text,
                                        GError           **error);
/* Inverse of imp_layer_set_parse; weights printed only where given. */
char         *imp_layer_set_to_string  (const ImpLayerSet *set);

/* Checks ranges (sizes, weights >= 0, betas in [0,1), at least one style layer...)
 * and replaces unset per-layer weights by 1/L. */
gboolean      imp_params_validate      (ImpParams         *params,
                                        GError           **error);

G_END_DECLS
