/* fuzz-replay.c: runs a fuzz target's LLVMFuzzerTestOneInput on files, as a
 * TAP test of the normal suite (gcc, no libFuzzer): every seed and every input
 * that once crashed (tests/fuzz/regressions/<target>/) must pass.
 *
 * Usage: replay-<target> DIR...  (each regular file in each DIR is one input)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz-util.h"

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static GPtrArray *
list_inputs (int    argc,
             char **argv)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GDir) dir = g_dir_open (argv[i], 0, NULL);
      const char *name;

      if (dir == NULL)
        continue;
      while ((name = g_dir_read_name (dir)) != NULL)
        if (name[0] != '.')
          g_ptr_array_add (files, g_build_filename (argv[i], name, NULL));
    }
  g_ptr_array_sort (files, compare_paths);
  return files;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GPtrArray) files = list_inputs (argc, argv);

  LLVMFuzzerInitialize (&argc, &argv);
  if (files->len == 0)
    {
      printf ("1..0 # SKIP no input files in the given folders\n");
      return 0;
    }
  printf ("1..%u\n", files->len);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autofree char *data = NULL;
      g_autofree char *base = g_path_get_basename (path);
      gsize len = 0;

      if (!g_file_get_contents (path, &data, &len, NULL))
        {
          printf ("not ok %u %s # cannot read it\n", i + 1, base);
          continue;
        }
      /* A failure aborts inside the target: TAP then sees the plan unfinished. */
      fflush (stdout);
      LLVMFuzzerTestOneInput ((const guint8 *) data, len);
      printf ("ok %u %s (%" G_GSIZE_FORMAT " bytes)\n", i + 1, base, len);
    }
  return 0;
}
