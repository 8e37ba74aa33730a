/* test-cli.c: impasto-weights' commands, output and exit status
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "weights-test-util.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct
{
  char *dir;
  char *program;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("impasto-weights-cli-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->program = test_build_path ("src/weights/impasto-weights");
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->program);
}

/* impasto-weights ARGS...; NULL-terminated. */
static int
run (Fixture  *fixture,
     char    **out,
     char    **err,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *arg;
  va_list args;

  g_clear_pointer (out, g_free);
  g_clear_pointer (err, g_free);
  g_ptr_array_add (argv, fixture->program);
  va_start (args, err);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  return test_run ((const char * const *) argv->pdata, NULL, out, err);
}

static gboolean
have_program (Fixture *fixture)
{
  if (fixture->program == NULL)
    g_test_skip ("IMPASTO_BUILD_DIR is not set (run through meson test)");
  return fixture->program != NULL;
}

static void
test_usage (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL;

  if (!have_program (fixture))
    return;
  g_assert_cmpint (run (fixture, &out, &err, NULL), ==, 2);
  g_assert_nonnull (strstr (out, "impasto-weights convert --from keras-h5"));
  g_assert_cmpint (run (fixture, &out, &err, "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "impasto-weights verify FILE"));
  g_assert_cmpint (run (fixture, &out, &err, "convert", "a", "b", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--from keras-h5 or --from torchvision is required"));
  g_assert_cmpint (run (fixture, &out, &err, "convert", "--from", "caffe", "a", "b", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--from must be keras-h5 or torchvision"));
  g_assert_cmpint (run (fixture, &out, &err, "convert", "--from", "keras-h5", "a", NULL), ==, 2);
  g_assert_cmpint (run (fixture, &out, &err, "info", NULL), ==, 2);
  g_assert_cmpint (run (fixture, &out, &err, "frobnicate", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "unknown command"));
}

static char *
sha256_of (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

static void
test_convert_info_verify (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *in = g_build_filename (fixture->dir, "tv.safetensors", NULL);
  g_autofree char *conv = g_build_filename (fixture->dir, "vgg19-conv.safetensors", NULL);
  g_autofree char *sums = g_build_filename (fixture->dir, "SHA256SUMS", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *sha = NULL, *line = NULL, *sha_line = NULL;
  TestTensors *tv = NULL;

  if (!have_program (fixture))
    return;
  tv = test_tensors_oihw_pattern ();
  test_write_torchvision (in, tv, -1, -1, FALSE);
  test_tensors_free (tv);
  g_assert_cmpint (run (fixture, &out, &err, "convert", "--from", "torchvision", in, conv, NULL),
                   ==, 0);
  sha = sha256_of (conv);

  g_assert_cmpint (run (fixture, &out, &err, "info", conv, NULL), ==, 0);
  sha_line = g_strdup_printf ("sha256: %s\n", sha);
  g_assert_nonnull (strstr (out, sha_line));
  g_assert_nonnull (strstr (out, "  input_scale: 1\n"));
  g_assert_nonnull (strstr (out, "  input_std: 0.229,0.224,0.225\n"));
  g_assert_nonnull (strstr (out, "Tensors (32):"));
  g_assert_nonnull (strstr (out, "conv5_4.weight   F32  [512,512,3,3]\n"));

  g_assert_cmpint (run (fixture, &out, &err, "verify", conv, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "OK"));
  g_assert_nonnull (strstr (out, "input: RGB, scale 1, mean 0.485,0.456,0.406, std 0.229,0.224,0.225"));
  g_assert_null (strstr (out, "matches SHA256SUMS"));

  /* a SHA256SUMS beside the file is checked too */
  line = g_strdup_printf ("%s  vgg19-conv.safetensors\n", sha);
  g_assert_true (g_file_set_contents (sums, line, -1, NULL));
  g_assert_cmpint (run (fixture, &out, &err, "verify", conv, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "matches SHA256SUMS"));
  line[0] = line[0] == '0' ? '1' : '0';
  g_assert_true (g_file_set_contents (sums, line, -1, NULL));
  g_assert_cmpint (run (fixture, &out, &err, "verify", conv, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "differs from"));
}

static void
test_errors (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *text = g_build_filename (fixture->dir, "page.h5", NULL);
  g_autofree char *h5 = g_build_filename (fixture->dir, "partial.h5", NULL);
  g_autofree char *out_path = g_build_filename (fixture->dir, "out.safetensors", NULL);
  g_autofree char *missing = g_build_filename (fixture->dir, "missing", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *out = NULL, *err = NULL;
  TestTensors *keras = NULL;
  TestKerasSpec spec;

  if (!have_program (fixture))
    return;
  g_assert_true (g_file_set_contents (text, "<html>rate limited</html>", -1, NULL));
  g_assert_cmpint (run (fixture, &out, &err, "convert", "--from", "keras-h5", text, out_path,
                        NULL), ==, 1);
  expected = g_strdup_printf ("impasto-weights: %s: not an HDF5 file", text);
  g_assert_true (g_str_has_prefix (err, expected));
  g_assert_false (g_file_test (out_path, G_FILE_TEST_EXISTS));

  g_assert_cmpint (run (fixture, &out, &err, "verify", text, NULL), ==, 1);
  g_assert_nonnull (strstr (err, text));
  g_assert_cmpint (run (fixture, &out, &err, "info", missing, NULL), ==, 1);
  g_assert_nonnull (strstr (err, missing));

  /* info recognises HDF5 and reports why it would not convert */
  keras = test_tensors_keras_pattern ();
  test_keras_spec_init (&spec, TEST_KERAS_NEWER);
  spec.n_layers = 4;
  test_write_keras_h5 (h5, &spec, keras);
  test_tensors_free (keras);
  g_assert_cmpint (run (fixture, &out, &err, "info", h5, NULL), ==, 1);
  g_assert_nonnull (strstr (out, "Format: HDF5"));
  g_assert_nonnull (strstr (err, "block3_conv1 (conv3_1) is missing"));
  g_assert_cmpint (test_count_entries (fixture->dir), ==, 2);
}


/* A FIFO without a writer, a folder and an endless device: every command
 * refuses them at once, saying what they are, instead of blocking or reading
 * forever. */
static void
test_not_regular (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *fifo = g_build_filename (fixture->dir, "fifo.safetensors", NULL);
  g_autofree char *folder = g_build_filename (fixture->dir, "folder.safetensors", NULL);
  g_autofree char *out_path = g_build_filename (fixture->dir, "out.safetensors", NULL);
  const char *paths[] = { fifo, folder, "/dev/zero" };
  const char *kinds[] = { "it is a named pipe", "it is a folder", "it is a device" };
  g_autofree char *out = NULL, *err = NULL;

  if (!have_program (fixture))
    return;
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_assert_cmpint (run (fixture, &out, &err, "info", paths[i], NULL), ==, 1);
      g_assert_nonnull (strstr (err, "not a regular file"));
      g_assert_nonnull (strstr (err, kinds[i]));
      g_assert_cmpint (run (fixture, &out, &err, "verify", paths[i], NULL), ==, 1);
      g_assert_nonnull (strstr (err, kinds[i]));
      g_assert_cmpint (run (fixture, &out, &err, "convert", "--from", "torchvision", paths[i],
                            out_path, NULL), ==, 1);
      g_assert_nonnull (strstr (err, kinds[i]));
      g_assert_cmpint (run (fixture, &out, &err, "convert", "--from", "keras-h5", paths[i],
                            out_path, NULL), ==, 1);
      g_assert_nonnull (strstr (err, "not a regular file"));
    }
  g_assert_false (g_file_test (out_path, G_FILE_TEST_EXISTS));
}

static void
write_with_length (const char *path,
                   const char *header,
                   gsize       data_len)
{
  gsize n = strlen (header);
  g_autofree guint8 *file = g_malloc0 (8 + n + data_len);

  for (int i = 0; i < 8; i++)
    file[i] = (guint8) ((guint64) n >> (8 * i));
  memcpy (file + 8, header, n);
  g_assert_true (g_file_set_contents (path, (const char *) file, (gssize) (8 + n + data_len),
                                      NULL));
}

/* Headers that crashed the tools (100000 levels deep: SIGSEGV in the JSON
 * parser) or passed verify (a second __metadata__, 1.9 GB after the last
 * tensor): exit 1 with the reason, from every command. */
static void
test_hostile_headers (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *deep = g_build_filename (fixture->dir, "deep.safetensors", NULL);
  g_autofree char *dup = g_build_filename (fixture->dir, "dup.safetensors", NULL);
  g_autofree char *tail = g_build_filename (fixture->dir, "tail.safetensors", NULL);
  g_autofree char *out_path = g_build_filename (fixture->dir, "out.safetensors", NULL);
  g_autoptr(GString) text = g_string_new ("{\"__metadata__\":");
  g_autofree char *out = NULL, *err = NULL;
  const char *paths[] = { deep, dup, tail };
  const char *reasons[] = { "more than 16 levels deep", "“__metadata__” more than once",
                            "1992294400 bytes follow the last tensor" };
  TestTensors *tv = NULL;
  int fd;

  if (!have_program (fixture))
    return;
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (text, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (text, ']');
  g_string_append_c (text, '}');
  write_with_length (deep, text->str, 0);
  write_with_length (dup, "{\"__metadata__\":{\"format\":\"pt\"},\"__metadata__\":{},"
                     "\"features.0.bias\":{\"dtype\":\"F32\",\"shape\":[64],"
                     "\"data_offsets\":[0,256]}}", 256);
  tv = test_tensors_oihw_pattern ();
  test_write_torchvision (tail, tv, -1, -1, FALSE);
  test_tensors_free (tv);
  fd = g_open (tail, O_WRONLY | O_APPEND | O_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, lseek (fd, 0, SEEK_END) + ((off_t) 1900 << 20)), ==, 0);
  close (fd);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      gint64 start = g_get_monotonic_time ();

      g_assert_cmpint (run (fixture, &out, &err, "info", paths[i], NULL), ==, 1);
      g_assert_nonnull (strstr (err, reasons[i]));
      g_assert_cmpint (run (fixture, &out, &err, "verify", paths[i], NULL), ==, 1);
      g_assert_nonnull (strstr (err, reasons[i]));
      g_assert_cmpint (run (fixture, &out, &err, "convert", "--from", "torchvision", paths[i],
                            out_path, NULL), ==, 1);
      g_assert_nonnull (strstr (err, reasons[i]));
      /* nothing of the 1.9 GB is read or hashed */
      g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
    }
  g_assert_false (g_file_test (out_path, G_FILE_TEST_EXISTS));
}

/* The output is the input, by its own name, another spelling, a symbolic or
 * a hard link: a usage error before anything is written. */
static void
test_convert_onto_input (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *in = g_build_filename (fixture->dir, "tv.safetensors", NULL);
  g_autofree char *spelled = g_build_filename (fixture->dir, ".", "tv.safetensors", NULL);
  g_autofree char *symlinked = g_build_filename (fixture->dir, "link.safetensors", NULL);
  g_autofree char *hard = g_build_filename (fixture->dir, "hard.safetensors", NULL);
  g_autofree char *sha = NULL, *after = NULL;
  g_autofree char *out = NULL, *err = NULL;
  const char *outputs[] = { in, spelled, symlinked, hard };
  TestTensors *tv = NULL;

  if (!have_program (fixture))
    return;
  tv = test_tensors_oihw_pattern ();
  test_write_torchvision (in, tv, -1, -1, FALSE);
  test_tensors_free (tv);
  g_assert_cmpint (symlink (in, symlinked), ==, 0);
  g_assert_cmpint (link (in, hard), ==, 0);
  sha = sha256_of (in);
  for (guint i = 0; i < G_N_ELEMENTS (outputs); i++)
    {
      g_assert_cmpint (run (fixture, &out, &err, "convert", "--from", "torchvision", in,
                            outputs[i], NULL), ==, 2);
      g_assert_nonnull (strstr (err, "is the input file itself"));
    }
  after = sha256_of (in);
  g_assert_cmpstr (after, ==, sha);
  g_assert_true (g_file_test (symlinked, G_FILE_TEST_IS_SYMLINK));
  g_assert_cmpuint (test_count_entries (fixture->dir), ==, 3);   /* no temporary file left */
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/weights/cli/usage", test_usage);
  ADD ("/weights/cli/convert-info-verify", test_convert_info_verify);
  ADD ("/weights/cli/errors", test_errors);
  ADD ("/weights/cli/not-regular", test_not_regular);
  ADD ("/weights/cli/hostile-headers", test_hostile_headers);
  ADD ("/weights/cli/convert-onto-input", test_convert_onto_input);
#undef ADD

  return g_test_run ();
}
