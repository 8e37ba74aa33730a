/* test-parallel.c: the worker pool (every part runs once, on its own thread,
 * the workers are joined when the pool goes, OpenBLAS stays single-threaded)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <cblas.h>

#include "engine/imp-parallel.h"

typedef struct
{
  gint      calls[IMP_PARALLEL_MAX_THREADS];   /* atomic */
  GThread  *threads[IMP_PARALLEL_MAX_THREADS];
  guint     n_parts;
  gint      wrong_n;                           /* atomic */
} Record;

static void
record_part (guint    index,
             guint    n_parts,
             gpointer data)
{
  Record *record = data;

  g_atomic_int_inc (&record->calls[index]);
  record->threads[index] = g_thread_self ();
  if (n_parts != record->n_parts)
    g_atomic_int_inc (&record->wrong_n);
}

/* Each of @n parts ran exactly once, part 0 on the caller, the others each
 * on a thread of their own. */
static void
assert_ran (const Record *record,
            guint         n)
{
  g_assert_cmpint (record->wrong_n, ==, 0);
  for (guint i = 0; i < IMP_PARALLEL_MAX_THREADS; i++)
    g_assert_cmpint (record->calls[i], ==, i < n ? 1 : 0);
  g_assert_true (record->threads[0] == g_thread_self ());
  for (guint i = 1; i < n; i++)
    for (guint j = 0; j < i; j++)
      g_assert_true (record->threads[i] != record->threads[j]);
}

static void
test_every_part_once (void)
{
  g_autoptr(ImpParallel) pool = imp_parallel_new (3);

  g_assert_cmpuint (imp_parallel_get_n_threads (pool), ==, 3);
  for (guint round = 0; round < 100; round++)
    {
      Record record = { .n_parts = 3 };

      imp_parallel_run (pool, 0, record_part, &record);
      assert_ran (&record, 3);
    }
}

/* Fewer parts than threads leave the others idle; more are capped. */
static void
test_part_count (void)
{
  g_autoptr(ImpParallel) pool = imp_parallel_new (4);
  Record two = { .n_parts = 2 }, capped = { .n_parts = 4 };

  imp_parallel_run (pool, 2, record_part, &two);
  assert_ran (&two, 2);
  imp_parallel_run (pool, 10, record_part, &capped);
  assert_ran (&capped, 4);
  g_assert_cmpuint (imp_parallel_count_threads (0), ==,
                    MIN (g_get_num_processors (), IMP_PARALLEL_MAX_THREADS));
  g_assert_cmpuint (imp_parallel_count_threads (1000), ==, IMP_PARALLEL_MAX_THREADS);
}

static void
test_no_pool (void)
{
  Record record = { .n_parts = 1 };

  g_assert_cmpuint (imp_parallel_get_n_threads (NULL), ==, 1);
  imp_parallel_run (NULL, 0, record_part, &record);
  assert_ran (&record, 1);
}

typedef struct
{
  ImpParallel *pool;
  Record       inner[2];
} Nested;

static void
nested_part (guint    index,
             guint    n_parts,
             gpointer data)
{
  Nested *nested = data;

  nested->inner[index].n_parts = 1;
  imp_parallel_run (nested->pool, 0, record_part, &nested->inner[index]);
}

/* A loop started from inside a part runs inline rather than waiting for the
 * pool it is part of. */
static void
test_nested (void)
{
  g_autoptr(ImpParallel) pool = imp_parallel_new (2);
  Nested nested = { pool };

  imp_parallel_run (pool, 0, nested_part, &nested);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpint (nested.inner[i].calls[0], ==, 1);
      g_assert_cmpint (nested.inner[i].calls[1], ==, 0);
    }
}

static guint
count_threads (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* The workers start with the pool, stay across loops and are joined when the
 * last reference goes. */
static void
test_joined (void)
{
  guint before = count_threads ();
  ImpParallel *pool = imp_parallel_new (4);
  Record record = { .n_parts = 4 };

  g_assert_cmpuint (count_threads (), ==, before + 3);
  for (guint i = 0; i < 50; i++)
    {
      memset (&record, 0, sizeof record);
      record.n_parts = 4;
      imp_parallel_run (pool, 0, record_part, &record);
    }
  assert_ran (&record, 4);
  g_assert_cmpuint (count_threads (), ==, before + 3);
  imp_parallel_ref (pool);
  imp_parallel_unref (pool);
  g_assert_cmpuint (count_threads (), ==, before + 3);
  imp_parallel_unref (pool);
  g_assert_cmpuint (count_threads (), ==, before);
}

/* BLAS calls run inside the parts: OpenBLAS's own threads would compete. */
static void
test_openblas_single (void)
{
  g_autoptr(ImpParallel) pool = NULL;

  openblas_set_num_threads (2);
  pool = imp_parallel_new (2);
  g_assert_cmpint (openblas_get_num_threads (), ==, 1);
}

static void
add_part (guint    index,
          guint    n_parts,
          gpointer data)
{
  g_atomic_int_add ((gint *) data, (gint) index + 1);
}

static gpointer
run_many (gpointer data)
{
  ImpParallel *pool = data;
  gint sum = 0;

  for (guint i = 0; i < 2000; i++)
    imp_parallel_run (pool, 0, add_part, &sum);
  return GINT_TO_POINTER (sum);
}

/* Loops from two threads on one pool take turns: none loses a part. */
static void
test_two_callers (void)
{
  g_autoptr(ImpParallel) pool = imp_parallel_new (3);
  gint64 start = g_get_monotonic_time ();
  GThread *other = g_thread_new ("caller", run_many, pool);
  gint mine = GPOINTER_TO_INT (run_many (pool));
  gint theirs = GPOINTER_TO_INT (g_thread_join (other));

  g_assert_cmpint (mine, ==, 2000 * (1 + 2 + 3));
  g_assert_cmpint (theirs, ==, 2000 * (1 + 2 + 3));
  g_test_message ("4000 loops on 3 threads: %.1f us a loop",
                  (g_get_monotonic_time () - start) / 4000.0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/parallel/every-part-once", test_every_part_once);
  g_test_add_func ("/engine/parallel/part-count", test_part_count);
  g_test_add_func ("/engine/parallel/no-pool", test_no_pool);
  g_test_add_func ("/engine/parallel/nested", test_nested);
  g_test_add_func ("/engine/parallel/joined", test_joined);
  g_test_add_func ("/engine/parallel/openblas-single", test_openblas_single);
  g_test_add_func ("/engine/parallel/two-callers", test_two_callers);
  return g_test_run ();
}
