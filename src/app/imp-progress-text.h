/* imp-progress-text.h: a run's progress as one line of text
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "engine/imp-transfer.h"

G_BEGIN_DECLS

typedef enum
{
  IMP_PROGRESS_TEXT_FULL,      /* scale, size, iteration, elapsed, time left */
  IMP_PROGRESS_TEXT_SHORT,     /* scale, size, time left */
  IMP_PROGRESS_TEXT_TINY,      /* scale and time left */
} ImpProgressTextLength;

/* "Scale 2 of 5 · 181 px · Iteration 120 of 500 · 0:12 elapsed · 0:30 left";
 * runs of one scale leave the scale out. */
char *imp_progress_text_format   (const ImpProgress     *progress,
                                  ImpProgressTextLength  length);
/* "1:05", or "1:02:03" from an hour on. */
char *imp_progress_text_duration (double                 seconds);

G_END_DECLS
