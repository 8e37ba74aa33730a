/* test-weights.c: the safetensors loader, with the real file and broken copies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "engine/imp-objective.h"
#include "engine/imp-weights.h"
#include "test-util.h"

/* The real file's bytes, read once, and a temp dir for the broken copies. */
static GBytes *real_bytes;
static char *tmp_dir;

static gboolean
need_weights (void)
{
  if (real_bytes == NULL)
    {
      g_test_skip ("IMPASTO_WEIGHTS is not set: no real weights file to test with");
      return FALSE;
    }
  return TRUE;
}

static char *
write_temp (const char   *name,
            const guint8 *data,
            gsize         len)
{
  char *path = g_build_filename (tmp_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, (const char *) data, (gssize) len, &error);
  g_assert_no_error (error);
  return path;
}

/* Loading @path must fail with @code and a message that names the file. */
static void
assert_load_fails (const char *path,
                   int         code,
                   const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpWeights) weights = imp_weights_load (path, &error);
  g_autofree char *base = g_path_get_basename (path);

  g_assert_null (weights);
  g_assert_error (error, IMP_WEIGHTS_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, base));
  if (message_part != NULL)
    g_assert_nonnull (strstr (error->message, message_part));
}

static char *
fixture_sha256 (void)
{
  const char *path = g_getenv ("IMPASTO_FIXTURES");
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root, *w;

  if (path == NULL || !json_parser_load_from_file (parser, path, NULL))
    return NULL;
  root = json_node_get_object (json_parser_get_root (parser));
  w = json_object_get_object_member (root, "weights");
  return g_strdup (json_object_get_string_member (w, "sha256"));
}

static void
test_real (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpWeights) weights = NULL;
  g_autofree char *sha = NULL;
  const ImpPreprocess *pre;
  const float *k;

  if (!need_weights ())
    return;
  weights = imp_weights_load (g_getenv ("IMPASTO_WEIGHTS"), &error);
  g_assert_no_error (error);
  g_assert_nonnull (weights);

  pre = imp_weights_get_preprocess (weights);
  g_assert_false (pre->bgr);
  g_assert_cmpfloat (pre->scale, ==, 255.0);
  g_assert_cmpfloat_with_epsilon (pre->mean[0], 123.68, 1e-12);
  g_assert_cmpfloat_with_epsilon (pre->mean[1], 116.779, 1e-12);
  g_assert_cmpfloat_with_epsilon (pre->mean[2], 103.939, 1e-12);
  g_assert_cmpfloat (pre->std[0], ==, 1.0);

  /* Values read independently from the file with Python's struct module. */
  k = imp_weights_get_kernel (weights, IMP_CONV1_1);
  g_assert_cmpfloat (k[0], ==, 0.3941670358181f);
  g_assert_cmpfloat (k[1], ==, 0.3774030804634094f);
  g_assert_cmpfloat (k[1727], ==, -0.27096185088157654f);
  g_assert_cmpfloat (imp_weights_get_bias (weights, IMP_CONV5_4)[511], ==, 0.022168785333633423f);

  sha = fixture_sha256 ();
  if (sha == NULL)
    {
      g_test_skip ("IMPASTO_FIXTURES is not set: sha256 not compared");
      return;
    }
  if (g_strcmp0 (sha, imp_weights_get_sha256 (weights)) != 0)
    {
      g_test_skip ("the weights file is not the one the fixtures were made from");
      return;
    }
  g_assert_cmpstr (imp_weights_get_sha256 (weights), ==, sha);
}

