/* imp-window.h: the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "imp-image-well.h"
#include "imp-loss-plot.h"
#include "imp-params-panel.h"
#include "imp-preview.h"
#include "imp-run-controller.h"

G_BEGIN_DECLS

#define IMP_TYPE_WINDOW (imp_window_get_type ())

G_DECLARE_FINAL_TYPE (ImpWindow, imp_window, IMP, WINDOW, AdwApplicationWindow)

ImpWindow        *imp_window_new                (AdwApplication *application);

/* Saves the current result to @file; a toast reports the outcome, then
 * "image-saved" (GFile *, const GError *) is emitted. */
void              imp_window_save_image         (ImpWindow      *self,
                                                 GFile          *file);

/* The same for the progress animation (GIF or WebP by extension):
 * "animation-saved" (GFile *, const GError *) follows. */
void              imp_window_save_animation     (ImpWindow      *self,
                                                 GFile          *file);

G_END_DECLS
