/* imp-animation.h: saving a run's recorded frames as an animated GIF or WebP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "engine/imp-image.h"
#include "media/imp-animation-options.h"
#include "media/imp-frame-recorder.h"

G_BEGIN_DECLS

typedef enum
{
  IMP_ANIMATION_FORMAT_UNKNOWN,
  IMP_ANIMATION_FORMAT_GIF,
  IMP_ANIMATION_FORMAT_WEBP,
} ImpAnimationFormat;


/* By extension: .gif or .webp, any case. */
ImpAnimationFormat imp_animation_format_for_path   (const char                 *path);

/* Writes the recorder's frames (a snapshot: the run may go on) to @path in the
 * format its extension names, through a temporary file renamed over @path only
 * when complete: a failure, a full disk or @cancellable leave no partial file
 * and an existing @path untouched. Errors are G_IO_ERROR and name @path
 * (G_IO_ERROR_CANCELLED when cancelled). @options may be NULL for defaults.
 * Blocking: call it from a worker thread in the window. */
gboolean           imp_animation_save              (ImpFrameRecorder           *recorder,
                                                    const char                 *path,
                                                    const ImpAnimationOptions  *options,
                                                    GCancellable               *cancellable,
                                                    GError                    **error);
/* The same for a list of frames (element-type ImpFrame), all of one size. */
gboolean           imp_animation_save_frames       (GPtrArray                  *frames,
                                                    const char                 *path,
                                                    const ImpAnimationOptions  *options,
                                                    GCancellable               *cancellable,
                                                    GError                    **error);

/* Rough file size for the window's preview, with the fastest settings: GIF
 * from one frame (about 50 ms at 512 px), WebP from all frames at half size
 * (a few hundred ms for 60 frames at 512 px). 0 without frames. */
guint64            imp_animation_estimate_size     (ImpFrameRecorder           *recorder,
                                                    ImpAnimationFormat          format,
                                                    const ImpAnimationOptions  *options);

G_END_DECLS