static void
test_missing (void)
{
  g_autofree char *path = g_build_filename (tmp_dir, "no-such-weights.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  char *found;

  assert_load_fails (path, IMP_WEIGHTS_ERROR_NOT_FOUND, NULL);

  found = imp_weights_find (path, &error);
  g_assert_null (found);
  g_assert_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no-such-weights"));
}

static void
test_find_explicit (void)
{
  g_autofree char *path = NULL;
  g_autofree char *found = NULL;
  g_autoptr(GError) error = NULL;

  path = write_temp ("explicit.safetensors", (const guint8 *) "x", 1);
  found = imp_weights_find (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, path);
}

/* Lookup order: explicit path, $IMPASTO_WEIGHTS, $XDG_DATA_HOME/impasto/weights
 * (XDG_DATA_HOME points into the test's temporary directory). */
static void
test_find_order (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("IMPASTO_WEIGHTS"));
  g_autofree char *xdg_dir = g_build_filename (g_get_user_data_dir (), "impasto", "weights", NULL);
  g_autofree char *xdg = g_build_filename (xdg_dir, "vgg19-conv.safetensors", NULL);
  g_autofree char *env = write_temp ("env.safetensors", (const guint8 *) "x", 1);
  g_autofree char *explicit = write_temp ("explicit2.safetensors", (const guint8 *) "x", 1);
  g_autofree char *missing = g_build_filename (tmp_dir, "gone.safetensors", NULL);
  char *found;

  g_assert_cmpint (g_mkdir_with_parents (xdg_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (xdg, "x", 1, NULL));

  g_setenv ("IMPASTO_WEIGHTS", env, TRUE);
  found = imp_weights_find (explicit, NULL);
  g_assert_cmpstr (found, ==, explicit);
  g_free (found);
  found = imp_weights_find (NULL, NULL);
  g_assert_cmpstr (found, ==, env);
  g_free (found);

  /* A variable naming a missing file falls through to the user's data dir. */
  g_setenv ("IMPASTO_WEIGHTS", missing, TRUE);
  found = imp_weights_find (NULL, NULL);
  g_assert_cmpstr (found, ==, xdg);
  g_free (found);

  g_unlink (xdg);
  found = imp_weights_find (NULL, NULL);
  if (found == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_assert_null (imp_weights_find (NULL, &error));
      g_assert_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_NOT_FOUND);
      g_assert_nonnull (strstr (error->message, "gone.safetensors"));
      g_assert_nonnull (strstr (error->message, xdg));
    }
  else
    g_assert_cmpstr (found, !=, xdg);   /* a build/install copy further down the list */
  g_free (found);

  if (saved != NULL)
    g_setenv ("IMPASTO_WEIGHTS", saved, TRUE);
  else
    g_unsetenv ("IMPASTO_WEIGHTS");
}


/* A folder, a FIFO or a device named as the weights says what it is, not
 * that nothing is there; a FIFO without a writer does not block. */
static void
test_find_not_regular (void)
{
  static const struct { const char *name, *kind; } cases[] = {
    { "weights-folder", "it is a folder" },
    { "weights-fifo", "it is a named pipe" },
    { "weights-zero", "it is a device" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_build_filename (tmp_dir, cases[i].name, NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *found = NULL;

      if (i == 0)
        g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
      else if (i == 1)
        g_assert_cmpint (mkfifo (path, 0600), ==, 0);
      else
        g_assert_cmpint (symlink ("/dev/zero", path), ==, 0);
      found = imp_weights_find (path, &error);
      g_assert_null (found);
      g_assert_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_IO);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].name));
      g_assert_nonnull (strstr (error->message, "not a regular file"));
      g_assert_nonnull (strstr (error->message, cases[i].kind));
      g_assert_null (strstr (error->message, "does not exist"));
      assert_load_fails (path, IMP_WEIGHTS_ERROR_IO, cases[i].kind);
    }
}

/* The real file followed by 1.9 GB of zeros (sparse): refused from its
 * size, at once, instead of read whole and accepted. */
