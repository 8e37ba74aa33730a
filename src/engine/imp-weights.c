/* imp-weights.c: the safetensors loader for VGG19's convolution weights
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-weights.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#define WEIGHTS_BASENAME "vgg19-conv.safetensors"
/* safetensors itself refuses headers above 100 MB; ours is 3 KB. */
#define MAX_HEADER_BYTES (100u * 1024 * 1024)
/* The real file is 80 MB; anything far larger is not VGG19 conv weights. */
#define MAX_FILE_BYTES ((guint64) 2 * 1024 * 1024 * 1024)

struct _ImpWeights
{
  gint           ref_count;
  char          *path;
  char          *sha256;       /* NULL while sha256_thread runs */
  GThread       *sha256_thread;
  GMutex         sha256_lock;
  ImpPreprocess  preprocess;
  float         *kernels[IMP_N_VGG_LAYERS];
  float         *biases[IMP_N_VGG_LAYERS];
};

/* What one loader run works on: the file's bytes and where its parts are. */
typedef struct
{
  const char   *display;     /* file name for messages */
  const guint8 *data;        /* the data section */
  guint64       data_len;
  JsonObject   *header;
} LoadCtx;

typedef struct
{
  const char *name;
  guint64     begin;
  guint64     end;
} Range;

G_DEFINE_QUARK (imp-weights-error-quark, imp_weights_error)

/* The file's bytes, hashed on their own thread. */
typedef struct
{
  guint8 *file;
  gsize   len;
} HashJob;

/* In chunks, each given back to the system once hashed (the tensors were
 * copied out before): the 80 MB would otherwise sit beside the session's
 * first buffers while it starts. */
static gpointer
hash_file (gpointer data)
{
  HashJob *job = data;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize page = (gsize) sysconf (_SC_PAGESIZE), chunk = 4u << 20;
  char *sha256;

  for (gsize at = 0; at < job->len; at += chunk)
    {
      gsize n = MIN (chunk, job->len - at);
      guintptr first = ((guintptr) job->file + at + page - 1) & ~(guintptr) (page - 1);
      guintptr end = ((guintptr) job->file + at + n) & ~(guintptr) (page - 1);

      g_checksum_update (checksum, job->file + at, n);
      if (end > first)
        madvise ((void *) first, end - first, MADV_DONTNEED);
    }
  sha256 = g_strdup (g_checksum_get_string (checksum));
  g_free (job->file);
  g_free (job);
  return sha256;
}

/* The checksum once its thread is done. */
static void
join_hash (ImpWeights *self)
{
  g_mutex_lock (&self->sha256_lock);
  if (self->sha256_thread != NULL)
    self->sha256 = g_thread_join (g_steal_pointer (&self->sha256_thread));
  g_mutex_unlock (&self->sha256_lock);
}

static void
imp_weights_free (ImpWeights *self)
{
  join_hash (self);
  g_mutex_clear (&self->sha256_lock);
  for (guint i = 0; i < IMP_N_VGG_LAYERS; i++)
    {
      g_free (self->kernels[i]);
      g_free (self->biases[i]);
    }
  g_free (self->path);
  g_free (self->sha256);
  g_free (self);
}

ImpWeights *
imp_weights_ref (ImpWeights *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
imp_weights_unref (ImpWeights *self)
{
  g_return_if_fail (self != NULL);
  if (g_atomic_int_dec_and_test (&self->ref_count))
    imp_weights_free (self);
}

/* Exactly @len bytes at the file's current position, with read(): a file
 * truncated or rewritten by someone else while we read gives a short read (an
 * error), never a SIGBUS as a mapping would. */
static gboolean
read_exact (int          fd,
            guint8      *buf,
            gsize        len,
            const char  *display,
            GError     **error)
{
  gsize done = 0;

  while (done < len)
    {
      gssize n = read (fd, buf + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_IO,
                       n < 0 ? "%s: read failed: %s" : "%s: the file shrank while being read%s",
                       display, n < 0 ? g_strerror (errno) : "");
          return FALSE;
        }
      done += (gsize) n;
    }
  return TRUE;
}

