/* imp-profile.c: where an evaluation's time goes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-profile.h"

#include <time.h>

const char *
imp_profile_stage_name (ImpProfileStage stage)
{
  static const char * const names[IMP_PROFILE_N_STAGES] = {
    "image", "masks", "pooling", "losses", "tv", "color",
  };

  g_return_val_if_fail (stage < IMP_PROFILE_N_STAGES, NULL);
  return names[stage];
}

static double
clock_seconds (clockid_t id)
{
  struct timespec ts;

  if (clock_gettime (id, &ts) != 0)
    return 0.0;
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

double
imp_profile_process_cpu (void)
{
  return clock_seconds (CLOCK_PROCESS_CPUTIME_ID);
}

double
imp_profile_thread_cpu (void)
{
  return clock_seconds (CLOCK_THREAD_CPUTIME_ID);
}

void
imp_profile_add (ImpProfileTime       *time,
                 const ImpProfileMark *mark)
{
  time->seconds += (g_get_monotonic_time () - mark->wall) / (double) G_USEC_PER_SEC;
  time->cpu_seconds += imp_profile_process_cpu () - mark->cpu;
  time->calls++;
}