static void
test_trailing_zeros (void)
{
  g_autofree char *path = NULL;
  gint64 start;
  gsize len;
  const guint8 *data;
  int fd;

  if (!need_weights ())
    return;
  data = g_bytes_get_data (real_bytes, &len);
  path = write_temp ("trailing-zeros.safetensors", data, len);
  fd = g_open (path, O_WRONLY | O_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) len + ((off_t) 1900 << 20)), ==, 0);
  close (fd);
  start = g_get_monotonic_time ();
  assert_load_fails (path, IMP_WEIGHTS_ERROR_HEADER, "1992294400 bytes follow the last tensor");
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC / 2);
  g_unlink (path);
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (20 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

/* Cancelled before or while it reads, a load stops within a second with
 * G_IO_ERROR_CANCELLED (Ctrl+C in the CLI cancels this way). */
static void
test_cancel (void)
{
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpWeights) weights = NULL;

  if (!need_weights ())
    return;
  g_cancellable_cancel (cancelled);
  weights = imp_weights_load_cancellable (g_getenv ("IMPASTO_WEIGHTS"), cancelled, &error);
  g_assert_null (weights);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  for (guint attempt = 0; attempt < 3; attempt++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      GThread *thread = g_thread_new ("cancel", cancel_later, cancellable);
      gint64 cancelled_at;

      g_clear_error (&error);
      g_clear_pointer (&weights, imp_weights_unref);
      weights = imp_weights_load_cancellable (g_getenv ("IMPASTO_WEIGHTS"), cancellable, &error);
      cancelled_at = g_get_monotonic_time ();
      g_thread_join (thread);
      if (weights != NULL)
        continue;   /* loaded within 20 ms: nothing to cancel */
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_test_message ("returned %.0f ms after the cancellation",
                      (g_get_monotonic_time () - cancelled_at) / 1000.0);
      return;
    }
  g_test_message ("every load finished within 20 ms: cancelling while reading not exercised");
}


static void
test_truncated (void)
{
  gsize len;
  const guint8 *data;
  /* Inside the length, inside the header, right after it, inside a tensor, one byte short. */
  gsize cuts[] = { 0, 5, 8, 100, 3080, 3080 + 7000, 0 };

  if (!need_weights ())
    return;
  data = g_bytes_get_data (real_bytes, &len);
  cuts[G_N_ELEMENTS (cuts) - 1] = len - 1;
  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_autofree char *name = g_strdup_printf ("truncated-%" G_GSIZE_FORMAT ".safetensors", cuts[i]);
      g_autofree char *path = write_temp (name, data, cuts[i]);
      assert_load_fails (path, IMP_WEIGHTS_ERROR_TRUNCATED, "truncated");
      g_unlink (path);
    }
}

static void
test_garbage (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  guint8 junk[4096];
  g_autofree char *path = NULL;

  for (guint i = 0; i < sizeof junk; i++)
    junk[i] = (guint8) g_rand_int_range (rand, 0, 256);
  junk[7] = 0x40;   /* a header length of 2^62: nonsense */
  path = write_temp ("garbage.safetensors", junk, sizeof junk);
  assert_load_fails (path, IMP_WEIGHTS_ERROR_HEADER, NULL);
}

static void
test_header_past_eof (void)
{
  guint8 file[64] = { 0 };
  g_autofree char *path = NULL;

  file[0] = 0x00;
  file[1] = 0x10;   /* 4096 bytes of header in a 64-byte file */
  memset (file + 8, ' ', sizeof file - 8);
  file[8] = '{';
  path = write_temp ("past-eof.safetensors", file, sizeof file);
  assert_load_fails (path, IMP_WEIGHTS_ERROR_TRUNCATED, NULL);
}

static void
test_header_not_json (void)
{
  const char *text = "{\"__metadata__\": {\"layout\": \"OIHW\"}, \"conv1_1.weight\": [1,2,";
  gsize n = strlen (text);
  g_autofree guint8 *file = g_malloc0 (8 + n + 1000);
  g_autofree char *path = NULL;

  file[0] = (guint8) n;
  memcpy (file + 8, text, n);
  path = write_temp ("not-json.safetensors", file, 8 + n + 1000);
  assert_load_fails (path, IMP_WEIGHTS_ERROR_HEADER, "JSON");
}

