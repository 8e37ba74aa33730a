/* imp-cli-evaluate.h: impasto-cli --evaluate, the losses of a finished picture
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "engine/imp-image.h"
#include "engine/imp-objective.h"
#include "engine/imp-params.h"
#include "engine/imp-weights.h"

G_BEGIN_DECLS

/* The losses of @image under @params' objective (layers, weights, pooling),
 * with content and styles sized as a run of @params sizes them and @image
 * resized to the content's size. Comparing the results of different presets
 * with one fixed definition (e.g. tutorial's at 512 px) is what it is for. */
gboolean imp_cli_evaluate (ImpWeights             *weights,
                           const ImpParams        *params,
                           const ImpImage         *content,
                           const ImpImage * const *styles,
                           const double           *style_blend,
                           guint                   n_styles,
                           const ImpImage         *image,
                           ImpLosses              *losses,
                           GCancellable           *cancellable,
                           GError                **error);

/* The palette distance (imp_palette_distance ()) of @image to each of the
 * @n_styles @styles, computed on a thread of its own from now on: it needs
 * only the pictures, so it overlaps the network's start. The pictures must
 * outlive the job. */
typedef struct _ImpCliPalette ImpCliPalette;

ImpCliPalette *imp_cli_evaluate_palette_start  (const ImpImage         *image,
                                                const ImpImage * const *styles,
                                                guint                   n_styles);
/* Waits for the distances (@n_styles of them, owned by @self). */
const double  *imp_cli_evaluate_palette_finish (ImpCliPalette          *self);
/* Waits for the thread too, so the pictures may go after it. */
void           imp_cli_evaluate_palette_free   (ImpCliPalette          *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpCliPalette, imp_cli_evaluate_palette_free)

/* One line of JSON: each style layer's weighted loss, style, content, tv,
 * color (the colour term; total includes it), total and the palette distance
 * to each style image (named by @style_paths). */
char    *imp_cli_evaluate_to_json (const ImpParams        *params,
                                   const ImpLosses        *losses,
                                   const char * const     *style_paths,
                                   const double           *distances,
                                   guint                   n_styles);

G_END_DECLS
