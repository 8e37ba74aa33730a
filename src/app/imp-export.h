/* imp-export.h: saving and copying the result
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "engine/imp-image.h"
#include "media/imp-frame-recorder.h"

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

/* Writes the recorder's frames (a snapshot) as GIF or WebP by @file's extension,
 * on a worker thread and atomically. @first_frame (copied; may be NULL) is shown
 * first: the content image. @size 0 keeps the frames' size. */
void     imp_export_save_animation_async  (ImpFrameRecorder    *recorder,
                                           GFile               *file,
                                           guint                delay_ms,
                                           guint                final_delay_ms,
                                           guint                size,
                                           const ImpImage      *first_frame,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean imp_export_save_animation_finish (GAsyncResult        *result,
                                           GError             **error);

void     imp_export_copy_to_clipboard (GdkClipboard      *clipboard,
                                       const ImpImage    *image);

/* "astronaut-scream.png": a file name suggestion from the two image names. */
char    *imp_export_suggest_name    (const char          *content_name,
                                     const char          *style_name);

G_END_DECLS
