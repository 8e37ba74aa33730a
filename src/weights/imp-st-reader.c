/* imp-st-reader.c: a safetensors reader for any file (info, torchvision input)
 *
 * Reads the header, then only the byte ranges asked for, so a torchvision file
 * with its 500 MB classifier is not loaded whole.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-convert.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#define MAX_HEADER_SIZE (100 * 1024 * 1024)

struct _ImpStReader
{
  char       *path;
  int         fd;
  guint64     file_size;
  guint64     header_size;
  GPtrArray  *tensors;       /* ImpStTensor * */
  GHashTable *by_name;       /* name -> ImpStTensor *, borrowed */
  GPtrArray  *meta_keys;     /* char * */
  GPtrArray  *meta_values;   /* char * */
};

static void
st_tensor_free (gpointer data)
{
  ImpStTensor *tensor = data;

  g_free (tensor->name);
  g_free (tensor->dtype);
  g_free (tensor);
}

void
imp_st_reader_free (ImpStReader *self)
{
  if (self == NULL)
    return;
  if (self->fd >= 0)
    close (self->fd);
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->tensors, g_ptr_array_unref);
  g_clear_pointer (&self->meta_keys, g_ptr_array_unref);
  g_clear_pointer (&self->meta_values, g_ptr_array_unref);
  g_free (self->path);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpStTensor, st_tensor_free)

static gboolean
read_at (ImpStReader *self,
         void        *buffer,
         gsize        n_bytes,
         guint64      offset,
         GError     **error)
{
  guint8 *p = buffer;

  while (n_bytes > 0)
    {
      gssize n = pread (self->fd, p, MIN (n_bytes, (gsize) 1 << 24), (off_t) offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          /* Numbers as text: a G_*_FORMAT macro in a translatable string
           * would cut the message xgettext sees at the "%". */
          int saved_errno = errno;
          g_autofree char *n_text = g_strdup_printf ("%" G_GSIZE_FORMAT, n_bytes);
          g_autofree char *offset_text = g_strdup_printf ("%" G_GUINT64_FORMAT, offset);

          g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_FORMAT,
                       _("%s: cannot read %s bytes at offset %s: %s"),
                       self->path, n_text, offset_text,
                       n == 0 ? _("unexpected end of file") : g_strerror (saved_errno));
          return FALSE;
        }
      p += n;
      offset += (guint64) n;
      n_bytes -= (gsize) n;
    }
  return TRUE;
}

static guint
dtype_size (const char *dtype)
{
  if (g_str_equal (dtype, "F64"))
    return 8;
  if (g_str_equal (dtype, "F32"))
    return 4;
  if (g_str_equal (dtype, "F16") || g_str_equal (dtype, "BF16"))
    return 2;
  return 0;
}

static gboolean
format_error (ImpStReader *self,
              GError     **error,
              const char  *tensor,
              const char  *what)
{
  g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_FORMAT,
               _("%s: not a valid safetensors file: tensor %s: %s"), self->path, tensor, what);
  return FALSE;
}

static gboolean
parse_shape (ImpStReader *self,
             JsonObject  *entry,
             ImpStTensor *tensor,
             GError     **error)
{
  JsonArray *shape;

  if (!json_object_has_member (entry, "shape") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (entry, "shape")))
    return format_error (self, error, tensor->name, _("no shape"));
  shape = json_object_get_array_member (entry, "shape");
  tensor->n_dims = json_array_get_length (shape);
  if (tensor->n_dims > G_N_ELEMENTS (tensor->shape))
    return format_error (self, error, tensor->name, _("too many dimensions"));
  for (guint d = 0; d < tensor->n_dims; d++)
    {
      JsonNode *node = json_array_get_element (shape, d);

      if (json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < 0)
        return format_error (self, error, tensor->name, _("shape is not a list of sizes"));
      tensor->shape[d] = json_node_get_int (node);
    }
  return TRUE;
}

static gboolean
parse_offsets (ImpStReader *self,
               JsonObject  *entry,
               ImpStTensor *tensor,
               GError     **error)
{
  JsonArray *offsets;
  guint64 n_bytes = dtype_size (tensor->dtype);
  JsonNode *begin, *end;

  if (!json_object_has_member (entry, "data_offsets") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (entry, "data_offsets")) ||
      json_array_get_length (json_object_get_array_member (entry, "data_offsets")) != 2)
    return format_error (self, error, tensor->name, _("no data_offsets pair"));
  offsets = json_object_get_array_member (entry, "data_offsets");
  begin = json_array_get_element (offsets, 0);
  end = json_array_get_element (offsets, 1);
  if (json_node_get_value_type (begin) != G_TYPE_INT64 ||
      json_node_get_value_type (end) != G_TYPE_INT64 ||
      json_node_get_int (begin) < 0 || json_node_get_int (end) < json_node_get_int (begin))
    return format_error (self, error, tensor->name, _("data_offsets are not a byte range"));
  tensor->begin = (guint64) json_node_get_int (begin);
  tensor->end = (guint64) json_node_get_int (end);
  for (guint d = 0; d < tensor->n_dims; d++)
    n_bytes *= (guint64) tensor->shape[d];
  /* Unknown dtypes (n_bytes 0) are listed by info; reading them fails later. */
  if (n_bytes != 0 && tensor->end - tensor->begin != n_bytes)
    return format_error (self, error, tensor->name, _("byte range does not match dtype and shape"));
  if (tensor->end > self->file_size - 8 - self->header_size)
    return format_error (self, error, tensor->name, _("data lies beyond the end of the file "
                                                      "(truncated?)"));
  return TRUE;
}

