/* imp-vgg-memory.c: the layout of a network's buffers, how many bytes they
 * take, and the memory estimates built on it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-vgg.h"
#include "imp-vgg-memory.h"
#include "imp-vgg-private.h"

/* What all networks' buffers hold (tests: _imp_vgg_get_buffer_bytes ()). */
static GMutex   buffers_lock;
static guint64  buffers_live;
static guint64  buffers_peak;
static guint64  buffers_largest;

void
_imp_vgg_count_buffers (guint64 added,
                        guint64 removed)
{
  g_mutex_lock (&buffers_lock);
  buffers_live += added;
  buffers_live -= removed;
  buffers_peak = MAX (buffers_peak, buffers_live);
  buffers_largest = MAX (buffers_largest, added);
  g_mutex_unlock (&buffers_lock);
}

void
_imp_vgg_get_buffer_bytes (guint64 *live,
                           guint64 *peak,
                           guint64 *largest)
{
  g_mutex_lock (&buffers_lock);
  *live = buffers_live;
  *peak = buffers_peak;
  *largest = buffers_largest;
  g_mutex_unlock (&buffers_lock);
}

void
_imp_vgg_reset_buffer_peak (void)
{
  g_mutex_lock (&buffers_lock);
  buffers_peak = buffers_live;
  buffers_largest = 0;
  g_mutex_unlock (&buffers_lock);
}

gsize
_imp_vgg_layer_floats (ImpVggLayer layer,
                       guint       width,
                       guint       height)
{
  guint b = imp_vgg_layer_block (layer);

  return (gsize) imp_vgg_layer_out_channels (layer) * (height >> b) * (width >> b);
}

/* A pool runs only when a layer after it runs. */
static gboolean
runs_pool (ImpVggLayer deepest,
           guint       block)
{
  return block < 4 && imp_vgg_layer_block (deepest) > block;
}

/* The layer a pool follows: conv1_2, conv2_2, conv3_4, conv4_4. */
static ImpVggLayer
last_layer_of_block (guint block)
{
  static const ImpVggLayer last[4] = { IMP_CONV1_2, IMP_CONV2_2, IMP_CONV3_4, IMP_CONV4_4 };

  return last[block];
}

gboolean
_imp_vgg_is_kept (guint32     kept,
                  ImpVggLayer layer)
{
  return (kept >> layer) & 1;
}

/* Pools are stored only when every activation is (imp_vgg_get_pool () is for
 * tests); otherwise they go to a work buffer. */
gboolean
_imp_vgg_keeps_pool (ImpVggLayer deepest,
                     guint32     kept,
                     guint       block)
{
  return runs_pool (deepest, block) && kept == IMP_VGG_KEEP_ALL;
}

/* The max pool after the last layer of @block needs its own arg-max when that
 * layer's activation is not kept. */
gboolean
_imp_vgg_keeps_argmax (ImpVggLayer deepest,
                       guint32     kept,
                       ImpPoolKind pool,
                       guint       block)
{
  return runs_pool (deepest, block) && pool == IMP_POOL_MAX &&
         !_imp_vgg_is_kept (kept, last_layer_of_block (block));
}

gsize
_imp_vgg_mask_bytes (gsize n)
{
  return (n + 7) / 8;
}

gsize
_imp_vgg_pool_floats (guint block,
                      guint width,
                      guint height)
{
  /* pool b has the channels of block b and the size of block b + 1 */
  static const guint channels[4] = { 64, 128, 256, 512 };

  return (gsize) channels[block] * (height >> (block + 1)) * (width >> (block + 1));
}

/* conv1_1's output, the largest map with conv1_2's, is recomputed from the
 * input when a loss reads it rather than kept once it is larger than this:
 * the second forward pass is a measurable part of an iteration
 * (docs/engine-tuning.md), which small images, whose memory is no concern,
 * need not pay. */
#define RECOMPUTE_FIRST_BYTES ((guint64) 64 << 20)

static gint force_recompute;   /* tests: recompute at every size */

void
_imp_vgg_force_recompute_first (gboolean force)
{
  g_atomic_int_set (&force_recompute, force);
}

/* With every activation kept (tests) it is kept as well. */
gboolean
_imp_vgg_recomputes_first (guint32 kept,
                           guint   width,
                           guint   height)
{
  guint64 bytes = (guint64) _imp_vgg_layer_floats (IMP_CONV1_1, width, height) * sizeof (float);

  return kept != IMP_VGG_KEEP_ALL && _imp_vgg_is_kept (kept, IMP_CONV1_1) &&
         (bytes > RECOMPUTE_FIRST_BYTES || g_atomic_int_get (&force_recompute));
}

