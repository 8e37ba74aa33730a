/* imp-safetensors.c: the safetensors reader of the engine and of impasto-weights
 *
 * The rules are safetensors' own: an 8-byte little-endian header length, a
 * JSON object of tensor entries (plus __metadata__), and a data section that
 * the tensors' byte ranges cover exactly, without overlap, gap or anything
 * after the last one. The header is read with pread(); the data is mapped
 * through imp-mapped-file, which turns a file cut by someone else into an
 * error rather than a SIGBUS.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What one pread() covers. */
#define CHUNK_BYTES (4u << 20)

struct _ImpSafetensors
{
  char       *display;
  int         fd;
  struct stat st;            /* as opened, for the verified-file record */
  guint64     file_size;
  guint64     header_size;
  char       *header;        /* the header's bytes, to tell a rewritten file */
  GPtrArray  *tensors;       /* ImpSafetensorsTensor * */
  GHashTable *by_name;       /* name -> ImpSafetensorsTensor *, borrowed */
  gboolean    has_metadata;
  GPtrArray  *meta_keys;     /* char * */
  GPtrArray  *meta_values;   /* char * */
  GHashTable *meta_strings;  /* key -> value, for string values; borrowed */
};

G_DEFINE_QUARK (imp-weights-error-quark, imp_weights_error)

static void
tensor_free (gpointer data)
{
  ImpSafetensorsTensor *tensor = data;

  g_free (tensor->name);
  g_free (tensor->dtype);
  g_free (tensor);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpSafetensorsTensor, tensor_free)

void
imp_safetensors_free (ImpSafetensors *self)
{
  if (self == NULL)
    return;
  if (self->fd >= 0)
    close (self->fd);
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->meta_strings, g_hash_table_unref);
  g_clear_pointer (&self->tensors, g_ptr_array_unref);
  g_clear_pointer (&self->meta_keys, g_ptr_array_unref);
  g_clear_pointer (&self->meta_values, g_ptr_array_unref);
  g_free (self->header);
  g_free (self->display);
  g_free (self);
}

static char *
number_text (guint64 n)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, n);
}

gboolean
imp_safetensors_check_regular (const char  *display,
                               guint        mode,
                               GError     **error)
{
  const char *kind;

  if (S_ISREG (mode))
    return TRUE;
  if (S_ISDIR (mode))
    kind = _("it is a folder");
  else if (S_ISFIFO (mode))
    kind = _("it is a named pipe");
  else if (S_ISCHR (mode) || S_ISBLK (mode))
    kind = _("it is a device");
  else if (S_ISSOCK (mode))
    kind = _("it is a socket");
  else
    kind = _("it is of an unknown kind");
  g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_IO,
               _("%s: not a regular file: %s"), display, kind);
  return FALSE;
}

/* Non-blocking, so a FIFO cannot hang us before the type check; the check
 * runs on the opened descriptor, so a path swapped in between cannot slip
 * through. */
static gboolean
open_file (ImpSafetensors  *self,
           const char      *path,
           GError         **error)
{
  struct stat st;

  self->fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
  if (self->fd < 0)
    {
      int saved = errno;

      g_set_error (error, IMP_WEIGHTS_ERROR,
                   saved == ENOENT ? IMP_WEIGHTS_ERROR_NOT_FOUND : IMP_WEIGHTS_ERROR_IO,
                   _("%s: cannot open the weights file: %s"), self->display, g_strerror (saved));
      return FALSE;
    }
  if (fstat (self->fd, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_IO,
                   _("%s: read failed: %s"), self->display, g_strerror (saved));
      return FALSE;
    }
  if (!imp_safetensors_check_regular (self->display, st.st_mode, error))
    return FALSE;
  self->st = st;
  self->file_size = (guint64) st.st_size;
  return TRUE;
}

/* Exactly @n bytes at @offset, or FALSE with an error saying the file ended. */
static gboolean
read_at (ImpSafetensors  *self,
         void            *buffer,
         gsize            n,
         guint64          offset,
         GError         **error)
{
  guint8 *p = buffer;

  while (n > 0)
    {
      gssize got = pread (self->fd, p, MIN (n, (gsize) CHUNK_BYTES), (off_t) offset);

      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          int saved = errno;

          g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_IO,
                       _("%s: read failed: %s"), self->display, g_strerror (saved));
          return FALSE;
        }
      if (got == 0)
        {
          g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_IO,
                       _("%s: the file shrank while being read"), self->display);
          return FALSE;
        }
      p += got;
      offset += (guint64) got;
      n -= (gsize) got;
    }
  return TRUE;
}

