/* imp-weights.c: the safetensors loader for VGG19's convolution weights
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-weights.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "imp-safetensors.h"
#include "imp-weights-private.h"
#include "imp-weights-record.h"

#define WEIGHTS_BASENAME "vgg19-conv.safetensors"
/* What one cancellation check covers while hashing or checking values. */
#define HASH_CHUNK (4u << 20)

struct _ImpWeights
{
  gint           ref_count;
  char          *path;
  ImpMappedFile *mapped;       /* the file; NULL for weights from memory */
  char          *sha256;       /* NULL until verified or asked for */
  GMutex         sha256_lock;
  gboolean       hashed_at_load;
  ImpPreprocess  preprocess;
  const float   *kernels[IMP_N_VGG_LAYERS];
  const float   *biases[IMP_N_VGG_LAYERS];
  GPtrArray     *owned;        /* converted or copied tensors */
};

static char *
hash_file (ImpMappedFile *mapped)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (checksum, imp_mapped_file_get_data (mapped),
                     imp_mapped_file_get_length (mapped));
  return g_strdup (g_checksum_get_string (checksum));
}

static void
imp_weights_free (ImpWeights *self)
{
  g_mutex_clear (&self->sha256_lock);
  g_ptr_array_unref (self->owned);
  g_clear_pointer (&self->mapped, imp_mapped_file_free);
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

static ImpWeights *
weights_new (const char *path)
{
  ImpWeights *self = g_new0 (ImpWeights, 1);

  g_mutex_init (&self->sha256_lock);
  self->ref_count = 1;
  self->path = g_strdup (path);
  self->owned = g_ptr_array_new_with_free_func (g_free);
  return self;
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

static gboolean
metadata_error (ImpSafetensors  *file,
                const char      *key,
                const char      *value,
                GError         **error)
{
  const char *display = imp_safetensors_get_display_name (file);

  if (value == NULL)
    g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_METADATA,
                 _("%s: __metadata__ %s is missing"), display, key);
  else
    g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_METADATA,
                 _("%s: __metadata__ %s is “%s”, which is not supported"), display, key, value);
  return FALSE;
}

/* Preprocessing is read from the file, never assumed (weights/README.md); only the
 * std defaults to 1 because Caffe-style files often leave it out. */
static gboolean
parse_metadata (ImpSafetensors  *file,
                ImpPreprocess   *pre,
                GError         **error)
{
  const char *v;
  char *end = NULL;

  if (!imp_safetensors_has_metadata (file))
    return metadata_error (file, "(the whole map)", NULL, error);
  if ((v = imp_safetensors_get_meta_string (file, "architecture")) &&
      g_strcmp0 (v, "vgg19-features") != 0)
    return metadata_error (file, "architecture", v, error);
  if ((v = imp_safetensors_get_meta_string (file, "layout")) && g_strcmp0 (v, "OIHW") != 0)
    return metadata_error (file, "layout", v, error);

  v = imp_safetensors_get_meta_string (file, "input_channel_order");
  if (g_strcmp0 (v, "RGB") != 0 && g_strcmp0 (v, "BGR") != 0)
    return metadata_error (file, "input_channel_order", v, error);
  pre->bgr = g_str_equal (v, "BGR");

  v = imp_safetensors_get_meta_string (file, "input_scale");
  pre->scale = v ? g_ascii_strtod (v, &end) : 0;
  if (v == NULL || end == v || *end != '\0' || !isfinite (pre->scale) || pre->scale <= 0)
    return metadata_error (file, "input_scale", v, error);

  v = imp_safetensors_get_meta_string (file, "input_mean");
  if (v == NULL || !parse_triple (v, pre->mean))
    return metadata_error (file, "input_mean", v, error);

  v = imp_safetensors_get_meta_string (file, "input_std");
  if (v == NULL)
    pre->std[0] = pre->std[1] = pre->std[2] = 1.0;
  else if (!parse_triple (v, pre->std) || pre->std[0] <= 0 || pre->std[1] <= 0 || pre->std[2] <= 0)
    return metadata_error (file, "input_std", v, error);
  return TRUE;
}

static gboolean
tensor_error (ImpSafetensors  *file,
              const char      *name,
              const char      *reason,
              GError         **error)
{
  g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_TENSOR, _("%s: tensor %s: %s"),
               imp_safetensors_get_display_name (file), name, reason);
  return FALSE;
}

