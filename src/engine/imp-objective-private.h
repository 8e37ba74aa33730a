/* imp-objective-private.h: access for the engine's own tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imp-objective.h"
#include "imp-parallel.h"
#include "imp-vgg.h"

G_BEGIN_DECLS

/* The network the objective evaluates with (owned by @self), e.g. to look at
 * the activations of the last evaluation. */
ImpVgg      *imp_objective_get_vgg      (ImpObjective *self);
/* The objective's worker threads (owned by @self, maybe shared with the
 * objective it was made from). */
ImpParallel *imp_objective_get_parallel (ImpObjective *self);

G_END_DECLS