static gboolean
read_header_length (ImpSafetensors  *self,
                    GError         **error)
{
  guint8 bytes[8];
  guint64 n = 0;

  if (self->file_size < 8)
    {
      g_autofree char *size = number_text (self->file_size);

      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_TRUNCATED,
                   _("%s: truncated: %s bytes, too short for a safetensors file"),
                   self->display, size);
      return FALSE;
    }
  if (!read_at (self, bytes, 8, 0, error))
    return FALSE;
  for (int i = 7; i >= 0; i--)
    n = (n << 8) | bytes[i];
  if (n < 2 || n > IMP_SAFETENSORS_MAX_HEADER)
    {
      g_autofree char *length = number_text (n);

      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_HEADER,
                   _("%s: not a safetensors file (header length %s)"), self->display, length);
      return FALSE;
    }
  if (n > self->file_size - 8)
    {
      g_autofree char *need = number_text (n + 8);
      g_autofree char *have = number_text (self->file_size);

      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_TRUNCATED,
                   _("%s: truncated: the header needs %s bytes, the file has %s"),
                   self->display, need, have);
      return FALSE;
    }
  self->header_size = n;
  return TRUE;
}

/* The deepest nesting of arrays and objects, counted without recursion and
 * stopping as soon as it passes the limit. Brackets inside strings do not
 * count; the JSON parser judges the rest. */
static gboolean
nesting_within_limit (const char *json,
                      gsize       length)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = json[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          if (++depth > IMP_SAFETENSORS_MAX_DEPTH)
            return FALSE;
        }
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
    }
  return TRUE;
}

/* json-glib keeps the last of two equal keys and says nothing: a member seen
 * twice in the same object is a duplicate. */
typedef struct
{
  GHashTable *seen;          /* "object-pointer/name" */
  char       *duplicate;
} KeyWatch;

static void
on_object_member (JsonParser *parser,
                  JsonObject *object,
                  const char *name,
                  gpointer    user_data)
{
  KeyWatch *watch = user_data;
  char *key = g_strdup_printf ("%p/%s", (void *) object, name);

  if (!g_hash_table_add (watch->seen, key) && watch->duplicate == NULL)
    watch->duplicate = g_strdup (name);
}

static JsonObject *
parse_json (ImpSafetensors  *self,
            GError         **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) json_error = NULL;
  KeyWatch watch = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), NULL };
  g_autofree char *duplicate = NULL;
  JsonNode *root;
  gboolean parsed;

  g_signal_connect (parser, "object-member", G_CALLBACK (on_object_member), &watch);
  parsed = json_parser_load_from_data (parser, self->header, (gssize) self->header_size,
                                       &json_error);
  g_hash_table_unref (watch.seen);
  duplicate = watch.duplicate;
  if (!parsed)
    {
      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_HEADER,
                   _("%s: the header is not valid JSON: %s"), self->display, json_error->message);
      return NULL;
    }
  if (duplicate != NULL)
    {
      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_HEADER,
                   _("%s: the header holds the key “%s” more than once"), self->display,
                   duplicate);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_HEADER,
                   _("%s: the header is not a JSON object"), self->display);
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static JsonObject *
read_header (ImpSafetensors  *self,
             GError         **error)
{
  self->header = g_malloc (self->header_size + 1);
  self->header[self->header_size] = '\0';
  if (!read_at (self, self->header, self->header_size, 8, error))
    return NULL;
  if (!g_utf8_validate (self->header, (gssize) self->header_size, NULL))
    {
      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_HEADER,
                   _("%s: the header is not valid JSON: %s"), self->display,
                   _("it is not UTF-8 text"));
      return NULL;
    }
  if (!nesting_within_limit (self->header, self->header_size))
    {
      g_autofree char *limit = number_text (IMP_SAFETENSORS_MAX_DEPTH);

      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_HEADER,
                   _("%s: the header nests arrays and objects more than %s levels deep"),
                   self->display, limit);
      return NULL;
    }
  return parse_json (self, error);
}

