/* imp-animation-private.h: what the GIF and WebP writers share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imp-animation.h"
#include "imp-atomic-file.h"

G_BEGIN_DECLS

/* The frames to encode, all at the output size, and how long each shows. */
typedef struct
{
  GPtrArray *frames;       /* ImpFrame */
  guint     *delays_ms;
  guint      width;
  guint      height;
  gboolean   draft;        /* estimating the size: fastest settings */
} ImpAnimationPlan;

/* Fails (G_IO_ERROR_INVALID_DATA, naming @path) without frames. */
gboolean imp_animation_plan_init      (ImpAnimationPlan          *plan,
                                       GPtrArray                 *frames,
                                       const ImpAnimationOptions *options,
                                       const char                *path,
                                       GError                   **error);
void     imp_animation_plan_clear     (ImpAnimationPlan          *plan);

/* Both writers' output goes through one of these: a file, or memory when
 * estimating the size. */
typedef gboolean (*ImpAnimationWriteFunc) (const guint8  *data,
                                           gsize          length,
                                           gpointer       user_data,
                                           GError       **error);

gboolean imp_animation_write_to_file  (const guint8  *data,
                                       gsize          length,
                                       gpointer       user_data,
                                       GError       **error);

/* Prefixes "Could not write “@path”: " unless the message names it already. */
void     imp_animation_propagate_error (GError                  **dest,
                                        GError                   *src,
                                        const char               *path);

void     imp_animation_report         (const ImpAnimationOptions *options,
                                       guint                      done,
                                       guint                      total);

/* A format's encoder: writes the planned frames through @write_func. */
typedef gboolean (*ImpAnimationEncodeFunc) (const ImpAnimationPlan    *plan,
                                            const ImpAnimationOptions *options,
                                            ImpAnimationWriteFunc      write_func,
                                            gpointer                   write_data,
                                            GCancellable              *cancellable,
                                            GError                   **error);

gboolean imp_gif_writer_encode        (const ImpAnimationPlan    *plan,
                                       const ImpAnimationOptions *options,
                                       ImpAnimationWriteFunc      write_func,
                                       gpointer                   write_data,
                                       GCancellable              *cancellable,
                                       GError                   **error);
gboolean imp_webp_writer_encode       (const ImpAnimationPlan    *plan,
                                       const ImpAnimationOptions *options,
                                       ImpAnimationWriteFunc      write_func,
                                       gpointer                   write_data,
                                       GCancellable              *cancellable,
                                       GError                   **error);

G_END_DECLS
