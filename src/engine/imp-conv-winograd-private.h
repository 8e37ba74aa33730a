/* imp-conv-winograd-private.h: what the Winograd driver shares with its
 * kernels for each instruction set
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The driver (imp-conv-winograd.c, portable C) splits a call into blocks of
 * tiles and chooses the kernels at run time; imp-conv-winograd-avx2.c and
 * imp-conv-winograd-avx512.c are compiled with their own instruction sets and
 * only ever called where the processor has them.
 */
#pragma once

#include <string.h>

#include <gio/gio.h>

G_BEGIN_DECLS

#define TILE 4          /* outputs per tile side */
#define PATCH 6         /* inputs per tile side */
#define NXI 36          /* positions of the transform domain */
/* The 36 planes of a block would sit a multiple of 4 KiB apart and fight for
 * the same L1 sets; a cache line apart they don't. */
#define PLANE_PAD 16
/* Rows of M a product kernel computes at once (6 x 16 tiles in 12
 * accumulators, the shape of BLIS's Haswell kernel). */
#define KROWS 6

/* How V or M holds a block: rows of tiles a plane per position for sgemm;
 * for the SIMD products panels of 16 tiles, either a plane per position
 * ([xi][k / 16][c][k % 16]: a panel's channels one run of memory, as the
 * products with many channels want) or interleaved ([k / 16][c][xi][k % 16]:
 * a channel's 36 positions one run, so a transform writes one stream rather
 * than 36 planes, where its stores missed the cache). */
typedef enum
{
  LAYOUT_ROWS,
  LAYOUT_PLANES,
  LAYOUT_INTERLEAVED,
} Layout;

/* One call's shared state; the worker threads take blocks from next_block. */
typedef struct
{
  const float  *weights;
  const float  *bias;        /* NULL in the backward pass */
  const float  *src;
  const float  *mask;        /* backward: the layer's ReLU output, or NULL */
  float        *dst;
  guint         height;
  guint         width;
  guint         src_channels;
  guint         dst_channels;
  guint         tiles_w;
  guint         n_tiles;
  guint         block;       /* tiles a block */
  guint         out_parts;   /* blocks sharing each block's tiles, by output channels */
  guint         n_blocks;
  gboolean      backward;    /* transposed weights, flipped data */
  gboolean      relu;
  gboolean      simd;        /* AVX2 + FMA at run time */
  gboolean      avx512;      /* the products with AVX-512F at run time */
  Layout        v_layout;
  Layout        m_layout;
  float        *scratch;
  gsize         scratch_per_thread;
  GCancellable *cancellable;
  gint          next_block;  /* atomic */
  gint          cancelled;   /* atomic */
  double       *cpu;         /* profiling: [thread][2] transform and product CPU seconds, or NULL */
} WinoJob;

/* One block's work: tiles t0 .. t0 + n - 1 (in V and M rows of @ld floats),
 * output channels out_first .. out_end - 1. */
typedef struct
{
  guint t0;
  guint n;
  gsize ld;
  guint out_first;
  guint out_end;
} WinoBlock;

/* plane[i], or 0 where the ReLU output @mask (when given) is not positive. */
static inline float
masked (const float *plane,
        const float *mask,
        gsize        i)
{
  return mask == NULL || mask[i] > 0.0f ? plane[i] : 0.0f;
}

/* Interleaved, floats from one channel's 16 tiles to the next channel's: 37
 * cache lines, not 36, as at a multiple of 4 lines the products' rows would
 * share a sixteenth of the L1 sets. */
#define ROW_FLOATS (16 * (NXI + 1))

/* Where (channel @c, tile @k) of a block lives in position 0 of V or M with
 * @channels rows of @ld tiles; position xi is xi * position_stride () on. */
static inline gsize
cell (Layout layout,
      guint  channels,
      guint  c,
      guint  k,
      gsize  ld)
{
  switch (layout)
    {
    case LAYOUT_INTERLEAVED:
      return ((gsize) (k >> 4) * channels + c) * ROW_FLOATS + (k & 15);
    case LAYOUT_PLANES:
      return (gsize) (k & ~15u) * channels + c * 16 + (k & 15);
    case LAYOUT_ROWS:
    default:
      return (gsize) c * ld + k;
    }
}