char *
imp_safetensors_shape_text (const guint64 *shape,
                            guint          n_dims)
{
  GString *text = g_string_new ("[");

  for (guint d = 0; d < n_dims; d++)
    g_string_append_printf (text, "%s%" G_GUINT64_FORMAT, d ? "," : "", shape[d]);
  g_string_append_c (text, ']');
  return g_string_free (text, FALSE);
}

static gboolean
tensor_error (ImpSafetensors  *self,
              const char      *name,
              const char      *reason,
              GError         **error)
{
  g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_TENSOR,
               _("%s: tensor %s: %s"), self->display, name, reason);
  return FALSE;
}

/* A JSON array of at most @max non-negative integers. */
static gboolean
read_sizes (JsonObject *entry,
            const char *member,
            guint64    *out,
            guint       max,
            guint      *n_out)
{
  JsonNode *node = json_object_get_member (entry, member);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  if (json_array_get_length (array) > max)
    return FALSE;
  *n_out = json_array_get_length (array);
  for (guint i = 0; i < *n_out; i++)
    {
      JsonNode *e = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64 ||
          json_node_get_int (e) < 0)
        return FALSE;
      out[i] = (guint64) json_node_get_int (e);
    }
  return TRUE;
}

/* The element count, FALSE when it cannot be the size of anything on disk. */
static gboolean
count_elements (ImpSafetensorsTensor *tensor)
{
  tensor->n_elements = 1;
  for (guint d = 0; d < tensor->n_dims; d++)
    {
      if (tensor->shape[d] != 0 && tensor->n_elements > (G_MAXUINT64 >> 4) / tensor->shape[d])
        return FALSE;
      tensor->n_elements *= tensor->shape[d];
    }
  return TRUE;
}

static gboolean
parse_entry (ImpSafetensors        *self,
             ImpSafetensorsTensor  *tensor,
             JsonNode              *node,
             GError               **error)
{
  JsonObject *entry;
  JsonNode *dtype;
  guint64 offsets[2];
  guint n_offsets = 0;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return tensor_error (self, tensor->name, _("its entry is not an object"), error);
  entry = json_node_get_object (node);
  dtype = json_object_get_member (entry, "dtype");
  if (dtype == NULL || json_node_get_value_type (dtype) != G_TYPE_STRING)
    return tensor_error (self, tensor->name, _("no dtype"), error);
  tensor->dtype = g_strdup (json_node_get_string (dtype));
  if (imp_safetensors_dtype_size (tensor->dtype) == 0)
    {
      g_autofree char *reason = g_strdup_printf (_("unknown dtype %s"), tensor->dtype);

      return tensor_error (self, tensor->name, reason, error);
    }
  if (!read_sizes (entry, "shape", tensor->shape, IMP_SAFETENSORS_MAX_DIMS, &tensor->n_dims) ||
      !count_elements (tensor))
    return tensor_error (self, tensor->name, _("shape is not a list of sizes"), error);
  if (!read_sizes (entry, "data_offsets", offsets, 2, &n_offsets) || n_offsets != 2 ||
      offsets[0] > offsets[1])
    return tensor_error (self, tensor->name, _("data_offsets are not a byte range"), error);
  tensor->begin = offsets[0];
  tensor->end = offsets[1];
  if (tensor->end - tensor->begin != tensor->n_elements * imp_safetensors_dtype_size (tensor->dtype))
    {
      g_autofree char *bytes = number_text (tensor->end - tensor->begin);
      g_autofree char *shape = imp_safetensors_shape_text (tensor->shape, tensor->n_dims);
      g_autofree char *reason = g_strdup_printf (_("its %s bytes do not match dtype %s and shape %s"),
                                                 bytes, tensor->dtype, shape);

      return tensor_error (self, tensor->name, reason, error);
    }
  return TRUE;
}

static void
parse_metadata (ImpSafetensors *self,
                JsonNode       *node)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return;
  self->has_metadata = TRUE;
  json_object_iter_init_ordered (&iter, json_node_get_object (node));
  while (json_object_iter_next_ordered (&iter, &key, &value))
    {
      gboolean is_string = JSON_NODE_HOLDS_VALUE (value) &&
                           json_node_get_value_type (value) == G_TYPE_STRING;
      char *text = is_string ? g_strdup (json_node_get_string (value))
                             : json_to_string (value, FALSE);

      g_ptr_array_add (self->meta_keys, g_strdup (key));
      g_ptr_array_add (self->meta_values, text);
      if (is_string)
        g_hash_table_insert (self->meta_strings, self->meta_keys->pdata[self->meta_keys->len - 1],
                             text);
    }
}

