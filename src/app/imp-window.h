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

/* For tests and the screenshot script. */
ImpImageWell     *imp_window_get_content_well   (ImpWindow      *self);
ImpImageWell     *imp_window_get_style_well     (ImpWindow      *self);
ImpImageWell     *imp_window_get_style2_well    (ImpWindow      *self);
GtkCheckButton   *imp_window_get_blend_check    (ImpWindow      *self);
ImpParamsPanel   *imp_window_get_params_panel   (ImpWindow      *self);
ImpPreview       *imp_window_get_preview        (ImpWindow      *self);
ImpLossPlot      *imp_window_get_loss_plot      (ImpWindow      *self);
ImpRunController *imp_window_get_run_controller (ImpWindow      *self);
GtkProgressBar   *imp_window_get_progress_bar   (ImpWindow      *self);
/* The text of the last toast shown, or NULL. */
const char       *imp_window_get_last_toast     (ImpWindow      *self);
/* The weights file runs use, or NULL when none was found. */
const char       *imp_window_get_weights_path   (ImpWindow      *self);
/* "main", or "weights" while the weights are missing. */
const char       *imp_window_get_page           (ImpWindow      *self);
/* What the weights page says about the last download, or NULL. */
const char       *imp_window_get_download_message (ImpWindow    *self);
/* The download's progress bar, 0..1. */
double            imp_window_get_download_fraction (ImpWindow   *self);
/* Whether a result is there that was neither saved nor discarded. */
gboolean          imp_window_get_unsaved        (ImpWindow      *self);

G_END_DECLS
