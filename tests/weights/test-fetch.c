/* test-fetch.c: weights/fetch installs only verified files, atomically
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "engine/imp-weights.h"
#include "weights-test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#define KERAS_NAME "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"

typedef struct
{
  char *dir;
  char *dest;
  char *cache;
  char *script;        /* the source tree's weights/fetch */
  char *build_script;  /* build/weights/fetch: knows the converter beside it */
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("impasto-fetch-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->dest = g_build_filename (fixture->dir, "dest", NULL);
  fixture->cache = g_build_filename (fixture->dir, "cache", NULL);
  fixture->script = test_source_path ("weights/fetch");
  fixture->build_script = test_build_path ("weights/fetch");
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->dest);
  g_free (fixture->cache);
  g_free (fixture->script);
  g_free (fixture->build_script);
}

static gboolean
have_curl (void)
{
  g_autofree char *curl = g_find_program_in_path ("curl");

  if (curl == NULL)
    g_test_skip ("curl is not installed (the download path needs it)");
  return curl != NULL;
}

static gboolean
have_script (Fixture *fixture)
{
  if (fixture->script == NULL || fixture->build_script == NULL)
    {
      g_test_skip ("IMPASTO_SOURCE_DIR / IMPASTO_BUILD_DIR are not set (run through meson test)");
      return FALSE;
    }
  return TRUE;
}

/* Runs the fetch script with HOME and the XDG folders inside the test folder,
 * so a mistake can never touch the user's real weights. */
static int
run_fetch (Fixture            *fixture,
           const char         *script,
           const char * const *args,
           const char * const *extra_env,
           char              **out,
           char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GPtrArray) envp = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, (gpointer) "/bin/sh");
  g_ptr_array_add (argv, (gpointer) script);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_ptr_array_add (envp, g_strdup ("HOME"));
  g_ptr_array_add (envp, g_build_filename (fixture->dir, "home", NULL));
  g_ptr_array_add (envp, g_strdup ("XDG_DATA_HOME"));
  g_ptr_array_add (envp, g_build_filename (fixture->dir, "data-home", NULL));
  g_ptr_array_add (envp, g_strdup ("XDG_CACHE_HOME"));
  g_ptr_array_add (envp, g_build_filename (fixture->dir, "cache-home", NULL));
  for (guint i = 0; extra_env != NULL && extra_env[i] != NULL; i++)
    g_ptr_array_add (envp, g_strdup (extra_env[i]));
  g_ptr_array_add (envp, NULL);
  return test_run ((const char * const *) argv->pdata, (const char * const *) envp->pdata,
                   out, err);
}

