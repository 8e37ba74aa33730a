/* media-test-util.h: temporary folders and small checks shared by the media tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sys/resource.h>

#include "engine/imp-image.h"
#include "test-util.h"

static inline char *
media_test_make_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("impasto-media-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static inline int
media_test_compare_names (gconstpointer a,
                          gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The names in @dir, sorted and joined by spaces: "what is left" in one string
 * so a failing assertion shows any stray temporary file. */
static inline char *
media_test_list_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, media_test_compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static inline void
media_test_write_file (const char   *path,
                       const void   *data,
                       gsize         length)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, (gssize) length, &error);
  g_assert_no_error (error);
}

/* Peak resident set of this process so far, in bytes. */
static inline guint64
media_test_peak_rss (void)
{
  struct rusage usage;

  g_assert_cmpint (getrusage (RUSAGE_SELF, &usage), ==, 0);
  return (guint64) usage.ru_maxrss * 1024;
}

/* Mean absolute difference per channel value between two images of one size,
 * on the 0..255 scale. */
static inline double
media_test_mean_abs_diff (const ImpImage *a,
                          const ImpImage *b)
{
  gsize n = (gsize) 3 * a->width * a->height;
  double sum = 0;

  g_assert_cmpuint (a->width, ==, b->width);
  g_assert_cmpuint (a->height, ==, b->height);
  for (gsize i = 0; i < n; i++)
    sum += fabs ((double) a->data[i] - b->data[i]);
  return sum / n;
}

/* A smooth, colourful test picture that differs with @phase. */
static inline ImpImage *
media_test_pattern (guint  width,
                    guint  height,
                    double phase)
{
  ImpImage *image = imp_image_new (width, height);

  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        double u = (double) x / width, v = (double) y / height;
        gsize i = (gsize) y * width + x;

        imp_image_channel (image, 0)[i] = (float) (127.5 + 127.5 * sin (6.0 * u + phase));
        imp_image_channel (image, 1)[i] = (float) (127.5 + 127.5 * cos (5.0 * v - phase));
        imp_image_channel (image, 2)[i] = (float) (255.0 * (u + v) / 2.0);
      }
  return image;
}
