/* imp-parallel.c: the engine's worker threads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The workers live as long as the pool and sleep on a condition between
 * loops; each loop is one generation: the caller publishes the function,
 * wakes the workers, runs part 0 itself and waits until the other parts
 * report done.
 */
#include "imp-parallel.h"

#include <cblas.h>

/* Allocated with g_atomic_rc_box_new0 (), which counts the references. */
struct _ImpParallel
{
  guint           n_threads;
  GThread       **workers;      /* n_threads - 1, worker i runs part i + 1 */
  GMutex          run_lock;     /* one loop at a time */
  ImpProfile     *profile;      /* borrowed, or NULL */

  /* Under @lock */
  GMutex          lock;
  GCond           wake;         /* a new generation, or quitting */
  GCond           done;         /* @pending reached 0 */
  guint64         generation;
  ImpParallelFunc func;
  gpointer        data;
  guint           n_parts;
  guint           pending;      /* parts of this generation still running */
  gboolean        quit;
};

typedef struct
{
  ImpParallel *pool;
  guint        index;
} Worker;

/* The pool whose part the current thread runs: a loop started from inside
 * one runs inline instead of waiting for itself. */
static GPrivate current_pool;

guint
imp_parallel_count_threads (guint requested)
{
  guint n = requested > 0 ? requested : g_get_num_processors ();

  return CLAMP (n, 1, IMP_PARALLEL_MAX_THREADS);
}

static gpointer
worker_main (gpointer data)
{
  Worker *worker = data;
  ImpParallel *self = worker->pool;
  guint64 seen = 0;

  g_private_set (&current_pool, self);
  g_mutex_lock (&self->lock);
  for (;;)
    {
      ImpParallelFunc func;
      gpointer func_data;
      guint n_parts;

      while (self->generation == seen && !self->quit)
        g_cond_wait (&self->wake, &self->lock);
      if (self->quit)
        break;
      seen = self->generation;
      if (worker->index >= self->n_parts)
        continue;
      func = self->func;
      func_data = self->data;
      n_parts = self->n_parts;
      g_mutex_unlock (&self->lock);

      func (worker->index, n_parts, func_data);

      g_mutex_lock (&self->lock);
      if (--self->pending == 0)
        g_cond_signal (&self->done);
    }
  g_mutex_unlock (&self->lock);
  g_free (worker);
  return NULL;
}

ImpParallel *
imp_parallel_new (guint n_threads)
{
  ImpParallel *self = g_atomic_rc_box_new0 (ImpParallel);

  self->n_threads = imp_parallel_count_threads (n_threads);
  g_mutex_init (&self->run_lock);
  g_mutex_init (&self->lock);
  g_cond_init (&self->wake);
  g_cond_init (&self->done);
  /* OpenBLAS's own threads would compete with these for the cores: once
   * woken they spin on after each call. */
  openblas_set_num_threads (1);
  self->workers = g_new0 (GThread *, self->n_threads);
  for (guint i = 1; i < self->n_threads; i++)
    {
      Worker *worker = g_new (Worker, 1);

      worker->pool = self;
      worker->index = i;
      self->workers[i - 1] = g_thread_new ("impasto-work", worker_main, worker);
    }
  return self;
}

ImpParallel *
imp_parallel_ref (ImpParallel *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

/* The last reference went: stop and join the workers. */
static void
parallel_clear (gpointer data)
{
  ImpParallel *self = data;

  g_mutex_lock (&self->lock);
  self->quit = TRUE;
  g_cond_broadcast (&self->wake);
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i + 1 < self->n_threads; i++)
    g_thread_join (self->workers[i]);
  g_free (self->workers);
  g_cond_clear (&self->done);
  g_cond_clear (&self->wake);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->run_lock);
}

void
imp_parallel_unref (ImpParallel *self)
{
  if (self != NULL)
    g_atomic_rc_box_release_full (self, parallel_clear);
}

void
imp_parallel_set_profile (ImpParallel *self,
                          ImpProfile  *profile)
{
  g_return_if_fail (self != NULL);
  self->profile = profile;
}

ImpProfile *
imp_parallel_get_profile (ImpParallel *self)
{
  return self != NULL ? self->profile : NULL;
}

guint
imp_parallel_get_n_threads (ImpParallel *self)
{
  return self != NULL ? self->n_threads : 1;
}

/* Parts 1 .. n - 1 to the workers; the caller runs part 0 and waits. */
static void
run_on_workers (ImpParallel     *self,
                guint            n,
                ImpParallelFunc  func,
                gpointer         data)
{
  gpointer outer = g_private_get (&current_pool);

  g_mutex_lock (&self->lock);
  self->func = func;
  self->data = data;
  self->n_parts = n;
  self->pending = n - 1;
  self->generation++;
  g_cond_broadcast (&self->wake);
  g_mutex_unlock (&self->lock);

  g_private_set (&current_pool, self);
  func (0, n, data);
  g_private_set (&current_pool, outer);

  g_mutex_lock (&self->lock);
  while (self->pending > 0)
    g_cond_wait (&self->done, &self->lock);
  g_mutex_unlock (&self->lock);
}

void
imp_parallel_run (ImpParallel     *self,
                  guint            n_parts,
                  ImpParallelFunc  func,
                  gpointer         data)
{
  guint n = imp_parallel_get_n_threads (self);

  g_return_if_fail (func != NULL);
  if (n_parts > 0)
    n = MIN (n, n_parts);
  if (n <= 1 || g_private_get (&current_pool) == self)
    {
      func (0, 1, data);
      return;
    }
  g_mutex_lock (&self->run_lock);
  run_on_workers (self, n, func, data);
  g_mutex_unlock (&self->run_lock);
}