/* The real header as a JSON object, for editing. */
static JsonObject *
real_header (gsize *header_len)
{
  const guint8 *data = g_bytes_get_data (real_bytes, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  guint64 n = 0;

  for (int i = 7; i >= 0; i--)
    n = (n << 8) | data[i];
  g_assert_true (json_parser_load_from_data (parser, (const char *) data + 8, (gssize) n, NULL));
  *header_len = n;
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Writes @header (padded to 8 bytes) followed by @payload. */
static char *
write_with_header (const char   *name,
                   JsonObject   *header,
                   const guint8 *payload,
                   gsize         payload_len)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), header);
  g_autofree char *json = json_to_string (node, FALSE);
  gsize n = (strlen (json) + 7) / 8 * 8;
  g_autofree guint8 *file = g_malloc (8 + n + payload_len);

  for (int i = 0; i < 8; i++)
    file[i] = (guint8) (n >> (8 * i));
  memset (file + 8, ' ', n);
  memcpy (file + 8, json, strlen (json));
  memcpy (file + 8 + n, payload, payload_len);
  return write_temp (name, file, 8 + n + payload_len);
}

typedef void (*EditFunc) (JsonObject *header, guint8 *payload);

static void
check_edited (const char *name,
              EditFunc    edit,
              int         code,
              const char *message_part)
{
  g_autoptr(JsonObject) header = NULL;
  g_autofree guint8 *payload = NULL;
  g_autofree char *path = NULL;
  gsize len, header_len;
  const guint8 *data;

  if (!need_weights ())
    return;
  data = g_bytes_get_data (real_bytes, &len);
  header = real_header (&header_len);
  payload = g_memdup2 (data + 8 + header_len, len - 8 - header_len);
  edit (header, payload);
  path = write_with_header (name, header, payload, len - 8 - header_len);
  assert_load_fails (path, code, message_part);
  g_unlink (path);
}

/* The entry renamed: its bytes stay, so the data section is still whole. */
static void
edit_missing (JsonObject *header,
              guint8     *payload)
{
  JsonNode *entry = json_object_dup_member (header, "conv4_2.bias");

  json_object_remove_member (header, "conv4_2.bias");
  json_object_set_member (header, "conv4_2.bias_old", entry);
}

/* A tensor VGG19 has not: empty, at the end, so the data section stays whole. */
static void
edit_unknown (JsonObject *header,
              guint8     *payload)
{
  gint64 end = json_array_get_int_element (json_object_get_array_member (
                 json_object_get_object_member (header, "conv5_4.bias"), "data_offsets"), 1);
  JsonObject *extra = json_object_new ();
  JsonArray *shape = json_array_new ();
  JsonArray *offsets = json_array_new ();

  json_array_add_int_element (shape, 0);
  json_array_add_int_element (offsets, end);
  json_array_add_int_element (offsets, end);
  json_object_set_string_member (extra, "dtype", "F32");
  json_object_set_array_member (extra, "shape", shape);
  json_object_set_array_member (extra, "data_offsets", offsets);
  json_object_set_object_member (header, "fc6.weight", extra);
}

static void
edit_shape (JsonObject *header,
            guint8     *payload)
{
  JsonArray *shape = json_object_get_array_member (json_object_get_object_member (header,
                                                   "conv2_1.weight"), "shape");
  json_array_remove_element (shape, 3);
  json_array_add_int_element (shape, 2);
}

static void
edit_dtype (JsonObject *header,
            guint8     *payload)
{
  json_object_set_string_member (json_object_get_object_member (header, "conv1_2.weight"),
                                 "dtype", "I32");
}

