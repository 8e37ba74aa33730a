/* imp-weights-record.h: weights files whose checksum was verified, remembered
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sys/stat.h>

G_BEGIN_DECLS

/* Whether the file at @path, as @st describes it now (device, inode, size,
 * modification and change times), was verified before to have @sha256. */
gboolean imp_weights_record_matches (const char        *path,
                                     const struct stat *st,
                                     const char        *sha256);
/* Remembers that the file at @path, as @st describes it, has @sha256. Best
 * effort: a cache folder that cannot be written only means verifying again
 * at the next start. */
void     imp_weights_record_store   (const char        *path,
                                     const struct stat *st,
                                     const char        *sha256);

G_END_DECLS
