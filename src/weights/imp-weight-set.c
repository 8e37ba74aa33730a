/* imp-weight-set.c: the converted tensors and the safetensors writer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-convert.h"
#include "engine/imp-safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK (imp-convert-error-quark, imp_convert_error)

const char * const imp_metadata_keys[IMP_N_METADATA_KEYS] = {
  "architecture", "layout", "input_channel_order", "input_scale",
  "input_mean", "input_std", "padding", "source",
};

ImpWeightSet *
imp_weight_set_new (void)
{
  return g_new0 (ImpWeightSet, 1);
}

void
imp_weight_set_free (ImpWeightSet *self)
{
  if (self == NULL)
    return;
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      g_free (self->kernel[l]);
      g_free (self->bias[l]);
    }
  for (guint k = 0; k < IMP_N_METADATA_KEYS; k++)
    g_free (self->metadata[k]);
  g_free (self);
}

gsize
imp_weight_set_kernel_size (ImpVggLayer layer)
{
  return (gsize) imp_vgg_layer_out_channels (layer) * imp_vgg_layer_in_channels (layer) * 9;
}

void
imp_weight_set_set_metadata (ImpWeightSet       *self,
                             ImpInputConvention  convention,
                             const char         *source)
{
  /* Same strings as the development copy, so the engine needs one parser only;
   * the means and stds are in RGB order and on the input_scale scale. */
  const char *caffe[] = { "vgg19-features", "OIHW", "RGB", "255",
                          "123.68,116.779,103.939", "1,1,1", "zero" };
  const char *torchvision[] = { "vgg19-features", "OIHW", "RGB", "1",
                                "0.485,0.456,0.406", "0.229,0.224,0.225", "zero" };
  const char **values = convention == IMP_INPUT_CAFFE ? caffe : torchvision;

  for (guint k = 0; k < IMP_N_METADATA_KEYS - 1; k++)
    {
      g_free (self->metadata[k]);
      self->metadata[k] = g_strdup (values[k]);
    }
  g_free (self->metadata[IMP_N_METADATA_KEYS - 1]);
  self->metadata[IMP_N_METADATA_KEYS - 1] = g_strdup (source);
}

gboolean
imp_check_finite (const float *data,
                  gsize        n,
                  const char  *path,
                  const char  *tensor,
                  GError     **error)
{
  for (gsize i = 0; i < n; i++)
    {
      if (!isfinite (data[i]))
        {
          g_autofree char *index_text = g_strdup_printf ("%" G_GSIZE_FORMAT, i);

          g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_VALUE,
                       _("%s: tensor %s holds a NaN or infinite value at element %s"),
                       path, tensor, index_text);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
imp_weight_set_check (const ImpWeightSet *self,
                      const char         *path,
                      GError            **error)
{
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      const char *name = imp_vgg_layer_name (l);

      if (self->kernel[l] == NULL || self->bias[l] == NULL)
        {
          g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_LAYER,
                       _("%s: layer %s is missing"), path, name);
          return FALSE;
        }
      if (!imp_check_finite (self->kernel[l], imp_weight_set_kernel_size (l), path, name, error) ||
          !imp_check_finite (self->bias[l], imp_vgg_layer_out_channels (l), path, name, error))
        return FALSE;
    }
  return TRUE;
}

static void
add_tensor_entry (JsonBuilder *builder,
                  const char  *name,
                  const gint64 *shape,
                  guint        n_dims,
                  guint64     *offset)
{
  guint64 n_bytes = 4;

  json_builder_set_member_name (builder, name);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "dtype");
  json_builder_add_string_value (builder, "F32");
  json_builder_set_member_name (builder, "shape");
  json_builder_begin_array (builder);
  for (guint d = 0; d < n_dims; d++)
    {
      json_builder_add_int_value (builder, shape[d]);
      n_bytes *= (guint64) shape[d];
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "data_offsets");
  json_builder_begin_array (builder);
  json_builder_add_int_value (builder, (gint64) *offset);
  json_builder_add_int_value (builder, (gint64) (*offset + n_bytes));
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  *offset += n_bytes;
}

/* Compact JSON, keys in network order, padded with spaces to a multiple of 8 so
 * the data section is 8-byte aligned (as the development copy is). */
