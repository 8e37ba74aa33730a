/* bench-iteration.c: seconds per style-transfer iteration, as one JSON object
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One case per run, so peak RSS belongs to that case alone (run-bench.sh runs
 * the set). Modes:
 *   objective  imp_objective_evaluate () with a gradient, as a session's step
 *              does: forward to the preset's deepest layer, input gradient, Grams
 *   network    ImpVgg forward + backward with a chosen convolution algorithm
 *              (plain im2col against Winograd in the same process)
 * Every object also carries this process's sgemm GFLOP/s on a
 * convolution-shaped problem (M=256 N=4096 K=2304), so the ratio to the machine
 * is visible whatever the machine. With --profile (objective mode) a table
 * follows: where an iteration's time goes, layer by layer (bench-profile.c).
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "engine/imp-adam.h"
#include "engine/imp-objective.h"
#include "engine/imp-objective-private.h"
#include "engine/imp-params.h"
#include "engine/imp-vgg.h"
#include "engine/imp-weights.h"

#include "bench-profile.h"

typedef struct
{
  char    *mode;
  guint    size;              /* width */
  guint    height;
  guint    threads;
  char    *preset;
  char    *algorithm;
  guint    iterations;
  guint    warmup;
  gboolean long_run;
  gboolean profile;
} Options;

typedef struct
{
  double  *seconds;
  double  *cpu_seconds;       /* user + system of all threads: robust to other load */
  guint    n;
  double   setup;
  double   setup_cpu;
  double   load;              /* weights file read and checked */
  gsize    rss_after_first;   /* KiB, after the first measured iteration */
  gsize    rss_last;          /* KiB, after the last one */
  glong    faults_start;      /* minor page faults before the first measured iteration */
  glong    faults_end;
  ImpProfile *profiles;       /* --profile: one a measured iteration, else NULL */
  double  *optimizer_seconds;
  double  *optimizer_cpu_seconds;
} Timings;

static gsize
current_rss_kib (void)
{
  g_autofree char *statm = NULL;
  unsigned long size = 0, resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL)
      || sscanf (statm, "%lu %lu", &size, &resident) != 2)
    return 0;
  return resident * (sysconf (_SC_PAGESIZE) / 1024);
}

static double
cpu_time (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec
         + usage.ru_stime.tv_usec / 1e6;
}

