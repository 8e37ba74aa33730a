/* imp-color.h: keeping the content's colours (luminance transfer, histogram match)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imp-image.h"

G_BEGIN_DECLS

/* @image's luminance with @content's chroma (BT.601 full-range YCbCr, as JPEG);
 * @content is resized to @image's size when they differ. Transfer full. */
ImpImage *imp_color_keep_luminance   (const ImpImage *image,
                                      const ImpImage *content);

/* @style's colours moved so that their per-channel mean and 3x3 covariance equal
 * @content's (x' = Lc Ls^-1 (x - mu_s) + mu_c, Cholesky factors), clamped to
 * 0..255. Transfer full. */
ImpImage *imp_color_match_histogram  (const ImpImage *style,
                                      const ImpImage *content);

/* Per-channel mean and covariance of an image (for the tests and the matching). */
void      imp_color_statistics       (const ImpImage *image,
                                      double          mean[3],
                                      double          cov[3][3]);

G_END_DECLS
