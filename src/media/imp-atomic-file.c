/* imp-atomic-file.c: write a file beside its final name, rename it over on success
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imp-atomic-file.h"

/* The temporary's name does not grow with the final one: a name of the
 * longest legal length still gets a temporary beside it. */
#define TEMPLATE_NAME ".impasto-XXXXXX"

struct _ImpAtomicFile
{
  char *path;
  char *tmp_path;
  int   fd;
  int   slot;       /* in live_temporaries, or -1 */
};

/* Temporaries that exist now, for imp_atomic_file_remove_temporaries(), which
 * a signal handler calls: fixed buffers, no allocation, a slot's path is
 * complete before its flag is set and the flag is cleared only once the file
 * is gone (renamed or removed). More writes at once than slots go unlisted. */
#define N_SLOTS 8

static struct
{
  volatile gint claimed;
  volatile gint live;
  char          path[PATH_MAX];
} live_temporaries[N_SLOTS];

/* Lists @tmp_path before the file exists: a handler may then try to remove a
 * file not created yet, which is harmless, but never misses one that was. */
static int
register_temporary (const char *tmp_path)
{
  if (strlen (tmp_path) >= PATH_MAX)
    return -1;
  for (int i = 0; i < N_SLOTS; i++)
    if (g_atomic_int_compare_and_exchange (&live_temporaries[i].claimed, 0, 1))
      {
        strcpy (live_temporaries[i].path, tmp_path);
        g_atomic_int_set (&live_temporaries[i].live, 1);
        return i;
      }
  return -1;
}

static void
unregister_slot (int slot)
{
  if (slot < 0)
    return;
  g_atomic_int_set (&live_temporaries[slot].live, 0);
  g_atomic_int_set (&live_temporaries[slot].claimed, 0);
}

static void
unregister_temporary (ImpAtomicFile *self)
{
  unregister_slot (self->slot);
  self->slot = -1;
}

void
imp_atomic_file_remove_temporaries (void)
{
  for (int i = 0; i < N_SLOTS; i++)
    if (g_atomic_int_get (&live_temporaries[i].live))
      (void) unlink (live_temporaries[i].path);
}

/* mkstemp() in two steps, so that the name is listed before the file exists
 * (a signal may arrive on any thread, between any two instructions). */
static int
create_temporary (ImpAtomicFile *self,
                  const char    *dir)
{
  static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

  for (int attempt = 0; attempt < 100; attempt++)
    {
      char name[sizeof TEMPLATE_NAME];
      GStatBuf st;
      int fd;

      memcpy (name, TEMPLATE_NAME, sizeof name);
      for (char *x = strchr (name, 'X'); x != NULL && *x == 'X'; x++)
        *x = letters[g_random_int_range (0, sizeof letters - 1)];
      g_free (self->tmp_path);
      self->tmp_path = g_build_filename (dir, name, NULL);
      if (g_lstat (self->tmp_path, &st) == 0)
        continue;
      self->slot = register_temporary (self->tmp_path);
      fd = open (self->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd >= 0)
        return fd;
      unregister_temporary (self);
      if (errno != EEXIST)
        return -1;
    }
  errno = EEXIST;
  return -1;
}

static gboolean
set_errno_error (GError     **error,
                 int          saved_errno,
                 const char  *path)
{
  g_autofree char *name = g_filename_display_name (path);

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _("Could not write “%s”: %s"), name, g_strerror (saved_errno));
  return FALSE;
}

/* A replaced file keeps its permissions; a new one gets 0666 minus the umask
 * like any file the user creates (mkstemp alone would make it 0600). */
static void
copy_mode_of_existing (int         fd,
                       const char *path)
{
  struct stat st;

  if (g_stat (path, &st) == 0 && S_ISREG (st.st_mode))
    (void) fchmod (fd, st.st_mode & 07777);
}

ImpAtomicFile *
imp_atomic_file_new (const char  *path,
                     GError     **error)
{
  g_autofree char *dir = NULL;
  ImpAtomicFile *self;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      set_errno_error (error, EISDIR, path);
      return NULL;
    }

  dir = g_path_get_dirname (path);
  self = g_new0 (ImpAtomicFile, 1);
  self->slot = -1;
  self->path = g_strdup (path);
  self->fd = create_temporary (self, dir);
  if (self->fd < 0)
    {
      set_errno_error (error, errno, path);
      g_clear_pointer (&self->tmp_path, g_free);
      imp_atomic_file_free (self);
      return NULL;
    }
  copy_mode_of_existing (self->fd, path);
  return self;
}

gboolean
imp_atomic_file_write (ImpAtomicFile  *self,
                       const void     *data,
                       gsize           length,
                       GError        **error)
{
  const guint8 *p = data;

  g_return_val_if_fail (self != NULL && self->fd >= 0, FALSE);

  while (length > 0)
    {
      gssize n = write (self->fd, p, MIN (length, (gsize) G_MAXSSIZE));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return set_errno_error (error, errno, self->path);
      if (n == 0)
        return set_errno_error (error, ENOSPC, self->path);
      p += n;
      length -= (gsize) n;
    }
  return TRUE;
}

/* After a crash the new name must not point at a file whose data never reached
 * the disk, hence fsync before the rename and of the folder after it. */
static void
sync_directory (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd >= 0)
    {
      (void) fsync (fd);
      close (fd);
    }
}

gboolean
imp_atomic_file_commit (ImpAtomicFile  *self,
                        GError        **error)
{
  int fd;

  g_return_val_if_fail (self != NULL && self->fd >= 0, FALSE);

  if (fsync (self->fd) != 0 && errno != EINVAL)
    return set_errno_error (error, errno, self->path);
  fd = self->fd;
  self->fd = -1;
  if (close (fd) != 0 && errno != EINTR)
    return set_errno_error (error, errno, self->path);
  if (g_rename (self->tmp_path, self->path) != 0)
    return set_errno_error (error, errno, self->path);
  unregister_temporary (self);
  g_clear_pointer (&self->tmp_path, g_free);
  sync_directory (self->path);
  return TRUE;
}

const char *
imp_atomic_file_get_path (ImpAtomicFile *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->path;
}

void
imp_atomic_file_free (ImpAtomicFile *self)
{
  if (self == NULL)
    return;

  if (self->fd >= 0)
    close (self->fd);
  if (self->tmp_path != NULL)
    (void) g_unlink (self->tmp_path);
  unregister_temporary (self);
  g_free (self->tmp_path);
  g_free (self->path);
  g_free (self);
}
