/* imp-torchvision.c: VGG19 weights from a torchvision state dict in safetensors
 *
 * Reads the header, then only the tensors asked for, so a torchvision file
 * with its 500 MB classifier is not loaded whole.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-convert.h"
#include "engine/imp-safetensors.h"

#include <glib/gi18n.h>

/* The reader's errors in the converter's domain: a file that is no
 * safetensors is the wrong input, a broken one has the wrong structure. */
void
imp_convert_error_from_reader (GError  *reader_error,
                               GError **error)
{
  gboolean input = g_error_matches (reader_error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_NOT_FOUND) ||
                   g_error_matches (reader_error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_IO) ||
                   g_error_matches (reader_error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_HEADER);

  g_set_error_literal (error, IMP_CONVERT_ERROR,
                       input ? IMP_CONVERT_ERROR_INPUT : IMP_CONVERT_ERROR_FORMAT,
                       reader_error->message);
}

/* torchvision's vgg19().features indices of the 16 convolutions. */
static const guint torchvision_index[IMP_N_VGG_LAYERS] = {
  0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34,
};

static float *
read_checked (ImpSafetensors *reader,
              const char     *name,
              const guint64  *shape,
              guint           n_dims,
              const char     *layer,
              GError        **error)
{
  const ImpSafetensorsTensor *tensor = imp_safetensors_lookup (reader, name);
  const char *path = imp_safetensors_get_display_name (reader);
  gboolean same = tensor != NULL && tensor->n_dims == n_dims;
  g_autoptr(GError) local_error = NULL;
  float *out;

  if (tensor == NULL)
    {
      g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_LAYER,
                   _("%s: tensor %s (%s) is missing; is this a torchvision vgg19 state dict?"),
                   path, name, layer);
      return NULL;
    }
  for (guint d = 0; same && d < n_dims; d++)
    same = tensor->shape[d] == shape[d];
  if (!same)
    {
      g_autofree char *want = imp_safetensors_shape_text (shape, n_dims);

      g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_SHAPE,
                   _("%s: tensor %s (%s) has the wrong shape; VGG19 needs %s"),
                   path, name, layer, want);
      return NULL;
    }
  out = imp_safetensors_read_float (reader, tensor, &local_error);
  if (out == NULL)
    g_set_error_literal (error, IMP_CONVERT_ERROR,
                         g_error_matches (local_error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_TENSOR)
                         ? IMP_CONVERT_ERROR_SHAPE : IMP_CONVERT_ERROR_FORMAT,
                         local_error->message);
  return out;
}

ImpWeightSet *
imp_weight_set_from_torchvision (const char  *path,
                                 GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ImpSafetensors) reader = imp_safetensors_open (path, &local_error);
  g_autoptr(ImpWeightSet) set = imp_weight_set_new ();
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *source = NULL;

  if (reader == NULL)
    {
      imp_convert_error_from_reader (local_error, error);
      return NULL;
    }
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      g_autofree char *weight = g_strdup_printf ("features.%u.weight", torchvision_index[l]);
      g_autofree char *bias = g_strdup_printf ("features.%u.bias", torchvision_index[l]);
      guint64 out = imp_vgg_layer_out_channels (l);
      guint64 kshape[4] = { out, imp_vgg_layer_in_channels (l), 3, 3 };
      const char *layer = imp_vgg_layer_name (l);

      set->kernel[l] = read_checked (reader, weight, kshape, 4, layer, error);
      if (set->kernel[l] == NULL)
        return NULL;
      set->bias[l] = read_checked (reader, bias, &out, 1, layer, error);
      if (set->bias[l] == NULL)
        return NULL;
    }
  if (!imp_weight_set_check (set, path, error))
    return NULL;
  /* torchvision trained its own VGG19 on ImageNet; the architecture is
   * Simonyan & Zisserman's. The user vouches for the file's terms. */
  source = g_strdup_printf ("torchvision VGG19 ImageNet weights (architecture: K. Simonyan, "
                            "A. Zisserman 2014), converted by impasto-weights from %s", base);
  imp_weight_set_set_metadata (set, IMP_INPUT_TORCHVISION, source);
  return g_steal_pointer (&set);
}
