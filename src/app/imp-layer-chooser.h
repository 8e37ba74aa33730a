/* imp-layer-chooser.h: VGG19 layers picked from the real list, each with a weight
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define IMP_TYPE_LAYER_CHOOSER (imp_layer_chooser_get_type ())

G_DECLARE_FINAL_TYPE (ImpLayerChooser, imp_layer_chooser, IMP, LAYER_CHOOSER, GtkWidget)

/* The layers as the engine reads them: "conv4_2" or "conv1_1:0.24,conv2_1:0.22". */
const char *imp_layer_chooser_get_layers (ImpLayerChooser *self);
void        imp_layer_chooser_set_layers (ImpLayerChooser *self,
                                          const char      *layers);

G_END_DECLS
