/* bench-profile.h: the benchmark's per-layer profile of one iteration
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "engine/imp-profile.h"

/* What the measured iterations of one run recorded, one entry each. */
typedef struct
{
  const ImpProfile *profiles;
  const double     *seconds;              /* imp_objective_evaluate (), wall */
  const double     *cpu_seconds;
  const double     *optimizer_seconds;    /* one Adam step on the image */
  const double     *optimizer_cpu_seconds;
  guint             n;
  ImpVggLayer       deepest;
  guint             width;
  guint             height;
  guint             threads;
  double            sgemm_gflops;         /* this run's reference */
  double            fma_gflops;           /* one core's FMA peak, or 0 */
} BenchProfile;

/* Prints, as lines starting with "# ", the median of every part over the
 * iterations: each layer's forward and backward time with its direct FLOP
 * count, effective GFLOP/s (per wall second, and per CPU second: the figure
 * that holds on a loaded machine) and share, the Winograd transforms against
 * the products, and the time outside the convolutions. */
void   bench_profile_print      (const BenchProfile *run);

/* What one core's fused multiply-adds reach on registers alone (the widest
 * vectors the processor has; 0 without AVX2 and FMA): the ceiling the
 * Winograd products are measured against. */
double bench_profile_fma_gflops (void);
