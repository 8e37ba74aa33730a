/* imp-keras-h5.c: VGG19 weights from a Keras HDF5 weights file
 *
 * Layout (Keras' save_weights / the fchollet release): root attribute
 * layer_names lists the layers in order (input_1, block1_conv1, ..., pools);
 * each layer is a group with an attribute weight_names naming its datasets,
 * relative to the group: "block1_conv1_W_1:0" (original release, directly in
 * the group) or "block1_conv1/kernel:0" (newer Keras, in a subgroup). Kernels
 * are HWIO [3,3,in,out] for TensorFlow dimension ordering; conv1_1 expects BGR.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-convert.h"

#include <glib/gi18n.h>
#include <hdf5.h>
#include <string.h>

typedef hid_t ImpH5File;
typedef hid_t ImpH5Group;
typedef hid_t ImpH5Attr;
typedef hid_t ImpH5Dataset;
typedef hid_t ImpH5Space;
typedef hid_t ImpH5Type;

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (ImpH5File, H5Fclose, H5I_INVALID_HID)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (ImpH5Group, H5Gclose, H5I_INVALID_HID)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (ImpH5Attr, H5Aclose, H5I_INVALID_HID)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (ImpH5Dataset, H5Dclose, H5I_INVALID_HID)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (ImpH5Space, H5Sclose, H5I_INVALID_HID)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (ImpH5Type, H5Tclose, H5I_INVALID_HID)

typedef struct
{
  const char *path;
  hid_t       root;     /* the group holding layer_names */
} KerasFile;

static gboolean
h5_error (GError     **error,
          gint         code,
          const char  *path,
          const char  *format,
          ...) G_GNUC_PRINTF (4, 5);

static gboolean
h5_error (GError     **error,
          gint         code,
          const char  *path,
          const char  *format,
          ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, IMP_CONVERT_ERROR, code, "%s: %s", path, message);
  return FALSE;
}

static gboolean
read_fixed_strings (hid_t       attr,
                    hid_t       type,
                    gsize       n,
                    GPtrArray  *out)
{
  gsize size = H5Tget_size (type);
  g_auto(ImpH5Type) memtype = H5Tcopy (H5T_C_S1);
  g_autofree char *buffer = NULL;

  /* One byte more than stored so a string filling its slot keeps its last
   * character when HDF5 converts NULLPAD to NULLTERM. */
  if (size == 0 || H5Tset_size (memtype, size + 1) < 0)
    return FALSE;
  buffer = g_malloc0 (n * (size + 1));
  if (H5Aread (attr, memtype, buffer) < 0)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (out, g_strndup (buffer + i * (size + 1), size));
  return TRUE;
}

static gboolean
read_variable_strings (hid_t       attr,
                       hid_t       space,
                       gsize       n,
                       GPtrArray  *out)
{
  g_auto(ImpH5Type) memtype = H5Tcopy (H5T_C_S1);
  g_autofree char **buffer = g_new0 (char *, n);

  if (H5Tset_size (memtype, H5T_VARIABLE) < 0 || H5Aread (attr, memtype, buffer) < 0)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (out, g_strdup (buffer[i] ? buffer[i] : ""));
#if H5_VERSION_GE (1, 12, 0)
  H5Treclaim (memtype, space, H5P_DEFAULT, buffer);
#else
  H5Dvlen_reclaim (memtype, space, H5P_DEFAULT, buffer);
#endif
  return TRUE;
}

/* Appends the strings of attribute @name of @obj to @out. An empty attribute
 * (numpy writes an empty list as a float array) is an empty list. */
static gboolean
read_string_attribute (hid_t        obj,
                       const char  *name,
                       GPtrArray   *out,
                       const char  *path,
                       const char  *where,
                       GError     **error)
{
  g_auto(ImpH5Attr) attr = H5Aopen (obj, name, H5P_DEFAULT);
  g_auto(ImpH5Type) type = H5I_INVALID_HID;
  g_auto(ImpH5Space) space = H5I_INVALID_HID;
  hssize_t n;
  gboolean ok;

  if (attr < 0)
    return h5_error (error, IMP_CONVERT_ERROR_FORMAT, path,
                     _("cannot read attribute %s of %s"), name, where);
  type = H5Aget_type (attr);
  space = H5Aget_space (attr);
  n = space < 0 ? -1 : H5Sget_simple_extent_npoints (space);
  if (n == 0)
    return TRUE;
  if (n < 0 || type < 0 || H5Tget_class (type) != H5T_STRING)
    return h5_error (error, IMP_CONVERT_ERROR_FORMAT, path,
                     _("attribute %s of %s is not a list of strings"), name, where);
  if (H5Tis_variable_str (type) > 0)
    ok = read_variable_strings (attr, space, (gsize) n, out);
  else
    ok = read_fixed_strings (attr, type, (gsize) n, out);
  if (!ok)
    return h5_error (error, IMP_CONVERT_ERROR_FORMAT, path,
                     _("cannot read attribute %s of %s"), name, where);
  return TRUE;
}