static glong
minor_faults (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

static gsize
peak_rss_kib (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

/* Best of three: the sgemm rate this process gets right now. */
static double
sgemm_gflops (void)
{
  const int m = 256, n = 4096, k = 2304;
  g_autofree float *a = g_new (float, (gsize) m * k);
  g_autofree float *b = g_new (float, (gsize) k * n);
  g_autofree float *c = g_new (float, (gsize) m * n);
  double best = G_MAXDOUBLE;

  for (gsize i = 0; i < (gsize) m * k; i++)
    a[i] = (float) (i % 7) * 0.01f;
  for (gsize i = 0; i < (gsize) k * n; i++)
    b[i] = (float) (i % 5) * 0.01f;
  for (int r = 0; r < 4; r++)
    {
      gint64 start = g_get_monotonic_time ();

      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n,
                   0.0f, c, n);
      if (r > 0)
        best = MIN (best, (g_get_monotonic_time () - start) / 1e6);
    }
  return 2.0 * m * n * k / best / 1e9;
}

/* A smooth synthetic picture: the cost does not depend on the content. */
static ImpImage *
synthetic_image (guint width,
                 guint height,
                 guint seed)
{
  ImpImage *image = imp_image_new (width, height);

  for (guint c = 0; c < 3; c++)
    for (guint y = 0; y < height; y++)
      for (guint x = 0; x < width; x++)
        imp_image_channel (image, c)[(gsize) y * width + x] =
          127.5f + 120.0f * sinf ((x * (c + 1) + y * (seed + 2)) * 0.013f);
  return image;
}

static ImpConvAlgorithm
algorithm_named (const char *name)
{
  if (g_str_equal (name, "im2col"))
    return IMP_CONV_ALGORITHM_IM2COL;
  if (g_str_equal (name, "winograd"))
    return IMP_CONV_ALGORITHM_WINOGRAD;
  return IMP_CONV_ALGORITHM_AUTO;
}

static ImpVggLayer
deepest_layer (const ImpParams *params)
{
  ImpVggLayer deepest = IMP_CONV1_1;

  for (guint i = 0; i < params->content_layers.n_layers; i++)
    deepest = MAX (deepest, params->content_layers.layers[i]);
  for (guint i = 0; i < params->style_layers.n_layers; i++)
    deepest = MAX (deepest, params->style_layers.layers[i]);
  return deepest;
}

/* The direct convolution's FLOPs of forward + input gradient to @deepest. */
static double
direct_gflop (ImpVggLayer deepest,
              guint       width,
              guint       height)
{
  double total = 0.0;

  for (ImpVggLayer l = IMP_CONV1_1; l <= deepest; l++)
    {
      guint shift = imp_vgg_layer_block (l);
      double pixels = (double) (width >> shift) * (height >> shift);

      total += 2.0 * 2.0 * pixels * imp_vgg_layer_in_channels (l)
               * imp_vgg_layer_out_channels (l) * 9;
    }
  return total / 1e9;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static gboolean
load_weights (ImpWeights **weights,
              GError     **error)
{
  const char *path = g_getenv ("IMPASTO_WEIGHTS");

  if (path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "IMPASTO_WEIGHTS is not set: the benchmark needs the VGG19 weights");
      return FALSE;
    }
  *weights = imp_weights_load (path, error);
  return *weights != NULL;
}

static void
record (Timings *t,
        guint    i,
        gint64   start,
        double   cpu_start)
{
  t->seconds[i] = (g_get_monotonic_time () - start) / 1e6;
  t->cpu_seconds[i] = cpu_time () - cpu_start;
  if (i == 0)
    t->rss_after_first = current_rss_kib ();
  t->rss_last = current_rss_kib ();
  t->faults_end = minor_faults ();
}

/* One Adam step on @x along the gradient, as a session takes after each
 * evaluation; --profile counts it in the iteration. */
static void
time_optimizer (ImpAdam     *adam,
                float       *x,
                const float *gradient,
                Timings     *t,
                guint        i)
{
  gint64 start;
  double cpu_start;

  start = g_get_monotonic_time ();
  cpu_start = cpu_time ();
  imp_adam_step (adam, x, gradient, 0.f, 255.f);
  t->optimizer_seconds[i] = (g_get_monotonic_time () - start) / 1e6;
  t->optimizer_cpu_seconds[i] = cpu_time () - cpu_start;
}

static gboolean
run_objective (const Options *o,
               ImpParams     *params,
               ImpWeights    *weights,
               Timings       *t,
               GError       **error)
{
  g_autoptr(ImpImage) content = synthetic_image (o->size, o->height, 0);
  g_autoptr(ImpImage) style = synthetic_image (o->size, o->height, 5);
  const ImpImage *styles[] = { style };
  g_autofree float *gradient = g_new (float, (gsize) 3 * o->size * o->height);
  g_autoptr(ImpObjective) objective = NULL;
  /* profiling only: they would count in the peak RSS */
  g_autoptr(ImpAdam) adam = NULL;
  g_autoptr(ImpImage) x = NULL;
  gint64 start = g_get_monotonic_time ();
  double cpu_start = cpu_time ();
  ImpLosses losses;

  objective = imp_objective_new (weights, params, content, styles, NULL, 1, NULL, error);
  if (objective == NULL)
    return FALSE;
  t->setup = (g_get_monotonic_time () - start) / 1e6;
  t->setup_cpu = cpu_time () - cpu_start;
  if (t->profiles != NULL)
    {
      adam = imp_adam_new ((gsize) 3 * o->size * o->height, params->lr, params->beta1,
                           params->beta2, params->epsilon);
      x = imp_image_copy (content);
    }
  for (guint i = 0; i < o->warmup + t->n; i++)
    {
      ImpProfile *profile = t->profiles != NULL && i >= o->warmup
                            ? &t->profiles[i - o->warmup] : NULL;

      if (i == o->warmup)
        t->faults_start = minor_faults ();
      imp_parallel_set_profile (imp_objective_get_parallel (objective), profile);
      start = g_get_monotonic_time ();
      cpu_start = cpu_time ();
      if (!imp_objective_evaluate (objective, content, gradient, &losses, NULL, error))
        return FALSE;
      if (i >= o->warmup)
        record (t, i - o->warmup, start, cpu_start);
      if (profile != NULL)
        time_optimizer (adam, x->data, gradient, t, i - o->warmup);
    }
  imp_parallel_set_profile (imp_objective_get_parallel (objective), NULL);
  return TRUE;
}

static void
seed_gradient (ImpVgg            *vgg,
               const ImpLayerSet *set)
{
  for (guint i = 0; i < set->n_layers; i++)
    {
      guint w, h, c = imp_vgg_layer_out_channels (set->layers[i]);
      float *g = imp_vgg_get_layer_gradient (vgg, set->layers[i]);

      imp_vgg_layer_size (vgg, set->layers[i], &w, &h);
      for (gsize k = 0; k < (gsize) c * w * h; k += 7)
        g[k] += 1e-3f;
    }
}

/* Forward + backward with a gradient at the preset's content and style layers. */
static gboolean
run_network (const Options *o,
             ImpParams     *params,
             ImpWeights    *weights,
             Timings       *t,
             GError       **error)
{
  ImpConvAlgorithm algorithm = algorithm_named (o->algorithm);
  ImpVggLayer deepest = deepest_layer (params);
  g_autoptr(ImpImage) image = synthetic_image (o->size, o->height, 0);
  g_autofree float *gradient = g_new (float, (gsize) 3 * o->size * o->height);
  g_autoptr(ImpParallel) parallel = imp_parallel_new (o->threads);
  g_autoptr(ImpVgg) vgg = NULL;
  gint64 start = g_get_monotonic_time ();
  double cpu_start;

  vgg = imp_vgg_new (weights, deepest, params->pool, algorithm, parallel);
  if (!imp_vgg_set_size (vgg, o->size, o->height, error))
    return FALSE;
  t->setup = (g_get_monotonic_time () - start) / 1e6;
  for (guint i = 0; i < o->warmup + t->n; i++)
    {
      if (i == o->warmup)
        t->faults_start = minor_faults ();
      start = g_get_monotonic_time ();
      cpu_start = cpu_time ();
      if (!imp_vgg_forward (vgg, image->data, NULL, error))
        return FALSE;
      imp_vgg_zero_gradients (vgg);
      seed_gradient (vgg, &params->content_layers);
      seed_gradient (vgg, &params->style_layers);
      if (!imp_vgg_backward (vgg, gradient, NULL, error))
        return FALSE;
      if (i >= o->warmup)
        record (t, i - o->warmup, start, cpu_start);
    }
  return TRUE;
}

static double
median (const double *values,
        guint         n,
        double       *min,
        double       *max)
{
  g_autofree double *sorted = g_memdup2 (values, n * sizeof (double));

  qsort (sorted, n, sizeof (double), compare_doubles);
  if (min != NULL)
    *min = sorted[0];
  if (max != NULL)
    *max = sorted[n - 1];
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* What this process holds besides the objective: its three images (content,
 * style, gradient) and, in network mode, the weights file's pages (an
 * objective lets go of them once its convolutions are prepared). */
static guint64
held_bytes (guint    width,
            guint    height,
            gboolean weights)
{
  guint64 floats = (guint64) 3 * 3 * width * height;

  for (guint l = 0; weights && l < IMP_N_VGG_LAYERS; l++)
    floats += (guint64) imp_vgg_layer_in_channels (l) * imp_vgg_layer_out_channels (l) * 9 +
              imp_vgg_layer_out_channels (l);
  return floats * sizeof (float);
}

/* Network mode: every activation kept, a gradient buffer per seeded layer,
 * the convolutions as @algorithm keeps them. */
static double
network_bytes (const ImpParams *params,
               const char      *algorithm,
               guint            threads,
               guint            width,
               guint            height)
{
  ImpVggLayer deepest = deepest_layer (params);
  guint64 bytes = imp_vgg_estimate_memory (deepest, algorithm_named (algorithm), threads, width,
                                           height);
  gboolean seeded[IMP_N_VGG_LAYERS] = { FALSE };

  for (guint i = 0; i < params->content_layers.n_layers; i++)
    seeded[params->content_layers.layers[i]] = TRUE;
  for (guint i = 0; i < params->style_layers.n_layers; i++)
    seeded[params->style_layers.layers[i]] = TRUE;
  for (guint l = 0; l <= deepest; l++)
    if (seeded[l])
      {
        guint b = imp_vgg_layer_block (l);

        bytes += (guint64) imp_vgg_layer_out_channels (l) * (width >> b) * (height >> b)
                 * sizeof (float);
      }
  return (double) bytes;
}

static void
print_json (const Options   *o,
            const ImpParams *params,
            const Timings   *t,
            double           sgemm)
{
  double gflop = direct_gflop (deepest_layer (params), o->size, o->height);
  double min, max, wall = median (t->seconds, t->n, &min, &max);
  double cpu = median (t->cpu_seconds, t->n, NULL, NULL);
  double objective_mb = imp_objective_estimate_memory (params, o->size, o->height) / 1048576.0;
  double estimate_mb = (g_str_equal (o->mode, "network")
                        ? network_bytes (params, o->algorithm, o->threads, o->size, o->height)
                        : objective_mb * 1048576.0) / 1048576.0
                       + held_bytes (o->size, o->height, g_str_equal (o->mode, "network"))
                         / 1048576.0;
  printf ("{\"mode\": \"%s\", \"size\": %u, \"height\": %u, \"threads\": %u, \"preset\": \"%s\", "
          "\"algorithm\": \"%s\", \"iterations\": %u, \"warmup\": %u, "
          "\"median_s\": %.4f, \"min_s\": %.4f, \"max_s\": %.4f, \"median_cpu_s\": %.4f, "
          "\"load_s\": %.3f, \"setup_s\": %.3f, \"setup_cpu_s\": %.3f, "
          "\"session_start_s\": %.3f, "
          "\"direct_gflop\": %.1f, \"effective_gflops\": %.1f, "
          "\"peak_rss_mb\": %.1f, \"rss_after_first_mb\": %.1f, \"rss_last_mb\": %.1f, "
          "\"estimate_mb\": %.1f, \"objective_estimate_mb\": %.1f, "
          "\"estimate_error\": %.3f, \"page_faults_per_iteration\": %.0f, "
          "\"sgemm_gflops\": %.1f, \"ratio_to_sgemm\": %.2f}\n",
          o->mode, o->size, o->height, o->threads, o->preset, o->algorithm, t->n, o->warmup, wall,
          min, max, cpu, t->load, t->setup, t->setup_cpu, t->load + t->setup, gflop, gflop / wall,
          peak_rss_kib () / 1024.0, t->rss_after_first / 1024.0, t->rss_last / 1024.0,
          estimate_mb, objective_mb, estimate_mb / (peak_rss_kib () / 1024.0) - 1,
          (double) (t->faults_end - t->faults_start) / t->n, sgemm,
          gflop / wall / sgemm);
  fflush (stdout);
}

static void
print_profile (const Options   *o,
               const ImpParams *params,
               const Timings   *t,
               double           sgemm)
{
  BenchProfile run = {
    .profiles = t->profiles,
    .seconds = t->seconds,
    .cpu_seconds = t->cpu_seconds,
    .optimizer_seconds = t->optimizer_seconds,
    .optimizer_cpu_seconds = t->optimizer_cpu_seconds,
    .n = t->n,
    .deepest = deepest_layer (params),
    .width = o->size,
    .height = o->height,
    .threads = o->threads,
    .sgemm_gflops = sgemm,
    .fma_gflops = bench_profile_fma_gflops (),
  };

  bench_profile_print (&run);
}

static gboolean
parse_options (Options  *o,
               int      *argc,
               char   ***argv,
               GError  **error)
{
  int size = 512, height = 0, threads = 0, iterations = 5, warmup = 1;
  GOptionEntry entries[] = {
    { "mode", 0, 0, G_OPTION_ARG_STRING, &o->mode, "objective (default) or network", "MODE" },
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "Image width in pixels (512)", "PX" },
    { "height", 0, 0, G_OPTION_ARG_INT, &height, "Image height in pixels (the width)", "PX" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Threads (0 = all cores)", "N" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &o->preset, "Preset (tutorial)", "NAME" },
    { "algorithm", 0, 0, G_OPTION_ARG_STRING, &o->algorithm,
      "network mode: auto, im2col or winograd", "ALG" },
    { "iterations", 0, 0, G_OPTION_ARG_INT, &iterations, "Measured iterations (5)", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Iterations before measuring (1)", "N" },
    { "long", 0, 0, G_OPTION_ARG_NONE, &o->long_run,
      "1000 iterations at 512 px; RSS must stay flat", NULL },
    { "profile", 0, 0, G_OPTION_ARG_NONE, &o->profile,
      "objective mode: where an iteration's time goes, layer by layer", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- seconds per iteration");

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (o->long_run)
    {
      size = 512;
      height = 0;
      iterations = 1000;
    }
  height = height ? height : size;
  if (size < 16 || height < 16 || iterations < 1 || warmup < 0 || threads < 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "size, height >= 16, iterations >= 1, warmup >= 0, threads >= 0");
      return FALSE;
    }
  o->size = size;
  o->height = height;
  o->threads = threads ? (guint) threads : g_get_num_processors ();
  o->iterations = iterations;
  o->warmup = warmup;
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  Options o = { NULL };
  ImpParams params;
  Timings t = { NULL };
  g_autoptr(ImpWeights) weights = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;
  double sgemm;

  if (!parse_options (&o, &argc, &argv, &error))
    goto fail;
  o.mode = o.mode ? o.mode : g_strdup ("objective");
  o.preset = o.preset ? o.preset : g_strdup ("tutorial");
  o.algorithm = o.algorithm ? o.algorithm : g_strdup ("auto");
  if (!imp_params_init_preset (&params, o.preset, &error))
    goto fail;
  params.size = MAX (o.size, o.height);
  params.threads = o.threads;
  if (!imp_params_validate (&params, &error))
    goto fail;
  t.load = g_get_monotonic_time () / 1e6;
  ok = load_weights (&weights, &error);
  t.load = g_get_monotonic_time () / 1e6 - t.load;
  if (!ok)
    {
      g_printerr ("skip: %s\n", error->message);
      return 77;
    }
  t.n = o.iterations;
  t.seconds = g_new0 (double, t.n);
  t.cpu_seconds = g_new0 (double, t.n);
  if (o.profile && !g_str_equal (o.mode, "network"))
    {
      t.profiles = g_new0 (ImpProfile, t.n);
      t.optimizer_seconds = g_new0 (double, t.n);
      t.optimizer_cpu_seconds = g_new0 (double, t.n);
    }
  if (g_str_equal (o.mode, "network"))
    ok = run_network (&o, &params, weights, &t, &error);
  else
    ok = run_objective (&o, &params, weights, &t, &error);
  if (!ok)
    goto fail;
  /* sgemm last: after the load the weights' checksum runs on a thread of its
   * own, beside the session's start as in a real run, and would have taken a
   * core from the measurement; at the very start the processor was not up to
   * speed yet (30 % less) */
  openblas_set_num_threads ((int) o.threads);
  sgemm = sgemm_gflops ();
  print_json (&o, &params, &t, sgemm);
  if (t.profiles != NULL)
    print_profile (&o, &params, &t, sgemm);
  if (o.long_run && t.rss_last > t.rss_after_first + 16 * 1024)
    {
      g_printerr ("RSS grew from %zu to %zu KiB over %u iterations\n", t.rss_after_first,
                  t.rss_last, t.n);
      return 1;
    }
  return 0;

fail:
  g_printerr ("bench-iteration: %s\n", error->message);
  return 1;
}
