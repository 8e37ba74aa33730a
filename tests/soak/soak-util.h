/* soak-util.h: process figures for the soak and hostile-input tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Under ASan/UBSan (.ci/sanitize sets this) memory figures include shadow
 * memory and the free quarantine, and everything runs several times slower:
 * size and time bounds are then printed but not asserted. */
static inline gboolean
soak_under_sanitizer (void)
{
  return g_getenv ("IMPASTO_UNDER_SANITIZER") != NULL;
}

static inline guint64
soak_rss_bytes (void)
{
  g_autofree char *statm = NULL;
  unsigned long size = 0, resident = 0;

  g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  g_assert_cmpint (sscanf (statm, "%lu %lu", &size, &resident), ==, 2);
  return (guint64) resident * (guint64) sysconf (_SC_PAGESIZE);
}

/* Peak RSS since the process started or since soak_reset_peak_rss(): VmHWM,
 * which getrusage()'s ru_maxrss also reports but cannot reset. */
static inline guint64
soak_peak_rss_bytes (void)
{
  g_autofree char *status = NULL;
  const char *hwm;

  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      && (hwm = strstr (status, "VmHWM:")) != NULL)
    return g_ascii_strtoull (hwm + 6, NULL, 10) * 1024;
  {
    struct rusage usage;

    g_assert_cmpint (getrusage (RUSAGE_SELF, &usage), ==, 0);
    return (guint64) usage.ru_maxrss * 1024;   /* Linux: kilobytes */
  }
}

/* So that the next peak is one operation's own, not an earlier one's
 * (Linux >= 4.0; elsewhere the peak just stays the process's). */
static inline void
soak_reset_peak_rss (void)
{
  FILE *f = fopen ("/proc/self/clear_refs", "w");

  if (f == NULL)
    return;
  fputs ("5", f);
  fclose (f);
}

/* Entries of a /proc/self folder: open descriptors ("fd") or threads ("task"). */
static inline guint
soak_count_entries (const char *folder)
{
  g_autofree char *path = g_build_filename ("/proc/self", folder, NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  /* The GDir's own descriptor is among the fds counted. */
  return n;
}