/* "conv3_2.bias" -> IMP_CONV3_2, bias; FALSE for names VGG19 has not. */
static gboolean
parse_tensor_name (const char  *name,
                   ImpVggLayer *layer,
                   gboolean    *bias)
{
  const char *dot = strrchr (name, '.');
  g_autofree char *layer_name = NULL;

  if (dot == NULL)
    return FALSE;
  *bias = g_str_equal (dot + 1, "bias");
  if (!*bias && !g_str_equal (dot + 1, "weight"))
    return FALSE;
  layer_name = g_strndup (name, (gsize) (dot - name));
  return imp_vgg_layer_from_name (layer_name, layer);
}

/* VGG19's own shape for a kernel [out, in, 3, 3] or a bias [out]. */
static guint
expected_shape (ImpVggLayer  layer,
                gboolean     bias,
                guint64      shape[4])
{
  shape[0] = imp_vgg_layer_out_channels (layer);
  shape[1] = imp_vgg_layer_in_channels (layer);
  shape[2] = shape[3] = 3;
  return bias ? 1 : 4;
}

/* One entry against what VGG19 needs, before any data is read. */
static gboolean
check_tensor (ImpSafetensors              *file,
              const ImpSafetensorsTensor  *tensor,
              GError                     **error)
{
  ImpVggLayer layer;
  gboolean bias;
  guint64 shape[4];
  guint rank;

  if (!parse_tensor_name (tensor->name, &layer, &bias))
    return tensor_error (file, tensor->name, _("not one of VGG19's convolution tensors "
                                               "(conv1_1.weight … conv5_4.bias)"), error);
  if (!g_str_equal (tensor->dtype, "F32") && !g_str_equal (tensor->dtype, "F16") &&
      !g_str_equal (tensor->dtype, "BF16"))
    {
      g_autofree char *reason = g_strdup_printf (_("dtype %s is not supported (F32, F16 or BF16)"),
                                                 tensor->dtype);
      return tensor_error (file, tensor->name, reason, error);
    }
  rank = expected_shape (layer, bias, shape);
  if (tensor->n_dims != rank || memcmp (tensor->shape, shape, rank * sizeof (guint64)) != 0)
    {
      g_autofree char *have = imp_safetensors_shape_text (tensor->shape, tensor->n_dims);
      g_autofree char *want = imp_safetensors_shape_text (shape, rank);
      g_autofree char *reason = g_strdup_printf (_("shape %s, VGG19 needs %s"), have, want);

      return tensor_error (file, tensor->name, reason, error);
    }
  return TRUE;
}

/* Every tensor is one VGG19 needs, in its shape, and all 32 are there: the
 * data section then holds nothing else, so the read is bounded by them. */
static gboolean
check_tensors (ImpSafetensors  *file,
               GError         **error)
{
  GPtrArray *tensors = imp_safetensors_get_tensors (file);

  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    for (guint b = 0; b < 2; b++)
      {
        g_autofree char *name = g_strdup_printf ("%s.%s", imp_vgg_layer_name (l),
                                                 b ? "bias" : "weight");

        if (imp_safetensors_lookup (file, name) == NULL)
          return tensor_error (file, name, _("missing from the file"), error);
      }
  for (guint i = 0; i < tensors->len; i++)
    if (!check_tensor (file, tensors->pdata[i], error))
      return FALSE;
  return TRUE;
}

/* The file's tensors sorted by offset: hashing them in this order hashes
 * the data section, which they tile exactly. */
static int
compare_begin (gconstpointer a,
               gconstpointer b)
{
  const ImpSafetensorsTensor *ta = *(ImpSafetensorsTensor * const *) a;
  const ImpSafetensorsTensor *tb = *(ImpSafetensorsTensor * const *) b;

  return ta->begin < tb->begin ? -1 : ta->begin > tb->begin;
}

/* One tensor's values checked (and hashed, given @checksum) in chunks that
 * watch @cancellable. */
static gboolean
scan_tensor (ImpSafetensors              *file,
             const ImpSafetensorsTensor  *tensor,
             const guint8                *data,
             GChecksum                   *checksum,
             GCancellable                *cancellable,
             GError                     **error)
{
  guint size = imp_safetensors_dtype_size (tensor->dtype);
  gsize chunk = HASH_CHUNK / size, n = (gsize) tensor->n_elements;

  for (gsize at = 0; at < n; at += chunk)
    {
      const guint8 *raw = data + tensor->begin + at * size;
      gsize count = MIN (chunk, n - at);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (checksum != NULL)
        g_checksum_update (checksum, raw, count * size);
      if (!imp_safetensors_all_finite (raw, tensor->dtype, count))
        return tensor_error (file, tensor->name, _("contains NaN or infinite values"), error);
    }
  return TRUE;
}

