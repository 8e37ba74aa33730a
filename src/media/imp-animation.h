/* imp-animation.h: saving a run's recorded frames as an animated GIF or WebP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "engine/imp-image.h"
#include "media/imp-frame-recorder.h"

G_BEGIN_DECLS

#define IMP_ANIMATION_DEFAULT_DELAY_MS        80
#define IMP_ANIMATION_DEFAULT_FINAL_DELAY_MS  2000
#define IMP_ANIMATION_DEFAULT_WEBP_QUALITY    85
/* Shorter delays show as 100 ms in browsers' GIFs; applied to WebP as well. */
#define IMP_ANIMATION_MIN_DELAY_MS            20
#define IMP_ANIMATION_MAX_SIZE                4096

typedef enum
{
  IMP_ANIMATION_FORMAT_UNKNOWN,
  IMP_ANIMATION_FORMAT_GIF,
  IMP_ANIMATION_FORMAT_WEBP,
} ImpAnimationFormat;

/* Called after each frame is encoded, in the saving thread. */
typedef void (*ImpAnimationProgressFunc) (guint    frames_done,
                                          guint    frames_total,
                                          gpointer user_data);

typedef struct
{
  guint                     delay_ms;         /* each frame but the last; at least 20, GIF: 10 ms steps */
  guint                     final_delay_ms;   /* the last frame, held longer */
  guint                     size;             /* longer side, at most 4096; 0: the frames' own size */
  const ImpImage           *first_frame;      /* borrowed; shown first (the content image), or NULL */
  guint                     webp_quality;     /* 0..100, lossy WebP */
  gboolean                  webp_lossless;
  ImpAnimationProgressFunc  progress;
  gpointer                  progress_data;
} ImpAnimationOptions;

void               imp_animation_options_init      (ImpAnimationOptions        *options);

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
