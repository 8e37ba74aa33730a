/* imp-scratch.c: grow-only work memory for the convolutions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-scratch.h"

float *
imp_scratch_reserve (ImpScratch *scratch,
                     gsize       n_floats)
{
  /* The contents are never kept across calls, so grow without copying. */
  if (n_floats > scratch->n_floats)
    {
      g_free (scratch->data);
      scratch->data = g_new (float, n_floats);
      scratch->n_floats = n_floats;
    }
  return scratch->data;
}

void
imp_scratch_clear (ImpScratch *scratch)
{
  g_clear_pointer (&scratch->data, g_free);
  scratch->n_floats = 0;
}