/* After the last byte fstat() announced: a file still growing is being
 * rewritten, and what we hold may be half old, half new. */
static gboolean
check_at_end (int          fd,
              const char  *display,
              GError     **error)
{
  guint8 extra;
  gssize n;

  do
    n = read (fd, &extra, 1);
  while (n < 0 && errno == EINTR);
  if (n == 0)
    return TRUE;
  g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_IO,
               n < 0 ? "%s: read failed: %s" : "%s: the file grew while being read%s",
               display, n < 0 ? g_strerror (errno) : "");
  return FALSE;
}

static int
open_regular (const char  *path,
              const char  *display,
              guint64     *size,
              GError     **error)
{
  struct stat st;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);   /* a FIFO must not block us */
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, IMP_WEIGHTS_ERROR,
                   saved == ENOENT ? IMP_WEIGHTS_ERROR_NOT_FOUND : IMP_WEIGHTS_ERROR_IO,
                   "%s: cannot open the weights file: %s", display, g_strerror (saved));
      return -1;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_IO,
                   "%s: not a regular file", display);
      close (fd);
      return -1;
    }
  if ((guint64) st.st_size > MAX_FILE_BYTES)
    {
      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_HEADER,
                   "%s: file of %" G_GUINT64_FORMAT " bytes is far too large for VGG19 weights",
                   display, (guint64) st.st_size);
      close (fd);
      return -1;
    }
  *size = (guint64) st.st_size;
  return fd;
}

static guint64
read_le64 (const guint8 *p)
{
  guint64 n = 0;

  for (int i = 7; i >= 0; i--)
    n = (n << 8) | p[i];
  return n;
}

static JsonObject *
parse_header (const guint8  *file,
              gsize          len,
              const char    *display,
              guint64       *header_len,
              GError       **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) json_error = NULL;
  JsonNode *root;
  guint64 n = 0;

  if (len < 8)
    {
      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_TRUNCATED,
                   "%s: truncated: %" G_GSIZE_FORMAT " bytes, not even a header length",
                   display, len);
      return NULL;
    }
  for (int i = 7; i >= 0; i--)
    n = (n << 8) | file[i];
  if (n < 2 || n > MAX_HEADER_BYTES)
    {
      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_HEADER,
                   "%s: not a safetensors file (header length %" G_GUINT64_FORMAT ")",
                   display, n);
      return NULL;
    }
  if (n > len - 8)
    {
      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_TRUNCATED,
                   "%s: truncated: the header needs %" G_GUINT64_FORMAT " bytes, the file has %"
                   G_GSIZE_FORMAT, display, n + 8, len);
      return NULL;
    }
  if (file[8] != '{' ||
      !g_utf8_validate ((const char *) file + 8, (gssize) n, NULL) ||
      !json_parser_load_from_data (parser, (const char *) file + 8, (gssize) n, &json_error))
    {
      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_HEADER,
                   "%s: the header is not valid JSON%s%s", display,
                   json_error ? ": " : "", json_error ? json_error->message : "");
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_HEADER,
                   "%s: the header is not a JSON object", display);
      return NULL;
    }
  *header_len = n;
  return json_object_ref (json_node_get_object (root));
}

/* Reads the file in the order it is checked, so a file that is no weights
 * costs what its first bytes cost, whatever its size (a 512 MB sparse file
 * with a nonsense length would otherwise be allocated and read whole): the
 * 8-byte header length, then the header (only when it fits the file and
 * MAX_HEADER_BYTES), which parse_header() checks, then the data section, the
 * rest of the file as safetensors defines it, and nothing after. Returns the
 * whole file (in one buffer, for the checksum) and its parsed header. */
