/* imp-cli-progress.c: progress on the terminal and the JSON Lines log
 *
 * Progress goes to stdout, errors to stderr, so a script can keep one and
 * drop the other. On a terminal it is one bar redrawn in place; otherwise a
 * plain line every PLAIN_EVERY iterations and at the last one. A closed
 * stdout (impasto-cli … | head -n 1) only ends the progress output; a log
 * that cannot be written is reported after the picture is saved.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-cli-progress.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

#define PLAIN_EVERY 10
#define BAR_WIDTH 24

struct _ImpCliProgress
{
  gboolean  quiet;
  gboolean  tty;
  gboolean  bar_drawn;
  FILE     *log;
  char     *log_path;
  int       log_errno;     /* the first write error, 0 while none */
};

ImpCliProgress *
imp_cli_progress_new (gboolean     quiet,
                      const char  *log_path,
                      GError     **error)
{
  g_autoptr(ImpCliProgress) self = g_new0 (ImpCliProgress, 1);

  self->quiet = quiet;
  self->tty = isatty (STDOUT_FILENO);
  if (log_path != NULL)
    {
      self->log_path = g_strdup (log_path);
      self->log = g_fopen (log_path, "w");
      if (self->log == NULL)
        {
          int saved = errno;
          g_autofree char *name = g_filename_display_name (log_path);

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("Cannot write the log “%s”: %s"), name, g_strerror (saved));
          return NULL;
        }
    }
  return g_steal_pointer (&self);
}

static char *
format_duration (double seconds)
{
  guint s;

  if (seconds < 0.0)
    return g_strdup ("--:--");
  s = (guint) (seconds + 0.5);
  if (s >= 3600)
    return g_strdup_printf ("%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
  return g_strdup_printf ("%u:%02u", s / 60, s % 60);
}

static void
write_log (ImpCliProgress    *self,
           const ImpProgress *p)
{
  char total[G_ASCII_DTOSTR_BUF_SIZE], style[G_ASCII_DTOSTR_BUF_SIZE];
  char content[G_ASCII_DTOSTR_BUF_SIZE], tv[G_ASCII_DTOSTR_BUF_SIZE];
  char color[G_ASCII_DTOSTR_BUF_SIZE], seconds[G_ASCII_DTOSTR_BUF_SIZE];

  /* g_ascii_dtostr: shortest round-trip form, '.' whatever the locale. */
  fprintf (self->log,
           "{\"iteration\":%u,\"total\":%s,\"style\":%s,\"content\":%s,\"tv\":%s,"
           "\"color\":%s,\"seconds\":%s}\n",
           p->iteration,
           g_ascii_dtostr (total, sizeof total, p->losses.total),
           g_ascii_dtostr (style, sizeof style, p->losses.style),
           g_ascii_dtostr (content, sizeof content, p->losses.content),
           g_ascii_dtostr (tv, sizeof tv, p->losses.tv),
           g_ascii_dtostr (color, sizeof color, p->losses.color),
           g_ascii_formatd (seconds, sizeof seconds, "%.3f", p->seconds));
  if (fflush (self->log) != 0 || ferror (self->log))
    self->log_errno = errno != 0 ? errno : EIO;
}

/* Progress is a courtesy: once stdout is gone (EPIPE, a full disk) the run
 * goes on without it. */
static void
flush_stdout (ImpCliProgress *self)
{
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      self->quiet = TRUE;
      self->bar_drawn = FALSE;
    }
}

static void
draw_bar (ImpCliProgress    *self,
          const ImpProgress *p)
{
  guint done = p->iteration + 1;
  guint filled = p->n_iterations > 0 ? BAR_WIDTH * done / p->n_iterations : 0;
  g_autofree char *left = format_duration (p->seconds_left);
  char bar[BAR_WIDTH + 1];

  for (guint i = 0; i < BAR_WIDTH; i++)
    bar[i] = i < filled ? '#' : '.';
  bar[BAR_WIDTH] = '\0';
  /* \033[K clears what a longer previous line left behind. */
  printf ("\r[%s] %u/%u  %ux%u  total %.3e  style %.3e  content %.3e  %s %s\033[K",
          bar, done, p->n_iterations, p->width, p->height, p->losses.total,
          p->losses.style, p->losses.content, left, _("left"));
  self->bar_drawn = TRUE;
  flush_stdout (self);
}

static void
print_line (ImpCliProgress    *self,
            const ImpProgress *p)
{
  g_autofree char *left = format_duration (p->seconds_left);

  printf (_("iteration %u/%u  %ux%u  total %.4e  style %.4e  content %.4e  tv %.4e  %.1f s  %s left\n"),
          p->iteration, p->n_iterations, p->width, p->height, p->losses.total,
          p->losses.style, p->losses.content, p->losses.tv, p->seconds, left);
  flush_stdout (self);
}

void
imp_cli_progress_update (ImpCliProgress    *self,
                         const ImpProgress *p)
{
  if (self->log != NULL && self->log_errno == 0)
    write_log (self, p);
  if (self->quiet)
    return;
  if (self->tty)
    draw_bar (self, p);
  else if (p->iteration % PLAIN_EVERY == 0 || p->iteration + 1 == p->n_iterations)
    print_line (self, p);
}

void
imp_cli_progress_finish (ImpCliProgress *self)
{
  if (self->bar_drawn)
    {
      printf ("\n");
      self->bar_drawn = FALSE;
      flush_stdout (self);
    }
}

gboolean
imp_cli_progress_close_log (ImpCliProgress  *self,
                            GError         **error)
{
  g_autofree char *name = NULL;
  int saved;

  if (self->log == NULL)
    return TRUE;
  saved = fclose (self->log) != 0 && self->log_errno == 0 ? errno : self->log_errno;
  self->log = NULL;
  if (saved == 0)
    return TRUE;
  name = g_filename_display_name (self->log_path);
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
               _("Cannot write the log “%s”: %s"), name, g_strerror (saved));
  return FALSE;
}

void
imp_cli_progress_free (ImpCliProgress *self)
{
  if (self == NULL)
    return;
  imp_cli_progress_finish (self);
  if (self->log != NULL)
    fclose (self->log);
  g_free (self->log_path);
  g_free (self);
}