static void
edit_nan (JsonObject *header,
          guint8     *payload)
{
  JsonArray *offs = json_object_get_array_member (json_object_get_object_member (header,
                                                  "conv3_1.weight"), "data_offsets");
  gsize at = (gsize) json_array_get_int_element (offs, 0) + 4 * 5;
  guint32 nan_bits = 0x7fc00000;

  for (int i = 0; i < 4; i++)
    payload[at + i] = (guint8) (nan_bits >> (8 * i));
}

static void
edit_inf (JsonObject *header,
          guint8     *payload)
{
  /* +Inf as the last bias of conv5_4: the very last 4 bytes. */
  JsonArray *offs = json_object_get_array_member (json_object_get_object_member (header,
                                                  "conv5_4.bias"), "data_offsets");
  gsize at = (gsize) json_array_get_int_element (offs, 1) - 4;

  payload[at] = 0;
  payload[at + 1] = 0;
  payload[at + 2] = 0x80;
  payload[at + 3] = 0x7f;
}

static void
edit_overlap (JsonObject *header,
              guint8     *payload)
{
  /* Right size, but starting inside conv1_1.weight. */
  JsonArray *offs = json_array_new ();

  json_array_add_int_element (offs, 6900);
  json_array_add_int_element (offs, 6900 + 256);
  json_object_set_array_member (json_object_get_object_member (header, "conv1_1.bias"),
                                "data_offsets", offs);
}

static void
edit_metadata (JsonObject *header,
               guint8     *payload)
{
  json_object_set_string_member (json_object_get_object_member (header, "__metadata__"),
                                 "input_mean", "123.68,116.779");
}

/* conv1_1's kernel all 3e38: finite, so the file loads, but every feature
 * of the network overflows. The session start says so, naming the file
 * and the layer, instead of running on NaN. */
static void
edit_huge (JsonObject *header,
           guint8     *payload)
{
  JsonArray *offs = json_object_get_array_member (json_object_get_object_member (header,
                                                  "conv1_1.weight"), "data_offsets");
  gsize begin = (gsize) json_array_get_int_element (offs, 0);
  gsize end = (gsize) json_array_get_int_element (offs, 1);
  float huge = 3e38f;

  for (gsize at = begin; at < end; at += 4)
    memcpy (payload + at, &huge, 4);
}

static void
test_overflow (void)
{
  g_autoptr(JsonObject) header = NULL;
  g_autofree guint8 *payload = NULL;
  g_autofree char *path = NULL;
  g_autoptr(ImpWeights) weights = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *pixels = g_new (float, 3 * 16 * 12);
  ImpImage image = { 16, 12, pixels };
  const ImpImage *styles[1] = { &image };
  gsize len, header_len;
  const guint8 *data;
  ImpParams params;

  if (!need_weights ())
    return;
  data = g_bytes_get_data (real_bytes, &len);
  header = real_header (&header_len);
  payload = g_memdup2 (data + 8 + header_len, len - 8 - header_len);
  edit_huge (header, payload);
  path = write_with_header ("huge.safetensors", header, payload, len - 8 - header_len);
  weights = imp_weights_load (path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 3 * 16 * 12; i++)
    pixels[i] = (float) (i % 256);

  memset (&params, 0, sizeof params);
  params.content_layers.n_layers = 1;
  params.content_layers.layers[0] = IMP_CONV2_1;
  params.content_layers.weights[0] = 1;
  params.style_layers.n_layers = 1;
  params.style_layers.layers[0] = IMP_CONV1_1;
  params.style_layers.weights[0] = 1;
  params.content_weight = params.style_weight = params.tv_weight = 1;
  params.pool = IMP_POOL_MAX;
  params.threads = 1;
  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(ImpObjective) objective = NULL;

      g_clear_error (&error);
      /* the second time without style layers: the content's features overflow */
      params.style_layers.n_layers = round == 0 ? 1 : 0;
      objective = imp_objective_new (weights, &params, &image, styles, NULL, 1, NULL, &error);
      g_assert_null (objective);
      g_assert_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_OVERFLOW);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "huge.safetensors"));
      g_assert_nonnull (strstr (error->message, round == 0 ? "style image’s features at conv1_1"
                                                           : "content image’s features at conv2_1"));
    }
  g_unlink (path);
}