static gboolean
parse_tensor (ImpStReader *self,
              const char  *name,
              JsonNode    *node,
              GError     **error)
{
  g_autoptr(ImpStTensor) tensor = NULL;
  JsonObject *entry;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return format_error (self, error, name, _("entry is not an object"));
  entry = json_node_get_object (node);
  tensor = g_new0 (ImpStTensor, 1);
  tensor->name = g_strdup (name);
  if (!json_object_has_member (entry, "dtype") ||
      json_node_get_value_type (json_object_get_member (entry, "dtype")) != G_TYPE_STRING)
    return format_error (self, error, name, _("no dtype"));
  tensor->dtype = g_strdup (json_object_get_string_member (entry, "dtype"));
  if (!parse_shape (self, entry, tensor, error) || !parse_offsets (self, entry, tensor, error))
    return FALSE;
  g_hash_table_insert (self->by_name, tensor->name, tensor);
  g_ptr_array_add (self->tensors, g_steal_pointer (&tensor));
  return TRUE;
}

static void
parse_metadata (ImpStReader *self,
                JsonNode    *node)
{
  JsonObject *meta;
  g_autoptr(GList) members = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return;
  meta = json_node_get_object (node);
  members = json_object_get_members (meta);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (meta, l->data);

      g_ptr_array_add (self->meta_keys, g_strdup (l->data));
      if (json_node_get_value_type (value) == G_TYPE_STRING)
        g_ptr_array_add (self->meta_values, g_strdup (json_node_get_string (value)));
      else
        g_ptr_array_add (self->meta_values, json_to_string (value, FALSE));
    }
}

