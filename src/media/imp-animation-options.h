/* imp-animation-options.h: how an animation is saved, shared by the
 * animation writer and its format encoders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "engine/imp-image.h"

G_BEGIN_DECLS

#define IMP_ANIMATION_DEFAULT_DELAY_MS        80
#define IMP_ANIMATION_DEFAULT_FINAL_DELAY_MS  2000
#define IMP_ANIMATION_DEFAULT_WEBP_QUALITY    85
/* Shorter delays show as 100 ms in browsers' GIFs; applied to WebP as well. */
#define IMP_ANIMATION_MIN_DELAY_MS            20
#define IMP_ANIMATION_MAX_SIZE                4096

/* Called after each frame is encoded, in the saving thread. */
typedef void (*ImpAnimationProgressFunc) (guint    frames_done,
                                          guint    frames_total,
                                          gpointer user_data);

typedef struct
{
  guint                     delay_ms;         /* each frame but the last; at least 20,
                                                 GIF: 10 ms steps */
  guint                     final_delay_ms;   /* the last frame, held longer */
  guint                     size;             /* longer side, at most 4096; 0: the frames'
                                                 own size */
  const ImpImage           *first_frame;      /* borrowed; shown first (the content image),
                                                 or NULL */
  guint                     webp_quality;     /* 0..100, lossy WebP */
  gboolean                  webp_lossless;
  ImpAnimationProgressFunc  progress;
  gpointer                  progress_data;
} ImpAnimationOptions;

void imp_animation_options_init   (ImpAnimationOptions       *options);

/* Calls @options->progress, if any, with @done of @total frames encoded. */
void imp_animation_options_report (const ImpAnimationOptions *options,
                                   guint                      done,
                                   guint                      total);

G_END_DECLS