static guint8 *
read_weights_file (const char  *path,
                   const char  *display,
                   gsize       *len,
                   JsonObject **header,
                   guint64     *header_len,
                   GError     **error)
{
  g_autofree guint8 *buf = NULL;
  guint64 size = 0, n, head;
  int fd;

  fd = open_regular (path, display, &size, error);
  if (fd < 0)
    return NULL;
  /* The length and the header, or as much as parse_header() needs to say
   * why they are wrong: it reads no further than it found valid. */
  head = MIN (size, 8);
  buf = g_malloc (head + 1);
  if (!read_exact (fd, buf, (gsize) head, display, error))
    goto fail;
  n = head == 8 ? read_le64 (buf) : 0;
  if (head == 8 && n >= 2 && n <= MAX_HEADER_BYTES && n <= size - 8)
    {
      head = 8 + n;
      buf = g_realloc (buf, head + 1);
      if (!read_exact (fd, buf + 8, (gsize) n, display, error))
        goto fail;
    }
  *header = parse_header (buf, (gsize) size, display, header_len, error);
  if (*header == NULL)
    goto fail;
  /* Only now the data section: the header said the file is weights. */
  buf = g_realloc (buf, (gsize) size + 1);
  if (!read_exact (fd, buf + head, (gsize) (size - head), display, error) ||
      !check_at_end (fd, display, error))
    {
      g_clear_pointer (header, json_object_unref);
      goto fail;
    }
  close (fd);
  *len = (gsize) size;
  return g_steal_pointer (&buf);

fail:
  close (fd);
  return NULL;
}

/* "123.68,116.779,103.939" -> three finite doubles */
static gboolean
parse_triple (const char *text,
              double      out[3])
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);

  if (g_strv_length (parts) != 3)
    return FALSE;
  for (guint i = 0; i < 3; i++)
    {
      char *end = NULL;
      g_strstrip (parts[i]);
      out[i] = g_ascii_strtod (parts[i], &end);
      if (end == parts[i] || *end != '\0' || !isfinite (out[i]))
        return FALSE;
    }
  return TRUE;
}

static const char *
metadata_string (JsonObject *meta,
                 const char *key)
{
  JsonNode *node = meta ? json_object_get_member (meta, key) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
metadata_error (const char  *display,
                const char  *key,
                const char  *value,
                GError     **error)
{
  g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_METADATA,
               "%s: __metadata__ %s is %s%s%s", display, key,
               value ? "\"" : "missing", value ? value : "", value ? "\", which is not supported" : "");
  return FALSE;
}

/* Preprocessing is read from the file, never assumed (weights/README.md); only the
 * std defaults to 1 because Caffe-style files often leave it out. */
static gboolean
parse_metadata (LoadCtx        *ctx,
                ImpPreprocess  *pre,
                GError        **error)
{
  JsonNode *node = json_object_get_member (ctx->header, "__metadata__");
  JsonObject *meta = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  const char *v;
  char *end = NULL;

  if (meta == NULL)
    return metadata_error (ctx->display, "(the whole map)", NULL, error);
  if ((v = metadata_string (meta, "architecture")) && g_strcmp0 (v, "vgg19-features") != 0)
    return metadata_error (ctx->display, "architecture", v, error);
  if ((v = metadata_string (meta, "layout")) && g_strcmp0 (v, "OIHW") != 0)
    return metadata_error (ctx->display, "layout", v, error);

  v = metadata_string (meta, "input_channel_order");
  if (g_strcmp0 (v, "RGB") != 0 && g_strcmp0 (v, "BGR") != 0)
    return metadata_error (ctx->display, "input_channel_order", v, error);
  pre->bgr = g_str_equal (v, "BGR");

  v = metadata_string (meta, "input_scale");
  pre->scale = v ? g_ascii_strtod (v, &end) : 0;
  if (v == NULL || end == v || *end != '\0' || !isfinite (pre->scale) || pre->scale <= 0)
    return metadata_error (ctx->display, "input_scale", v, error);

  v = metadata_string (meta, "input_mean");
  if (v == NULL || !parse_triple (v, pre->mean))
    return metadata_error (ctx->display, "input_mean", v, error);

  v = metadata_string (meta, "input_std");
  if (v == NULL)
    pre->std[0] = pre->std[1] = pre->std[2] = 1.0;
  else if (!parse_triple (v, pre->std) || pre->std[0] <= 0 || pre->std[1] <= 0 || pre->std[2] <= 0)
    return metadata_error (ctx->display, "input_std", v, error);
  return TRUE;
}