static inline gsize
position_stride (Layout layout,
                 guint  channels,
                 gsize  ld)
{
  if (layout == LAYOUT_INTERLEAVED)
    return 16;
  return (gsize) channels * ld + PLANE_PAD;
}

/* Floats from one channel's panel row of 16 tiles to the next's. */
static inline gsize
row_floats (Layout layout)
{
  return layout == LAYOUT_INTERLEAVED ? ROW_FLOATS : 16;
}

/* The 6x6 patch whose top-left is (y0, x0), zero outside the plane. In the
 * backward pass the plane is read flipped in both directions. */
static inline void
load_patch (const WinoJob *job,
            const float   *plane,
            const float   *mask,
            int            y0,
            int            x0,
            float          d[NXI])
{
  int h = job->height, w = job->width;

  if (!job->backward && mask == NULL && y0 >= 0 && x0 >= 0 && y0 + PATCH <= h
      && x0 + PATCH <= w)
    {
      for (int i = 0; i < PATCH; i++)
        memcpy (d + i * PATCH, plane + (gsize) (y0 + i) * w + x0, PATCH * sizeof (float));
      return;
    }
  for (int i = 0; i < PATCH; i++)
    for (int j = 0; j < PATCH; j++)
      {
        int y = y0 + i, x = x0 + j;

        if (y < 0 || x < 0 || y >= h || x >= w)
          d[i * PATCH + j] = 0.0f;
        else if (job->backward)
          d[i * PATCH + j] = masked (plane, mask, (gsize) (h - 1 - y) * w + (w - 1 - x));
        else
          d[i * PATCH + j] = masked (plane, mask, (gsize) y * w + x);
      }
}


static inline void
store_tile (const WinoJob *job,
            float         *plane,
            float          bias,
            int            y0,
            int            x0,
            const float    y[TILE * TILE])
{
  int h = job->height, w = job->width;

  for (int i = 0; i < TILE && y0 + i < h; i++)
    for (int j = 0; j < TILE && x0 + j < w; j++)
      {
        float value = y[i * TILE + j] + bias;

        if (job->relu && value < 0.0f)
          value = 0.0f;
        if (job->backward)
          plane[(gsize) (h - 1 - (y0 + i)) * w + (w - 1 - (x0 + j))] = value;
        else
          plane[(gsize) (y0 + i) * w + x0 + j] = value;
      }
}

/* AVX2 + FMA (imp-conv-winograd-avx2.c): the transforms of a block's full
 * groups of 8 tiles, and the 36 products of a block on V and M laid out by
 * cell () (with the AVX-512 rows kernel where job->avx512). */
void _imp_winograd_transform_inputs_avx2  (const WinoJob *job,
                                           guint          t0,
                                           guint          n,
                                           gsize          ld,
                                           float         *v);
void _imp_winograd_transform_outputs_avx2 (const WinoJob   *job,
                                           const WinoBlock *block,
                                           const float     *m);
void _imp_winograd_multiply_avx2          (const WinoJob   *job,
                                           const WinoBlock *block,
                                           const float     *u,
                                           const float     *v,
                                           float           *m);

/* AVX-512F (imp-conv-winograd-avx512.c): @rows (1 .. KROWS) rows of M over
 * @cols tiles, C = A . B with A(i, k) at a[i * a_i + k * a_k] and B and C in
 * cell ()'s panels of 16 tiles, their rows @b_row and @c_row apart. */
void _imp_winograd_gemm_rows_avx512       (const float   *a,
                                           gsize          a_k,
                                           gsize          a_i,
                                           const float   *b,
                                           gsize          b_row,
                                           guint          k_count,
                                           guint          cols,
                                           float         *c,
                                           gsize          c_row,
                                           gsize          ldc,
                                           guint          rows);

G_END_DECLS
