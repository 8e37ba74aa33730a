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

/* One kind of file a chooser offers: a filter by MIME type or by pattern. */
typedef struct
{
  const char *name;        /* marked with N_(), translated here */
  const char *mime_type;   /* or NULL */
  const char *pattern;     /* or NULL */
} ImpFileType;

typedef struct
{
  const char           *title;
  GtkFileChooserAction  action;
  const ImpFileType    *types;
  guint                 n_types;
  GFile                *folder;   /* where it opens, or NULL */
  const char           *name;     /* suggested name when saving, or NULL */
} ImpFileChoice;

/* @file is NULL when the user cancelled. */
typedef void (*ImpFileChosenFunc) (GFile    *file,
                                   gpointer  user_data);

/* The one file chooser of the application: modal over @widget's window; it
 * keeps a reference on @owner (a GObject, passed to @callback) while open. */
void     imp_export_choose_file     (GtkWidget           *widget,
                                     const ImpFileChoice *choice,
                                     ImpFileChosenFunc    callback,
                                     gpointer             owner);

/* Where a save dialog opens: the folder of the last save, else the folder set
 * in Preferences, else Pictures, else the home folder (each only if it exists). */
GFile   *imp_export_get_save_folder (GSettings           *settings);
/* Remembers @file's folder for the next save dialog. */
void     imp_export_remember_folder (GSettings           *settings,
                                     GFile               *file);

G_END_DECLS