static gboolean
parse_entries (ImpSafetensors  *self,
               JsonObject      *root,
               GError         **error)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init_ordered (&iter, root);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    {
      g_autoptr(ImpSafetensorsTensor) tensor = NULL;

      if (g_str_equal (name, "__metadata__"))
        {
          parse_metadata (self, node);
          continue;
        }
      tensor = g_new0 (ImpSafetensorsTensor, 1);
      tensor->name = g_strdup (name);
      if (!parse_entry (self, tensor, node, error))
        return FALSE;
      g_hash_table_insert (self->by_name, tensor->name, tensor);
      g_ptr_array_add (self->tensors, g_steal_pointer (&tensor));
    }
  return TRUE;
}

static int
compare_begin (gconstpointer a,
               gconstpointer b)
{
  const ImpSafetensorsTensor *ta = *(ImpSafetensorsTensor * const *) a;
  const ImpSafetensorsTensor *tb = *(ImpSafetensorsTensor * const *) b;

  if (ta->begin != tb->begin)
    return ta->begin < tb->begin ? -1 : 1;
  return ta->end < tb->end ? -1 : ta->end > tb->end;
}

static gboolean
data_size_error (ImpSafetensors  *self,
                 guint64          covered,
                 guint64          data_size,
                 const char      *last,
                 GError         **error)
{
  g_autofree char *end = number_text (covered);
  g_autofree char *size = number_text (data_size);

  if (covered > data_size)
    g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_TRUNCATED,
                 _("%s: truncated: tensor %s ends at byte %s of the data section, "
                   "which has only %s"), self->display, last, end, size);
  else
    {
      g_autofree char *extra = number_text (data_size - covered);

      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_HEADER,
                   g_dngettext (GETTEXT_PACKAGE,
                                "%s: %s byte follows the last tensor; a safetensors file ends with it",
                                "%s: %s bytes follow the last tensor; a safetensors file ends with it",
                                (gulong) MIN (data_size - covered, G_MAXULONG)),
                   self->display, extra);
    }
  return FALSE;
}

/* As safetensors requires: sorted by offset, each tensor starts where the
 * one before ended, and the last ends with the file. Of several faults the
 * one that says most is reported: overlap, past the end, gap, bytes after. */
static gboolean
check_tiling (ImpSafetensors  *self,
              GError         **error)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_sized_new (self->tensors->len);
  guint64 data_size = self->file_size - 8 - self->header_size;
  guint64 covered = 0;
  const char *last = "";
  const char *after_gap = NULL;

  /* borrowed pointers: a copy would free the tensors with the array */
  g_ptr_array_extend (sorted, self->tensors, NULL, NULL);
  g_ptr_array_sort (sorted, compare_begin);
  for (guint i = 0; i < sorted->len; i++)
    {
      const ImpSafetensorsTensor *t = sorted->pdata[i];

      if (t->begin < covered)
        {
          g_autofree char *reason = g_strdup_printf (_("its bytes overlap those of %s"), last);

          return tensor_error (self, t->name, reason, error);
        }
      /* an overlap further on is the better reason */
      if (t->begin > covered && after_gap == NULL)
        after_gap = t->name;
      covered = t->end;
      last = t->name;
    }
  if (covered > data_size)
    return data_size_error (self, covered, data_size, last, error);
  if (after_gap != NULL)
    return tensor_error (self, after_gap, _("unused bytes lie before it in the data section"),
                         error);
  if (covered != data_size)
    return data_size_error (self, covered, data_size, last, error);
  return TRUE;
}

