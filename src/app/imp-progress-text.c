/* imp-progress-text.c: a run's progress as one line of text
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window picks the longest form that fits beside the painting, so a
 * narrow window shortens the line instead of growing to hold it.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "imp-progress-text.h"

char *
imp_progress_text_duration (double seconds)
{
  guint s = (guint) MAX (0, seconds + 0.5);

  if (s >= 3600)
    return g_strdup_printf ("%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
  return g_strdup_printf ("%u:%02u", s / 60, s % 60);
}

/* "Scale 2 of 5 · 181 px", "181 px" for one scale; NULL for TINY without scales. */
static char *
scale_part (const ImpProgress     *p,
            ImpProgressTextLength  length)
{
  guint side = MAX (p->width, p->height);

  if (p->n_scales > 1 && length == IMP_PROGRESS_TEXT_TINY)
    /* Translators: the coarse-to-fine scale, e.g. "Scale 2 of 5" */
    return g_strdup_printf (_("Scale %u of %u"), p->scale + 1, p->n_scales);
  if (p->n_scales > 1)
    /* Translators: the coarse-to-fine scale and its image size, e.g. "Scale 2 of 5 · 181 px" */
    return g_strdup_printf (_("Scale %u of %u · %u px"), p->scale + 1, p->n_scales, side);
  if (length == IMP_PROGRESS_TEXT_TINY || side == 0)
    return NULL;
  /* Translators: the image size of the run, e.g. "512 px" */
  return g_strdup_printf (_("%u px"), side);
}

static char *
time_part (const ImpProgress     *p,
           ImpProgressTextLength  length)
{
  g_autofree char *elapsed = imp_progress_text_duration (p->seconds);
  g_autofree char *left = p->seconds_left >= 0 ? imp_progress_text_duration (p->seconds_left) : NULL;
  /* p->iteration numbers the loss, measured before the step's update. */
  guint done = p->iteration + 1;

  if (length == IMP_PROGRESS_TEXT_FULL && left != NULL)
    /* Translators: iteration N of M · elapsed time · time left */
    return g_strdup_printf (_("Iteration %u of %u · %s elapsed · %s left"), done, p->n_iterations,
                            elapsed, left);
  if (length == IMP_PROGRESS_TEXT_FULL)
    return g_strdup_printf (_("Iteration %u of %u · %s elapsed"), done, p->n_iterations, elapsed);
  if (left != NULL)
    /* Translators: time left of the run, e.g. "0:30 left" */
    return g_strdup_printf (_("%s left"), left);
  /* Translators: iterations done of all, e.g. "120 of 500" */
  return g_strdup_printf (_("%u of %u"), done, p->n_iterations);
}

char *
imp_progress_text_format (const ImpProgress     *progress,
                          ImpProgressTextLength  length)
{
  g_autofree char *scale = scale_part (progress, length);
  g_autofree char *time = time_part (progress, length);

  if (scale == NULL)
    return g_steal_pointer (&time);
  return g_strconcat (scale, " · ", time, NULL);
}
