/* test-weights-mapped.c: the weights mapped, verified once, and refused when
 * changed or cut short
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "engine/imp-objective.h"
#include "engine/imp-weights-private.h"
#include "test-util.h"

static char *tmp_dir;

/* A copy of the real weights in a folder of its own, with a SHA256SUMS
 * beside it listing its sha256 when @listed. */
static char *
copy_real_weights (const char *folder,
                   gboolean    listed)
{
  const char *real = g_getenv ("IMPASTO_WEIGHTS");
  g_autofree char *dir = g_build_filename (tmp_dir, folder, NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, "vgg19-conv.safetensors", NULL);
  gsize len;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_get_contents (real, &contents, &len, &error));
  g_assert_true (g_file_set_contents (path, contents, (gssize) len, &error));
  if (listed)
    {
      g_autofree char *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guint8 *) contents,
                                                          len);
      g_autofree char *line = g_strdup_printf ("%s  vgg19-conv.safetensors\n", sha);
      g_autofree char *sums = g_build_filename (dir, "SHA256SUMS", NULL);

      g_assert_true (g_file_set_contents (sums, line, -1, &error));
    }
  return path;
}

/* copy_real_weights () of @folder, unlisted, loaded into @weights. */
static char *
load_real_copy (const char  *folder,
                ImpWeights **weights)
{
  g_autoptr(GError) error = NULL;
  char *path = copy_real_weights (folder, FALSE);

  *weights = imp_weights_load (path, &error);
  g_assert_no_error (error);
  return path;
}

static gboolean
need_weights (void)
{
  const char *real = g_getenv ("IMPASTO_WEIGHTS");

  if (real == NULL || *real == '\0')
    {
      g_test_skip ("IMPASTO_WEIGHTS is not set: no real weights file to test with");
      return FALSE;
    }
  return TRUE;
}

static gboolean
hashed_at_load (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpWeights) weights = imp_weights_load (path, &error);

  g_assert_no_error (error);
  return imp_weights_hashed_at_load (weights);
}

/* One float of the data section changed to another finite value, the
 * modification time set back as it was: only the checksum can tell. */
static void
change_one_value (const char *path)
{
  struct stat before;
  struct timespec times[2];
  guint8 byte;
  int fd = g_open (path, O_RDWR, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (fstat (fd, &before), ==, 0);
  /* the lowest mantissa byte of a float in conv5_4's kernel */
  g_assert_cmpint (pread (fd, &byte, 1, before.st_size - 4096), ==, 1);
  byte ^= 1;
  g_assert_cmpint (pwrite (fd, &byte, 1, before.st_size - 4096), ==, 1);
  times[0] = before.st_atim;
  times[1] = before.st_mtim;
  g_assert_cmpint (futimens (fd, times), ==, 0);
  close (fd);
}

static void
test_verified_once (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpWeights) weights = NULL;

  if (!need_weights ())
    return;
  path = copy_real_weights ("listed", TRUE);
  g_assert_true (hashed_at_load (path));
  /* remembered: the second start does not read the file */
  g_assert_false (hashed_at_load (path));
  weights = imp_weights_load_verifying (path, &error);
  g_assert_no_error (error);
  g_assert_true (imp_weights_hashed_at_load (weights));
  g_clear_pointer (&weights, imp_weights_unref);

  change_one_value (path);
  weights = imp_weights_load (path, &error);
  g_assert_null (weights);
  g_assert_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_CHECKSUM);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "vgg19-conv.safetensors"));
  g_assert_nonnull (strstr (error->message, "differs from"));
}

/* A file no SHA256SUMS lists is not hashed at load (nothing to compare the
 * hash with), but its sha256 is there when asked. */
static void
test_unlisted (void)
{
  g_autofree char *path = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpWeights) weights = NULL;

  if (!need_weights ())
    return;
  path = load_real_copy ("unlisted", &weights);
  g_assert_false (imp_weights_hashed_at_load (weights));
  expected = imp_weights_listed_sha256 (g_getenv ("IMPASTO_WEIGHTS"));
  if (expected != NULL)
    g_assert_cmpstr (imp_weights_get_sha256 (weights), ==, expected);
  g_assert_cmpuint (strlen (imp_weights_get_sha256 (weights)), ==, 64);
}

