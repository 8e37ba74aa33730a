/* gui-find.c: widgets of a tree found by their template id
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests reach a window's controls as a user does, through the widget tree,
 * instead of through getters that exist only for them.
 */
#include "config.h"

#include "gui-find.h"

GtkWidget *
gui_find_by_id (GtkWidget  *root,
                const char *id)
{
  if (g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (root)), id) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = gui_find_by_id (child, id);

      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
gui_find_by_type (GtkWidget *root,
                  GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = gui_find_by_type (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}