/* Every value finite, and with @hash the file's sha256, in one pass. */
static gboolean
scan_file (ImpWeights      *self,
           ImpSafetensors  *file,
           gboolean         hash,
           GCancellable    *cancellable,
           GError         **error)
{
  g_autoptr(GChecksum) checksum = hash ? g_checksum_new (G_CHECKSUM_SHA256) : NULL;
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  const guint8 *bytes = imp_mapped_file_get_data (self->mapped);
  gsize data_start = 8 + (gsize) imp_safetensors_get_header_size (file);

  g_ptr_array_extend (sorted, imp_safetensors_get_tensors (file), NULL, NULL);
  g_ptr_array_sort (sorted, compare_begin);
  if (checksum != NULL)
    g_checksum_update (checksum, bytes, data_start);
  for (guint i = 0; i < sorted->len; i++)
    if (!scan_tensor (file, sorted->pdata[i], bytes + data_start, checksum, cancellable, error))
      return FALSE;
  if (checksum != NULL)
    self->sha256 = g_strdup (g_checksum_get_string (checksum));
  self->hashed_at_load = hash;
  return TRUE;
}

/* Read through the mapping, a file cut short reads as zeros: refused. */
static gboolean
check_intact (ImpWeights  *self,
              GError     **error)
{
  g_autofree char *display = NULL;

  if (self->mapped == NULL || imp_mapped_file_is_intact (self->mapped))
    return TRUE;
  display = g_filename_display_name (self->path);
  g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_IO,
               _("%s: the file shrank while being read"), display);
  return FALSE;
}

static gboolean
checksum_error (ImpWeights  *self,
                const char  *expected,
                GError     **error)
{
  g_autofree char *display = g_filename_display_name (self->path);

  g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_CHECKSUM,
               _("%s: sha256 %s differs from %s, which the SHA256SUMS beside it lists: "
                 "the file is damaged or was changed; fetch it again"),
               display, self->sha256, expected);
  return FALSE;
}

/* A file that a SHA256SUMS beside it lists is hashed once and remembered
 * (imp-weights-record.c); its values were checked in the same pass. Any
 * other file has only its values checked, at every load: there is nothing
 * to compare its hash with. */
static gboolean
verify (ImpWeights      *self,
        ImpSafetensors  *file,
        gboolean         always,
        GCancellable    *cancellable,
        GError         **error)
{
  g_autofree char *expected = imp_weights_listed_sha256 (self->path);
  const struct stat *st = imp_safetensors_get_stat (file);

  if (expected != NULL && !always && imp_weights_record_matches (self->path, st, expected))
    {
      self->sha256 = g_ascii_strdown (expected, -1);
      return TRUE;
    }
  if (!scan_file (self, file, expected != NULL, cancellable, error) ||
      !check_intact (self, error))
    return FALSE;
  if (expected == NULL)
    return TRUE;
  if (g_ascii_strcasecmp (expected, self->sha256) != 0)
    return checksum_error (self, expected, error);
  imp_weights_record_store (self->path, st, self->sha256);
  return TRUE;
}

/* The tensor in place when it is float32 where a float may be read; a
 * converted copy otherwise (F16, BF16, or an unaligned data section). */
static const float *
tensor_floats (ImpWeights     *self,
               ImpSafetensors *file,
               const guint8   *data,
               const char     *name)
{
  const ImpSafetensorsTensor *tensor = imp_safetensors_lookup (file, name);
  const guint8 *raw = data + tensor->begin;
  float *out;

#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  if (g_str_equal (tensor->dtype, "F32") && (guintptr) raw % G_ALIGNOF (float) == 0)
    return (const float *) raw;
#endif
  out = g_new (float, MAX (tensor->n_elements, 1));
  imp_safetensors_to_float (raw, tensor->dtype, (gsize) tensor->n_elements, out);
  g_ptr_array_add (self->owned, out);
  return out;
}

static void
point_layers (ImpWeights     *self,
              ImpSafetensors *file)
{
  const guint8 *data = imp_mapped_file_get_data (self->mapped) + 8 +
                       imp_safetensors_get_header_size (file);

  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      g_autofree char *kname = g_strdup_printf ("%s.weight", imp_vgg_layer_name (l));
      g_autofree char *bname = g_strdup_printf ("%s.bias", imp_vgg_layer_name (l));

      self->kernels[l] = tensor_floats (self, file, data, kname);
      self->biases[l] = tensor_floats (self, file, data, bname);
    }
}

ImpWeights *
imp_weights_load (const char  *path,
                  GError     **error)
{
  return imp_weights_load_cancellable (path, NULL, error);
}

/* The header is checked whole before any data is touched, so a file that is
 * no VGG19 weights costs what its header costs, whatever its size. The data
 * is mapped, not read: a start reads only the pages of the layers a run
 * uses, and the system's page cache keeps them for the next start. */
