/* imp-vgg-memory.h: what a network of a given depth and size allocates, for
 * imp-vgg.c and the memory estimates
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imp-pooling.h"
#include "imp-vgg-layers.h"

G_BEGIN_DECLS

/* The arena: two work buffers of block 1's largest map at its start, or two
 * of the later blocks' largest one (pool1's output included), and the
 * kept maps after block 1 at its end, clear of both pairs. */
typedef struct
{
  gsize first;   /* block 1's largest map */
  gsize deep;    /* the later blocks' largest map */
  gsize kept;    /* kept maps in the arena */
  gsize total;
} ImpVggArena;

gsize     _imp_vgg_layer_floats     (ImpVggLayer  layer,
                                     guint        width,
                                     guint        height);
/* Floats of the pool after block @block (0 = pool1). */
gsize     _imp_vgg_pool_floats      (guint        block,
                                     guint        width,
                                     guint        height);
/* Bytes of a 1-bit mask of @n outputs. */
gsize     _imp_vgg_mask_bytes       (gsize        n);
gboolean  _imp_vgg_is_kept          (guint32      kept,
                                     ImpVggLayer  layer);
gboolean  _imp_vgg_keeps_pool       (ImpVggLayer  deepest,
                                     guint32      kept,
                                     guint        block);
gboolean  _imp_vgg_keeps_argmax     (ImpVggLayer  deepest,
                                     guint32      kept,
                                     ImpPoolKind  pool,
                                     guint        block);
/* Whether conv1_1's output is recomputed rather than kept. */
gboolean  _imp_vgg_recomputes_first (guint32      kept,
                                     guint        width,
                                     guint        height);
gboolean  _imp_vgg_lies_in_arena    (guint32      kept,
                                     ImpVggLayer  layer);
/* The layer's kept output has a buffer of its own (not in the arena, not
 * recomputed). */
gboolean  _imp_vgg_stores_own       (guint32      kept,
                                     ImpVggLayer  layer,
                                     guint        width,
                                     guint        height);
void      _imp_vgg_arena_layout     (ImpVggLayer  deepest,
                                     guint32      kept,
                                     guint        width,
                                     guint        height,
                                     ImpVggArena *arena);
/* The bytes imp_vgg_set_size () allocates. */
guint64   _imp_vgg_buffers_bytes    (ImpVggLayer  deepest,
                                     guint32      kept,
                                     ImpPoolKind  pool,
                                     guint        width,
                                     guint        height);
/* Counts what networks allocate and free (_imp_vgg_get_buffer_bytes ()). */
void      _imp_vgg_count_buffers    (guint64      added,
                                     guint64      removed);

G_END_DECLS
