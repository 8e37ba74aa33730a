/* test-util.h: what the test suites share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Deletes @path and, when it is a folder, everything below it, following no
 * symbolic links; folders a test made unreadable or unwritable too. A path
 * that does not exist is not an error. */
void test_remove_tree (const char *path);

G_END_DECLS
