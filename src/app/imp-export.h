/* imp-export.h: saving and copying the result
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "engine/imp-image.h"

G_BEGIN_DECLS

/* Writes a copy of @image to @file (PNG or JPEG by extension) on a worker thread,
 * atomically (imp_image_io_save): a failure leaves any existing file untouched. */
void     imp_export_save_async      (const ImpImage      *image,
                                     GFile               *file,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
gboolean imp_export_save_finish     (GAsyncResult        *result,
                                     GError             **error);

void     imp_export_copy_to_clipboard (GdkClipboard      *clipboard,
                                       const ImpImage    *image);

/* "astronaut-scream.png": a file name suggestion from the two image names. */
char    *imp_export_suggest_name    (const char          *content_name,
                                     const char          *style_name);

G_END_DECLS
