/* gui-test-util.h: the GUI tests' own XDG folders, and waiting for the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "imp-image-well.h"

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

/* As gui_test_wait_until (), but iterating the main context without
 * blocking, every millisecond, for conditions another thread changes
 * without waking it; the timeout is scaled by GUI_TEST_SLOWDOWN. */
gboolean gui_test_poll_until           (GuiTestCondition condition,
                                        gpointer         data,
                                        double           timeout_s);

/* A GuiTestCondition: the ImpImageWell @data has loaded a picture. */
gboolean gui_test_well_idle_with_image (gpointer         data);

/* Sanitizers make every instruction several times slower (.ci/sanitize
 * multiplies the test timeouts by 4 for the same reason): the tests' time
 * bounds and waits scale by this. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GUI_TEST_SLOWDOWN 4.0
#else
#define GUI_TEST_SLOWDOWN 1.0
#endif

/* @name in IMPASTO_TEST_IMAGES, to be freed. */
char    *gui_test_image                (const char      *name);

/* Drops @path on @well as a file manager does (GtkDropTarget::drop with a
 * GFile): TRUE when the well accepted it. */
gboolean gui_test_drop_file            (ImpImageWell    *well,
                                        const char      *path);

G_END_DECLS
