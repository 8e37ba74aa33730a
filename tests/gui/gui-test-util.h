/* gui-test-util.h: the GUI tests' own XDG folders, and waiting for the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Points XDG_CACHE_HOME, XDG_DATA_HOME and XDG_CONFIG_HOME at new empty folders
 * under one temporary folder, which it returns. Call it first in main(), before
 * GLib reads them (gtk_test_init does not pass G_TEST_OPTION_ISOLATE_DIRS on):
 * autosaves, downloads and weights lookups then never touch the user's. */
char *gui_test_set_xdg_dirs    (void);
/* Deletes that folder and all in it. */
void  gui_test_remove_xdg_dirs (const char *dir);

/* TRUE when the real weights, the test images and the compiled schema are
 * there; otherwise marks the test skipped, saying which is missing. */
gboolean gui_test_have_environment (void);
void     gui_test_skipped          (void);

/* Runs the default main context until @condition (@data) holds, or
 * @timeout_s seconds have passed (FALSE then). */
typedef gboolean (*GuiTestCondition) (gpointer data);

gboolean gui_test_wait_until           (GuiTestCondition condition,
                                        gpointer         data,
                                        double           timeout_s);

/* A GuiTestCondition: the ImpImageWell @data has loaded a picture. */
gboolean gui_test_well_idle_with_image (gpointer         data);

G_END_DECLS
