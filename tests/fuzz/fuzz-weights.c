/* fuzz-weights.c: the safetensors header and metadata parser (imp_weights_load)
 *
 * The loader takes a path, so each input is written to a memfd and loaded
 * through /proc/self/fd: no disk traffic, and the descriptor is a regular file
 * as the loader requires.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include "engine/imp-weights.h"
#include "fuzz-util.h"

static int memfd = -1;
static char *memfd_path;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_glib ();
  memfd = memfd_create ("impasto-fuzz-weights", MFD_CLOEXEC);
  g_assert (memfd >= 0);
  memfd_path = g_strdup_printf ("/proc/self/fd/%d", memfd);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpWeights) weights = NULL;
  size_t done = 0;

  g_assert (ftruncate (memfd, 0) == 0);
  while (done < size)
    {
      ssize_t n = pwrite (memfd, data + done, size - done, (off_t) done);
      g_assert (n > 0);
      done += (size_t) n;
    }

  weights = imp_weights_load (memfd_path, &error);
  /* Exactly one of a result and an error, and the error says something. */
  g_assert ((weights == NULL) != (error == NULL));
  if (error != NULL)
    g_assert (error->domain == IMP_WEIGHTS_ERROR && error->message[0] != '\0');
  else
    g_assert (imp_weights_get_kernel (weights, IMP_CONV5_4) != NULL);
  return 0;
}
