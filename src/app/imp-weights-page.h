/* imp-weights-page.h: what the window shows while the network weights are missing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define IMP_TYPE_WEIGHTS_PAGE (imp_weights_page_get_type ())

G_DECLARE_FINAL_TYPE (ImpWeightsPage, imp_weights_page, IMP, WEIGHTS_PAGE, GtkWidget)

/* Its actions: "weights.download", "weights.cancel" and "weights.choose".
 * "weights-found" (const char *path, gboolean downloaded) follows a finished
 * download or a chosen file.
 * Properties "message" (what it says about the last download, NULL when nothing)
 * and "fraction" (0..1 of the download) are what the page shows. */
const char *imp_weights_page_get_message  (ImpWeightsPage *self);
double      imp_weights_page_get_fraction (ImpWeightsPage *self);

G_END_DECLS
