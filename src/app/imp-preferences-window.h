/* imp-preferences-window.h: default folder, threads, memory limit
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define IMP_TYPE_PREFERENCES_WINDOW (imp_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (ImpPreferencesWindow, imp_preferences_window, IMP, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWindow *imp_preferences_window_new (GtkWindow *parent);

G_END_DECLS