static void
test_tensor_missing (void)
{
  check_edited ("missing-tensor.safetensors", edit_missing, IMP_WEIGHTS_ERROR_TENSOR,
                "conv4_2.bias");
}

static void
test_tensor_unknown (void)
{
  check_edited ("unknown-tensor.safetensors", edit_unknown, IMP_WEIGHTS_ERROR_TENSOR,
                "fc6.weight: not one of VGG19's");
}

static void
test_wrong_shape (void)
{
  check_edited ("wrong-shape.safetensors", edit_shape, IMP_WEIGHTS_ERROR_TENSOR,
                "[128,64,3,2]");
}

static void
test_wrong_dtype (void)
{
  check_edited ("wrong-dtype.safetensors", edit_dtype, IMP_WEIGHTS_ERROR_TENSOR, "I32");
}

static void
test_nan (void)
{
  check_edited ("nan.safetensors", edit_nan, IMP_WEIGHTS_ERROR_TENSOR, "conv3_1.weight");
  check_edited ("inf.safetensors", edit_inf, IMP_WEIGHTS_ERROR_TENSOR, "conv5_4.bias");
}

static void
test_overlap (void)
{
  check_edited ("overlap.safetensors", edit_overlap, IMP_WEIGHTS_ERROR_TENSOR, "overlap");
}

static void
test_bad_metadata (void)
{
  check_edited ("metadata.safetensors", edit_metadata, IMP_WEIGHTS_ERROR_METADATA, "input_mean");
}

static guint16
float_to_half (float f)
{
  /* Round-to-nearest F32 -> F16 for normal values, flush tiny ones to zero
   * (the test only needs a faithful encoder for VGG's magnitudes). */
  guint32 bits;
  int exp;
  guint32 mant, sign;

  memcpy (&bits, &f, 4);
  sign = (bits >> 16) & 0x8000;
  exp = (int) ((bits >> 23) & 0xff) - 127 + 15;
  mant = bits & 0x7fffff;
  if (exp <= 0)
    return (guint16) sign;
  mant += 0x1000;   /* round */
  if (mant & 0x800000)
    {
      mant = 0;
      exp++;
    }
  return (guint16) (sign | (guint32) exp << 10 | mant >> 13);
}

static guint16
float_to_bf16 (float f)
{
  guint32 bits;

  memcpy (&bits, &f, 4);
  return (guint16) ((bits + 0x8000) >> 16);   /* round half up on the magnitude */
}

