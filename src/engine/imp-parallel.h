/* imp-parallel.h: the engine's worker threads, one pool per objective
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "imp-profile.h"

G_BEGIN_DECLS

/* Most threads a pool runs, whatever is asked. */
#define IMP_PARALLEL_MAX_THREADS 64

typedef struct _ImpParallel ImpParallel;

/* One part of a parallel loop: @index of @n_parts, all running at once. */
typedef void (*ImpParallelFunc) (guint    index,
                                 guint    n_parts,
                                 gpointer data);

/* The thread count a pool made with @requested threads runs: @requested, or
 * one per processor when 0, within 1 .. IMP_PARALLEL_MAX_THREADS. */
guint        imp_parallel_count_threads (guint            requested);

/* A pool of imp_parallel_count_threads (@n_threads) threads, the caller's
 * included: the others are started here and wait until joined when the last
 * reference goes. Also keeps OpenBLAS to one thread for the whole process:
 * every BLAS call of the engine runs inside one part of a parallel loop. */
ImpParallel *imp_parallel_new           (guint            n_threads);
ImpParallel *imp_parallel_ref           (ImpParallel     *self);
void         imp_parallel_unref         (ImpParallel     *self);

/* 1 for a NULL pool. */
guint        imp_parallel_get_n_threads (ImpParallel     *self);

/* Runs @func (index, n, @data) for each index 0 .. n - 1 concurrently and
 * returns when all are done; n is @n_parts, at most the pool's thread count
 * (0: the thread count). The calling thread runs index 0. A NULL pool runs
 * one part on the calling thread (BLAS calls in it then use whatever thread
 * count OpenBLAS has); so does a call from inside a part of the same pool.
 * Calls from several threads take turns. */
void         imp_parallel_run           (ImpParallel     *self,
                                         guint            n_parts,
                                         ImpParallelFunc  func,
                                         gpointer         data);

/* Where the loops run on this pool account their time (borrowed; NULL, the
 * default, measures nothing). For profiling one thread's work at a time. */
void         imp_parallel_set_profile   (ImpParallel     *self,
                                         ImpProfile      *profile);
/* NULL for a NULL pool. */
ImpProfile  *imp_parallel_get_profile   (ImpParallel     *self);

/* Where part @index of @n_parts of @n items starts (part @index + 1's start is
 * where it ends): near-equal contiguous ranges. */
static inline gsize
imp_parallel_split (gsize n,
                    guint index,
                    guint n_parts)
{
  return (gsize) ((guint64) n * index / n_parts);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpParallel, imp_parallel_unref)

G_END_DECLS
