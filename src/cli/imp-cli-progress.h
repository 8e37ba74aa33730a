/* imp-cli-progress.h: progress on the terminal and the JSON Lines log
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "engine/imp-transfer.h"

G_BEGIN_DECLS

typedef struct _ImpCliProgress ImpCliProgress;

/* @log_path may be NULL; NULL when it cannot be created. Opening the log
 * truncates it: call this only once the run is known to start. */
ImpCliProgress *imp_cli_progress_new    (gboolean           quiet,
                                         const char        *log_path,
                                         GError           **error);
void            imp_cli_progress_update (ImpCliProgress    *self,
                                         const ImpProgress *progress);
/* Closes the log: FALSE, with a message naming it, when any line of it could
 * not be written (a full disk, /dev/full). */
gboolean        imp_cli_progress_close_log (ImpCliProgress *self,
                                            GError        **error);
/* Ends the bar's line on a terminal. */
void            imp_cli_progress_finish (ImpCliProgress    *self);
void            imp_cli_progress_free   (ImpCliProgress    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpCliProgress, imp_cli_progress_free)

G_END_DECLS
