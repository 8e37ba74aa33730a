/* imp-loss-plot.h: total, style and content loss on a log scale
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "engine/imp-transfer.h"

G_BEGIN_DECLS

#define IMP_TYPE_LOSS_PLOT (imp_loss_plot_get_type ())

G_DECLARE_FINAL_TYPE (ImpLossPlot, imp_loss_plot, IMP, LOSS_PLOT, GtkWidget)

GtkWidget *imp_loss_plot_new       (void);
void       imp_loss_plot_clear     (ImpLossPlot     *self);
/* A point of each curve; a new scale of a coarse-to-fine run adds a marker. */
void       imp_loss_plot_add       (ImpLossPlot       *self,
                                    const ImpProgress *progress);
/* Iteration count the x axis spans (the run's total). */
void       imp_loss_plot_set_range (ImpLossPlot     *self,
                                    guint            n_iterations);
guint      imp_loss_plot_get_n_points (ImpLossPlot  *self);
/* The iteration where scale marker @index stands (G_MAXUINT past the last),
 * and the longer side of that scale's picture. */
guint      imp_loss_plot_get_marker   (ImpLossPlot  *self,
                                       guint         index,
                                       guint        *side);

G_END_DECLS
