/* test-safetensors.c: the safetensors reader's rules, on small synthetic files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "engine/imp-safetensors.h"
#include "test-util.h"

static char *tmp_dir;

/* 8-byte length, @header, @data_len bytes of @data. */
static char *
write_file (const char   *name,
            const char   *header,
            const guint8 *data,
            gsize         data_len)
{
  char *path = g_build_filename (tmp_dir, name, NULL);
  gsize n = strlen (header);
  g_autofree guint8 *file = g_malloc (8 + n + data_len);
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < 8; i++)
    file[i] = (guint8) ((guint64) n >> (8 * i));
  memcpy (file + 8, header, n);
  if (data_len > 0)
    memcpy (file + 8 + n, data, data_len);
  g_file_set_contents (path, (const char *) file, (gssize) (8 + n + data_len), &error);
  g_assert_no_error (error);
  return path;
}

/* Opening @path fails with @code, naming the file and saying @part. */
static void
assert_refused (const char *path,
                int         code,
                const char *part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpSafetensors) file = imp_safetensors_open (path, &error);
  g_autofree char *base = g_path_get_basename (path);

  g_assert_null (file);
  g_assert_error (error, IMP_WEIGHTS_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, base));
  g_assert_nonnull (strstr (error->message, part));
}

#define ONE_F32 "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"

/* 100000 levels in 200 KB: json-glib recurses per level and the stack ran
 * out (SIGSEGV); refused before parsing, with the limit in the message. */