static GString *
build_header (const ImpWeightSet *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  guint64 offset = 0;
  GString *header;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "__metadata__");
  json_builder_begin_object (builder);
  for (guint k = 0; k < IMP_N_METADATA_KEYS; k++)
    {
      json_builder_set_member_name (builder, imp_metadata_keys[k]);
      json_builder_add_string_value (builder, self->metadata[k] ? self->metadata[k] : "");
    }
  json_builder_end_object (builder);
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      g_autofree char *weight = g_strdup_printf ("%s.weight", imp_vgg_layer_name (l));
      g_autofree char *bias = g_strdup_printf ("%s.bias", imp_vgg_layer_name (l));
      gint64 out = imp_vgg_layer_out_channels (l);
      gint64 kshape[4] = { out, imp_vgg_layer_in_channels (l), 3, 3 };

      add_tensor_entry (builder, weight, kshape, 4, &offset);
      add_tensor_entry (builder, bias, &out, 1, &offset);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  header = g_string_new (NULL);
  json_generator_to_gstring (generator, header);
  while (header->len % 8 != 0)
    g_string_append_c (header, ' ');
  return header;
}

/* Always returns FALSE, for use in conditions. */
static gboolean
set_errno_error (GError **error)
{
  int saved = errno;

  g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (saved), g_strerror (saved));
  return FALSE;
}

static gboolean
write_all (int          fd,
           const void  *data,
           gsize        n_bytes,
           GError     **error)
{
  const guint8 *p = data;

  while (n_bytes > 0)
    {
      gssize n = write (fd, p, MIN (n_bytes, (gsize) 1 << 24));

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return set_errno_error (error);
      p += n;
      n_bytes -= (gsize) n;
    }
  return TRUE;
}

/* safetensors stores little-endian floats. */
static gboolean
write_floats (int          fd,
              const float *data,
              gsize        n,
              GError     **error)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  return write_all (fd, data, n * sizeof (float), error);
#else
  g_autofree guint32 *swapped = g_new (guint32, n);

  memcpy (swapped, data, n * sizeof (float));
  for (gsize i = 0; i < n; i++)
    swapped[i] = GUINT32_TO_LE (swapped[i]);
  return write_all (fd, swapped, n * sizeof (float), error);
#endif
}

static gboolean
write_contents (const ImpWeightSet *self,
                int                 fd,
                GError            **error)
{
  g_autoptr(GString) header = build_header (self);
  guint64 length = GUINT64_TO_LE ((guint64) header->len);

  if (!write_all (fd, &length, sizeof length, error) ||
      !write_all (fd, header->str, header->len, error))
    return FALSE;
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      if (!write_floats (fd, self->kernel[l], imp_weight_set_kernel_size (l), error) ||
          !write_floats (fd, self->bias[l], imp_vgg_layer_out_channels (l), error))
        return FALSE;
    }
  if (fsync (fd) != 0)
    return set_errno_error (error);
  return TRUE;
}

gboolean
imp_weight_set_write (const ImpWeightSet *self,
                      const char         *path,
                      GError            **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  g_autoptr(GError) local_error = NULL;
  gboolean ok;
  int fd;

  if (!imp_weight_set_check (self, "(output)", error))
    return FALSE;
  /* The temporary name starts with a dot and does not end in .safetensors, so
   * nothing that looks for weights picks up a half-written file. */
  fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_OUTPUT,
                   _("%s: cannot create a temporary file in %s: %s"),
                   path, dir, g_strerror (saved));
      return FALSE;
    }
  ok = write_contents (self, fd, &local_error);
  if (close (fd) != 0 && ok)
    ok = set_errno_error (&local_error);
  if (ok && g_rename (tmp, path) != 0)
    ok = set_errno_error (&local_error);
  if (!ok)
    {
      g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_OUTPUT,
                   _("%s: cannot write: %s"), path, local_error->message);
      g_unlink (tmp);
    }
  return ok;
}

/* Regular files only, opened without blocking: a FIFO would wait for a
 * writer and a device such as /dev/zero never ends. */
char *
imp_file_sha256 (const char  *path,
                 GError     **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (1 << 20);
  g_autofree char *display = g_filename_display_name (path);
  struct stat st;
  gssize n;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);

  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_INPUT,
                   _("%s: cannot open: %s"), display, g_strerror (saved));
      return NULL;
    }
  if (!imp_safetensors_check_regular (display, st.st_mode, error))
    {
      close (fd);
      return NULL;
    }
  while ((n = read (fd, buffer, 1 << 20)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          close (fd);
          g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_INPUT,
                       _("%s: read failed: %s"), display, g_strerror (saved));
          return NULL;
        }
      g_checksum_update (checksum, buffer, n);
    }
  close (fd);
  return g_strdup (g_checksum_get_string (checksum));
}
