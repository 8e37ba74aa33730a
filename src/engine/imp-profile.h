/* imp-profile.h: where an evaluation's time goes, measured only when asked
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "imp-vgg-layers.h"

G_BEGIN_DECLS

/* The work between the convolutions. */
typedef enum
{
  IMP_PROFILE_IMAGE,     /* the image into the network's input, its gradient back */
  IMP_PROFILE_MASKS,     /* ReLU masks packed (forward) and applied (backward) */
  IMP_PROFILE_POOLING,   /* pools forward and backward */
  IMP_PROFILE_LOSSES,    /* Gram matrices, style and content losses, their gradients */
  IMP_PROFILE_TV,        /* total variation and its gradient */
  IMP_PROFILE_COLOR,     /* the colour term and its gradient */
  IMP_PROFILE_N_STAGES
} ImpProfileStage;

typedef struct
{
  double seconds;        /* wall time */
  double cpu_seconds;    /* all threads of the process */
  guint  calls;
} ImpProfileTime;

/* One convolution pass: its time, and for Winograd the threads' CPU seconds
 * in the transforms and in the products (0 on the im2col path). */
typedef struct
{
  ImpProfileTime time;
  double         transform_cpu_seconds;
  double         product_cpu_seconds;
} ImpProfileConv;

/* Filled in by imp_parallel_set_profile ()'s pool: times add up until the
 * caller zeroes the struct. */
typedef struct
{
  ImpProfileConv  forward[IMP_N_VGG_LAYERS];
  ImpProfileConv  backward[IMP_N_VGG_LAYERS];   /* input gradient, through the ReLU */
  ImpProfileTime  stages[IMP_PROFILE_N_STAGES];
  ImpProfileConv *active;                       /* the pass running now, or NULL */
} ImpProfile;

/* A start: taken only when profiling, so the cost is a NULL check when not. */
typedef struct
{
  gint64 wall;
  double cpu;
} ImpProfileMark;

const char *imp_profile_stage_name (ImpProfileStage       stage);

/* CPU seconds of the whole process, or of the calling thread. */
double      imp_profile_process_cpu (void);
double      imp_profile_thread_cpu  (void);

static inline void
imp_profile_start (const ImpProfile *profile,
                   ImpProfileMark   *mark)
{
  if (profile != NULL)
    {
      mark->wall = g_get_monotonic_time ();
      mark->cpu = imp_profile_process_cpu ();
    }
}

/* Adds the time since @mark to @time. */
void        imp_profile_add         (ImpProfileTime       *time,
                                     const ImpProfileMark *mark);

/* imp_profile_add () into @stage when @profile is not NULL. */
static inline void
imp_profile_add_stage (ImpProfile           *profile,
                       ImpProfileStage       stage,
                       const ImpProfileMark *mark)
{
  if (profile != NULL)
    imp_profile_add (&profile->stages[stage], mark);
}

G_END_DECLS
