/* main.c: placeholder until the window issue fills it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>

int
main (int    argc,
      char **argv)
{
  g_printerr ("impasto %s: the window is not implemented yet\n", PACKAGE_VERSION);
  return 1;
}
