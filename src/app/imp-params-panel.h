/* imp-params-panel.h: the parameters of a run, bound to GSettings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "engine/imp-params.h"

G_BEGIN_DECLS

#define IMP_TYPE_PARAMS_PANEL (imp_params_panel_get_type ())

G_DECLARE_FINAL_TYPE (ImpParamsPanel, imp_params_panel, IMP, PARAMS_PANEL, GtkWidget)

/* Binds every control to @settings (schema io.github.impasto.Impasto). */
void           imp_params_panel_set_settings (ImpParamsPanel *self,
                                              GSettings      *settings);
/* Writes the current preset's values into the settings (and so the controls). */
void           imp_params_panel_reset        (ImpParamsPanel *self);
/* For tests: the adjustment behind a slider, by settings key
 * ("style-weight", "content-weight", "tv-weight", "iterations", "size"). */
GtkAdjustment *imp_params_panel_get_adjustment (ImpParamsPanel *self,
                                                const char     *key);

/* The run's parameters: the preset's values overlaid with every stored key. */
gboolean       imp_params_from_settings      (GSettings      *settings,
                                              ImpParams      *params,
                                              GError        **error);
/* Stores @params in the run keys (not the machine keys threads, memory-limit). */
void           imp_params_to_settings        (const ImpParams *params,
                                              GSettings       *settings);

G_END_DECLS
