/* imp-animation-encoder.h: what a format's encoder gets from the animation
 * writer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "imp-animation-options.h"
#include "imp-frame-recorder.h"

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

/* Both writers' output goes through one of these: a file, or memory when
 * estimating the size. */
typedef gboolean (*ImpAnimationWriteFunc) (const guint8  *data,
                                           gsize          length,
                                           gpointer       user_data,
                                           GError       **error);

/* A format's encoder: writes the planned frames through @write_func. */
typedef gboolean (*ImpAnimationEncodeFunc) (const ImpAnimationPlan    *plan,
                                            const ImpAnimationOptions *options,
                                            ImpAnimationWriteFunc      write_func,
                                            gpointer                   write_data,
                                            GCancellable              *cancellable,
                                            GError                   **error);

G_END_DECLS
