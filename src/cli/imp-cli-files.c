/* imp-cli-files.c: the files a run reads and writes, checked before it starts
 *
 * A file is known by its device and inode; one that does not exist yet by its
 * folder's device and inode and its name, which is what it will be known by
 * once created (whatever path spells it: "a/./x.png", a symlinked folder). The
 * --save-dir pictures are not listed one by one (a run may save a million):
 * the folder's existing entries that a save would replace are, and a file
 * not yet created is one of them when its folder is the save folder and its
 * name is that of a picture the run saves.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-cli-files.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct
{
  char     *option;     /* "-o", "--log-json", ... */
  char     *path;
  gboolean  known;      /* FALSE: an input that cannot be found (its load will say why) */
  dev_t     dev;        /* the file's, or its folder's when @name is set */
  ino_t     ino;
  char     *name;       /* NULL when the file exists */
} FileId;

static void
file_id_free (gpointer data)
{
  FileId *id = data;

  g_free (id->option);
  g_free (id->path);
  g_free (id->name);
  g_free (id);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FileId, file_id_free)

static FileId *
file_id_new (const char *option,
             const char *path)
{
  FileId *id = g_new0 (FileId, 1);

  id->option = g_strdup (option);
  id->path = g_strdup (path);
  return id;
}

static gboolean
same_file (const FileId *a,
           const FileId *b)
{
  return a->known && b->known && a->dev == b->dev && a->ino == b->ino
         && g_strcmp0 (a->name, b->name) == 0;
}

static gboolean
cannot_write (GError    **error,
              const char *option,
              const char *path,
              int         saved_errno)
{
  g_autofree char *name = g_filename_display_name (path);

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               _("%s “%s” cannot be written: %s"), option, name, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
cannot_write_in (GError    **error,
                 const char *option,
                 const char *path,
                 const char *folder,
                 int         saved_errno)
{
  g_autofree char *name = g_filename_display_name (path);
  g_autofree char *folder_name = g_filename_display_name (folder);

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               _("%s “%s” cannot be written: folder “%s”: %s"), option, name, folder_name,
               g_strerror (saved_errno));
  return FALSE;
}

/* Inputs: by stat alone; one that is missing is the loader's to report. */
static void
add_read (GPtrArray  *reads,
          const char *option,
          const char *path)
{
  FileId *id = file_id_new (option, path);
  GStatBuf st;

  if (g_stat (path, &st) == 0)
    {
      id->known = TRUE;
      id->dev = st.st_dev;
      id->ino = st.st_ino;
    }
  g_ptr_array_add (reads, id);
}

/* A file the run will write: its identity, or why it cannot be one (a
 * folder, a missing folder, a name too long for the file system). */
static FileId *
identify_written (const char  *option,
                  const char  *path,
                  GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(FileId) id = file_id_new (option, path);
  GStatBuf st;
  int err = 0;

  if (g_stat (path, &st) == 0)
    {
      if (S_ISDIR (st.st_mode))
        err = EISDIR;
    }
  else if (errno != ENOENT)
    err = errno;
  else if (g_stat (dir, &st) != 0)
    {
      cannot_write_in (error, option, path, dir, errno);
      return NULL;
    }
  else
    id->name = g_path_get_basename (path);
  if (err != 0)
    {
      cannot_write (error, option, path, err);
      return NULL;
    }
  id->known = TRUE;
  id->dev = st.st_dev;
  id->ino = st.st_ino;
  return g_steal_pointer (&id);
}

/* The picture --save-every saves after @n iterations is named "impasto-"
 * %06u ".png": TRUE when @name is one the run saves. */