static ImpWeights *
load (const char    *path,
      gboolean       always_verify,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autoptr(ImpSafetensors) file = NULL;
  g_autoptr(ImpWeights) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  file = imp_safetensors_open (path, error);
  if (file == NULL)
    return NULL;
  self = weights_new (path);
  if (!parse_metadata (file, &self->preprocess, error) || !check_tensors (file, error))
    return NULL;
  self->mapped = imp_safetensors_map (file, error);
  if (self->mapped == NULL || !verify (self, file, always_verify, cancellable, error))
    return NULL;
  point_layers (self, file);
  if (!check_intact (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

ImpWeights *
imp_weights_load_cancellable (const char    *path,
                              GCancellable  *cancellable,
                              GError       **error)
{
  return load (path, FALSE, cancellable, error);
}

ImpWeights *
imp_weights_load_verifying (const char  *path,
                            GError     **error)
{
  return load (path, TRUE, NULL, error);
}

gboolean
imp_weights_check_intact (ImpWeights  *self,
                          GError     **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return check_intact (self, error);
}

void
imp_weights_release_pages (ImpWeights *self)
{
  g_return_if_fail (self != NULL);
  if (self->mapped != NULL)
    imp_mapped_file_release (self->mapped);
}

gboolean
imp_weights_hashed_at_load (ImpWeights *self)
{
  return self->hashed_at_load;
}

char *
imp_weights_listed_sha256 (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *sums_path = g_build_filename (dir, "SHA256SUMS", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (sums_path, &contents, NULL, NULL))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      /* "HEX  NAME" or "HEX *NAME" (binary mode) */
      const char *line = lines[i];

      if (strlen (line) > 66 && line[64] == ' ' && (line[65] == ' ' || line[65] == '*') &&
          g_str_equal (line + 66, base))
        return g_strndup (line, 64);
    }
  return NULL;
}

ImpWeights *
imp_weights_new_from_data (const float * const *kernels,
                           const float * const *biases,
                           const ImpPreprocess *preprocess)
{
  ImpWeights *self = weights_new ("(memory)");

  self->sha256 = g_strdup ("");
  self->preprocess = *preprocess;
  for (guint l = 0; l < IMP_N_VGG_LAYERS && kernels[l] != NULL && biases[l] != NULL; l++)
    {
      guint out = imp_vgg_layer_out_channels (l);
      float *kernel = g_memdup2 (kernels[l], (gsize) out * imp_vgg_layer_in_channels (l) * 9 *
                                             sizeof (float));
      float *bias = g_memdup2 (biases[l], out * sizeof (float));

      g_ptr_array_add (self->owned, kernel);
      g_ptr_array_add (self->owned, bias);
      self->kernels[l] = kernel;
      self->biases[l] = bias;
    }
  return self;
}

gboolean
imp_weights_check_features (ImpWeights   *self,
                            const float  *features,
                            gsize         n,
                            ImpVggLayer   layer,
                            gboolean      style,
                            GError      **error)
{
  g_autofree char *display = NULL;

  for (gsize i = 0; i < n; i++)
    if (!isfinite (features[i]))
      {
        display = g_filename_display_name (self->path);
        g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_OVERFLOW,
                     style ? _("%s: the weights overflow the network: the style image’s "
                               "features at %s are not finite numbers")
                           : _("%s: the weights overflow the network: the content image’s "
                               "features at %s are not finite numbers"),
                     display, imp_vgg_layer_name (layer));
        return FALSE;
      }
  return TRUE;
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

/* Asked of a file no SHA256SUMS lists, the hash is computed here, once. */
const char *
imp_weights_get_sha256 (ImpWeights *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_mutex_lock (&self->sha256_lock);
  if (self->sha256 == NULL)
    self->sha256 = hash_file (self->mapped);
  g_mutex_unlock (&self->sha256_lock);
  return self->sha256;
}

/* The named file if it is one, else what it is: missing, a folder, a FIFO... */
static char *
find_explicit (const char  *path,
               GError     **error)
{
  g_autofree char *display = g_filename_display_name (path);
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_NOT_FOUND,
                     _("%s: the weights file does not exist"), display);
      else
        g_set_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_IO,
                     _("%s: cannot open the weights file: %s"), display, g_strerror (saved));
      return NULL;
    }
  if (!imp_safetensors_check_regular (display, st.st_mode, error))
    return NULL;
  return g_strdup (path);
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
    return find_explicit (explicit_path, error);

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
               _("VGG19 weights not found (looked in: %s); see weights/README.md"), tried->str);
  return NULL;
}
