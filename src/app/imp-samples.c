/* imp-samples.c: the bundled sample pictures (data/samples/README.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "imp-samples.h"

static const ImpSample samples[] = {
  { "astronaut.jpg", IMP_SAMPLE_CONTENT, N_("Astronaut"),
    "Eileen Collins, NASA (public domain), from scikit-image" },
  { "chelsea.jpg", IMP_SAMPLE_CONTENT, N_("Cat"),
    "Chelsea the cat by Stefan van der Walt (CC0), from scikit-image" },
  { "coffee.jpg", IMP_SAMPLE_CONTENT, N_("Coffee"),
    "Coffee cup by Rachel Michetti (CC0), from scikit-image" },
  { "scream.jpg", IMP_SAMPLE_STYLE, N_("The Scream"),
    "The Scream by Edvard Munch (public domain), from darknet" },
  { "starry-night.jpg", IMP_SAMPLE_STYLE, N_("The Starry Night"),
    "The Starry Night by Vincent van Gogh (public domain), from OpenCV's samples" },
  { "hubble-deep-field.jpg", IMP_SAMPLE_STYLE, N_("Hubble Deep Field"),
    "Hubble eXtreme Deep Field, NASA (public domain), from scikit-image" },
  { NULL, 0, NULL, NULL },
};

const ImpSample *
imp_samples_list (void)
{
  return samples;
}

static gboolean
has_samples (const char *dir)
{
  g_autofree char *probe = NULL;

  if (dir == NULL || *dir == '\0')
    return FALSE;
  probe = g_build_filename (dir, samples[0].file, NULL);
  return g_file_test (probe, G_FILE_TEST_IS_REGULAR);
}

const char *
imp_samples_get_dir (void)
{
  static char *dir = NULL;

  if (g_once_init_enter (&dir))
    {
      const char *candidates[] = {
        g_getenv ("IMPASTO_SAMPLES_DIR"),
        PKGDATADIR "/samples",
        IMP_SOURCE_SAMPLES_DIR,
      };
      char *found = (char *) "";

      for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
        if (has_samples (candidates[i]))
          {
            found = g_strdup (candidates[i]);
            break;
          }
      g_once_init_leave (&dir, found);
    }

  return *dir != '\0' ? dir : NULL;
}

GFile *
imp_samples_get_file (const ImpSample *sample)
{
  const char *dir = imp_samples_get_dir ();

  if (dir == NULL)
    return NULL;
  return g_file_new_build_filename (dir, sample->file, NULL);
}

const ImpSample *
imp_samples_get_default (ImpSampleRole role)
{
  for (const ImpSample *s = samples; s->file != NULL; s++)
    if (s->role == role)
      return s;
  return NULL;
}
