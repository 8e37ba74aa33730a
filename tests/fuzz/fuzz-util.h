/* fuzz-util.h: what every libFuzzer target of Impasto shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize   (int           *argc,
                            char        ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* A critical is a programming error (a g_return_if_fail that fired): the
 * fuzzer must treat it as the crash it would be with G_DEBUG=fatal-criticals.
 * abort(), not GLib's fatal mask: that raises SIGTRAP, which libFuzzer does
 * not catch, so the input would not be saved.
 *
 * Except gdk-pixbuf's own: its GIF loader checks a zero-height frame with a
 * g_return_val_if_fail (gdk_pixbuf_calculate_rowstride) and then fails the
 * load cleanly ("Not enough memory to load GIF file"); Impasto refuses the
 * file, which is all it can do (regressions/image/gif-zero-height-frame.gif).
 * Memory errors in the loaders are still ASan reports. */
static inline gboolean
fuzz_third_party_domain (const char *domain)
{
  return g_strcmp0 (domain, "GdkPixbuf") == 0;
}

static inline void
fuzz_log_handler (const char     *domain,
                  GLogLevelFlags  level,
                  const char     *message,
                  gpointer        user_data)
{
  g_log_default_handler (domain, level, message, user_data);
  if ((level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)) && !fuzz_third_party_domain (domain))
    {
      fflush (stderr);
      abort ();
    }
}

static inline void
fuzz_init_glib (void)
{
  /* The test environment's G_DEBUG=fatal-criticals would trap before the
   * handler could tell third-party criticals apart. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_default_handler (fuzz_log_handler, NULL);
  g_setenv ("GIO_USE_VFS", "local", TRUE);
}