/* A session with conv4_2's content loss on a black 32x32 picture, one
 * thread: enough to prepare the convolutions from @weights. */
static ImpObjective *
small_session (ImpWeights  *weights,
               GError     **error)
{
  g_autofree float *pixels = g_new0 (float, 3 * 32 * 32);
  ImpImage image = { 32, 32, pixels };
  ImpParams params;

  memset (&params, 0, sizeof params);
  params.content_layers.n_layers = 1;
  params.content_layers.layers[0] = IMP_CONV4_2;
  params.content_layers.weights[0] = 1;
  params.content_weight = params.style_weight = params.tv_weight = 1;
  params.pool = IMP_POOL_MAX;
  params.threads = 1;
  return imp_objective_new (weights, &params, &image, NULL, NULL, 0, NULL, error);
}

/* Cut short after the load, while the mapping is in use: the session that
 * prepares its convolutions from it is refused with a clear error, and the
 * process does not die of SIGBUS. */
static void
test_cut_after_load (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpWeights) weights = NULL;
  g_autoptr(ImpObjective) objective = NULL;

  if (!need_weights ())
    return;
  path = load_real_copy ("cut", &weights);
  g_assert_cmpint (truncate (path, 4096), ==, 0);
  objective = small_session (weights, &error);
  g_assert_null (objective);
  g_assert_error (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_IO);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "vgg19-conv.safetensors"));
  g_assert_nonnull (strstr (error->message, "shrank"));
}

/* Resident kB of the mappings of @path in this process (/proc/self/smaps). */
static guint64
resident_kb (const char *path)
{
  g_autofree char *smaps = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean inside = FALSE;
  guint64 kb = 0;

  g_assert_true (g_file_get_contents ("/proc/self/smaps", &smaps, NULL, NULL));
  lines = g_strsplit (smaps, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      /* a mapping's first line: address range, perms, offset, dev, inode, path */
      if (g_ascii_isxdigit (lines[i][0]) && strchr (lines[i], '-') != NULL &&
          !g_str_has_suffix (lines[i], ":"))
        inside = g_str_has_suffix (lines[i], path);
      else if (inside && g_str_has_prefix (lines[i], "Rss:"))
        kb += g_ascii_strtoull (lines[i] + 4, NULL, 10);
    }
  return kb;
}

/* Once the convolutions are prepared, the file's pages leave the process's
 * resident memory: a run at print size must not carry 80 MB it no longer
 * reads. */
static void
test_pages_released (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpWeights) weights = NULL;
  g_autoptr(ImpObjective) objective = NULL;

  if (!need_weights ())
    return;
  path = load_real_copy ("released", &weights);
  /* the load checked every value: the whole file was read */
  g_test_message ("after the load: %" G_GUINT64_FORMAT " kB resident", resident_kb (path));
  g_assert_cmpuint (resident_kb (path), >, 40 * 1024);
  objective = small_session (weights, &error);
  g_assert_no_error (error);
  g_test_message ("after the preparation: %" G_GUINT64_FORMAT " kB resident", resident_kb (path));
  g_assert_cmpuint (resident_kb (path), <, 1024);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("impasto-weights-mapped-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);
  {
    /* A private record of verified files, set before GLib first reads it. */
    g_autofree char *cache = g_build_filename (tmp_dir, "cache", NULL);
    g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  }
  g_test_add_func ("/engine/weights/verified-once", test_verified_once);
  g_test_add_func ("/engine/weights/unlisted", test_unlisted);
  g_test_add_func ("/engine/weights/cut-after-load", test_cut_after_load);
  g_test_add_func ("/engine/weights/pages-released", test_pages_released);
  ret = g_test_run ();
  test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
