/* weights-test-util.c: synthetic weights files for the weights tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "weights-test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <hdf5.h>
#include <string.h>

float
test_pattern (guint    layer,
              gsize    index,
              gboolean bias)
{
  guint64 h = (guint64) index * 0x9E3779B97F4A7C15ull + layer * 0x632BE59BD9B4E019ull + bias;

  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 32;
  return (float) ((gint64) (h % 20001) - 10000) * 1e-6f;
}

gsize
test_kernel_size (guint layer)
{
  return (gsize) imp_vgg_layer_in_channels (layer) * imp_vgg_layer_out_channels (layer) * 9;
}

void
test_tensors_free (TestTensors *tensors)
{
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      g_free (tensors->kernel[l]);
      g_free (tensors->bias[l]);
    }
  g_free (tensors);
}

static TestTensors *
pattern_tensors (void)
{
  TestTensors *tensors = g_new0 (TestTensors, 1);

  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      gsize n = test_kernel_size (l);
      guint out = imp_vgg_layer_out_channels (l);

      tensors->kernel[l] = g_new (float, n);
      tensors->bias[l] = g_new (float, out);
      for (gsize i = 0; i < n; i++)
        tensors->kernel[l][i] = test_pattern (l, i, FALSE);
      for (guint o = 0; o < out; o++)
        tensors->bias[l][o] = test_pattern (l, o, TRUE);
    }
  return tensors;
}

TestTensors *
test_tensors_keras_pattern (void)
{
  return pattern_tensors ();
}

TestTensors *
test_tensors_oihw_pattern (void)
{
  return pattern_tensors ();
}

void
test_keras_spec_init (TestKerasSpec   *spec,
                      TestKerasLayout  layout)
{
  memset (spec, 0, sizeof *spec);
  spec->layout = layout;
  spec->skip_layer = -1;
  spec->wrong_shape_layer = -1;
  spec->theano_layer = -1;
  spec->dangling_layer = -1;
}

static void
write_strings (hid_t               obj,
               const char         *name,
               const char * const *strings,
               guint               n,
               gboolean            variable)
{
  hsize_t dims[1] = { n };
  hid_t space, type, attr;

  if (n == 0)
    {
      /* What Keras (numpy) writes for an empty list: a float64 array of size 0. */
      space = H5Screate_simple (1, dims, NULL);
      attr = H5Acreate2 (obj, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
      g_assert_cmpint (attr, >=, 0);
      H5Aclose (attr);
      H5Sclose (space);
      return;
    }
  type = H5Tcopy (H5T_C_S1);
  if (variable)
    H5Tset_size (type, H5T_VARIABLE);
  else
    {
      gsize longest = 1;
      for (guint i = 0; i < n; i++)
        longest = MAX (longest, strlen (strings[i]));
      /* numpy's 'S' dtype: exactly as long as the longest string, NUL-padded */
      H5Tset_size (type, longest);
      H5Tset_strpad (type, H5T_STR_NULLPAD);
    }
  space = H5Screate_simple (1, dims, NULL);
  attr = H5Acreate2 (obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  g_assert_cmpint (attr, >=, 0);
  if (variable)
    g_assert_cmpint (H5Awrite (attr, type, strings), >=, 0);
  else
    {
      gsize size = H5Tget_size (type);
      g_autofree char *buffer = g_malloc0 (size * n);
      for (guint i = 0; i < n; i++)
        memcpy (buffer + i * size, strings[i], strlen (strings[i]));
      g_assert_cmpint (H5Awrite (attr, type, buffer), >=, 0);
    }
  H5Aclose (attr);
  H5Sclose (space);
  H5Tclose (type);
}

