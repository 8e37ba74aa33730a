/* imp-params-panel.h: the parameters of a run, bound to GSettings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "imp-settings.h"

G_BEGIN_DECLS

#define IMP_TYPE_PARAMS_PANEL (imp_params_panel_get_type ())

G_DECLARE_FINAL_TYPE (ImpParamsPanel, imp_params_panel, IMP, PARAMS_PANEL, GtkWidget)

/* Binds every control to @settings (schema io.github.impasto.Impasto). */
void           imp_params_panel_set_settings (ImpParamsPanel *self,
                                              GSettings      *settings);
/* Writes the current preset's values into the settings (and so the controls),
 * leaving the output size and the user's other own values alone. */
void           imp_params_panel_reset        (ImpParamsPanel *self);

G_END_DECLS
