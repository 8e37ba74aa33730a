/* imp-image-io.c: placeholder, filled by the media work
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-image-io.h"

G_DEFINE_QUARK (imp-image-io-error-quark, imp_image_io_error)