static gboolean
is_scheduled_picture (const ImpCliOptions *o,
                      const char          *name)
{
  g_autofree char *digits = NULL;
  g_autofree char *again = NULL;
  guint64 n = 0;
  gsize len = strlen (name);

  if (!g_str_has_prefix (name, "impasto-") || !g_str_has_suffix (name, ".png")
      || len <= strlen ("impasto-.png"))
    return FALSE;
  digits = g_strndup (name + strlen ("impasto-"), len - strlen ("impasto-.png"));
  if (!g_ascii_string_to_unsigned (digits, 10, 1, o->params.iterations, &n, NULL))
    return FALSE;
  again = g_strdup_printf ("%06u", (guint) n);
  return g_strcmp0 (again, digits) == 0 && n % o->save_every == 0;
}

/* The save folder, existing or to be created (its nearest existing ancestor
 * must then be a writable folder). @dir_id is set when it exists. */
static gboolean
check_save_dir (const ImpCliOptions  *o,
                FileId              **dir_id,
                GError              **error)
{
  g_autofree char *longest = g_strdup_printf ("impasto-%06u.png", o->params.iterations);
  g_autofree char *ancestor = g_strdup (o->save_dir);
  GStatBuf st;

  *dir_id = NULL;
  if (strlen (o->save_dir) + 1 + strlen (longest) >= PATH_MAX)
    return cannot_write (error, "--save-dir", o->save_dir, ENAMETOOLONG);
  while (g_stat (ancestor, &st) != 0)
    {
      char *parent;

      if (errno != ENOENT)
        return cannot_write (error, "--save-dir", o->save_dir, errno);
      parent = g_path_get_dirname (ancestor);
      g_free (ancestor);
      ancestor = parent;
    }
  if (!S_ISDIR (st.st_mode))
    return cannot_write_in (error, "--save-dir", o->save_dir, ancestor, ENOTDIR);
  if (g_access (ancestor, W_OK | X_OK) != 0)
    return cannot_write_in (error, "--save-dir", o->save_dir, ancestor, errno);
  if (g_strcmp0 (ancestor, o->save_dir) == 0)
    {
      *dir_id = file_id_new ("--save-dir", o->save_dir);
      (*dir_id)->known = TRUE;
      (*dir_id)->dev = st.st_dev;
      (*dir_id)->ino = st.st_ino;
    }
  return TRUE;
}

/* The save folder's entries that a save would replace join @written. */
static gboolean
add_existing_pictures (const ImpCliOptions  *o,
                       GPtrArray            *written,
                       GError              **error)
{
  g_autoptr(GDir) dir = g_dir_open (o->save_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      FileId *id;

      if (!is_scheduled_picture (o, name))
        continue;
      path = g_build_filename (o->save_dir, name, NULL);
      id = identify_written ("--save-dir", path, error);
      if (id == NULL)
        return FALSE;
      g_ptr_array_add (written, id);
    }
  return TRUE;
}

static gboolean
has_image_extension (const char *path)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  return g_str_has_suffix (lower, ".png") || g_str_has_suffix (lower, ".jpg")
         || g_str_has_suffix (lower, ".jpeg");
}

static gboolean
add_written (GPtrArray   *written,
             const char  *option,
             const char  *path,
             GError     **error)
{
  FileId *id;

  if (path == NULL)
    return TRUE;
  id = identify_written (option, path, error);
  if (id == NULL)
    return FALSE;
  g_ptr_array_add (written, id);
  return TRUE;
}

static gboolean
clash (GError      **error,
       const FileId *written,
       const FileId *other,
       gboolean      other_is_read)
{
  g_autofree char *name = g_filename_display_name (written->path);
  g_autofree char *other_name = g_filename_display_name (other->path);

  if (other_is_read)
    g_set_error (error, IMP_CLI_USAGE_ERROR, 0,
                 _("%s “%s” would overwrite %s “%s”, which the run reads; "
                   "choose another file"),
                 written->option, name, other->option, other_name);
  else
    g_set_error (error, IMP_CLI_USAGE_ERROR, 0,
                 _("%s “%s” and %s “%s” are the same file; choose different files"),
                 written->option, name, other->option, other_name);
  return FALSE;
}

/* Every written file against every read one and every other written one
 * (the save pictures among themselves have different names). */
