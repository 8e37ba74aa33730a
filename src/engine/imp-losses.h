/* imp-losses.h: Gram matrices and the Gatys losses with their gradients
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "imp-parallel.h"

G_BEGIN_DECLS

/* @features is a planar [C, N] map (N = H*W positions). gram[C, C] = F Fᵀ / N:
 * normalised by the positions only (docs/algorithm.md, "The loss"). Split over
 * @parallel's threads (NULL: the calling thread), as is imp_style_loss (). */
void   imp_gram           (const float *features,
                           guint        channels,
                           gsize        n_positions,
                           float       *gram,
                           ImpParallel *parallel);

/* Returns mean over the C*C entries of (G - target)², G the Gram of @features.
 * @gram_scratch holds C*C floats. When @grad is not NULL, adds
 * @grad_scale * d(mean)/d(features) = @grad_scale * 4 (G - A) F / (C² N) to it. */
double imp_style_loss     (const float *features,
                           guint        channels,
                           gsize        n_positions,
                           const float *target_gram,
                           float       *gram_scratch,
                           double       grad_scale,
                           float       *grad,
                           ImpParallel *parallel);

/* Returns mean over the @n entries of (F - P)²; when @grad is not NULL adds
 * @grad_scale * 2 (F - P) / n to it. */
double imp_content_loss   (const float *features,
                           const float *target,
                           gsize        n,
                           double       grad_scale,
                           float       *grad);

/* Squared-difference (L2, anisotropic) total variation on the planar
 * [C, H, W] image in pixel units:
 *   TV = ( Σ (x[c,y,x+1] − x[c,y,x])² + Σ (x[c,y+1,x] − x[c,y,x])² ) / (C·H·W)
 * (C = 3 for an RGB image, as docs/algorithm.md says). When @grad is not NULL adds
 * @grad_scale * dTV/dx to it. */
double imp_tv_loss        (const float *image,
                           guint        channels,
                           guint        height,
                           guint        width,
                           double       grad_scale,
                           float       *grad);

G_END_DECLS
