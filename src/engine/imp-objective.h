/* imp-objective.h: the loss of an image and its gradient (VGG19 + Gatys losses)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "imp-image.h"
#include "imp-params.h"
#include "imp-weights.h"

G_BEGIN_DECLS

/* Weighted contributions, as every front end logs them: total = style + content + tv
 * (+ color when the colour term is on). */
typedef struct
{
  double total;
  double style;
  double content;
  double tv;
  double color;                         /* the style's colour distribution */
  double style_layer[IMP_N_VGG_LAYERS]; /* each style layer's weighted part of style */
} ImpLosses;

typedef struct _ImpObjective ImpObjective;

/* Computes the content and style targets once. @content fixes the image size the
 * objective evaluates; each style image keeps its own size. @style_blend has
 * @n_styles weights (normalised here to sum 1); NULL means equal weights.
 * Honours @params->content_layers, style_layers (weights already normalised by
 * imp_params_validate), pool, the three loss weights and threads: the
 * objective owns a pool of that many worker threads, joined when it is freed. */
ImpObjective *imp_objective_new          (ImpWeights             *weights,
                                          const ImpParams        *params,
                                          const ImpImage         *content,
                                          const ImpImage * const *styles,
                                          const double           *style_blend,
                                          guint                   n_styles,
                                          GCancellable           *cancellable,
                                          GError                **error);
/* The same as imp_objective_new (), reusing @previous's prepared
 * convolutions (the Winograd-transformed weights are large and slow to make)
 * when @previous (may be NULL) was made from the same @weights and reaches at
 * least as deep, and its worker threads when it has as many: coarse-to-fine
 * makes one objective per scale. @previous is not changed and may be used and
 * freed as before. */
ImpObjective *imp_objective_new_sharing  (ImpObjective           *previous,
                                          ImpWeights             *weights,
                                          const ImpParams        *params,
                                          const ImpImage         *content,
                                          const ImpImage * const *styles,
                                          const double           *style_blend,
                                          guint                   n_styles,
                                          GCancellable           *cancellable,
                                          GError                **error);
void          imp_objective_free         (ImpObjective           *self);
/* Frees all that depends on the image size (the network's buffers, the
 * targets): what is left, the prepared convolutions and the threads, serves
 * only as @previous of imp_objective_new_sharing (), so that coarse to fine
 * holds one scale's objective at a time. */
void          imp_objective_free_buffers (ImpObjective           *self);

/* Loss at @image (pixel units, the content's size) and, when @gradient is not NULL,
 * d total / d image into @gradient (same layout as image->data).
 * Returns FALSE with G_IO_ERROR_CANCELLED when @cancellable fires (checked between
 * layers and between tiles of large layers). */
gboolean      imp_objective_evaluate     (ImpObjective           *self,
                                          const ImpImage         *image,
                                          float                  *gradient,
                                          ImpLosses              *losses,
                                          GCancellable           *cancellable,
                                          GError                **error);

/* Loss weights may change between evaluations (the window's sliders). */
void          imp_objective_set_loss_weights (ImpObjective       *self,
                                              double              content_weight,
                                              double              style_weight,
                                              double              tv_weight);

/* Bytes this objective needs at its peak for an image of @width x @height
 * (activations kept for backward, scratch, targets). Used before creating one. */
guint64       imp_objective_estimate_memory (const ImpParams     *params,
                                             guint               width,
                                             guint               height);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpObjective, imp_objective_free)

G_END_DECLS
