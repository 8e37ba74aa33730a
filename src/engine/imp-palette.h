/* imp-palette.h: how far apart the colours of two pictures are
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include "imp-image.h"

G_BEGIN_DECLS

/* Order-preserving map of a float's bits to an unsigned integer, for radix
 * sorts of projections. */
static inline guint32
imp_palette_float_key (float value)
{
  guint32 bits;

  memcpy (&bits, &value, sizeof bits);
  return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}

/* The value imp_palette_float_key () was made from. */
static inline float
imp_palette_key_float (guint32 key)
{
  guint32 bits = (key & 0x80000000u) ? key & 0x7fffffffu : ~key;
  float value;

  memcpy (&value, &bits, sizeof value);
  return value;
}

/* Side both pictures are reduced to before they are compared. */
#define IMP_PALETTE_SIDE 256
/* Projection directions and quantiles per direction. */
#define IMP_PALETTE_DIRECTIONS 1024
#define IMP_PALETTE_QUANTILES 256

/* Sliced Wasserstein distance between the RGB pixel distributions of @a and
 * @b on the 0..255 scale: each picture is first reduced to IMP_PALETTE_SIDE
 * px on its longer side with the engine's Lanczos-3 resizer (smaller ones are
 * used as they are) and clamped to 0..255; the pixels are projected on
 * IMP_PALETTE_DIRECTIONS unit directions drawn from a normal distribution with
 * a fixed seed; on each direction the quantiles at (i + 0.5) / Q, i < Q, are
 * taken (linear interpolation between the sorted projections); the result is
 * the root mean square of the differences of the quantiles over all
 * directions. 0 = the same colours in the same proportions. */
double imp_palette_distance (const ImpImage *a,
                             const ImpImage *b);

/* The quantiles at (i + 0.5) / @n_quantiles of the @n values in @sorted
 * (ascending), interpolated linearly, into @quantiles. */
void   imp_palette_quantiles (const float *sorted,
                              gsize        n,
                              guint        n_quantiles,
                              float       *quantiles);

/* @n unit directions in RGB ([n][3]) from a normal distribution seeded with
 * @seed (Box-Muller), the same for the same seed on every machine. */
void   imp_palette_directions (float   *directions,
                               guint    n,
                               guint32  seed);

/* Sorts @n floats ascending (radix sort; @scratch holds @n floats). */
void   imp_palette_sort     (float       *values,
                             gsize        n,
                             float       *scratch);

G_END_DECLS
