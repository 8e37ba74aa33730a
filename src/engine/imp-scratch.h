/* imp-scratch.h: grow-only work memory for the convolutions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Scratch memory shared by the layers of one network, so buffers are
 * allocated once per session rather than per call. */
typedef struct
{
  float *data;
  gsize  n_floats;
} ImpScratch;

/* At least @n_floats floats; the contents are not kept from earlier calls. */
float   *imp_scratch_reserve         (ImpScratch      *scratch,
                                      gsize            n_floats);
void     imp_scratch_clear           (ImpScratch      *scratch);

G_END_DECLS