ImpSafetensors *
imp_safetensors_open (const char  *path,
                      GError     **error)
{
  g_autoptr(ImpSafetensors) self = g_new0 (ImpSafetensors, 1);
  g_autoptr(JsonObject) root = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  self->display = g_filename_display_name (path);
  self->fd = -1;
  self->tensors = g_ptr_array_new_with_free_func (tensor_free);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->meta_keys = g_ptr_array_new_with_free_func (g_free);
  self->meta_values = g_ptr_array_new_with_free_func (g_free);
  self->meta_strings = g_hash_table_new (g_str_hash, g_str_equal);
  if (!open_file (self, path, error) || !read_header_length (self, error))
    return NULL;
  root = read_header (self, error);
  if (root == NULL || !parse_entries (self, root, error) || !check_tiling (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
imp_safetensors_get_display_name (ImpSafetensors *self)
{
  return self->display;
}

guint64
imp_safetensors_get_file_size (ImpSafetensors *self)
{
  return self->file_size;
}

guint64
imp_safetensors_get_header_size (ImpSafetensors *self)
{
  return self->header_size;
}

GPtrArray *
imp_safetensors_get_tensors (ImpSafetensors *self)
{
  return self->tensors;
}

const ImpSafetensorsTensor *
imp_safetensors_lookup (ImpSafetensors *self,
                        const char     *name)
{
  return g_hash_table_lookup (self->by_name, name);
}

gboolean
imp_safetensors_has_metadata (ImpSafetensors *self)
{
  return self->has_metadata;
}

GPtrArray *
imp_safetensors_get_meta_keys (ImpSafetensors *self)
{
  return self->meta_keys;
}

GPtrArray *
imp_safetensors_get_meta_values (ImpSafetensors *self)
{
  return self->meta_values;
}

const char *
imp_safetensors_get_meta_string (ImpSafetensors *self,
                                 const char     *key)
{
  return g_hash_table_lookup (self->meta_strings, key);
}

guint
imp_safetensors_dtype_size (const char *dtype)
{
  static const struct { const char *name; guint size; } sizes[] = {
    { "BOOL", 1 }, { "U8", 1 }, { "I8", 1 }, { "F8_E5M2", 1 }, { "F8_E4M3", 1 },
    { "I16", 2 }, { "U16", 2 }, { "F16", 2 }, { "BF16", 2 },
    { "I32", 4 }, { "U32", 4 }, { "F32", 4 },
    { "I64", 8 }, { "U64", 8 }, { "F64", 8 },
  };

  for (guint i = 0; dtype != NULL && i < G_N_ELEMENTS (sizes); i++)
    if (g_str_equal (dtype, sizes[i].name))
      return sizes[i].size;
  return 0;
}

gboolean
imp_safetensors_dtype_is_float (const char *dtype)
{
  return g_strcmp0 (dtype, "F64") == 0 || g_strcmp0 (dtype, "F32") == 0 ||
         g_strcmp0 (dtype, "F16") == 0 || g_strcmp0 (dtype, "BF16") == 0;
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
      /* zero or subnormal: mantissa * 2^-24, exact in float */
      f = ldexpf ((float) mantissa, -24);
      return sign ? -f : f;
    }
  if (exponent == 31)
    bits = sign | 0x7f800000 | (mantissa << 13);
  else
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  memcpy (&f, &bits, sizeof f);
  return f;
}

static float
element_to_float (const guint8 *raw,
                  const char   *dtype)
{
  guint64 bits = 0;
  guint size = imp_safetensors_dtype_size (dtype);
  double d;
  float f;

  for (guint i = size; i > 0; i--)
    bits = (bits << 8) | raw[i - 1];
  if (size == 8)
    {
      memcpy (&d, &bits, sizeof d);
      return (float) d;
    }
  if (size == 4)
    {
      guint32 b32 = (guint32) bits;

      memcpy (&f, &b32, sizeof f);
      return f;
    }
  if (g_str_equal (dtype, "F16"))
    return half_to_float ((guint16) bits);
  {
    guint32 b32 = (guint32) bits << 16;   /* BF16: the upper half of a float32 */

    memcpy (&f, &b32, sizeof f);
    return f;
  }
}

void
imp_safetensors_to_float (const guint8 *raw,
                          const char   *dtype,
                          gsize         n,
                          float        *out)
{
  guint size = imp_safetensors_dtype_size (dtype);

  g_return_if_fail (imp_safetensors_dtype_is_float (dtype));
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  if (size == 4)
    {
      memcpy (out, raw, n * sizeof (float));
      return;
    }
#endif
  for (gsize i = 0; i < n; i++)
    out[i] = element_to_float (raw + i * size, dtype);
}

float *
imp_safetensors_read_float (ImpSafetensors              *self,
                            const ImpSafetensorsTensor  *tensor,
                            GError                     **error)
{
  gsize n_bytes = (gsize) (tensor->end - tensor->begin);
  g_autofree guint8 *raw = NULL;
  float *out;

  if (!imp_safetensors_dtype_is_float (tensor->dtype))
    {
      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_TENSOR,
                   _("%s: tensor %s has dtype %s; F32, F16, BF16 or F64 is needed"),
                   self->display, tensor->name, tensor->dtype);
      return NULL;
    }
  raw = g_malloc (MAX (n_bytes, 1));
  if (!read_at (self, raw, n_bytes, 8 + self->header_size + tensor->begin, error))
    return NULL;
  out = g_new (float, MAX (tensor->n_elements, 1));
  imp_safetensors_to_float (raw, tensor->dtype, (gsize) tensor->n_elements, out);
  return out;
}

static gboolean
changed_error (ImpSafetensors  *self,
               GError         **error)
{
  g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_IO,
               _("%s: the file changed while being read"), self->display);
  return FALSE;
}

