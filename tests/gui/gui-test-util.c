/* gui-test-util.c: the GUI tests' own XDG folders, and waiting for the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "gui-test-util.h"
#include "imp-image-well.h"
#include "test-util.h"

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

void
gui_test_remove_xdg_dirs (const char *dir)
{
  test_remove_tree (dir);
}

gboolean
gui_test_have_environment (void)
{
  const char *weights = g_getenv ("IMPASTO_WEIGHTS");
  const char *images = g_getenv ("IMPASTO_TEST_IMAGES");
  g_autoptr(GSettingsSchema) schema = NULL;

  if (weights == NULL || !g_file_test (weights, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("IMPASTO_WEIGHTS does not name the VGG19 weights file");
      return FALSE;
    }
  if (images == NULL || !g_file_test (images, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("IMPASTO_TEST_IMAGES does not name the test image folder");
      return FALSE;
    }
  schema = g_settings_schema_source_lookup (g_settings_schema_source_get_default (), APP_ID, TRUE);
  if (schema == NULL)
    {
      g_test_skip ("The compiled GSettings schema is missing (GSETTINGS_SCHEMA_DIR)");
      return FALSE;
    }
  return TRUE;
}

/* A test of its own for the skip, so the TAP output says why nothing ran. */
void
gui_test_skipped (void)
{
  gui_test_have_environment ();
}

gboolean
gui_test_wait_until (GuiTestCondition condition,
                     gpointer         data,
                     double           timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);

  while (!condition (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, TRUE);
    }
  return TRUE;
}

gboolean
gui_test_well_idle_with_image (gpointer data)
{
  ImpImageWell *well = data;

  return !imp_image_well_get_loading (well) && imp_image_well_get_image (well) != NULL;
}

gboolean
gui_test_poll_until (GuiTestCondition condition,
                     gpointer         data,
                     double           timeout_s)
{
  gint64 end = g_get_monotonic_time ()
               + (gint64) (timeout_s * GUI_TEST_SLOWDOWN * G_USEC_PER_SEC);

  while (!condition (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

char *
gui_test_image (const char *name)
{
  return g_build_filename (g_getenv ("IMPASTO_TEST_IMAGES"), name, NULL);
}

gboolean
gui_test_drop_file (ImpImageWell *well,
                    const char   *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  GValue value = G_VALUE_INIT;
  gboolean accepted = FALSE;

  g_value_init (&value, G_TYPE_FILE);
  g_value_set_object (&value, file);
  g_signal_emit_by_name (imp_image_well_get_drop_target (well), "drop", &value, 20.0, 20.0,
                         &accepted);
  g_value_unset (&value);
  return accepted;
}