static float
half_to_float (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exp = (h >> 10) & 0x1f;
  guint32 mant = h & 0x3ff;
  guint32 bits;
  float f;

  if (exp == 0x1f)
    bits = sign | 0x7f800000 | (mant << 13);
  else if (exp != 0)
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  else
    {
      /* Subnormal (or zero): mant * 2^-24, exact in float. */
      f = ldexpf ((float) mant, -24);
      return sign ? -f : f;
    }
  memcpy (&f, &bits, sizeof f);
  return f;
}

static float
bf16_to_float (guint16 h)
{
  guint32 bits = (guint32) h << 16;
  float f;

  memcpy (&f, &bits, sizeof f);
  return f;
}

/* Element size of a supported dtype, 0 for others. */
static guint
dtype_size (const char *dtype)
{
  if (g_strcmp0 (dtype, "F32") == 0)
    return 4;
  if (g_strcmp0 (dtype, "F16") == 0 || g_strcmp0 (dtype, "BF16") == 0)
    return 2;
  return 0;
}

/* Little-endian bytes of @dtype -> float32, FALSE on NaN/Inf. */
static gboolean
convert_tensor (const guint8 *src,
                const char   *dtype,
                gsize         n,
                float        *dst)
{
  gboolean f32 = g_str_equal (dtype, "F32");
  gboolean f16 = g_str_equal (dtype, "F16");

  for (gsize i = 0; i < n; i++)
    {
      if (f32)
        {
          guint32 bits = ((guint32) src[4 * i]) | ((guint32) src[4 * i + 1] << 8) |
                         ((guint32) src[4 * i + 2] << 16) | ((guint32) src[4 * i + 3] << 24);
          memcpy (&dst[i], &bits, sizeof (float));
        }
      else
        {
          guint16 h = (guint16) (src[2 * i] | (src[2 * i + 1] << 8));
          dst[i] = f16 ? half_to_float (h) : bf16_to_float (h);
        }
      if (!isfinite (dst[i]))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_u64_array (JsonObject *entry,
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

static char *
shape_string (const guint64 *shape,
              guint          n)
{
  GString *s = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s%" G_GUINT64_FORMAT, i ? "," : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static gboolean
tensor_error (LoadCtx     *ctx,
              const char  *name,
              GError     **error,
              const char  *format,
              ...) G_GNUC_PRINTF (4, 5);

static gboolean
tensor_error (LoadCtx     *ctx,
              const char  *name,
              GError     **error,
              const char  *format,
              ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_TENSOR,
               "%s: tensor %s: %s", ctx->display, name, what);
  return FALSE;
}

/* Checks one tensor entry against the expected shape and copies it out as float32. */
static float *
load_tensor (LoadCtx        *ctx,
             const char     *name,
             const guint64  *want_shape,
             guint           want_rank,
             GError        **error)
{
  JsonNode *node = json_object_get_member (ctx->header, name);
  JsonObject *entry;
  const char *dtype;
  guint64 shape[8], offs[2];
  guint rank, n_offs, esize;
  guint64 n_elems = 1;
  g_autofree float *out = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      tensor_error (ctx, name, error, "missing from the file");
      return NULL;
    }
  entry = json_node_get_object (node);
  dtype = metadata_string (entry, "dtype");
  esize = dtype_size (dtype);
  if (esize == 0)
    {
      tensor_error (ctx, name, error, "dtype %s is not supported (F32, F16 or BF16)",
                    dtype ? dtype : "(none)");
      return NULL;
    }
  if (!read_u64_array (entry, "shape", shape, G_N_ELEMENTS (shape), &rank))
    {
      tensor_error (ctx, name, error, "no valid shape");
      return NULL;
    }
  if (rank != want_rank || memcmp (shape, want_shape, rank * sizeof (guint64)) != 0)
    {
      g_autofree char *got = shape_string (shape, rank);
      g_autofree char *want = shape_string (want_shape, want_rank);
      tensor_error (ctx, name, error, "shape %s, VGG19 needs %s", got, want);
      return NULL;
    }
  for (guint i = 0; i < rank; i++)
    n_elems *= shape[i];
  if (!read_u64_array (entry, "data_offsets", offs, 2, &n_offs) || n_offs != 2 ||
      offs[0] > offs[1] || offs[1] > ctx->data_len || offs[1] - offs[0] != n_elems * esize)
    {
      tensor_error (ctx, name, error, "byte range outside the data section or of the wrong size");
      return NULL;
    }
  out = g_new (float, n_elems);
  if (!convert_tensor (ctx->data + offs[0], dtype, n_elems, out))
    {
      tensor_error (ctx, name, error, "contains NaN or infinite values");
      return NULL;
    }
  return g_steal_pointer (&out);
}

static int
compare_ranges (gconstpointer a,
                gconstpointer b)
{
  const Range *ra = a, *rb = b;

  if (ra->begin != rb->begin)
    return ra->begin < rb->begin ? -1 : 1;
  return ra->end < rb->end ? -1 : ra->end > rb->end;
}

/* safetensors forbids tensors sharing bytes; a file that does is corrupt. */
static gboolean
check_no_overlap (LoadCtx  *ctx,
                  GError  **error)
{
  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (Range));
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, ctx->header);
  while (json_object_iter_next (&iter, &name, &node))
    {
      guint64 offs[2];
      guint n = 0;
      Range r;

      if (g_str_equal (name, "__metadata__"))
        continue;
      if (!JSON_NODE_HOLDS_OBJECT (node) ||
          !read_u64_array (json_node_get_object (node), "data_offsets", offs, 2, &n) || n != 2 ||
          offs[0] > offs[1])
        return tensor_error (ctx, name, error, "malformed data_offsets");
      if (offs[1] > ctx->data_len)
        {
          g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_TRUNCATED,
                       "%s: truncated: tensor %s ends at byte %" G_GUINT64_FORMAT
                       " of the data section, which has only %" G_GUINT64_FORMAT,
                       ctx->display, name, offs[1], ctx->data_len);
          return FALSE;
        }
      r.name = name;
      r.begin = offs[0];
      r.end = offs[1];
      g_array_append_val (ranges, r);
    }
  g_array_sort (ranges, compare_ranges);
  for (guint i = 1; i < ranges->len; i++)
    {
      const Range *prev = &g_array_index (ranges, Range, i - 1);
      const Range *cur = &g_array_index (ranges, Range, i);
      if (cur->begin < prev->end)
        return tensor_error (ctx, cur->name, error, "its bytes overlap those of %s", prev->name);
    }
  return TRUE;
}

