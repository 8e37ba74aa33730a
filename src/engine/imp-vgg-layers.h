/* imp-vgg-layers.h: the names and shapes of VGG19's convolution layers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  IMP_CONV1_1, IMP_CONV1_2,
  IMP_CONV2_1, IMP_CONV2_2,
  IMP_CONV3_1, IMP_CONV3_2, IMP_CONV3_3, IMP_CONV3_4,
  IMP_CONV4_1, IMP_CONV4_2, IMP_CONV4_3, IMP_CONV4_4,
  IMP_CONV5_1, IMP_CONV5_2, IMP_CONV5_3, IMP_CONV5_4,
  IMP_N_VGG_LAYERS
} ImpVggLayer;

/* "conv1_1" ... "conv5_4" */
const char *imp_vgg_layer_name         (ImpVggLayer  layer);
/* Returns FALSE when @name is not one of the 16 convolution layers. */
gboolean    imp_vgg_layer_from_name    (const char  *name,
                                        ImpVggLayer *layer);
guint       imp_vgg_layer_in_channels  (ImpVggLayer  layer);
guint       imp_vgg_layer_out_channels (ImpVggLayer  layer);
/* TRUE for conv1_2, conv2_2, conv3_4 and conv4_4: a 2x2 pool follows them. */
gboolean    imp_vgg_layer_pool_after   (ImpVggLayer  layer);
/* 0 for conv1_x, 1 for conv2_x ... : how many pools come before this layer. */
guint       imp_vgg_layer_block        (ImpVggLayer  layer);

G_END_DECLS
