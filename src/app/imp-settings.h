/* imp-settings.h: a run's parameters in GSettings (schema io.github.impasto.Impasto)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "engine/imp-params.h"

G_BEGIN_DECLS

/* The run's parameters: the stored preset's values overlaid with every stored
 * key; the strength keys multiply the preset's loss weights. */
gboolean  imp_params_from_settings       (GSettings       *settings,
                                          ImpParams       *params,
                                          GError         **error);
/* Stores every run key of @params (not the machine keys threads and
 * memory-limit), its weights as strengths relative to @params->preset. */
void      imp_params_to_settings         (const ImpParams *params,
                                          GSettings       *settings);

/* Sets "preset" and every key the preset defines; leaves the user's own
 * (output size, style size, seed, colors, machine) alone. */
gboolean  imp_settings_apply_preset      (GSettings       *settings,
                                          const char      *preset,
                                          GError         **error);
/* TRUE when a key the stored preset defines holds another value. */
gboolean  imp_settings_is_custom         (GSettings       *settings);
/* Names of the keys a preset defines, NULL-terminated. */
const char * const *imp_settings_preset_keys (void);

/* The loss weights the strength keys stand for under the stored preset. */
void      imp_settings_get_loss_weights  (GSettings       *settings,
                                          double          *content_weight,
                                          double          *style_weight,
                                          double          *tv_weight);
/* What smoothing strength 1 means for @preset: its own weight, or the
 * default preset's for a preset without smoothing. */
double    imp_settings_smoothing_reference (const ImpParams *preset);

/* A translated sentence for the window: a parameter error names the control,
 * anything else keeps its own message. */
char     *imp_settings_describe_error    (const GError    *error);

G_END_DECLS