static void
write_dataset (hid_t          group,
               const char    *name,
               const float   *data,
               int            rank,
               const hsize_t *dims)
{
  hid_t space = H5Screate_simple (rank, dims, NULL);
  hid_t lcpl = H5Pcreate (H5P_LINK_CREATE);
  hid_t dataset;

  H5Pset_create_intermediate_group (lcpl, 1);
  dataset = H5Dcreate2 (group, name, H5T_IEEE_F32LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  g_assert_cmpint (dataset, >=, 0);
  g_assert_cmpint (H5Dwrite (dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
                   >=, 0);
  H5Dclose (dataset);
  H5Pclose (lcpl);
  H5Sclose (space);
}

static char *
keras_name (guint layer)
{
  const char *name = imp_vgg_layer_name (layer);   /* convB_C */

  return g_strdup_printf ("block%c_conv%c", name[4], name[6]);
}

static void
write_conv_layer (hid_t                file,
                  const TestKerasSpec *spec,
                  const TestTensors   *tensors,
                  guint                l)
{
  g_autofree char *name = keras_name (l);
  g_autofree char *kernel = NULL;
  g_autofree char *bias = NULL;
  hsize_t in = imp_vgg_layer_in_channels (l), out = imp_vgg_layer_out_channels (l);
  hsize_t hwio[4] = { 3, 3, in, out };
  hsize_t oihw[4] = { out, in, 3, 3 };
  hsize_t half[4] = { 3, 3, in, out / 2 };
  hsize_t bias_dims[1] = { out };
  const char *names[2];
  hid_t group = H5Gcreate2 (file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);

  if (spec->layout == TEST_KERAS_ORIGINAL)
    {
      kernel = g_strdup_printf ("%s_W_1:0", name);
      bias = g_strdup_printf ("%s_b_1:0", name);
    }
  else
    {
      kernel = g_strdup_printf ("%s/kernel:0", name);
      bias = g_strdup_printf ("%s/bias:0", name);
    }
  names[spec->bias_first ? 1 : 0] = kernel;
  names[spec->bias_first ? 0 : 1] = bias;
  write_strings (group, "weight_names", names, 2, spec->variable_strings);
  if ((gint) l == spec->wrong_shape_layer)
    write_dataset (group, kernel, tensors->kernel[l], 4, half);
  else
    write_dataset (group, kernel, tensors->kernel[l], 4, (gint) l == spec->theano_layer ? oihw
                                                                                        : hwio);
  if ((gint) l != spec->dangling_layer)
    write_dataset (group, bias, tensors->bias[l], 1, bias_dims);
  H5Gclose (group);
}

static void
write_empty_layer (hid_t                file,
                   const TestKerasSpec *spec,
                   const char          *name)
{
  hid_t group = H5Gcreate2 (file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);

  write_strings (group, "weight_names", NULL, 0, spec->variable_strings);
  H5Gclose (group);
}

void
test_write_keras_h5 (const char          *path,
                     const TestKerasSpec *spec,
                     const TestTensors   *tensors)
{
  g_autoptr(GPtrArray) layer_names = g_ptr_array_new_with_free_func (g_free);
  guint n_layers = spec->n_layers ? spec->n_layers : IMP_N_VGG_LAYERS;
  hid_t file = H5Fcreate (path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t root = file;

  g_assert_cmpint (file, >=, 0);
  if (spec->model_group)
    root = H5Gcreate2 (file, "model_weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  g_ptr_array_add (layer_names, g_strdup ("input_1"));
  write_empty_layer (root, spec, "input_1");
  for (guint l = 0; l < n_layers; l++)
    {
      if ((gint) l != spec->skip_layer)
        {
          g_ptr_array_add (layer_names, keras_name (l));
          write_conv_layer (root, spec, tensors, l);
        }
      if (imp_vgg_layer_pool_after (l) || l == IMP_CONV5_4)
        {
          char *pool = g_strdup_printf ("block%u_pool", imp_vgg_layer_block (l) + 1);
          write_empty_layer (root, spec, pool);
          g_ptr_array_add (layer_names, pool);
        }
    }
  if (spec->chunked_names)
    {
      /* as Keras splits attributes too large for an HDF5 object header */
      guint half = layer_names->len / 2;
      write_strings (root, "layer_names0", (const char * const *) layer_names->pdata, half,
                     spec->variable_strings);
      write_strings (root, "layer_names1", (const char * const *) layer_names->pdata + half,
                     layer_names->len - half, spec->variable_strings);
    }
  else if (!spec->no_layer_names)
    write_strings (root, "layer_names", (const char * const *) layer_names->pdata,
                   layer_names->len, spec->variable_strings);
  if (root != file)
    H5Gclose (root);
  H5Fclose (file);
}

static void
append_entry (GString     *header,
              const char  *name,
              const char  *dtype,
              const gint64 *shape,
              guint        n_dims,
              guint64     *offset,
              guint        element_size)
{
  guint64 n_bytes = element_size;

  g_string_append_printf (header, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[", name, dtype);
  for (guint d = 0; d < n_dims; d++)
    {
      g_string_append_printf (header, "%s%" G_GINT64_FORMAT, d ? "," : "", shape[d]);
      n_bytes *= (guint64) shape[d];
    }
  g_string_append_printf (header, "],\"data_offsets\":[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
                          "]}", *offset, *offset + n_bytes);
  *offset += n_bytes;
}

/* IEEE half from a float that is exactly representable. */
static guint16
float_to_half_exact (float f)
{
  guint32 bits;
  guint16 sign;
  int exponent;

  memcpy (&bits, &f, 4);
  sign = (bits >> 16) & 0x8000;
  if ((bits & 0x7fffffff) == 0)
    return sign;
  exponent = (int) ((bits >> 23) & 0xff) - 127 + 15;
  g_assert_cmpint (exponent, >, 0);
  g_assert_cmpint (exponent, <, 31);
  g_assert_cmpuint (bits & 0x1fff, ==, 0);
  return sign | (guint16) (exponent << 10) | (guint16) ((bits >> 13) & 0x3ff);
}

void
test_write_torchvision (const char        *path,
                        const TestTensors *tensors,
                        gint               skip_layer,
                        gint               wrong_shape_layer,
                        gboolean           f16_bias0)
{
  static const guint index[IMP_N_VGG_LAYERS] = { 0, 2, 5, 7, 10, 12, 14, 16,
                                                 19, 21, 23, 25, 28, 30, 32, 34 };
  g_autoptr(GString) header = g_string_new ("{\"__metadata__\":{\"format\":\"pt\"}");
  g_autoptr(GByteArray) data = g_byte_array_new ();
  guint64 offset = 0, length;
  gint64 classifier_shape[2] = { 4, 2 };
  float classifier[8] = { 0 };

  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      g_autofree char *weight = g_strdup_printf ("features.%u.weight", index[l]);
      g_autofree char *bias = g_strdup_printf ("features.%u.bias", index[l]);
      gint64 out = imp_vgg_layer_out_channels (l);
      gint64 kshape[4] = { (gint) l == wrong_shape_layer ? out / 2 : out,
                           imp_vgg_layer_in_channels (l), 3, 3 };
      gsize kbytes = (gsize) kshape[0] * kshape[1] * 9 * 4;

      if ((gint) l == skip_layer)
        continue;
      append_entry (header, weight, "F32", kshape, 4, &offset, 4);
      g_byte_array_append (data, (const guint8 *) tensors->kernel[l], kbytes);
      if (l == 0 && f16_bias0)
        {
          append_entry (header, bias, "F16", &out, 1, &offset, 2);
          for (gint64 o = 0; o < out; o++)
            {
              guint16 h = GUINT16_TO_LE (float_to_half_exact (tensors->bias[0][o]));
              g_byte_array_append (data, (const guint8 *) &h, 2);
            }
        }
      else
        {
          append_entry (header, bias, "F32", &out, 1, &offset, 4);
          g_byte_array_append (data, (const guint8 *) tensors->bias[l], (guint) out * 4);
        }
    }
  append_entry (header, "classifier.0.weight", "F32", classifier_shape, 2, &offset, 4);
  g_byte_array_append (data, (const guint8 *) classifier, sizeof classifier);
  g_string_append_c (header, '}');
  length = GUINT64_TO_LE ((guint64) header->len);
  {
    g_autoptr(GByteArray) file = g_byte_array_new ();
    g_autoptr(GError) error = NULL;

    g_byte_array_append (file, (const guint8 *) &length, 8);
    g_byte_array_append (file, (const guint8 *) header->str, header->len);
    g_byte_array_append (file, data->data, data->len);
    g_file_set_contents (path, (const char *) file->data, file->len, &error);
    g_assert_no_error (error);
  }
}

static char *
env_path (const char *variable,
          const char *relative)
{
  const char *dir = g_getenv (variable);

  return dir ? g_build_filename (dir, relative, NULL) : NULL;
}

char *
test_build_path (const char *relative)
{
  return env_path ("IMPASTO_BUILD_DIR", relative);
}

char *
test_source_path (const char *relative)
{
  return env_path ("IMPASTO_SOURCE_DIR", relative);
}

int
test_run (const char * const *argv,
          const char * const *envp,
          char              **out,
          char              **err)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; envp != NULL && envp[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, envp[i], envp[i + 1], TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_test_message ("%s: exit %d\n%s%s", argv[0], g_subprocess_get_exit_status (process),
                  out && *out ? *out : "", err && *err ? *err : "");
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

guint
test_count_entries (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (handle != NULL && g_dir_read_name (handle) != NULL)
    n++;
  return n;
}