/* Keras splits attributes larger than HDF5's 64 kB header limit into
 * name0, name1, ...; VGG19's lists are small, but accept both. */
static GPtrArray *
read_string_list (hid_t        obj,
                  const char  *name,
                  const char  *path,
                  const char  *where,
                  GError     **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *chunk_name = g_strdup_printf ("%s0", name);

  if (H5Aexists (obj, name) > 0)
    return read_string_attribute (obj, name, out, path, where, error) ? g_steal_pointer (&out)
                                                                      : NULL;
  if (H5Aexists (obj, chunk_name) <= 0)
    {
      h5_error (error, IMP_CONVERT_ERROR_FORMAT, path,
                _("%s has no %s attribute: not a Keras weights file"), where, name);
      return NULL;
    }
  for (guint chunk = 1; H5Aexists (obj, chunk_name) > 0; chunk++)
    {
      if (!read_string_attribute (obj, chunk_name, out, path, where, error))
        return NULL;
      g_free (chunk_name);
      chunk_name = g_strdup_printf ("%s%u", name, chunk);
    }
  return g_steal_pointer (&out);
}

/* "block3_conv2" -> IMP_CONV3_2. Returns FALSE for other names. */
static gboolean
keras_layer_to_vgg (const char  *name,
                    ImpVggLayer *layer)
{
  guint block, conv;
  char tail;
  g_autofree char *vgg_name = NULL;

  if (sscanf (name, "block%u_conv%u%c", &block, &conv, &tail) != 2)
    return FALSE;
  vgg_name = g_strdup_printf ("conv%u_%u", block, conv);
  return imp_vgg_layer_from_name (vgg_name, layer);
}

static gboolean
check_dims (const hsize_t *dims,
            int            rank,
            const hsize_t *want,
            int            want_rank)
{
  if (rank != want_rank)
    return FALSE;
  for (int d = 0; d < rank; d++)
    if (dims[d] != want[d])
      return FALSE;
  return TRUE;
}

