/* bench-profile.c: the benchmark's per-layer profile of one iteration
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "bench-profile.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#ifdef __x86_64__
#include <immintrin.h>
#endif

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median_of (double *values,
           guint   n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* The median over the iterations of the double at @offset in each profile. */
static double
median_field (const BenchProfile *run,
              gsize               offset)
{
  g_autofree double *values = g_new (double, run->n);

  for (guint i = 0; i < run->n; i++)
    values[i] = *(const double *) ((const char *) &run->profiles[i] + offset);
  return median_of (values, run->n);
}

static double
median_array (const double *array,
              guint         n)
{
  g_autofree double *values = g_memdup2 (array, n * sizeof (double));

  return median_of (values, n);
}

#ifdef __x86_64__
/* CPU time, not wall: on a loaded machine the rate a core gives while it
 * runs, comparable with the products' CPU seconds. */
static gint64
thread_cpu_us (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return (gint64) now.tv_sec * G_USEC_PER_SEC + now.tv_nsec / 1000;
}

/* 12 independent chains: enough to keep two FMA pipes of 4 cycles' latency
 * busy. */
#define FMA_CHAINS 12
#define FMA_ROUNDS 20000000

#define FMA_PEAK(NAME, TARGET, VEC, SET1, FMADD, FIRST, LANES)                 \
  __attribute__ ((target (TARGET))) static double                              \
  NAME (void)                                                                  \
  {                                                                            \
    VEC acc[FMA_CHAINS], x = SET1 (1.0000001f), y = SET1 (1e-7f);              \
    gint64 start;                                                              \
    double seconds;                                                            \
    float sum = 0;                                                             \
                                                                               \
    for (int i = 0; i < FMA_CHAINS; i++)                                       \
      acc[i] = SET1 ((float) i);                                               \
    start = thread_cpu_us ();                                                  \
    for (long r = 0; r < FMA_ROUNDS; r++)                                      \
      _Pragma ("GCC unroll 12")                                                \
      for (int i = 0; i < FMA_CHAINS; i++)                                     \
        acc[i] = FMADD (acc[i], x, y);                                         \
    seconds = (thread_cpu_us () - start) / 1e6;                                \
    for (int i = 0; i < FMA_CHAINS; i++)                                       \
      sum += FIRST (acc[i]);                                                   \
    /* the sum is used, so the loop is not thrown away */                      \
    return sum == 0 ? 0 : 2.0 * LANES * FMA_CHAINS * FMA_ROUNDS / seconds / 1e9; \
  }

FMA_PEAK (fma_gflops_avx512, "avx512f", __m512, _mm512_set1_ps, _mm512_fmadd_ps,
          _mm512_cvtss_f32, 16)
FMA_PEAK (fma_gflops_avx2, "avx2,fma", __m256, _mm256_set1_ps, _mm256_fmadd_ps,
          _mm256_cvtss_f32, 8)
#endif

double
bench_profile_fma_gflops (void)
{
#ifdef __x86_64__
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f"))
    return fma_gflops_avx512 ();
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return fma_gflops_avx2 ();
#endif
  return 0;
}

/* Forward or input gradient of @layer, counted as a direct convolution. */
static double
layer_gflop (ImpVggLayer layer,
             guint       width,
             guint       height)
{
  guint b = imp_vgg_layer_block (layer);

  return 2.0 * (width >> b) * (height >> b) * imp_vgg_layer_in_channels (layer)
         * imp_vgg_layer_out_channels (layer) * 9 / 1e9;
}

/* The Winograd products' work for @layer: 36 multiply-adds per channel pair
 * and 4x4 tile. */
static double
layer_product_gflop (ImpVggLayer layer,
                     guint       width,
                     guint       height)
{
  guint b = imp_vgg_layer_block (layer);
  guint tiles = (((width >> b) + 3) / 4) * (((height >> b) + 3) / 4);

  return 2.0 * tiles * 36 * imp_vgg_layer_in_channels (layer)
         * imp_vgg_layer_out_channels (layer) / 1e9;
}

typedef struct
{
  double wall;
  double cpu;
  double transforms;   /* Winograd CPU seconds, 0 elsewhere */
  double products;
} Pair;

static Pair
print_pass (const BenchProfile *run,
            ImpVggLayer         layer,
            gboolean            backward,
            double              total)
{
  gsize base = backward ? offsetof (ImpProfile, backward) : offsetof (ImpProfile, forward);
  gsize at = base + layer * sizeof (ImpProfileConv);
  double wall = median_field (run, at + offsetof (ImpProfileConv, time.seconds));
  double cpu = median_field (run, at + offsetof (ImpProfileConv, time.cpu_seconds));
  double transforms = median_field (run, at + offsetof (ImpProfileConv, transform_cpu_seconds));
  double products = median_field (run, at + offsetof (ImpProfileConv, product_cpu_seconds));
  double gflop = layer_gflop (layer, run->width, run->height);

  printf ("# %-8s %-8s %8.1f %8.1f %7.2f %8.1f %8.1f %6.1f %%", imp_vgg_layer_name (layer),
          backward ? "backward" : "forward", wall * 1e3, cpu * 1e3, gflop,
          wall > 0 ? gflop / wall : 0.0, cpu > 0 ? gflop / cpu : 0.0, 100.0 * wall / total);
  if (transforms + products > 0)
    printf (" %10.1f %9.1f\n", transforms * 1e3, products * 1e3);
  else
    printf (" %10s %9s\n", "-", "-");
  return (Pair) { wall, cpu, transforms, products };
}