static gboolean
load_layers (LoadCtx     *ctx,
             ImpWeights  *self,
             GError     **error)
{
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      guint64 kshape[4] = { imp_vgg_layer_out_channels (l), imp_vgg_layer_in_channels (l), 3, 3 };
      g_autofree char *kname = g_strdup_printf ("%s.weight", imp_vgg_layer_name (l));
      g_autofree char *bname = g_strdup_printf ("%s.bias", imp_vgg_layer_name (l));

      self->kernels[l] = load_tensor (ctx, kname, kshape, 4, error);
      if (self->kernels[l] == NULL)
        return FALSE;
      self->biases[l] = load_tensor (ctx, bname, kshape, 1, error);
      if (self->biases[l] == NULL)
        return FALSE;
    }
  return TRUE;
}

ImpWeights *
imp_weights_load (const char  *path,
                  GError     **error)
{
  g_autoptr(ImpWeights) self = NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autofree char *display = NULL;
  g_autofree guint8 *file = NULL;
  guint64 header_len = 0;
  gsize len = 0;
  LoadCtx ctx;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display = g_filename_display_name (path);
  file = read_weights_file (path, display, &len, &header, &header_len, error);
  if (file == NULL)
    return NULL;

  self = g_new0 (ImpWeights, 1);
  g_mutex_init (&self->sha256_lock);
  self->ref_count = 1;
  self->path = g_strdup (path);
  ctx.display = display;
  ctx.data = file + 8 + header_len;
  ctx.data_len = len - 8 - header_len;
  ctx.header = header;
  if (!parse_metadata (&ctx, &self->preprocess, error) ||
      !check_no_overlap (&ctx, error) ||
      !load_layers (&ctx, self, error))
    return NULL;
  /* sha256 of 80 MB is half of a load's time and only read later, if ever:
   * on its own thread it overlaps the session's start */
  {
    HashJob *job = g_new (HashJob, 1);

    job->file = g_steal_pointer (&file);
    job->len = len;
    self->sha256_thread = g_thread_new ("impasto-sha256", hash_file, job);
  }
  return g_steal_pointer (&self);
}

