/* gui-test-util.c: the GUI tests' own XDG folders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "gui-test-util.h"

char *
gui_test_set_xdg_dirs (void)
{
  const char *vars[][2] = {
    { "XDG_CACHE_HOME", "cache" }, { "XDG_DATA_HOME", "data" }, { "XDG_CONFIG_HOME", "config" },
  };
  char *dir = g_dir_make_tmp ("impasto-gui-xdg-XXXXXX", NULL);

  g_assert_nonnull (dir);
  for (guint i = 0; i < G_N_ELEMENTS (vars); i++)
    {
      g_autofree char *path = g_build_filename (dir, vars[i][1], NULL);

      g_setenv (vars[i][0], path, TRUE);
    }
  return dir;
}

static void
remove_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) children =
    g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                               NULL, NULL);
  GFile *child = NULL;

  while (children != NULL && g_file_enumerator_iterate (children, NULL, &child, NULL, NULL)
         && child != NULL)
    remove_tree (child);
  g_file_delete (file, NULL, NULL);
}

void
gui_test_remove_xdg_dirs (const char *dir)
{
  g_autoptr(GFile) file = g_file_new_for_path (dir);

  remove_tree (file);
}
