/* imp-vgg-layers.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-vgg-layers.h"

#include <string.h>

typedef struct
{
  const char *name;
  guint       in_channels;
  guint       out_channels;
  guint       block;
  gboolean    pool_after;
} LayerInfo;

static const LayerInfo layer_info[IMP_N_VGG_LAYERS] = {
  { "conv1_1",   3,  64, 0, FALSE }, { "conv1_2",  64,  64, 0, TRUE },
  { "conv2_1",  64, 128, 1, FALSE }, { "conv2_2", 128, 128, 1, TRUE },
  { "conv3_1", 128, 256, 2, FALSE }, { "conv3_2", 256, 256, 2, FALSE },
  { "conv3_3", 256, 256, 2, FALSE }, { "conv3_4", 256, 256, 2, TRUE },
  { "conv4_1", 256, 512, 3, FALSE }, { "conv4_2", 512, 512, 3, FALSE },
  { "conv4_3", 512, 512, 3, FALSE }, { "conv4_4", 512, 512, 3, TRUE },
  { "conv5_1", 512, 512, 4, FALSE }, { "conv5_2", 512, 512, 4, FALSE },
  { "conv5_3", 512, 512, 4, FALSE }, { "conv5_4", 512, 512, 4, FALSE },
};

const char *
imp_vgg_layer_name (ImpVggLayer layer)
{
  g_return_val_if_fail (layer < IMP_N_VGG_LAYERS, NULL);
  return layer_info[layer].name;
}

gboolean
imp_vgg_layer_from_name (const char  *name,
                         ImpVggLayer *layer)
{
  for (guint i = 0; i < IMP_N_VGG_LAYERS; i++)
    {
      if (g_strcmp0 (name, layer_info[i].name) == 0)
        {
          *layer = (ImpVggLayer) i;
          return TRUE;
        }
    }
  return FALSE;
}

guint
imp_vgg_layer_in_channels (ImpVggLayer layer)
{
  g_return_val_if_fail (layer < IMP_N_VGG_LAYERS, 0);
  return layer_info[layer].in_channels;
}

guint
imp_vgg_layer_out_channels (ImpVggLayer layer)
{
  g_return_val_if_fail (layer < IMP_N_VGG_LAYERS, 0);
  return layer_info[layer].out_channels;
}

gboolean
imp_vgg_layer_pool_after (ImpVggLayer layer)
{
  g_return_val_if_fail (layer < IMP_N_VGG_LAYERS, FALSE);
  return layer_info[layer].pool_after;
}

guint
imp_vgg_layer_block (ImpVggLayer layer)
{
  g_return_val_if_fail (layer < IMP_N_VGG_LAYERS, 0);
  return layer_info[layer].block;
}
