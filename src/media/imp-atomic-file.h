/* imp-atomic-file.h: write a file beside its final name, rename it over on success
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The writers of images and animations share this: the data goes to a temporary
 * file in the destination's own folder (so the rename cannot cross file systems)
 * and replaces @path only in imp_atomic_file_commit(). Freeing an uncommitted
 * file removes the temporary, so an existing file at @path survives every failure
 * (full disk, file size limit, cancellation). The temporary's name is short and
 * fixed in length (".impasto-" and six characters), so any legal @path works.
 * Errors are in G_IO_ERROR and name @path. */
typedef struct _ImpAtomicFile ImpAtomicFile;

ImpAtomicFile *imp_atomic_file_new          (const char     *path,
                                             GError        **error);
gboolean       imp_atomic_file_write        (ImpAtomicFile  *self,
                                             const void     *data,
                                             gsize           length,
                                             GError        **error);
gboolean       imp_atomic_file_commit       (ImpAtomicFile  *self,
                                             GError        **error);
const char    *imp_atomic_file_get_path     (ImpAtomicFile  *self);
void           imp_atomic_file_free         (ImpAtomicFile  *self);

/* Async-signal-safe: removes every temporary that exists now, for a signal
 * handler that ends the process at once (nothing else may be called after). */
void           imp_atomic_file_remove_temporaries (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpAtomicFile, imp_atomic_file_free)

G_END_DECLS