/* Kept maps after block 1 share the arena with block 1's work buffers:
 * forward writes them after block 1 is done and backward is past them
 * before it reaches block 1 again. */
gboolean
_imp_vgg_lies_in_arena (guint32     kept,
                        ImpVggLayer layer)
{
  return kept != IMP_VGG_KEEP_ALL && _imp_vgg_is_kept (kept, layer) &&
         imp_vgg_layer_block (layer) > 0;
}

gboolean
_imp_vgg_stores_own (guint32     kept,
                     ImpVggLayer layer,
                     guint       width,
                     guint       height)
{
  return _imp_vgg_is_kept (kept, layer) && !_imp_vgg_lies_in_arena (kept, layer) &&
         !(layer == IMP_CONV1_1 && _imp_vgg_recomputes_first (kept, width, height));
}

void
_imp_vgg_arena_layout (ImpVggLayer  deepest,
                       guint32      kept,
                       guint        width,
                       guint        height,
                       ImpVggArena *a)
{
  a->first = a->deep = a->kept = 0;
  for (guint l = 0; l <= deepest; l++)
    {
      gsize n = _imp_vgg_layer_floats (l, width, height);

      if (imp_vgg_layer_block (l) == 0)
        a->first = MAX (a->first, n);
      else
        a->deep = MAX (a->deep, n);
      if (_imp_vgg_lies_in_arena (kept, l))
        a->kept += n;
    }
  if (runs_pool (deepest, 0))
    a->deep = MAX (a->deep, _imp_vgg_pool_floats (0, width, height));
  /* VGG's channel counts make block 2's maps half of block 1's: the later
   * pair fits inside block 1's first buffer (backward relies on it). */
  g_assert (2 * a->deep <= a->first);
  a->total = MAX (2 * a->first, MAX (a->first, 2 * a->deep) + a->kept);
}

/* The buffers imp_vgg_set_size () allocates. */
guint64
_imp_vgg_buffers_bytes (ImpVggLayer deepest,
                        guint32     kept,
                        ImpPoolKind pool,
                        guint       width,
                        guint       height)
{
  guint64 bytes = 0, floats;
  ImpVggArena arena;

  _imp_vgg_arena_layout (deepest, kept, width, height, &arena);
  floats = (guint64) 3 * width * height + arena.total;
  for (guint l = 0; l <= deepest; l++)
    if (!_imp_vgg_is_kept (kept, l))
      bytes += _imp_vgg_mask_bytes (_imp_vgg_layer_floats (l, width, height));
    else if (_imp_vgg_stores_own (kept, l, width, height))
      floats += _imp_vgg_layer_floats (l, width, height);
  for (guint b = 0; b < 4; b++)
    {
      if (_imp_vgg_keeps_pool (deepest, kept, b))
        floats += _imp_vgg_pool_floats (b, width, height);
      if (_imp_vgg_keeps_argmax (deepest, kept, pool, b))
        bytes += _imp_vgg_pool_floats (b, width, height);
    }
  return floats * sizeof (float) + bytes;
}

/* The convolutions' prepared weights and the most scratch any one
 * convolution call reserves, beside the buffers. */
static guint64
estimate_bytes (ImpVggLayer       deepest,
                guint32           kept,
                ImpPoolKind       pool,
                ImpConvAlgorithm  algorithm,
                guint             n_threads,
                guint             width,
                guint             height)
{
  guint64 scratch = 0, weights = 0;

  for (guint l = 0; l <= deepest; l++)
    {
      guint64 layer_scratch;

      weights += imp_conv_estimate_bytes (imp_vgg_layer_in_channels (l),
                                          imp_vgg_layer_out_channels (l), algorithm,
                                          width >> imp_vgg_layer_block (l), n_threads,
                                          &layer_scratch);
      scratch = MAX (scratch, layer_scratch);
    }
  return _imp_vgg_buffers_bytes (deepest, kept, pool, width, height) + weights + scratch;
}

guint64
imp_vgg_estimate_memory (ImpVggLayer       deepest,
                         ImpConvAlgorithm  algorithm,
                         guint             n_threads,
                         guint             width,
                         guint             height)
{
  return estimate_bytes (deepest, IMP_VGG_KEEP_ALL, IMP_POOL_MAX, algorithm, n_threads, width,
                         height);
}

guint64
imp_vgg_estimate_memory_kept (ImpVggLayer deepest,
                              guint32     kept,
                              ImpPoolKind pool,
                              guint       n_threads,
                              guint       width,
                              guint       height)
{
  return estimate_bytes (deepest, kept, pool, IMP_CONV_ALGORITHM_AUTO, n_threads, width,
                         height);
}
