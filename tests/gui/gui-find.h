/* gui-find.h: widgets of a tree found by their template id
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The first widget under @root (itself included) whose GtkBuilder id is @id. */
GtkWidget *gui_find_by_id   (GtkWidget  *root,
                             const char *id);
/* The first widget under @root of @type. */
GtkWidget *gui_find_by_type (GtkWidget  *root,
                             GType       type);

G_END_DECLS