static char *
format_dims (const hsize_t *dims,
             int            rank)
{
  GString *s = g_string_new ("[");

  for (int d = 0; d < rank; d++)
    g_string_append_printf (s, "%s%llu", d ? "," : "", (unsigned long long) dims[d]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static gboolean
check_weight_shape (const KerasFile *kf,
                    ImpVggLayer      layer,
                    const char      *dataset,
                    const hsize_t   *dims,
                    int              rank,
                    GError         **error)
{
  hsize_t in = imp_vgg_layer_in_channels (layer), out = imp_vgg_layer_out_channels (layer);
  hsize_t hwio[4] = { 3, 3, in, out };
  hsize_t oihw[4] = { out, in, 3, 3 };
  g_autofree char *have = format_dims (dims, rank);
  g_autofree char *want = NULL;

  if (rank == 1 ? check_dims (dims, rank, &out, 1) : check_dims (dims, rank, hwio, 4))
    return TRUE;
  if (check_dims (dims, rank, oihw, 4))
    return h5_error (error, IMP_CONVERT_ERROR_SHAPE, kf->path,
                     _("%s has shape %s, Theano dimension ordering; use the "
                       "tf_dim_ordering (TensorFlow) weights file"), dataset, have);
  want = rank == 1 ? format_dims (&out, 1) : format_dims (hwio, 4);
  return h5_error (error, IMP_CONVERT_ERROR_SHAPE, kf->path,
                   _("%s (%s) has shape %s; VGG19 needs %s"),
                   dataset, imp_vgg_layer_name (layer), have, want);
}

/* Reads one kernel or bias dataset as float32; which one it is follows from
 * its rank, so the order of weight_names does not matter. */
static gboolean
read_weight (const KerasFile *kf,
             hid_t            group,
             const char      *group_name,
             const char      *dataset_name,
             ImpVggLayer      layer,
             float          **kernel_hwio,
             float          **bias,
             GError         **error)
{
  g_autofree char *where = g_strdup_printf ("%s/%s", group_name, dataset_name);
  g_auto(ImpH5Dataset) dataset = H5Dopen2 (group, dataset_name, H5P_DEFAULT);
  g_auto(ImpH5Space) space = H5I_INVALID_HID;
  g_auto(ImpH5Type) type = H5I_INVALID_HID;
  hsize_t dims[H5S_MAX_RANK];
  int rank;
  float **target;
  g_autofree float *data = NULL;

  if (dataset < 0)
    return h5_error (error, IMP_CONVERT_ERROR_LAYER, kf->path,
                     _("dataset %s, named in weight_names, is missing"), where);
  space = H5Dget_space (dataset);
  type = H5Dget_type (dataset);
  rank = space < 0 ? -1 : H5Sget_simple_extent_dims (space, dims, NULL);
  if (rank < 0 || type < 0 || H5Tget_class (type) != H5T_FLOAT)
    return h5_error (error, IMP_CONVERT_ERROR_SHAPE, kf->path,
                     _("%s is not an array of floating-point numbers"), where);
  if (rank != 1 && rank != 4)
    {
      g_autofree char *have = format_dims (dims, rank);
      return h5_error (error, IMP_CONVERT_ERROR_SHAPE, kf->path,
                       _("%s has shape %s: neither a kernel nor a bias"), where, have);
    }
  if (!check_weight_shape (kf, layer, where, dims, rank, error))
    return FALSE;
  target = rank == 4 ? kernel_hwio : bias;
  if (*target != NULL)
    return h5_error (error, IMP_CONVERT_ERROR_FORMAT, kf->path,
                     _("layer %s has more than one %s"), group_name,
                     rank == 4 ? _("kernel") : _("bias"));
  data = g_new (float, H5Sget_simple_extent_npoints (space));
  if (H5Dread (dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    return h5_error (error, IMP_CONVERT_ERROR_FORMAT, kf->path,
                     _("cannot read %s (damaged or truncated file?)"), where);
  *target = g_steal_pointer (&data);
  return TRUE;
}

/* HWIO [3,3,in,out] -> OIHW [out,in,3,3]; conv1_1's input channels BGR -> RGB. */
static float *
hwio_to_oihw (const float *hwio,
              ImpVggLayer  layer)
{
  guint in = imp_vgg_layer_in_channels (layer), out = imp_vgg_layer_out_channels (layer);
  float *oihw = g_new (float, (gsize) out * in * 9);
  gboolean flip = layer == IMP_CONV1_1;

  for (guint ky = 0; ky < 3; ky++)
    for (guint kx = 0; kx < 3; kx++)
      for (guint i = 0; i < in; i++)
        for (guint o = 0; o < out; o++)
          {
            guint i_rgb = flip ? in - 1 - i : i;
            oihw[(((gsize) o * in + i_rgb) * 3 + ky) * 3 + kx] =
              hwio[(((gsize) ky * 3 + kx) * in + i) * out + o];
          }
  return oihw;
}

static gboolean
read_layer (const KerasFile *kf,
            const char      *group_name,
            ImpVggLayer      layer,
            ImpWeightSet    *set,
            GError         **error)
{
  g_auto(ImpH5Group) group = H5Gopen2 (kf->root, group_name, H5P_DEFAULT);
  g_autoptr(GPtrArray) names = NULL;
  g_autofree float *kernel_hwio = NULL;
  g_autofree float *bias = NULL;

  if (group < 0)
    return h5_error (error, IMP_CONVERT_ERROR_LAYER, kf->path,
                     _("layer %s is listed in layer_names but has no group"), group_name);
  if (set->kernel[layer] != NULL)
    return h5_error (error, IMP_CONVERT_ERROR_FORMAT, kf->path,
                     _("layer %s appears twice in layer_names"), group_name);
  names = read_string_list (group, "weight_names", kf->path, group_name, error);
  if (names == NULL)
    return FALSE;
  for (guint n = 0; n < names->len; n++)
    if (!read_weight (kf, group, group_name, names->pdata[n], layer, &kernel_hwio, &bias, error))
      return FALSE;
  if (kernel_hwio == NULL || bias == NULL)
    return h5_error (error, IMP_CONVERT_ERROR_LAYER, kf->path,
                     _("layer %s (%s) lacks its %s in weight_names"), group_name,
                     imp_vgg_layer_name (layer), kernel_hwio == NULL ? _("kernel") : _("bias"));
  /* Checked here so the error names the Keras layer, before reading the rest. */
  if (!imp_check_finite (kernel_hwio, imp_weight_set_kernel_size (layer), kf->path, group_name,
                         error) ||
      !imp_check_finite (bias, imp_vgg_layer_out_channels (layer), kf->path, group_name, error))
    return FALSE;
  set->kernel[layer] = hwio_to_oihw (kernel_hwio, layer);
  set->bias[layer] = g_steal_pointer (&bias);
  return TRUE;
}

static gboolean
check_complete (const KerasFile *kf,
                ImpWeightSet    *set,
                GError         **error)
{
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      if (set->kernel[l] == NULL)
        {
          const char *name = imp_vgg_layer_name (l);   /* "convB_C" */
          return h5_error (error, IMP_CONVERT_ERROR_LAYER, kf->path,
                           _("layer block%c_conv%c (%s) is missing from layer_names"),
                           name[4], name[6], name);
        }
    }
  return TRUE;
}

/* Layers without weights (input_1, pools) and others that are not VGG19
 * convolutions (the fully connected top, when present) are skipped. */
static gboolean
read_layers (const KerasFile *kf,
             ImpWeightSet    *set,
             GError         **error)
{
  g_autoptr(GPtrArray) layer_names = NULL;

  layer_names = read_string_list (kf->root, "layer_names", kf->path, "/", error);
  if (layer_names == NULL)
    return FALSE;
  for (guint n = 0; n < layer_names->len; n++)
    {
      const char *name = layer_names->pdata[n];
      ImpVggLayer layer;

      if (keras_layer_to_vgg (name, &layer))
        {
          if (!read_layer (kf, name, layer, set, error))
            return FALSE;
        }
      else if (g_str_has_prefix (name, "block") && strstr (name, "_conv") != NULL)
        return h5_error (error, IMP_CONVERT_ERROR_LAYER, kf->path,
                         _("layer %s is not one of VGG19's convolutions"), name);
    }
  return check_complete (kf, set, error);
}

static gboolean
check_is_hdf5 (const char  *path,
               GError     **error)
{
  htri_t is_hdf5;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return h5_error (error, IMP_CONVERT_ERROR_INPUT, path,
                     g_file_test (path, G_FILE_TEST_EXISTS) ? _("not a regular file")
                                                            : _("no such file"));
  is_hdf5 = H5Fis_hdf5 (path);
  if (is_hdf5 < 0)
    return h5_error (error, IMP_CONVERT_ERROR_INPUT, path, _("cannot read the file"));
  if (is_hdf5 == 0)
    return h5_error (error, IMP_CONVERT_ERROR_INPUT, path,
                     _("not an HDF5 file (expected Keras' vgg19_weights_tf_dim_ordering_"
                       "tf_kernels_notop.h5)"));
  return TRUE;
}

ImpWeightSet *
imp_weight_set_from_keras_h5 (const char  *path,
                              GError     **error)
{
  g_autoptr(ImpWeightSet) set = imp_weight_set_new ();
  g_auto(ImpH5File) file = H5I_INVALID_HID;
  g_auto(ImpH5Group) model_weights = H5I_INVALID_HID;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *source = NULL;
  KerasFile kf = { path, H5I_INVALID_HID };

  /* Our errors say what is wrong; HDF5's own stack dump would only confuse. */
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
  if (!check_is_hdf5 (path, error))
    return NULL;
  file = H5Fopen (path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0)
    {
      h5_error (error, IMP_CONVERT_ERROR_INPUT, path,
                _("cannot open the HDF5 file (truncated or damaged?)"));
      return NULL;
    }
  kf.root = file;
  /* A whole saved model keeps its weights in /model_weights. */
  if (H5Aexists (file, "layer_names") <= 0 && H5Lexists (file, "model_weights", H5P_DEFAULT) > 0)
    kf.root = model_weights = H5Gopen2 (file, "model_weights", H5P_DEFAULT);
  if (!read_layers (&kf, set, error) || !imp_weight_set_check (set, path, error))
    return NULL;
  source = g_strdup_printf ("Keras VGG19 ImageNet weights (converted from the Oxford VGG Caffe "
                            "release, CC BY 4.0, Simonyan & Zisserman 2014); converted by "
                            "impasto-weights from %s", base);
  imp_weight_set_set_metadata (set, IMP_INPUT_CAFFE, source);
  return g_steal_pointer (&set);
}
