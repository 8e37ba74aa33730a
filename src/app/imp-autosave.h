/* imp-autosave.h: the crash-safe copy of the painting in progress
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "engine/imp-image.h"

G_BEGIN_DECLS

/* What is kept beside the picture ($XDG_CACHE_HOME/impasto/autosave/autosave.ini). */
typedef struct
{
  char   *content_path;   /* "" for an image without a file (a paste) */
  char   *style_path;
  guint   iteration;      /* steps done */
  guint   n_iterations;
  gint64  time;           /* seconds since the epoch, when it was written */
} ImpAutosaveInfo;

void      imp_autosave_info_clear  (ImpAutosaveInfo     *info);

/* $XDG_CACHE_HOME/impasto/autosave */
char     *imp_autosave_get_dir     (void);

/* Writes a copy of @image as autosave.png (atomically, imp_image_io_save) and
 * then @info, on a worker thread. Writes run one at a time; one queued before
 * imp_autosave_remove() is dropped, so a removed autosave never comes back. */
void      imp_autosave_write_async (const ImpImage      *image,
                                    const ImpAutosaveInfo *info,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
gboolean  imp_autosave_write_finish (GAsyncResult       *result,
                                     GError            **error);

/* Whether a complete autosave (picture and description) is there. */
gboolean  imp_autosave_exists      (void);

/* Reads the autosave; FALSE with an error when it is missing or unreadable. */
gboolean  imp_autosave_load        (ImpAutosaveInfo     *info,
                                    ImpImage           **image,
                                    GError             **error);

/* Deletes it (the painting was saved or discarded). */
void      imp_autosave_remove      (void);

G_END_DECLS
