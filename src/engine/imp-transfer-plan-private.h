/* imp-transfer-plan-private.h: a run's scales, shared by imp-transfer.c and
 * imp-transfer-plan.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "imp-image.h"
#include "imp-params.h"

G_BEGIN_DECLS

/* One scale of a coarse-to-fine run: its image size and its iterations. */
typedef struct
{
  guint width;
  guint height;
  guint n_iterations;
} ImpScale;

static inline guint
_imp_longer_side (guint width,
                  guint height)
{
  return MAX (width, height);
}

/* The style image's longer side at a scale whose longer side is @scale_long,
 * for an output whose longer side is @out_long. */
guint     _imp_transfer_style_long_side (const ImpParams *p,
                                         const ImpImage  *style,
                                         guint            out_long,
                                         guint            scale_long);
/* The scales of a run whose output is @out_width x @out_height, smallest
 * first; free with g_free(). */
ImpScale *_imp_transfer_plan_scales     (const ImpParams *p,
                                         guint            out_width,
                                         guint            out_height,
                                         guint           *n_scales);
/* An iteration's cost at @s, in the unit of the time estimates. */
double    _imp_transfer_scale_work      (const ImpScale  *s);

G_END_DECLS
