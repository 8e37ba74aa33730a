/* imp-weights-record.c: weights files whose checksum was verified, remembered
 *
 * Hashing the 80 MB weights file took longer than the rest of a small run's
 * start. A file verified once is remembered in
 * $XDG_CACHE_HOME/impasto/verified-weights.ini by its identity: device,
 * inode, size, and modification and change times to the nanosecond. Any
 * write to the file changes its change time, which no one can set back, so
 * a changed file is verified again; a file replaced by another (a new
 * download renamed over it) has another inode.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-weights-record.h"

#include <errno.h>
#include <stdint.h>

#include <glib/gstdio.h>

#define RECORD_GROUP_KEY "identity"
#define RECORD_SHA256_KEY "sha256"

static char *
record_path (void)
{
  return g_build_filename (g_get_user_cache_dir (), "impasto", "verified-weights.ini", NULL);
}

static char *
identity_text (const struct stat *st)
{
  return g_strdup_printf ("%ju:%ju:%jd:%jd.%09ld:%jd.%09ld",
                          (uintmax_t) st->st_dev, (uintmax_t) st->st_ino, (intmax_t) st->st_size,
                          (intmax_t) st->st_mtim.tv_sec, (long) st->st_mtim.tv_nsec,
                          (intmax_t) st->st_ctim.tv_sec, (long) st->st_ctim.tv_nsec);
}

/* One group per file, named by its absolute path. */
static char *
group_name (const char *path)
{
  return g_canonicalize_filename (path, NULL);
}

gboolean
imp_weights_record_matches (const char        *path,
                            const struct stat *st,
                            const char        *sha256)
{
  g_autoptr(GKeyFile) records = g_key_file_new ();
  g_autofree char *file = record_path ();
  g_autofree char *group = group_name (path);
  g_autofree char *identity = identity_text (st);
  g_autofree char *stored_identity = NULL;
  g_autofree char *stored_sha256 = NULL;

  if (!g_key_file_load_from_file (records, file, G_KEY_FILE_NONE, NULL))
    return FALSE;
  stored_identity = g_key_file_get_string (records, group, RECORD_GROUP_KEY, NULL);
  stored_sha256 = g_key_file_get_string (records, group, RECORD_SHA256_KEY, NULL);
  return g_strcmp0 (stored_identity, identity) == 0 && stored_sha256 != NULL &&
         g_ascii_strcasecmp (stored_sha256, sha256) == 0;
}

void
imp_weights_record_store (const char        *path,
                          const struct stat *st,
                          const char        *sha256)
{
  g_autoptr(GKeyFile) records = g_key_file_new ();
  g_autofree char *file = record_path ();
  g_autofree char *folder = g_path_get_dirname (file);
  g_autofree char *group = group_name (path);
  g_autofree char *identity = identity_text (st);
  g_autoptr(GError) error = NULL;

  /* Other files' records are kept; an unreadable record file is replaced. */
  g_key_file_load_from_file (records, file, G_KEY_FILE_KEEP_COMMENTS, NULL);
  g_key_file_set_string (records, group, RECORD_GROUP_KEY, identity);
  g_key_file_set_string (records, group, RECORD_SHA256_KEY, sha256);
  if (g_mkdir_with_parents (folder, 0700) != 0 ||
      !g_key_file_save_to_file (records, file, &error))
    g_debug ("cannot remember the verified weights in %s: %s", file,
             error ? error->message : g_strerror (errno));
}
