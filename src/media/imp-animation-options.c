/* imp-animation-options.c: how an animation is saved
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-animation-options.h"

#include <string.h>

void
imp_animation_options_init (ImpAnimationOptions *options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  options->delay_ms = IMP_ANIMATION_DEFAULT_DELAY_MS;
  options->final_delay_ms = IMP_ANIMATION_DEFAULT_FINAL_DELAY_MS;
  options->webp_quality = IMP_ANIMATION_DEFAULT_WEBP_QUALITY;
}

void
imp_animation_options_report (const ImpAnimationOptions *options,
                              guint                      done,
                              guint                      total)
{
  if (options->progress != NULL)
    options->progress (done, total, options->progress_data);
}