static void
test_deep_nesting (void)
{
  const guint depth = 100000;
  g_autoptr(GString) header = g_string_new ("{\"__metadata__\":");
  g_autofree char *path = NULL;
  g_autofree char *ok_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpSafetensors) file = NULL;
  guint8 data[4] = { 0 };

  for (guint i = 0; i < depth; i++)
    g_string_append_c (header, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (header, ']');
  g_string_append_c (header, '}');
  path = write_file ("deep.safetensors", header->str, NULL, 0);
  assert_refused (path, IMP_WEIGHTS_ERROR_HEADER, "more than 16 levels deep");

  /* Brackets inside a string are text, not nesting. */
  g_string_assign (header, "{\"__metadata__\":{\"note\":\"");
  for (guint i = 0; i < 1000; i++)
    g_string_append (header, "[{\\\"");
  g_string_append (header, "\"},\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
  ok_path = write_file ("brackets-in-string.safetensors", header->str, data, sizeof data);
  file = imp_safetensors_open (ok_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (imp_safetensors_get_tensors (file)->len, ==, 1);
}

/* json-glib keeps the last of two equal keys silently; any object counts. */
static void
test_duplicate_keys (void)
{
  static const struct { const char *header, *key; } cases[] = {
    { "{\"__metadata__\":{\"input_scale\":\"255\"},\"__metadata__\":{\"input_scale\":\"1\"},"
      "\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "__metadata__" },
    { "{\"__metadata__\":{\"layout\":\"OIHW\",\"layout\":\"HWIO\"},"
      "\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "layout" },
    { "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
      "\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "t" },
    { "{\"t\":{\"dtype\":\"F16\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "dtype" },
  };
  guint8 data[4] = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("duplicate-%u.safetensors", i);
      g_autofree char *path = write_file (name, cases[i].header, data, sizeof data);
      g_autofree char *part = g_strdup_printf ("“%s” more than once", cases[i].key);

      assert_refused (path, IMP_WEIGHTS_ERROR_HEADER, part);
    }
}

/* The data section ends with the last tensor; a sparse 1.9 GB tail is
 * refused from the header and the file size alone, nothing of it read. */
static void
test_trailing_bytes (void)
{
  guint8 data[5] = { 0 };
  g_autofree char *one = write_file ("one-more.safetensors", ONE_F32, data, 5);
  g_autofree char *huge = write_file ("huge-tail.safetensors", ONE_F32, data, 4);
  gint64 start;
  int fd;

  assert_refused (one, IMP_WEIGHTS_ERROR_HEADER, "1 byte follows the last tensor");
  fd = g_open (huge, O_WRONLY | O_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) 1900 << 20), ==, 0);
  close (fd);
  start = g_get_monotonic_time ();
  assert_refused (huge, IMP_WEIGHTS_ERROR_HEADER, "follow the last tensor");
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC / 2);
}

/* A gap before a tensor, a tensor running past the end, and overlaps. */
static void
test_tiling (void)
{
  static const struct { const char *header; gsize len; int code; const char *part; } cases[] = {
    { "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
      IMP_WEIGHTS_ERROR_TENSOR, "unused bytes lie before it" },
    { "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 6,
      IMP_WEIGHTS_ERROR_TRUNCATED, "ends at byte 8 of the data section, which has only 6" },
    { "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
      IMP_WEIGHTS_ERROR_TENSOR, "overlap those of a" },
    { "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8,
      IMP_WEIGHTS_ERROR_TENSOR, "8 bytes do not match dtype F32 and shape [3]" },
    { "{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,1]}}", 1,
      IMP_WEIGHTS_ERROR_TENSOR, "unknown dtype Q4" },
  };
  guint8 data[8] = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("tiling-%u.safetensors", i);
      g_autofree char *path = write_file (name, cases[i].header, data, cases[i].len);

      assert_refused (path, cases[i].code, cases[i].part);
    }
}

/* Not blocking on a FIFO without a writer, not reading /dev/zero forever:
 * refused at once, saying what the path is. */
static void
test_not_regular (void)
{
  g_autofree char *fifo = g_build_filename (tmp_dir, "fifo.safetensors", NULL);
  g_autofree char *folder = g_build_filename (tmp_dir, "folder.safetensors", NULL);
  g_autofree char *zero = g_build_filename (tmp_dir, "zero.safetensors", NULL);

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  g_assert_cmpint (symlink ("/dev/zero", zero), ==, 0);
  assert_refused (fifo, IMP_WEIGHTS_ERROR_IO, "not a regular file: it is a named pipe");
  assert_refused (folder, IMP_WEIGHTS_ERROR_IO, "not a regular file: it is a folder");
  assert_refused (zero, IMP_WEIGHTS_ERROR_IO, "not a regular file: it is a device");
}

/* The one conversion of every float dtype, element by element. */
static void
test_read_float (void)
{
  /* 1.5 and -0.25 in F64, F16 (with a subnormal), BF16, and F32 */
  static const guint8 data[] = {
    0, 0, 0, 0, 0, 0, 0xf8, 0x3f,   0, 0, 0, 0, 0, 0, 0xd0, 0xbf,
    0x00, 0x3e, 0x00, 0xb4, 0x01, 0x00,
    0xc0, 0x3f, 0x80, 0xbe,
    0x00, 0x00, 0xc0, 0x3f,
  };
  const char *header =
    "{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
    "\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[16,22]},"
    "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[22,26]},"
    "\"f\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[26,30]}}";
  g_autofree char *path = write_file ("floats.safetensors", header, data, sizeof data);
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpSafetensors) file = imp_safetensors_open (path, &error);
  g_autofree float *d = NULL, *h = NULL, *b = NULL, *f = NULL;

  g_assert_no_error (error);
  d = imp_safetensors_read_float (file, imp_safetensors_lookup (file, "d"), &error);
  h = imp_safetensors_read_float (file, imp_safetensors_lookup (file, "h"), &error);
  b = imp_safetensors_read_float (file, imp_safetensors_lookup (file, "b"), &error);
  f = imp_safetensors_read_float (file, imp_safetensors_lookup (file, "f"), &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (d[0], ==, 1.5f);
  g_assert_cmpfloat (d[1], ==, -0.25f);
  g_assert_cmpfloat (h[0], ==, 1.5f);
  g_assert_cmpfloat (h[1], ==, -0.25f);
  g_assert_cmpfloat (h[2], ==, ldexpf (1.0f, -24));
  g_assert_cmpfloat (b[0], ==, 1.5f);
  g_assert_cmpfloat (b[1], ==, -0.25f);
  g_assert_cmpfloat (f[0], ==, 1.5f);
  g_assert_cmpuint (imp_safetensors_lookup (file, "f")->n_elements, ==, 1);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("impasto-safetensors-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);
  g_test_add_func ("/engine/safetensors/deep-nesting", test_deep_nesting);
  g_test_add_func ("/engine/safetensors/duplicate-keys", test_duplicate_keys);
  g_test_add_func ("/engine/safetensors/trailing-bytes", test_trailing_bytes);
  g_test_add_func ("/engine/safetensors/tiling", test_tiling);
  g_test_add_func ("/engine/safetensors/not-regular", test_not_regular);
  g_test_add_func ("/engine/safetensors/read-float", test_read_float);
  status = g_test_run ();
  test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return status;
}
