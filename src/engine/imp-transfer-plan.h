/* imp-transfer-plan.h: what a style-transfer run needs, from the images'
 * sizes alone: its memory, its time, and whether it can run at all
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "imp-params.h"

G_BEGIN_DECLS

#define IMP_TRANSFER_ERROR (imp_transfer_error_quark ())

typedef enum
{
  IMP_TRANSFER_ERROR_TOO_LARGE,   /* estimated memory above the limit */
  IMP_TRANSFER_ERROR_FAILED,
  IMP_TRANSFER_ERROR_TOO_SMALL,   /* an image too small for the network's deepest layer */
  IMP_TRANSFER_ERROR_NOT_FINITE,  /* the loss or its gradient overflowed: the run cannot go on */
} ImpTransferError;

GQuark       imp_transfer_error_quark     (void);

/* imp_transfer_new()'s checks of the images' sizes, on sizes alone, so that a
 * caller can make them before decoding anything: @sizes holds the content's
 * width and height, then each style's, as imp_transfer_new() will get them;
 * @extra_bytes is memory the caller holds beside the run (an animation's
 * frames). @params must have passed imp_params_validate(). FALSE with
 * IMP_TRANSFER_ERROR_TOO_SMALL (*@which is then 0 for the content, i + 1 for
 * style i) or IMP_TRANSFER_ERROR_TOO_LARGE (*@which is G_MAXUINT). */
gboolean     imp_transfer_check_sizes     (const ImpParams       *params,
                                           const guint           *sizes,
                                           guint                  n_styles,
                                           guint64                extra_bytes,
                                           guint                 *which,
                                           GError               **error);

/* Peak bytes for these params and a content of @width x @height (before resizing). */
guint64      imp_transfer_estimate_memory (const ImpParams       *params,
                                           guint                 content_width,
                                           guint                 content_height);
/* The limit a session uses when params->memory_limit is 0: three quarters of
 * the machine's physical memory. */
guint64      imp_transfer_default_memory_limit (void);

/* Expected seconds of a whole run on @n_threads threads (0 = all cores) for an
 * output of @width x @height, from a measured cost per pixel-iteration and the
 * run's scales; a guide for choosing a preset, not a promise. */
double       imp_transfer_estimate_seconds (const ImpParams     *params,
                                            guint                width,
                                            guint                height,
                                            guint                n_threads);

G_END_DECLS
