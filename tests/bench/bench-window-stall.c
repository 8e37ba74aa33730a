/* bench-window-stall.c: how long the window's main loop stalls while a run paints
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real window under Xvfb paints its sample pair at --size px (1024 by
 * default), coarse to fine as the preset says, until the run of --iterations
 * ends (or --seconds pass). Two clocks watch the main loop: a 5 ms timeout
 * (its lateness is the time the loop could not run) and the window's frame
 * clock (the gap between frames a user sees). For each gap the main thread's
 * own CPU time tells work on the main loop from a machine too loaded to run
 * it. Prints one JSON object; the goal is a p99 and worst stall of 50 ms.
 */
#include "config.h"

#include <adwaita.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "gui-test-util.h"
#include "imp-window-private.h"

#define TICK_MS 5

typedef struct
{
  GArray *gaps_ms;        /* double */
  GArray *cpu_ms;         /* double: main-thread CPU time within each gap */
  GArray *wait_ms;        /* double: main thread runnable but not running (run queue) */
  GArray *widths;         /* guint: the width being painted when the gap ended */
  gint64  last;
  gint64  last_cpu;
  gint64  last_wait;
} Clock;

static Clock timeout_clock, frame_clock;
static gboolean measuring;
static ImpWindow *window;
static int worker_nice;
static GHashTable *reniced;   /* thread ids already given worker_nice */

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Nanoseconds this thread waited in the run queue (the scheduler's count):
 * a gap spent there is the machine's load, not the main loop's work. */
static gint64
thread_wait_ns (void)
{
  g_autofree char *text = NULL;
  unsigned long long on_cpu = 0, waited = 0;

  if (!g_file_get_contents ("/proc/thread-self/schedstat", &text, NULL, NULL) ||
      sscanf (text, "%llu %llu", &on_cpu, &waited) != 2)
    return 0;
  return (gint64) waited;
}

static void
clock_init (Clock *clock)
{
  clock->gaps_ms = g_array_new (FALSE, FALSE, sizeof (double));
  clock->cpu_ms = g_array_new (FALSE, FALSE, sizeof (double));
  clock->wait_ms = g_array_new (FALSE, FALSE, sizeof (double));
  clock->widths = g_array_new (FALSE, FALSE, sizeof (guint));
}

static guint current_width (void);

static void
clock_tick (Clock  *clock,
            gint64  now)
{
  gint64 cpu = thread_cpu_us ();
  gint64 wait = thread_wait_ns ();

  if (measuring && clock->last != 0)
    {
      double gap = (now - clock->last) / 1000.0;
      double busy = (cpu - clock->last_cpu) / 1000.0;
      double waited = (wait - clock->last_wait) / 1e6;
      guint width = current_width ();

      g_array_append_val (clock->gaps_ms, gap);
      g_array_append_val (clock->cpu_ms, busy);
      g_array_append_val (clock->wait_ms, waited);
      g_array_append_val (clock->widths, width);
    }
  clock->last = now;
  clock->last_cpu = cpu;
  clock->last_wait = wait;
}

/* --worker-nice: every thread but this one (the main loop's) at a lower
 * priority, as a run's worker could be: what that would change. */
static void
renice_workers (void)
{
  g_autoptr(GDir) tasks = g_dir_open ("/proc/self/task", 0, NULL);
  pid_t self = (pid_t) syscall (SYS_gettid);
  const char *name;

  while (tasks != NULL && (name = g_dir_read_name (tasks)) != NULL)
    {
      pid_t tid = (pid_t) atoi (name);

      if (tid != self && g_hash_table_add (reniced, GINT_TO_POINTER (tid)))
        setpriority (PRIO_PROCESS, (id_t) tid, worker_nice);
    }
}

static gboolean
on_timeout (gpointer data)
{
  static guint ticks;

  clock_tick (&timeout_clock, g_get_monotonic_time ());
  if (worker_nice != 0 && ticks++ % 20 == 0)
    renice_workers ();
  return G_SOURCE_CONTINUE;
}

/* Asking for the next frame keeps the frame clock running as an animation would. */
static gboolean
on_frame (GtkWidget     *widget,
          GdkFrameClock *frame,
          gpointer       data)
{
  clock_tick (&frame_clock, g_get_monotonic_time ());
  return G_SOURCE_CONTINUE;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

typedef struct
{
  guint  n;
  double p50, p99, worst, worst_cpu, worst_wait, over_50_cpu_share, over_50_wait_share;
  guint  over_50;
} Summary;

/* Gaps while the image was @width wide (0: all); @expected is subtracted:
 * a 5 ms timeout on time is 0 ms late. */
static Summary
summarize (Clock  *clock,
           double  expected,
           guint   width)
{
  g_autoptr(GArray) sorted = g_array_new (FALSE, FALSE, sizeof (double));
  Summary s = { 0 };
  double cpu_over = 0, wait_over = 0, gap_over = 0;

  for (guint i = 0; i < clock->gaps_ms->len; i++)
    {
      double gap = g_array_index (clock->gaps_ms, double, i) - expected;
      double cpu = g_array_index (clock->cpu_ms, double, i);
      double waited = g_array_index (clock->wait_ms, double, i);

      if (width != 0 && g_array_index (clock->widths, guint, i) != width)
        continue;
      g_array_append_val (sorted, gap);
      if (gap >= s.worst)
        {
          s.worst = gap;
          s.worst_cpu = cpu;
          s.worst_wait = waited;
        }
      if (gap > 50)
        {
          s.over_50++;
          gap_over += gap + expected;
          cpu_over += cpu;
          wait_over += waited;
        }
    }
  s.n = sorted->len;
  if (sorted->len == 0)
    return s;
  g_array_sort (sorted, compare_doubles);
  s.p50 = MAX (0, g_array_index (sorted, double, sorted->len / 2));
  s.p99 = MAX (0, g_array_index (sorted, double, (sorted->len * 99) / 100));
  s.over_50_cpu_share = gap_over > 0 ? cpu_over / gap_over : 0;
  s.over_50_wait_share = gap_over > 0 ? wait_over / gap_over : 0;
  return s;
}

static void
print_summary (const char *name,
               Summary    *s,
               gboolean    last)
{
  printf ("  \"%s\": {\"n\": %u, \"p50_ms\": %.1f, \"p99_ms\": %.1f, \"worst_ms\": %.1f, "
          "\"worst_main_cpu_ms\": %.1f, \"worst_run_queue_ms\": %.1f, \"over_50ms\": %u, "
          "\"over_50ms_main_cpu_share\": %.2f, \"over_50ms_run_queue_share\": %.2f}%s\n",
          name, s->n, s->p50, s->p99, s->worst, s->worst_cpu, s->worst_wait, s->over_50,
          s->over_50_cpu_share, s->over_50_wait_share, last ? "" : ",");
}

static gboolean
wells_ready (void)
{
  ImpImageWell *content = window->content_well;
  ImpImageWell *style = window->style_well;

  return !imp_image_well_get_loading (content) && imp_image_well_get_image (content) != NULL &&
         !imp_image_well_get_loading (style) && imp_image_well_get_image (style) != NULL;
}

static guint
current_width (void)
{
  ImpProgress progress;

  if (window == NULL ||
      !imp_run_controller_get_progress (window->controller, &progress))
    return 0;
  return progress.width;
}

static guint
iterations_done (void)
{
  ImpProgress progress;

  if (!imp_run_controller_get_progress (window->controller, &progress))
    return 0;
  return progress.iteration;
}

/* Until the run ends or @end, whichever comes first. */
static void
iterate_until (gint64 end)
{
  ImpRunController *controller = window->controller;

  while (g_get_monotonic_time () < end && imp_run_controller_get_running (controller))
    g_main_context_iteration (NULL, TRUE);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *xdg_dir = gui_test_set_xdg_dirs ();
  g_autoptr(GSettings) settings = NULL;
  int size = 1024, seconds = 240, iterations = 30;
  GOptionEntry entries[] = {
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "Output size in pixels", "PX" },
    { "iterations", 0, 0, G_OPTION_ARG_INT, &iterations, "Iterations of the run", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Measure at most this long", "S" },
    { "worker-nice", 0, 0, G_OPTION_ARG_INT, &worker_nice,
      "Run every other thread at this nice value (an experiment)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  gint64 start, end, cpu_start;
  Summary timeout_all, frame_all, timeout_full, frame_full;
  guint first_iteration;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  gtk_init ();
  adw_init ();
  if (!gui_test_have_environment ())
    return 77;

  settings = g_settings_new (APP_ID);
  g_settings_set_uint (settings, "size", (guint) size);
  g_settings_set_uint (settings, "iterations", (guint) iterations);
  g_settings_set_uint (settings, "autosave-interval", 0);
  reniced = g_hash_table_new (NULL, NULL);
  clock_init (&timeout_clock);
  clock_init (&frame_clock);
  window = imp_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  while (!wells_ready ())
    g_main_context_iteration (NULL, TRUE);
  g_timeout_add (TICK_MS, on_timeout, NULL);
  gtk_widget_add_tick_callback (GTK_WIDGET (window), on_frame, NULL, NULL);

  /* From the click on: the session's start is part of what the user sees. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  measuring = TRUE;
  start = g_get_monotonic_time ();
  cpu_start = thread_cpu_us ();
  first_iteration = iterations_done ();
  end = start + (gint64) seconds * G_USEC_PER_SEC;
  iterate_until (end);
  measuring = FALSE;

  timeout_all = summarize (&timeout_clock, TICK_MS, 0);
  frame_all = summarize (&frame_clock, 1000.0 / 60, 0);
  timeout_full = summarize (&timeout_clock, TICK_MS, (guint) size);
  frame_full = summarize (&frame_clock, 1000.0 / 60, (guint) size);
  printf ("{\n  \"case\": \"window-stall\", \"size\": %d, \"seconds\": %.1f, \"iterations\": %u,\n"
          "  \"main_thread_cpu_s\": %.2f, \"worker_nice\": %d, \"goal_ms\": 50,\n",
          size, (g_get_monotonic_time () - start) / 1e6, iterations_done () - first_iteration,
          (thread_cpu_us () - cpu_start) / 1e6, worker_nice);
  print_summary ("timeout_lateness", &timeout_all, FALSE);
  print_summary ("frame_gap_beyond_60hz", &frame_all, FALSE);
  print_summary ("timeout_lateness_at_full_size", &timeout_full, FALSE);
  print_summary ("frame_gap_beyond_60hz_at_full_size", &frame_full, TRUE);
  printf ("}\n");

  if (imp_run_controller_get_running (window->controller))
    gtk_widget_activate_action (GTK_WIDGET (window), "win.stop", NULL);
  while (imp_run_controller_get_running (window->controller))
    g_main_context_iteration (NULL, TRUE);
  gtk_window_destroy (GTK_WINDOW (window));
  gui_test_remove_xdg_dirs (xdg_dir);
  return 0;
}
