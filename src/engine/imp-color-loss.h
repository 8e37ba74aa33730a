/* imp-color-loss.h: a loss on the picture's colour distribution
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imp-image.h"
#include "imp-parallel.h"

G_BEGIN_DECLS

typedef struct _ImpColorLoss ImpColorLoss;

/* The colour distribution of the @n_styles @styles, blended by @blend
 * (normalised, sums to 1; NULL = equal): on each of @n_directions fixed unit
 * directions in RGB (a seeded normal draw), the quantile function of the
 * pixels' projections, blended as quantile functions (the 1-D Wasserstein
 * barycentre). */
ImpColorLoss *imp_color_loss_new      (const ImpImage * const *styles,
                                       const double           *blend,
                                       guint                   n_styles,
                                       guint                   n_directions);
void          imp_color_loss_free     (ImpColorLoss           *self);

/* Sliced Wasserstein loss (Heitz et al. 2021, a histogram loss after Risser
 * et al. 2017, on pixels): mean over directions and pixels of
 * (p_i - T(rank_i))², p_i the pixel's projection and T the target's
 * quantile at (rank + 0.5) / N. When @grad is not NULL adds @grad_scale times
 * its gradient, 2 (p_i - T) u / (N K) summed over the directions u (the
 * ranks held fixed, as everywhere but at ties). @image is planar RGB. The
 * directions run on @parallel's threads (NULL: the caller's), with the
 * same result on any number. */
double        imp_color_loss_evaluate (ImpColorLoss           *self,
                                       const ImpImage         *image,
                                       double                  grad_scale,
                                       float                  *grad,
                                       ImpParallel            *parallel);

/* Bytes a colour term of @n_directions holds once it evaluated an image of
 * @n_pixels on @n_threads threads (a sorter a thread). */
guint64       imp_color_loss_estimate_memory (gsize                   n_pixels,
                                              guint                   n_directions,
                                              guint                   n_threads);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpColorLoss, imp_color_loss_free)

G_END_DECLS
