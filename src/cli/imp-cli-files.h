/* imp-cli-files.h: the files a run reads and writes, checked before it starts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "imp-cli-options.h"

G_BEGIN_DECLS

/* One rule for every file a run writes (-o, --animation, --log-json and each
 * --save-dir picture the run's iterations will save): it is none of the files
 * the run reads (-c, -s, the weights at @weights_path) nor any other file it
 * writes, compared by device and inode, or for a file not yet created by its
 * folder's device and inode and its name. One file may be read in several
 * roles. Also refuses, before anything is opened for writing, what could not
 * be written: a folder as a file, a missing or read-only folder, a name too
 * long, a --save-dir that cannot be created.
 *
 * FALSE with IMP_CLI_USAGE_ERROR for a clash (a usage error) or G_FILE_ERROR
 * for a file that cannot be written; every message names the option and file.
 * Creates and opens nothing. */
gboolean imp_cli_files_check (const ImpCliOptions  *options,
                              const char           *weights_path,
                              GError              **error);

G_END_DECLS