static gboolean
parse_header (ImpStReader *self,
              const char  *json,
              gsize        length,
              GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *root;

  if (!json_parser_load_from_data (parser, json, (gssize) length, &local_error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_INPUT,
                   _("%s: not a safetensors file: the header is not a JSON object%s%s"),
                   self->path, local_error ? ": " : "", local_error ? local_error->message : "");
      return FALSE;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  members = json_object_get_members (root);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (root, l->data);

      if (g_str_equal (l->data, "__metadata__"))
        parse_metadata (self, node);
      else if (!parse_tensor (self, l->data, node, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
open_file (ImpStReader *self,
           GError     **error)
{
  GStatBuf st;

  self->fd = g_open (self->path, O_RDONLY | O_CLOEXEC, 0);
  if (self->fd < 0 || fstat (self->fd, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_INPUT,
                   _("%s: cannot open: %s"), self->path, g_strerror (saved));
      return FALSE;
    }
  self->file_size = (guint64) st.st_size;
  return TRUE;
}

ImpStReader *
imp_st_reader_open (const char  *path,
                    GError     **error)
{
  g_autoptr(ImpStReader) self = g_new0 (ImpStReader, 1);
  g_autofree char *json = NULL;
  guint64 length;

  self->path = g_strdup (path);
  self->fd = -1;
  self->tensors = g_ptr_array_new_with_free_func (st_tensor_free);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->meta_keys = g_ptr_array_new_with_free_func (g_free);
  self->meta_values = g_ptr_array_new_with_free_func (g_free);
  if (!open_file (self, error))
    return NULL;
  if (self->file_size < 10 || !read_at (self, &length, 8, 0, NULL))
    {
      g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_INPUT,
                   _("%s: not a safetensors file: too short"), path);
      return NULL;
    }
  length = GUINT64_FROM_LE (length);
  if (length < 2 || length > MAX_HEADER_SIZE || length > self->file_size - 8)
    {
      g_autofree char *length_text = g_strdup_printf ("%" G_GUINT64_FORMAT, length);
      g_autofree char *size_text = g_strdup_printf ("%" G_GUINT64_FORMAT, self->file_size);

      g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_INPUT,
                   _("%s: not a safetensors file: header length %s does not fit the file of %s bytes"),
                   path, length_text, size_text);
      return NULL;
    }
  self->header_size = length;
  json = g_malloc (length + 1);
  json[length] = '\0';
  if (!read_at (self, json, length, 8, error) ||
      !parse_header (self, json, length, error))
    return NULL;
  return g_steal_pointer (&self);
}

guint64
imp_st_reader_get_header_size (ImpStReader *self)
{
  return self->header_size;
}

GPtrArray *
imp_st_reader_get_tensors (ImpStReader *self)
{
  return self->tensors;
}

const ImpStTensor *
imp_st_reader_lookup (ImpStReader *self,
                      const char  *name)
{
  return g_hash_table_lookup (self->by_name, name);
}

GPtrArray *
imp_st_reader_get_meta_keys (ImpStReader *self)
{
  return self->meta_keys;
}

GPtrArray *
imp_st_reader_get_meta_values (ImpStReader *self)
{
  return self->meta_values;
}

static float
half_to_float (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exponent = (h >> 10) & 0x1f;
  guint32 mantissa = h & 0x3ff;
  guint32 bits;
  float f;

  if (exponent == 0)
    {
      /* zero or subnormal: mantissa * 2^-24 */
      f = (float) mantissa * 5.9604644775390625e-8f;
      return sign ? -f : f;
    }
  if (exponent == 31)
    bits = sign | 0x7f800000 | (mantissa << 13);
  else
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  memcpy (&f, &bits, sizeof f);
  return f;
}

static void
convert_to_f32 (const guint8 *raw,
                const char   *dtype,
                gsize         n,
                float        *out)
{
  for (gsize i = 0; i < n; i++)
    {
      if (g_str_equal (dtype, "F32"))
        {
          guint32 bits;
          memcpy (&bits, raw + 4 * i, 4);
          bits = GUINT32_FROM_LE (bits);
          memcpy (out + i, &bits, 4);
        }
      else if (g_str_equal (dtype, "F64"))
        {
          guint64 bits;
          double d;
          memcpy (&bits, raw + 8 * i, 8);
          bits = GUINT64_FROM_LE (bits);
          memcpy (&d, &bits, 8);
          out[i] = (float) d;
        }
      else if (g_str_equal (dtype, "F16"))
        out[i] = half_to_float ((guint16) (raw[2 * i] | raw[2 * i + 1] << 8));
      else
        {
          guint32 bits = (guint32) (raw[2 * i] | raw[2 * i + 1] << 8) << 16;
          memcpy (out + i, &bits, 4);
        }
    }
}

float *
imp_st_reader_read_f32 (ImpStReader       *self,
                        const ImpStTensor *tensor,
                        GError           **error)
{
  guint size = dtype_size (tensor->dtype);
  gsize n_bytes = tensor->end - tensor->begin;
  g_autofree guint8 *raw = NULL;
  float *out;

  if (size == 0)
    {
      g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_SHAPE,
                   _("%s: tensor %s has dtype %s; F32, F16, BF16 or F64 is needed"),
                   self->path, tensor->name, tensor->dtype);
      return NULL;
    }
  raw = g_malloc (MAX (n_bytes, 1));
  if (!read_at (self, raw, n_bytes, 8 + self->header_size + tensor->begin, error))
    return NULL;
  out = g_new (float, MAX (n_bytes / size, 1));
  convert_to_f32 (raw, tensor->dtype, n_bytes / size, out);
  return out;
}

/* torchvision's vgg19().features indices of the 16 convolutions. */
static const guint torchvision_index[IMP_N_VGG_LAYERS] = {
  0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34,
};

static float *
read_checked (ImpStReader *reader,
              const char  *name,
              const gint64 *shape,
              guint        n_dims,
              const char  *layer,
              GError     **error)
{
  const ImpStTensor *tensor = imp_st_reader_lookup (reader, name);
  gboolean same = tensor != NULL && tensor->n_dims == n_dims;

  if (tensor == NULL)
    {
      g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_LAYER,
                   _("%s: tensor %s (%s) is missing; is this a torchvision vgg19 state dict?"),
                   reader->path, name, layer);
      return NULL;
    }
  for (guint d = 0; same && d < n_dims; d++)
    same = tensor->shape[d] == shape[d];
  if (!same)
    {
      g_autoptr(GString) want = g_string_new ("[");
      for (guint d = 0; d < n_dims; d++)
        g_string_append_printf (want, "%s%" G_GINT64_FORMAT, d ? "," : "", shape[d]);
      g_string_append_c (want, ']');
      g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_SHAPE,
                   _("%s: tensor %s (%s) has the wrong shape; VGG19 needs %s"),
                   reader->path, name, layer, want->str);
      return NULL;
    }
  return imp_st_reader_read_f32 (reader, tensor, error);
}

ImpWeightSet *
imp_weight_set_from_torchvision (const char  *path,
                                 GError     **error)
{
  g_autoptr(ImpStReader) reader = imp_st_reader_open (path, error);
  g_autoptr(ImpWeightSet) set = imp_weight_set_new ();
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *source = NULL;

  if (reader == NULL)
    return NULL;
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      g_autofree char *weight = g_strdup_printf ("features.%u.weight", torchvision_index[l]);
      g_autofree char *bias = g_strdup_printf ("features.%u.bias", torchvision_index[l]);
      gint64 out = imp_vgg_layer_out_channels (l);
      gint64 kshape[4] = { out, imp_vgg_layer_in_channels (l), 3, 3 };
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
