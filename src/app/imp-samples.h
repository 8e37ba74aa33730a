/* imp-samples.h: the bundled sample pictures (data/samples/README.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  IMP_SAMPLE_CONTENT,
  IMP_SAMPLE_STYLE,
} ImpSampleRole;

typedef struct
{
  const char    *file;     /* in the samples folder */
  ImpSampleRole  role;
  const char    *title;    /* translatable, use with _() */
  const char    *credit;   /* for the About window */
} ImpSample;

/* NULL-terminated by a zeroed entry. The first of each role is the default. */
const ImpSample *imp_samples_list        (void);
/* $IMPASTO_SAMPLES_DIR, the installed folder, or the source tree; NULL if none exists. */
const char      *imp_samples_get_dir     (void);
/* (transfer full) a GFile for @sample, or NULL when the samples are missing. */
GFile           *imp_samples_get_file    (const ImpSample *sample);
const ImpSample *imp_samples_get_default (ImpSampleRole    role);

G_END_DECLS