static char *
file_sha256 (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

static void
assert_installed (Fixture    *fixture,
                  const char *out,
                  const char *sha256)
{
  g_autofree char *installed = g_build_filename (fixture->dest, "vgg19-conv.safetensors", NULL);
  g_autofree char *sums_path = g_build_filename (fixture->dest, "SHA256SUMS", NULL);
  g_autofree char *expected_out = g_strdup_printf ("%s\n", installed);
  g_autofree char *expected_sums = g_strdup_printf ("%s  vgg19-conv.safetensors\n", sha256);
  g_autofree char *sums = NULL;
  g_autofree char *have = file_sha256 (installed);

  g_assert_cmpstr (out, ==, expected_out);
  g_assert_cmpstr (have, ==, sha256);
  g_assert_true (g_file_get_contents (sums_path, &sums, NULL, NULL));
  g_assert_cmpstr (sums, ==, expected_sums);
  /* the weights and their SHA256SUMS, no temporary file */
  g_assert_cmpuint (test_count_entries (fixture->dest), ==, 2);
}

static void
test_from_dev_copy (Fixture       *fixture,
                    gconstpointer  data)
{
  const char *dev = g_getenv ("IMPASTO_WEIGHTS");
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *sha256 = NULL;
  const char *args[] = { "--from", dev, "--dest", fixture->dest, NULL };

  if (!have_script (fixture))
    return;
  if (dev == NULL)
    {
      g_test_skip ("IMPASTO_WEIGHTS is not set (the development weights file)");
      return;
    }
  g_assert_cmpint (run_fetch (fixture, fixture->build_script, args, NULL, &out, &err), ==, 0);
  sha256 = file_sha256 (dev);
  assert_installed (fixture, out, sha256);
  g_assert_nonnull (strstr (err, "matches"));
}

/* Converts synthetic torchvision weights into @path with the built converter. */
static void
write_loadable (const char *path)
{
  g_autofree char *program = test_build_path ("src/weights/impasto-weights");
  g_autofree char *input = g_strconcat (path, ".torchvision", NULL);
  g_autofree char *out = NULL, *err = NULL;
  const char *argv[] = { program, "convert", "--from", "torchvision", input, path, NULL };
  TestTensors *tv = test_tensors_oihw_pattern ();

  test_write_torchvision (input, tv, -1, -1, FALSE);
  test_tensors_free (tv);
  g_assert_cmpint (test_run (argv, NULL, &out, &err), ==, 0);
  g_unlink (input);
}

static void
write_listing (const char *sums,
               const char *file)
{
  g_autofree char *sha256 = file_sha256 (file);
  g_autofree char *base = g_path_get_basename (file);
  g_autofree char *listing = g_strdup_printf ("%s  other.bin\n%s  %s\n",
                                              "0000000000000000000000000000000000000000"
                                              "000000000000000000000000", sha256, base);

  g_assert_true (g_file_set_contents (sums, listing, -1, NULL));
}

/* A file weights/SHA256SUMS does not know, vouched for by a SHA256SUMS beside it. */
static void
test_from_sums_beside (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *file = g_build_filename (fixture->dir, "mine.safetensors", NULL);
  g_autofree char *sums = g_build_filename (fixture->dir, "SHA256SUMS", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *sha256 = NULL;
  const char *args[] = { "--from", file, "--dest", fixture->dest, NULL };

  if (!have_script (fixture))
    return;
  write_loadable (file);
  write_listing (sums, file);
  sha256 = file_sha256 (file);
  g_assert_cmpint (run_fetch (fixture, fixture->build_script, args, NULL, &out, &err), ==, 0);
  assert_installed (fixture, out, sha256);
}

/* Listed beside it, but no weights: a header nested 100000 deep (which
 * crashed every run once installed), then a file that is no safetensors at
 * all. Loaded before installing, both are refused and nothing is installed. */
static void
test_from_unloadable (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *file = g_build_filename (fixture->dir, "mine.safetensors", NULL);
  g_autofree char *sums = g_build_filename (fixture->dir, "SHA256SUMS", NULL);
  g_autoptr(GString) text = g_string_new ("........{\"__metadata__\":");
  const char *args[] = { "--from", file, "--dest", fixture->dest, NULL };

  if (!have_script (fixture))
    return;
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (text, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (text, ']');
  g_string_append_c (text, '}');
  for (int i = 0; i < 8; i++)
    text->str[i] = (char) ((guint64) (text->len - 8) >> (8 * i));
  for (guint round = 0; round < 2; round++)
    {
      g_autofree char *out = NULL, *err = NULL;

      if (round == 0)
        g_assert_true (g_file_set_contents (file, text->str, (gssize) text->len, NULL));
      else
        g_assert_true (g_file_set_contents (file, "pretend weights", -1, NULL));
      write_listing (sums, file);
      g_assert_cmpint (run_fetch (fixture, fixture->build_script, args, NULL, &out, &err), ==, 1);
      g_assert_nonnull (strstr (err, "does not load as weights; not installed"));
      g_assert_nonnull (strstr (err, round == 0 ? "levels deep" : "header length"));
      g_assert_cmpstr (out, ==, "");
      g_assert_false (g_file_test (fixture->dest, G_FILE_TEST_EXISTS));
    }
}

/* A FIFO, a folder or a device is refused as what it is, without blocking. */
static void
test_from_not_regular (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *fifo = g_build_filename (fixture->dir, "fifo.safetensors", NULL);
  const char *paths[] = { fifo, fixture->dir, "/dev/zero" };

  if (!have_script (fixture))
    return;
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      const char *args[] = { "--from", paths[i], "--dest", fixture->dest, NULL };

      g_assert_cmpint (run_fetch (fixture, fixture->script, args, NULL, &out, &err), ==, 1);
      g_assert_nonnull (strstr (err, "not a regular file"));
      g_assert_false (g_file_test (fixture->dest, G_FILE_TEST_EXISTS));
    }
}

static void
assert_refused (Fixture    *fixture,
                int         status,
                const char *err,
                const char *fragment,
                const char *previous)
{
  g_autofree char *installed = g_build_filename (fixture->dest, "vgg19-conv.safetensors", NULL);
  g_autofree char *contents = NULL;

  g_assert_cmpint (status, ==, 3);
  g_assert_nonnull (strstr (err, fragment));
  /* the earlier install is untouched and nothing was added beside it */
  g_assert_true (g_file_get_contents (installed, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, previous);
  g_assert_cmpuint (test_count_entries (fixture->dest), ==, 1);
}

static void
test_wrong_checksum (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *bad_dir = g_build_filename (fixture->dir, "bad", NULL);
  g_autofree char *file = g_build_filename (bad_dir, "vgg19-conv.safetensors", NULL);
  g_autofree char *sums = g_build_filename (bad_dir, "SHA256SUMS", NULL);
  g_autofree char *installed = g_build_filename (fixture->dest, "vgg19-conv.safetensors", NULL);
  g_autofree char *dev_sums = test_source_path ("weights/SHA256SUMS");
  g_autofree char *listing = NULL;
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "--from", file, "--dest", fixture->dest, NULL };
  int status;

  if (!have_script (fixture))
    return;
  g_assert_cmpint (g_mkdir_with_parents (bad_dir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (fixture->dest, 0755), ==, 0);
  g_assert_true (g_file_set_contents (installed, "previous", -1, NULL));
  g_assert_true (g_file_set_contents (file, "a damaged or incomplete download", -1, NULL));

  /* listed nowhere */
  status = run_fetch (fixture, fixture->script, args, NULL, &out, &err);
  assert_refused (fixture, status, err, "is not a known weights file", "previous");

  /* listed beside it under its name, with the development copy's checksum */
  g_assert_true (g_file_get_contents (dev_sums, &listing, NULL, NULL));
  g_assert_true (g_file_set_contents (sums, listing, -1, NULL));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run_fetch (fixture, fixture->script, args, NULL, &out, &err);
  assert_refused (fixture, status, err, "checksum mismatch", "previous");
  g_assert_cmpstr (out, ==, "");
}

static void
test_usage (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *bad[] = { "--frmo", "x", NULL };
  const char *missing_value[] = { "--from", NULL };
  const char *help[] = { "--help", NULL };
  const char *no_file[] = { "--from", "/nonexistent/w.safetensors", "--dest", fixture->dest,
                            NULL };

  if (!have_script (fixture))
    return;
  g_assert_cmpint (run_fetch (fixture, fixture->script, bad, NULL, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "unknown argument: --frmo"));
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_fetch (fixture, fixture->script, missing_value, NULL, &out, &err), ==, 2);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_fetch (fixture, fixture->script, help, NULL, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "--from FILE"));
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_fetch (fixture, fixture->script, no_file, NULL, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "no such file"));
  g_assert_false (g_file_test (fixture->dest, G_FILE_TEST_EXISTS));
}