static gboolean
check_clashes (GPtrArray  *written,
               GPtrArray  *reads,
               GError    **error)
{
  for (guint i = 0; i < written->len; i++)
    {
      const FileId *w = g_ptr_array_index (written, i);

      for (guint k = 0; k < reads->len; k++)
        if (same_file (w, g_ptr_array_index (reads, k)))
          return clash (error, w, g_ptr_array_index (reads, k), TRUE);
      for (guint k = i + 1; k < written->len; k++)
        {
          const FileId *other = g_ptr_array_index (written, k);

          if (same_file (w, other) && !(g_str_equal (w->option, "--save-dir")
                                        && g_str_equal (other->option, "--save-dir")))
            return clash (error, other, w, FALSE);
        }
    }
  return TRUE;
}

/* A file not created yet that a save would create as well. */
static gboolean
check_future_pictures (const ImpCliOptions  *o,
                       const FileId         *dir_id,
                       GPtrArray            *written,
                       GError              **error)
{
  for (guint i = 0; dir_id != NULL && i < written->len; i++)
    {
      const FileId *w = g_ptr_array_index (written, i);
      g_autofree char *name = NULL;

      if (w->name == NULL || w->dev != dir_id->dev || w->ino != dir_id->ino
          || !is_scheduled_picture (o, w->name))
        continue;
      name = g_filename_display_name (w->path);
      g_set_error (error, IMP_CLI_USAGE_ERROR, 0,
                   _("%s “%s” is a picture that --save-dir will write; choose another file"),
                   w->option, name);
      return FALSE;
    }
  return TRUE;
}

/* After the clashes, so that a clash is reported as one even in a folder we
 * may not write: the output and animation are written beside their name and
 * renamed over it, the log in place. */
static gboolean
check_writable (const FileId  *w,
                GError       **error)
{
  g_autofree char *dir = g_path_get_dirname (w->path);

  if (g_str_equal (w->option, "--log-json") && w->name == NULL)
    {
      if (g_access (w->path, W_OK) != 0)
        return cannot_write (error, w->option, w->path, errno);
      return TRUE;
    }
  if (g_access (dir, W_OK | X_OK) != 0)
    return cannot_write_in (error, w->option, w->path, dir, errno);
  return TRUE;
}

static void
add_reads (const ImpCliOptions *o,
           const char          *weights_path,
           GPtrArray           *reads)
{
  add_read (reads, "--content", o->content);
  for (guint i = 0; i < o->styles->len; i++)
    add_read (reads, "--style", g_ptr_array_index (o->styles, i));
  if (weights_path != NULL)
    add_read (reads, "--weights", weights_path);
}

gboolean
imp_cli_files_check (const ImpCliOptions  *o,
                     const char           *weights_path,
                     GError              **error)
{
  g_autoptr(GPtrArray) reads = g_ptr_array_new_with_free_func (file_id_free);
  g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func (file_id_free);
  g_autoptr(FileId) save_dir = NULL;

  if (!has_image_extension (o->output))
    {
      g_autofree char *name = g_filename_display_name (o->output);

      g_set_error (error, IMP_CLI_USAGE_ERROR, 0,
                   _("-o “%s”: the name must end in .png, .jpg or .jpeg"), name);
      return FALSE;
    }
  add_reads (o, weights_path, reads);
  if (!add_written (written, "--output", o->output, error)
      || !add_written (written, "--animation", o->animation, error)
      || !add_written (written, "--log-json", o->log_json, error))
    return FALSE;
  if (o->save_dir != NULL
      && (!check_save_dir (o, &save_dir, error)
          || !add_existing_pictures (o, written, error)))
    return FALSE;
  if (!check_clashes (written, reads, error)
      || !check_future_pictures (o, save_dir, written, error))
    return FALSE;
  for (guint i = 0; i < written->len; i++)
    if (!check_writable (g_ptr_array_index (written, i), error))
      return FALSE;
  return TRUE;
}
