/* imp-mapped-file.c: a file mapped read-only that survives being cut short
 *
 * Mapping the weights spares every start reading and copying 80 MB, but a
 * mapped file that someone truncates raises SIGBUS on the next read of a lost
 * page. The handler below recognises faults inside the mappings it guards,
 * puts zero pages in their place so the read can finish, and marks the file
 * damaged; its owner then refuses the data with an error. Faults anywhere
 * else go to the handler that was there before.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-mapped-file.h"

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>

/* More mappings alive at once than a process has weights files open. */
#define MAX_GUARDED 64

typedef struct
{
  gint      used;
  gpointer  start;      /* published last, read by the handler */
  gsize     length;
  gint      damaged;
} Guard;

struct _ImpMappedFile
{
  guint8 *data;
  gsize   length;
  Guard  *guard;
};

static Guard guards[MAX_GUARDED];
static struct sigaction previous_action;

/* Hands a fault that is not ours to whoever handled SIGBUS before us; with
 * no such handler, the default action ends the process when the read is
 * retried. */
static void
chain_fault (int        signum,
             siginfo_t *info,
             void      *context)
{
  if ((previous_action.sa_flags & SA_SIGINFO) && previous_action.sa_sigaction != NULL)
    previous_action.sa_sigaction (signum, info, context);
  else if (previous_action.sa_handler != SIG_DFL && previous_action.sa_handler != SIG_IGN)
    previous_action.sa_handler (signum);
  else
    signal (SIGBUS, SIG_DFL);
}

static void
on_sigbus (int        signum,
           siginfo_t *info,
           void      *context)
{
  guint8 *address = info->si_addr;

  for (guint i = 0; i < MAX_GUARDED; i++)
    {
      guint8 *start = g_atomic_pointer_get (&guards[i].start);

      if (start == NULL || address < start || address >= start + guards[i].length)
        continue;
      /* mmap is a plain system call on Linux, safe here in practice */
      if (mmap (start, guards[i].length, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                -1, 0) == MAP_FAILED)
        break;
      g_atomic_int_set (&guards[i].damaged, 1);
      return;
    }
  chain_fault (signum, info, context);
}

static gpointer
install_handler (gpointer data G_GNUC_UNUSED)
{
  struct sigaction action = { 0 };

  action.sa_sigaction = on_sigbus;
  action.sa_flags = SA_SIGINFO;
  sigemptyset (&action.sa_mask);
  sigaction (SIGBUS, &action, &previous_action);
  return NULL;
}

static Guard *
take_guard (void)
{
  for (guint i = 0; i < MAX_GUARDED; i++)
    if (g_atomic_int_compare_and_exchange (&guards[i].used, 0, 1))
      return &guards[i];
  return NULL;
}

ImpMappedFile *
imp_mapped_file_new (int   fd,
                     gsize length)
{
  static GOnce handler_once = G_ONCE_INIT;
  ImpMappedFile *self;
  Guard *guard;
  void *data;

  g_once (&handler_once, install_handler, NULL);
  if ((guard = take_guard ()) == NULL)
    {
      errno = ENFILE;
      return NULL;
    }
  data = mmap (NULL, MAX (length, 1), PROT_READ, MAP_SHARED, fd, 0);
  if (data == MAP_FAILED)
    {
      g_atomic_int_set (&guard->used, 0);
      return NULL;
    }
  self = g_new0 (ImpMappedFile, 1);
  self->data = data;
  self->length = MAX (length, 1);
  self->guard = guard;
  guard->length = self->length;
  g_atomic_int_set (&guard->damaged, 0);
  g_atomic_pointer_set (&guard->start, data);
  return self;
}

void
imp_mapped_file_free (ImpMappedFile *self)
{
  if (self == NULL)
    return;
  g_atomic_pointer_set (&self->guard->start, NULL);
  munmap (self->data, self->length);
  g_atomic_int_set (&self->guard->used, 0);
  g_free (self);
}

const guint8 *
imp_mapped_file_get_data (ImpMappedFile *self)
{
  return self->data;
}

gsize
imp_mapped_file_get_length (ImpMappedFile *self)
{
  return self->length;
}

void
imp_mapped_file_release (ImpMappedFile *self)
{
  madvise (self->data, self->length, MADV_DONTNEED);
}

gboolean
imp_mapped_file_is_intact (ImpMappedFile *self)
{
  return !g_atomic_int_get (&self->guard->damaged);
}
