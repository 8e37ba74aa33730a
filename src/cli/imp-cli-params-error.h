/* imp-cli-params-error.h: the command line's words for a wrong parameter
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "engine/imp-params.h"

G_BEGIN_DECLS

/* A translated message naming the option behind @error's code and the value
 * in @params; an error of another domain keeps its own message. */
char *imp_cli_describe_params_error (const GError    *error,
                                     const ImpParams *params);

G_END_DECLS