/* A synthetic Keras file served from a file:// URL stands in for the download. */
static char *
make_download (Fixture *fixture,
               char   **md5)
{
  g_autofree char *server = g_build_filename (fixture->dir, "server", NULL);
  char *h5 = g_build_filename (server, KERAS_NAME, NULL);
  g_autofree char *contents = NULL;
  TestTensors *keras = test_tensors_keras_pattern ();
  TestKerasSpec spec;
  gsize length;

  g_assert_cmpint (g_mkdir_with_parents (server, 0755), ==, 0);
  test_keras_spec_init (&spec, TEST_KERAS_ORIGINAL);
  test_write_keras_h5 (h5, &spec, keras);
  test_tensors_free (keras);
  g_assert_true (g_file_get_contents (h5, &contents, &length, NULL));
  *md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, (const guchar *) contents, length);
  return h5;
}

static void
test_download (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *md5 = NULL;
  g_autofree char *h5 = NULL;
  g_autofree char *url_env = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *converted = g_build_filename (fixture->cache, "vgg19-conv.safetensors", NULL);
  g_autofree char *cache_sums = g_build_filename (fixture->cache, "SHA256SUMS", NULL);
  g_autofree char *part = g_build_filename (fixture->cache, KERAS_NAME ".part", NULL);
  g_autofree char *installed = g_build_filename (fixture->dest, "vgg19-conv.safetensors", NULL);
  g_autofree char *sha256 = NULL, *sums = NULL, *expected_sums = NULL;
  g_autoptr(ImpWeights) weights = NULL;
  g_autoptr(GError) error = NULL;
  const char *args[] = { "--cache", fixture->cache, "--dest", fixture->dest, NULL };

  if (!have_script (fixture) || !have_curl ())
    return;
  h5 = make_download (fixture, &md5);
  url_env = g_strdup_printf ("file://%s", h5);
  /* a checksum left from an earlier conversion must not get in the way */
  g_assert_cmpint (g_mkdir_with_parents (fixture->cache, 0755), ==, 0);
  g_assert_true (g_file_set_contents (cache_sums, "0000000000000000000000000000000000000000"
                                      "000000000000000000000000  vgg19-conv.safetensors\n",
                                      -1, NULL));
  {
    const char *env[] = { "IMPASTO_WEIGHTS_URL", url_env, "IMPASTO_WEIGHTS_MD5", md5, NULL };

    g_assert_cmpint (run_fetch (fixture, fixture->build_script, args, env, &out, &err), ==, 0);
  }
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  sha256 = file_sha256 (converted);
  expected_sums = g_strdup_printf ("%s  vgg19-conv.safetensors\n", sha256);
  g_assert_true (g_file_get_contents (cache_sums, &sums, NULL, NULL));
  g_assert_cmpstr (sums, ==, expected_sums);
  assert_installed (fixture, out, sha256);
  /* the engine accepts what was installed */
  weights = imp_weights_load (installed, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (imp_weights_get_sha256 (weights), ==, sha256);
  g_assert_cmpfloat (imp_weights_get_preprocess (weights)->scale, ==, 255);
}

/* A broken partial download is resumed, not restarted (its wrong first bytes
 * survive and spoil the md5), then removed so the next run starts over. */
static void
test_download_resume_and_md5 (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *md5 = NULL;
  g_autofree char *h5 = NULL;
  g_autofree char *url_env = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *part = g_build_filename (fixture->cache, KERAS_NAME ".part", NULL);
  g_autofree char *zeros = g_malloc0 (1 << 20);
  const char *args[] = { "--cache", fixture->cache, "--dest", fixture->dest, NULL };
  const char *bad_converter[] = { "--cache", fixture->cache, "--dest", fixture->dest,
                                  "--converter", "/nonexistent/impasto-weights", NULL };

  if (!have_script (fixture) || !have_curl ())
    return;
  h5 = make_download (fixture, &md5);
  url_env = g_strdup_printf ("file://%s", h5);
  {
    const char *env[] = { "IMPASTO_WEIGHTS_URL", url_env, "IMPASTO_WEIGHTS_MD5", md5, NULL };

    g_assert_cmpint (g_mkdir_with_parents (fixture->cache, 0755), ==, 0);
    g_assert_true (g_file_set_contents (part, zeros, 1 << 20, NULL));
    g_assert_cmpint (run_fetch (fixture, fixture->build_script, args, env, &out, &err), ==, 3);
    g_assert_nonnull (strstr (err, "expected"));
    g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (fixture->dest, G_FILE_TEST_EXISTS));

    /* the converter is looked for before anything is downloaded */
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run_fetch (fixture, fixture->build_script, bad_converter, env, &out, &err),
                     ==, 1);
    g_assert_nonnull (strstr (err, "not an executable program"));
    g_assert_false (g_file_test (fixture->dest, G_FILE_TEST_EXISTS));
  }
  {
    const char *env[] = { "IMPASTO_WEIGHTS_URL", url_env,
                          "IMPASTO_WEIGHTS_MD5", "253f8cb515780f3b799900260a226db6", NULL };

    /* a download that is not the pinned file (here: the real md5 of Keras' file) */
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run_fetch (fixture, fixture->build_script, args, env, &out, &err), ==, 3);
    g_assert_nonnull (strstr (err, "expected 253f8cb515780f3b799900260a226db6"));
    g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (fixture->dest, G_FILE_TEST_EXISTS));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/weights/fetch/from-dev-copy", test_from_dev_copy);
  ADD ("/weights/fetch/from-sums-beside", test_from_sums_beside);
  ADD ("/weights/fetch/from-unloadable", test_from_unloadable);
  ADD ("/weights/fetch/from-not-regular", test_from_not_regular);
  ADD ("/weights/fetch/wrong-checksum", test_wrong_checksum);
  ADD ("/weights/fetch/usage", test_usage);
  ADD ("/weights/fetch/download", test_download);
  ADD ("/weights/fetch/download-resume-and-md5", test_download_resume_and_md5);
#undef ADD

  return g_test_run ();
}
