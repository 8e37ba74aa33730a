/* imp-weights-private.h: what the tests may ask of ImpWeights
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imp-weights.h"

G_BEGIN_DECLS

/* Whether this load hashed the file, rather than finding it verified before. */
gboolean imp_weights_hashed_at_load (ImpWeights *self);

G_END_DECLS