static void
print_stage (const char *name,
             double      wall,
             double      cpu,
             double      total)
{
  printf ("# %-17s %8.1f %8.1f %33.1f %%\n", name, wall * 1e3, cpu * 1e3, 100.0 * wall / total);
}

/* The Winograd transforms and products over all layers, the products'
 * rate per CPU second against what one core's FMAs reach. */
static void
print_winograd (const BenchProfile *run,
                const Pair         *sum,
                double              product_gflop)
{
  double rate = sum->products > 0 ? product_gflop / sum->products : 0;

  printf ("# %-17s %8s %8.1f\n", "transforms", "", sum->transforms * 1e3);
  printf ("# %-17s %8s %8.1f %7.1f %8s %8.1f", "products", "", sum->products * 1e3,
          product_gflop, "", rate);
  if (run->fma_gflops > 0)
    printf ("   %.0f %% of one core's FMA peak (%.1f GFLOP/s)", 100.0 * rate / run->fma_gflops,
            run->fma_gflops);
  printf ("\n");
}

static void
print_convolutions (const BenchProfile *run,
                    double              total)
{
  Pair sum = { 0, 0, 0, 0 };
  double gflop = 0, product_gflop = 0;

  printf ("# %-8s %-8s %8s %8s %7s %8s %8s %8s %11s %9s\n", "layer", "pass", "wall ms",
          "CPU ms", "GFLOP", "GFLOP/s", "/CPU s", "share", "transf. CPU", "prod. CPU");
  for (ImpVggLayer l = IMP_CONV1_1; l <= run->deepest; l++)
    for (int backward = 0; backward <= 1; backward++)
      {
        Pair p = print_pass (run, l, backward, total);

        sum.wall += p.wall;
        sum.cpu += p.cpu;
        sum.transforms += p.transforms;
        sum.products += p.products;
        gflop += layer_gflop (l, run->width, run->height);
        if (p.products > 0)
          product_gflop += layer_product_gflop (l, run->width, run->height);
      }
  printf ("# %-17s %8.1f %8.1f %7.1f %8.1f %8.1f %6.1f %%\n", "convolutions", sum.wall * 1e3,
          sum.cpu * 1e3, gflop, gflop / sum.wall, gflop / sum.cpu, 100.0 * sum.wall / total);
  print_winograd (run, &sum, product_gflop);
}

/* The sum of every part one iteration's profile holds. */
static Pair
profile_parts (const ImpProfile *profile)
{
  Pair sum = { 0, 0 };

  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      sum.wall += profile->forward[l].time.seconds + profile->backward[l].time.seconds;
      sum.cpu += profile->forward[l].time.cpu_seconds + profile->backward[l].time.cpu_seconds;
    }
  for (guint s = 0; s < IMP_PROFILE_N_STAGES; s++)
    {
      sum.wall += profile->stages[s].seconds;
      sum.cpu += profile->stages[s].cpu_seconds;
    }
  return sum;
}

/* What no part accounts for, iteration by iteration (the medians of the
 * parts need not add up to the median of the whole). */
static Pair
median_other (const BenchProfile *run)
{
  g_autofree double *wall = g_new (double, run->n);
  g_autofree double *cpu = g_new (double, run->n);

  for (guint i = 0; i < run->n; i++)
    {
      Pair parts = profile_parts (&run->profiles[i]);

      wall[i] = run->seconds[i] - parts.wall;
      cpu[i] = run->cpu_seconds[i] - parts.cpu;
    }
  return (Pair) { median_of (wall, run->n), median_of (cpu, run->n) };
}

void
bench_profile_print (const BenchProfile *run)
{
  double evaluate = median_array (run->seconds, run->n);
  double evaluate_cpu = median_array (run->cpu_seconds, run->n);
  double optimizer = median_array (run->optimizer_seconds, run->n);
  double optimizer_cpu = median_array (run->optimizer_cpu_seconds, run->n);
  double total = evaluate + optimizer;
  Pair other = median_other (run);

  printf ("# profile: %ux%u, %u threads, median of %u iterations; sgemm %.1f GFLOP/s in "
          "this run\n", run->width, run->height, run->threads, run->n, run->sgemm_gflops);
  printf ("# transf./prod. CPU: the Winograd transforms' and products' CPU ms; GFLOP/s per "
          "CPU s is one core's rate\n");
  print_convolutions (run, total);
  for (ImpProfileStage s = 0; s < IMP_PROFILE_N_STAGES; s++)
    {
      gsize at = offsetof (ImpProfile, stages) + s * sizeof (ImpProfileTime);

      print_stage (imp_profile_stage_name (s),
                   median_field (run, at + offsetof (ImpProfileTime, seconds)),
                   median_field (run, at + offsetof (ImpProfileTime, cpu_seconds)), total);
    }
  print_stage ("optimizer", optimizer, optimizer_cpu, total);
  print_stage ("other", other.wall, other.cpu, total);
  print_stage ("iteration", total, evaluate_cpu + optimizer_cpu, total);
  fflush (stdout);
}