ImpWeights *
imp_weights_new_from_data (const float * const *kernels,
                           const float * const *biases,
                           const ImpPreprocess *preprocess)
{
  ImpWeights *self = g_new0 (ImpWeights, 1);

  g_mutex_init (&self->sha256_lock);
  self->ref_count = 1;
  self->path = g_strdup ("(memory)");
  self->sha256 = g_strdup ("");
  self->preprocess = *preprocess;
  for (guint l = 0; l < IMP_N_VGG_LAYERS && kernels[l] != NULL && biases[l] != NULL; l++)
    {
      guint out = imp_vgg_layer_out_channels (l);
      self->kernels[l] = g_memdup2 (kernels[l], (gsize) out * imp_vgg_layer_in_channels (l) * 9 *
                                                sizeof (float));
      self->biases[l] = g_memdup2 (biases[l], out * sizeof (float));
    }
  return self;
}

const char *
imp_weights_get_path (ImpWeights *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

const ImpPreprocess *
imp_weights_get_preprocess (ImpWeights *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->preprocess;
}

const float *
imp_weights_get_kernel (ImpWeights  *self,
                        ImpVggLayer  layer)
{
  g_return_val_if_fail (self != NULL && layer < IMP_N_VGG_LAYERS, NULL);
  return self->kernels[layer];
}

const float *
imp_weights_get_bias (ImpWeights  *self,
                      ImpVggLayer  layer)
{
  g_return_val_if_fail (self != NULL && layer < IMP_N_VGG_LAYERS, NULL);
  return self->biases[layer];
}

const char *
imp_weights_get_sha256 (ImpWeights *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  join_hash (self);
  return self->sha256;
}

char *
imp_weights_find (const char  *explicit_path,
                  GError     **error)
{
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) tried = g_string_new (NULL);
  const char *env = g_getenv ("IMPASTO_WEIGHTS");

  /* A file the user names explicitly is never silently replaced by another one. */
  if (explicit_path != NULL && *explicit_path != '\0')
    {
      g_autofree char *display = g_filename_display_name (explicit_path);
      if (g_file_test (explicit_path, G_FILE_TEST_IS_REGULAR))
        return g_strdup (explicit_path);
      g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_NOT_FOUND,
                   "%s: the weights file does not exist", display);
      return NULL;
    }

  if (env != NULL && *env != '\0')
    g_ptr_array_add (candidates, g_strdup (env));
  g_ptr_array_add (candidates, g_build_filename (g_get_user_data_dir (), "impasto", "weights",
                                                 WEIGHTS_BASENAME, NULL));
  g_ptr_array_add (candidates, g_build_filename (PKGDATADIR, "weights", WEIGHTS_BASENAME, NULL));
  g_ptr_array_add (candidates, g_build_filename (BUILD_WEIGHTS_DIR, WEIGHTS_BASENAME, NULL));
  g_ptr_array_add (candidates, g_build_filename (SOURCE_WEIGHTS_DIR, WEIGHTS_BASENAME, NULL));

  for (guint i = 0; i < candidates->len; i++)
    {
      const char *p = g_ptr_array_index (candidates, i);
      g_autofree char *display = g_filename_display_name (p);
      if (g_file_test (p, G_FILE_TEST_IS_REGULAR))
        return g_strdup (p);
      g_string_append_printf (tried, "%s%s", i ? ", " : "", display);
    }
  g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_NOT_FOUND,
               "VGG19 weights not found (looked in: %s); see weights/README.md", tried->str);
  return NULL;
}
