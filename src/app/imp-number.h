/* imp-number.h: numbers as people write and type them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* "1.5", "0.25", "10": at most @significant digits, no trailing zeros, in the
 * user's locale. */
char     *imp_format_number     (double         value,
                                 int            significant);
/* Reads a number typed in the user's locale or with a point; FALSE for
 * anything else (empty, trailing text, not finite). */
gboolean  imp_parse_number      (const char    *text,
                                 double        *value);
/* Shows the spin button's value with imp_format_number (), reads typed text
 * with imp_parse_number () and marks the field as an error while what is
 * typed is no number in its range. */
void      imp_number_spin_setup (GtkSpinButton *spin,
                                 int            significant);

G_END_DECLS
