/* imp-cli-sizes.h: how large impasto-cli decodes its images, checked before it does
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "engine/imp-image.h"
#include "imp-cli-options.h"

G_BEGIN_DECLS

/* The longest side an image used at @target pixels is decoded at (0: its own). */
guint    imp_cli_sizes_load_side        (guint                  target);
/* The style images' target side under @params (0: their own). */
guint    imp_cli_sizes_style_target     (const ImpParams       *params);
/* Memory the animation's frames take for a content of @width x @height
 * (as decoded); 0 without --animation. */
guint64  imp_cli_sizes_animation_bytes  (const ImpCliOptions   *options,
                                         guint                  width,
                                         guint                  height);
/* @params' memory limit less @held_bytes (memory the run cannot use). */
guint64  imp_cli_sizes_limit_less       (const ImpParams       *params,
                                         guint64                held_bytes);

/* imp_transfer_check_sizes() on the sizes the images' headers declare, as
 * they will be decoded, before any pixel is: for a run (@params as given) or
 * for --evaluate (@evaluated, with @params' single scale). FALSE with a
 * message naming the option and file for an image too small, or the memory
 * needed beyond --memory-limit; TRUE also when a format tells its size only
 * with its pixels (imp_cli_sizes_check_decoded() then decides). */
gboolean imp_cli_sizes_check_headers    (const ImpCliOptions   *options,
                                         const ImpParams       *params,
                                         const char            *evaluated,
                                         GError               **error);
/* The same on the decoded images (@evaluated may be NULL). */
gboolean imp_cli_sizes_check_decoded    (const ImpCliOptions   *options,
                                         const ImpParams       *params,
                                         const ImpImage        *content,
                                         GPtrArray             *styles,
                                         const ImpImage        *evaluated,
                                         GError               **error);

G_END_DECLS