/* Still the size and the header that were checked: a file being rewritten
 * may be half old, half new. */
static gboolean
check_unchanged (ImpSafetensors  *self,
                 ImpMappedFile   *mapped,
                 GError         **error)
{
  struct stat st;

  if (fstat (self->fd, &st) != 0 || (guint64) st.st_size != self->file_size)
    return changed_error (self, error);
  if (memcmp (imp_mapped_file_get_data (mapped) + 8, self->header, self->header_size) != 0 ||
      !imp_mapped_file_is_intact (mapped))
    return changed_error (self, error);
  return TRUE;
}

ImpMappedFile *
imp_safetensors_map (ImpSafetensors  *self,
                     GError         **error)
{
  g_autoptr(ImpMappedFile) mapped = NULL;

  if (self->file_size > G_MAXSIZE)
    {
      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_IO,
                   _("%s: read failed: %s"), self->display, g_strerror (EFBIG));
      return NULL;
    }
  mapped = imp_mapped_file_new (self->fd, (gsize) self->file_size);
  if (mapped == NULL)
    {
      int saved = errno;

      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_IO,
                   _("%s: read failed: %s"), self->display, g_strerror (saved));
      return NULL;
    }
  if (!check_unchanged (self, mapped, error))
    return NULL;
  return g_steal_pointer (&mapped);
}

const struct stat *
imp_safetensors_get_stat (ImpSafetensors *self)
{
  return &self->st;
}

/* By the exponent bits alone: all ones is NaN or infinity in each format. */
static gboolean
element_is_finite (const guint8 *raw,
                   guint         size,
                   const char   *dtype)
{
  guint16 h;
  guint32 f;
  guint64 d;

  switch (size)
    {
    case 8:
      memcpy (&d, raw, 8);
      return (GUINT64_FROM_LE (d) & G_GUINT64_CONSTANT (0x7ff0000000000000)) !=
             G_GUINT64_CONSTANT (0x7ff0000000000000);
    case 4:
      memcpy (&f, raw, 4);
      return (GUINT32_FROM_LE (f) & 0x7f800000u) != 0x7f800000u;
    default:
      memcpy (&h, raw, 2);
      h = GUINT16_FROM_LE (h);
      if (g_str_equal (dtype, "F16"))
        return (h & 0x7c00u) != 0x7c00u;
      return (h & 0x7f80u) != 0x7f80u;
    }
}

gboolean
imp_safetensors_all_finite (const guint8 *raw,
                            const char   *dtype,
                            gsize         n)
{
  guint size = imp_safetensors_dtype_size (dtype);
  guint32 all_ones = 0x7f800000u, seen = 0;

  g_return_val_if_fail (imp_safetensors_dtype_is_float (dtype), FALSE);
  if (size != 4)
    {
      for (gsize i = 0; i < n; i++)
        if (!element_is_finite (raw + i * size, size, dtype))
          return FALSE;
      return TRUE;
    }
  /* float32, the usual case: a loop the compiler vectorises */
  for (gsize i = 0; i < n; i++)
    {
      guint32 bits;

      memcpy (&bits, raw + i * 4, 4);
      seen |= ((GUINT32_FROM_LE (bits) & all_ones) == all_ones);
    }
  return !seen;
}