/* Every tensor rewritten as F16 or BF16: the loader converts them back to float32. */
static void
check_half (gboolean bf16)
{
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  g_autoptr(ImpWeights) real = NULL, half = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  const guint8 *data;
  gsize len, header_len;
  double max_rel = 0;

  if (!need_weights ())
    return;
  data = g_bytes_get_data (real_bytes, &len);
  header = real_header (&header_len);
  for (guint l = 0; l < 2 * IMP_N_VGG_LAYERS; l++)
    {
      g_autofree char *name = g_strdup_printf ("%s.%s", imp_vgg_layer_name (l / 2),
                                               l % 2 ? "bias" : "weight");
      JsonObject *entry = json_object_get_object_member (header, name);
      JsonArray *offs = json_object_get_array_member (entry, "data_offsets");
      gsize begin = (gsize) json_array_get_int_element (offs, 0);
      gsize end = (gsize) json_array_get_int_element (offs, 1);
      JsonArray *new_offs = json_array_new ();

      json_array_add_int_element (new_offs, payload->len);
      for (gsize at = begin; at < end; at += 4)
        {
          float f;
          guint16 h;
          memcpy (&f, data + 8 + header_len + at, 4);
          h = bf16 ? float_to_bf16 (f) : float_to_half (f);
          g_byte_array_append (payload, (const guint8 *) &h, 2);
        }
      json_array_add_int_element (new_offs, payload->len);
      json_object_set_array_member (entry, "data_offsets", new_offs);
      json_object_set_string_member (entry, "dtype", bf16 ? "BF16" : "F16");
    }
  path = write_with_header (bf16 ? "bf16.safetensors" : "f16.safetensors", header, payload->data,
                            payload->len);
  half = imp_weights_load (path, &error);
  g_assert_no_error (error);
  real = imp_weights_load (g_getenv ("IMPASTO_WEIGHTS"), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 64 * 64 * 9; i++)
    {
      float a = imp_weights_get_kernel (real, IMP_CONV1_2)[i];
      float b = imp_weights_get_kernel (half, IMP_CONV1_2)[i];
      if (fabsf (a) > 1e-4f)
        max_rel = MAX (max_rel, fabs ((double) b - a) / fabs (a));
      else if (!bf16)
        g_assert_cmpfloat (fabsf (b - a), <=, 1e-4f);
    }
  g_test_message ("%s round trip: max relative error %.3g", bf16 ? "BF16" : "F16", max_rel);
  /* half an ulp: 11 significant bits for F16, 8 for BF16 */
  g_assert_cmpfloat (max_rel, <=, bf16 ? 1.0 / 256 : 1.0 / 2048);
  g_assert_cmpfloat (max_rel, >, 0);   /* it really went through F16 */
  g_unlink (path);
}

static void
test_f16 (void)
{
  check_half (FALSE);
}

static void
test_bf16 (void)
{
  check_half (TRUE);
}

int
main (int   argc,
      char *argv[])
{
  const char *weights = g_getenv ("IMPASTO_WEIGHTS");
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("impasto-weights-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);
  {
    /* A private XDG data dir, set before GLib first reads it (and caches it). */
    g_autofree char *xdg = g_build_filename (tmp_dir, "xdg-data", NULL);
    g_setenv ("XDG_DATA_HOME", xdg, TRUE);
  }
  if (weights != NULL && *weights != '\0')
    {
      g_autofree char *contents = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (weights, &contents, &len, NULL));
      real_bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
    }

  g_test_add_func ("/engine/weights/real", test_real);
  g_test_add_func ("/engine/weights/missing", test_missing);
  g_test_add_func ("/engine/weights/find-explicit", test_find_explicit);
  g_test_add_func ("/engine/weights/find-order", test_find_order);
  g_test_add_func ("/engine/weights/find-not-regular", test_find_not_regular);
  g_test_add_func ("/engine/weights/trailing-zeros", test_trailing_zeros);
  g_test_add_func ("/engine/weights/cancel", test_cancel);
  g_test_add_func ("/engine/weights/overflow", test_overflow);
  g_test_add_func ("/engine/weights/truncated", test_truncated);
  g_test_add_func ("/engine/weights/garbage", test_garbage);
  g_test_add_func ("/engine/weights/header-past-eof", test_header_past_eof);
  g_test_add_func ("/engine/weights/header-not-json", test_header_not_json);
  g_test_add_func ("/engine/weights/tensor-missing", test_tensor_missing);
  g_test_add_func ("/engine/weights/tensor-unknown", test_tensor_unknown);
  g_test_add_func ("/engine/weights/wrong-shape", test_wrong_shape);
  g_test_add_func ("/engine/weights/wrong-dtype", test_wrong_dtype);
  g_test_add_func ("/engine/weights/nan-inf", test_nan);
  g_test_add_func ("/engine/weights/overlap", test_overlap);
  g_test_add_func ("/engine/weights/bad-metadata", test_bad_metadata);
  g_test_add_func ("/engine/weights/f16", test_f16);
  g_test_add_func ("/engine/weights/bf16", test_bf16);
  ret = g_test_run ();

  test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  g_clear_pointer (&real_bytes, g_bytes_unref);
  return ret;
}
