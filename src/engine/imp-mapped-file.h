/* imp-mapped-file.h: a file mapped read-only that survives being cut short
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ImpMappedFile ImpMappedFile;

/* Maps @length bytes of @fd read-only. A read of the mapping past the file's
 * end (someone truncated the file) does not kill the process with SIGBUS:
 * the mapping turns into zeros and the file is marked damaged. NULL with
 * errno set when it cannot be mapped. */
ImpMappedFile *imp_mapped_file_new        (int            fd,
                                           gsize          length);
void           imp_mapped_file_free       (ImpMappedFile *self);

const guint8  *imp_mapped_file_get_data   (ImpMappedFile *self);
gsize          imp_mapped_file_get_length (ImpMappedFile *self);
/* Lets go of the pages read so far: they leave the process's resident
 * memory and stay in the system's page cache, from which a later read
 * maps them again. */
void           imp_mapped_file_release    (ImpMappedFile *self);
/* FALSE once a read of the mapping went past the file's end: what was read
 * from then on is zeros, not the file. */
gboolean       imp_mapped_file_is_intact  (ImpMappedFile *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpMappedFile, imp_mapped_file_free)

G_END_DECLS
