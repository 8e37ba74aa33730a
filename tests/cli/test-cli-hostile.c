/* test-cli-hostile.c: hostile inputs to impasto-cli, each one a way to lose
 * data or a result: written files onto read ones, logs that cannot be
 * written, closed pipes, long and non-UTF-8 names, absurd weights, signals.
 *
 * Every case runs the real binary in a fresh folder holding copies of the
 * inputs, a sentinel output and a sentinel log, and checks the exit status,
 * that the one-line message names what and where, and, for refusals, that
 * no file in the folder was created, changed or removed. IMPASTO_CLI may
 * name another impasto-cli binary (to see a case fail on an older build).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "media/imp-image-io.h"
#include "test-util.h"

#define SENTINEL "not an image: must survive refused runs\n"

static char *cli_path;
static char *tmp_dir;
static char *case_dir;
static char *weights_copy;   /* outside case_dir: 80 MB are copied once */
static const char *images_dir;

/* Running the binary */

typedef enum
{
  STREAM_CAPTURED,
  STREAM_CLOSED,          /* the descriptor is not open at all (>&-) */
  STREAM_BROKEN_PIPE,     /* a pipe whose reader is gone (| head -n 1) */
} StreamMode;

typedef struct
{
  const char * const *env;   /* "NAME=value" entries, NULL-terminated */
  StreamMode          out;
  StreamMode          err;
  gboolean            close_stdin;
} RunOptions;

typedef struct
{
  int      status;            /* exit code, or 128 + signal */
  char    *out;
  char    *err;
  double   cpu_seconds;
  guint64  max_rss_kb;
} Result;

static void
result_clear (Result *r)
{
  g_free (r->out);
  g_free (r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

static char *
case_path (const char *name)
{
  return g_build_filename (case_dir, name, NULL);
}

static char **
build_env (const RunOptions *ro)
{
  char **env = g_get_environ ();

  for (guint i = 0; ro != NULL && ro->env != NULL && ro->env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (ro->env[i], "=", 2);

      env = g_environ_setenv (env, kv[0], kv[1], TRUE);
    }
  return env;
}

/* In the child: @fd becomes @mode's stream, or stays the capture file @file. */
static void
set_stream (int        fd,
            StreamMode mode,
            int        file,
            int        pipe_write)
{
  if (mode == STREAM_CLOSED)
    close (fd);
  else
    dup2 (mode == STREAM_BROKEN_PIPE ? pipe_write : file, fd);
}

/* Starts impasto-cli in case_dir; stdout and stderr go to files read by wait_cli(). */
static pid_t
spawn_cli (const char * const *args,
           const RunOptions   *ro)
{
  static const RunOptions defaults = { NULL, STREAM_CAPTURED, STREAM_CAPTURED, FALSE };
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) env = NULL;
  g_autofree char *out_path = g_build_filename (tmp_dir, "stdout", NULL);
  g_autofree char *err_path = g_build_filename (tmp_dir, "stderr", NULL);
  int out_fd, err_fd, pipe_fds[2];
  pid_t pid;

  if (ro == NULL)
    ro = &defaults;
  env = build_env (ro);
  g_ptr_array_add (argv, cli_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  out_fd = open (out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  err_fd = open (err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_assert_cmpint (out_fd, >=, 0);
  g_assert_cmpint (err_fd, >=, 0);
  g_assert_cmpint (pipe (pipe_fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      close (pipe_fds[0]);
      if (chdir (case_dir) != 0)
        _exit (126);
      if (ro->close_stdin)
        close (STDIN_FILENO);
      set_stream (STDOUT_FILENO, ro->out, out_fd, pipe_fds[1]);
      set_stream (STDERR_FILENO, ro->err, err_fd, pipe_fds[1]);
      execve (cli_path, (char **) argv->pdata, env);
      _exit (127);
    }
  /* No reader from the start: the first write gets EPIPE (or SIGPIPE). */
  close (pipe_fds[0]);
  close (pipe_fds[1]);
  close (out_fd);
  close (err_fd);
  return pid;
}

static void
wait_cli (pid_t   pid,
          Result *r)
{
  g_autofree char *out_path = g_build_filename (tmp_dir, "stdout", NULL);
  g_autofree char *err_path = g_build_filename (tmp_dir, "stderr", NULL);
  struct rusage ru;
  int st = 0;

  while (wait4 (pid, &st, 0, &ru) < 0)
    g_assert_cmpint (errno, ==, EINTR);
  r->status = WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st);
  r->cpu_seconds = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
                   + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  r->max_rss_kb = (guint64) ru.ru_maxrss;
  g_assert_true (g_file_get_contents (out_path, &r->out, NULL, NULL));
  g_assert_true (g_file_get_contents (err_path, &r->err, NULL, NULL));
  g_test_message ("exit %d, %.2f s CPU, peak RSS %" G_GUINT64_FORMAT " MB, stderr: %s",
                  r->status, r->cpu_seconds, r->max_rss_kb / 1024, r->err);
}

static void
run_cli (Result             *r,
         const char * const *args,
         const RunOptions   *ro)
{
  wait_cli (spawn_cli (args, ro), r);
}

static void
assert_one_line (const char *err)
{
  const char *nl = strchr (err, '\n');

  g_assert_true (g_str_has_prefix (err, "impasto-cli: "));
  g_assert_nonnull (nl);
  g_assert_cmpstr (nl + 1, ==, "");
}

static void
assert_valid_picture (const char *path,
                      guint       longer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpImage) image = imp_image_io_load (path, 0, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (MAX (image->width, image->height), ==, longer);
}

/* The case folder: what is in it, by name and content */

static void
snapshot_into (GHashTable *snap,
               const char *dir,
               const char *prefix)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *rel = g_build_filename (prefix, name, NULL);
      g_autofree char *data = NULL;
      gsize len = 0;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          g_hash_table_insert (snap, g_strdup (rel), g_strdup ("folder"));
          snapshot_into (snap, path, rel);
        }
      else if (g_file_get_contents (path, &data, &len, NULL))
        g_hash_table_insert (snap, g_strdup (rel),
                             g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                          (const guchar *) data, len));
      else
        g_hash_table_insert (snap, g_strdup (rel), g_strdup ("unreadable"));
    }
}

static GHashTable *
snapshot (void)
{
  GHashTable *snap = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GStatBuf st;

  snapshot_into (snap, case_dir, "");
  /* The weights copy by size and time of change: too large to hash each time. */
  g_assert_cmpint (g_stat (weights_copy, &st), ==, 0);
  g_hash_table_insert (snap, g_strdup ("(weights)"),
                       g_strdup_printf ("%" G_GINT64_FORMAT " %ld.%09ld", (gint64) st.st_size,
                                        (long) st.st_ctim.tv_sec, (long) st.st_ctim.tv_nsec));
  return snap;
}

/* NULL when equal, else the first difference. */
static char *
snapshot_difference (GHashTable *before,
                     GHashTable *after)
{
  GHashTableIter it;
  gpointer key, value;

  g_hash_table_iter_init (&it, before);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      const char *now = g_hash_table_lookup (after, key);

      if (now == NULL)
        return g_strdup_printf ("%s was removed", (char *) key);
      if (g_strcmp0 (now, value) != 0)
        return g_strdup_printf ("%s was changed", (char *) key);
    }
  g_hash_table_iter_init (&it, after);
  while (g_hash_table_iter_next (&it, &key, &value))
    if (!g_hash_table_contains (before, key))
      return g_strdup_printf ("%s was created", (char *) key);
  return NULL;
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (from, &data, &len, NULL));
  g_assert_true (g_file_set_contents (to, data, (gssize) len, NULL));
}

/* case_dir afresh: c.jpg, s.jpg (turtle, wave), existing.png and
 * existing.jsonl (sentinels), the folder sub/. */
static void
fresh_case_dir (void)
{
  g_autofree char *content = g_build_filename (images_dir, "turtle.jpg", NULL);
  g_autofree char *style = g_build_filename (images_dir, "wave.jpg", NULL);
  g_autofree char *c = case_path ("c.jpg");
  g_autofree char *s = case_path ("s.jpg");
  g_autofree char *out = case_path ("existing.png");
  g_autofree char *log = case_path ("existing.jsonl");
  g_autofree char *sub = case_path ("sub");

  test_remove_tree (case_dir);
  g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);
  copy_file (content, c);
  copy_file (style, s);
  g_assert_true (g_file_set_contents (out, SENTINEL, -1, NULL));
  g_assert_true (g_file_set_contents (log, SENTINEL, -1, NULL));
}

static gboolean
need_images (void)
{
  if (images_dir == NULL || g_getenv ("IMPASTO_WEIGHTS") == NULL)
    {
      g_test_skip ("IMPASTO_TEST_IMAGES and IMPASTO_WEIGHTS are needed");
      return FALSE;
    }
  return TRUE;
}

/* Refusals: a table */

typedef struct
{
  const char *name;
  void      (*setup) (void);
  int         expected;
  const char *message;         /* in stderr */
  const char *not_message;     /* not in stderr, or NULL */
  const char *args[24];        /* %W: the weights copy; %LONG.ext: a 256-byte name;
                                * others relative to case_dir */
} Refusal;

static void
link_content_as (const char *name)
{
  g_autofree char *c = case_path ("c.jpg");
  g_autofree char *l = case_path (name);

  g_assert_cmpint (link (c, l), ==, 0);
}

static void
setup_hardlinked_log (void)
{
  link_content_as ("sub/log.jsonl");
}

static void
setup_inputs_in_save_dir (void)
{
  g_autofree char *c = case_path ("c.jpg");
  g_autofree char *s = case_path ("s.jpg");
  g_autofree char *sd = case_path ("sd");
  g_autofree char *c2 = case_path ("sd/impasto-000001.png");
  g_autofree char *s2 = case_path ("sd/impasto-000002.png");

  g_assert_cmpint (g_mkdir (sd, 0700), ==, 0);
  copy_file (c, c2);
  copy_file (s, s2);
}

static void
setup_save_picture_hardlinked (void)
{
  g_autofree char *sd = case_path ("sd");

  g_assert_cmpint (g_mkdir (sd, 0700), ==, 0);
  link_content_as ("sd/impasto-000004.png");
}

static void
setup_save_picture_is_folder (void)
{
  g_autofree char *p = case_path ("sd/impasto-000002.png");

  g_assert_cmpint (g_mkdir_with_parents (p, 0700), ==, 0);
}

static void
setup_save_dir_under_file (void)
{
  g_autofree char *p = case_path ("plain");

  g_assert_true (g_file_set_contents (p, "x", -1, NULL));
}

#define RUN "--size", "32", "--iterations", "2"
#define IO "-c", "c.jpg", "-s", "s.jpg"

static const Refusal refusals[] = {
  /* Written files onto read ones and onto each other (data loss) */
  { "log-onto-content", NULL, 2, "--log-json", NULL, { IO, "-o", "o.png", "--log-json", "c.jpg", RUN } },
  { "log-onto-style", NULL, 2, "--log-json", NULL, { IO, "-o", "o.png", "--log-json", "s.jpg", RUN } },
  { "log-onto-weights", NULL, 2, "--weights", NULL, { IO, "-o", "o.png", "--weights", "%W", "--log-json", "%W", RUN } },
  { "log-onto-output-refused-run", NULL, 2, "--log-json", NULL, { IO, "-o", "existing.png", "--log-json", "existing.png", "--memory-limit", "1", RUN } },
  { "log-onto-animation", NULL, 2, "--animation", NULL, { IO, "-o", "o.png", "--animation", "a.gif", "--log-json", "a.gif", RUN } },
  { "log-onto-content-other-spelling", NULL, 2, "--content", NULL, { IO, "-o", "o.png", "--log-json", "sub/../././c.jpg", RUN } },
  { "log-hardlink-of-content", setup_hardlinked_log, 2, "--log-json", NULL, { IO, "-o", "o.png", "--log-json", "sub/log.jsonl", RUN } },
  { "new-output-is-new-log", NULL, 2, "new.png", NULL, { IO, "-o", "new.png", "--log-json", "sub/../new.png", RUN } },
  { "animation-onto-style", NULL, 2, "--animation", NULL, { IO, "-o", "o.png", "--animation", "s.jpg", RUN } },
  { "save-dir-onto-inputs", setup_inputs_in_save_dir, 2, "--save-dir", NULL, { "-c", "sd/impasto-000001.png", "-s", "sd/impasto-000002.png", "-o", "o.png", "--save-every", "1", "--save-dir", "sd", RUN } },
  { "save-picture-hardlink-of-content", setup_save_picture_hardlinked, 2, "--save-dir", NULL, { IO, "-o", "o.png", "--save-every", "2", "--save-dir", "sd", "--size", "32", "--iterations", "5" } },
  { "output-is-future-save-picture", NULL, 2, "--save-dir", NULL, { IO, "-o", "sub/impasto-000004.png", "--save-every", "2", "--save-dir", "sub/.", "--size", "32", "--iterations", "5" } },
  { "log-onto-future-save-picture", NULL, 2, "--log-json", NULL, { IO, "-o", "o.png", "--log-json", "sub/impasto-000002.png", "--save-every", "2", "--save-dir", "sub", RUN } },
  /* Nothing created or truncated before the run is known to start */
  { "log-kept-when-refused", NULL, 1, "memory", NULL, { IO, "-o", "existing.png", "--log-json", "existing.jsonl", "--memory-limit", "1", RUN } },
  { "save-picture-is-folder", setup_save_picture_is_folder, 1, "impasto-000002.png", NULL, { IO, "-o", "o.png", "--log-json", "new.jsonl", "--save-every", "1", "--save-dir", "sd", RUN } },
  { "save-dir-under-file", setup_save_dir_under_file, 1, "--save-dir", NULL, { IO, "-o", "o.png", "--log-json", "new.jsonl", "--save-every", "1", "--save-dir", "plain/sd", RUN } },
  { "name-too-long", NULL, 1, "--output", NULL, { IO, "-o", "%LONG.png", "--log-json", "new.jsonl", RUN } },
  { "animation-name-too-long", NULL, 1, "--animation", NULL, { IO, "-o", "o.png", "--animation", "%LONG.gif", RUN } },
  /* Absurd numbers */
  { "style-weight-1e20", NULL, 2, "--style-weight", NULL, { IO, "-o", "existing.png", "--style-weight", "1e20", RUN } },
  { "content-weight-1e308", NULL, 2, "--content-weight", NULL, { IO, "-o", "existing.png", "--content-weight", "1e308", RUN } },
  { "tv-weight-1e300", NULL, 2, "--tv-weight", NULL, { IO, "-o", "existing.png", "--tv-weight", "1e300", RUN } },
  { "layer-weight-1e300", NULL, 2, "--style-layers", NULL, { IO, "-o", "existing.png", "--style-layers", "conv1_1:1e300", RUN } },
  { "epsilon-1e-320", NULL, 2, "--epsilon", "not a number", { IO, "-o", "existing.png", "--epsilon", "1e-320", RUN } },
  { "epsilon-1e400", NULL, 2, "--epsilon", "not a number", { IO, "-o", "existing.png", "--epsilon", "1e400", RUN } },
  /* Messages that say which */
  { "weights-empty-name", NULL, 2, "--weights", NULL, { IO, "-o", "existing.png", "--weights", "", RUN } },
  { "log-empty-name", NULL, 2, "--log-json", NULL, { IO, "-o", "existing.png", "--log-json", "", RUN } },
  { "style-13x16", NULL, 1, "--style “tiny.png”", NULL, { "-c", "c.jpg", "-s", "tiny.png", "-o", "existing.png", "--style-size", "0", RUN } },
  { "content-13x16", NULL, 1, "--content “tiny.png”", NULL, { "-c", "tiny.png", "-s", "s.jpg", "-o", "existing.png", "--size", "0", "--iterations", "2" } },
  { "non-utf8-preset", NULL, 2, "--preset", NULL, { IO, "-o", "existing.png", "--preset", "b\xfcst", RUN } },
  /* --memory-limit before anything is decoded, --evaluate too */
  { "evaluate-memory-limit", NULL, 1, "memory", NULL, { IO, "--size", "1024", "--memory-limit", "300", "--evaluate", "c.jpg" } },
};

static void
make_tiny_png (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 13, 16);
  g_autofree char *path = case_path ("tiny.png");

  gdk_pixbuf_fill (pixbuf, 0x336699ff);
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", NULL, NULL));
}

/* One byte more than Linux's NAME_MAX with the extension. */
static char *
expand_arg (const char *arg)
{
  g_autofree char *stem = NULL;

  if (g_str_equal (arg, "%W"))
    return g_strdup (weights_copy);
  if (!g_str_has_prefix (arg, "%LONG"))
    return g_strdup (arg);
  stem = g_strnfill (256 - strlen (arg + strlen ("%LONG")), 'b');
  return g_strconcat (stem, arg + strlen ("%LONG"), NULL);
}

static void
run_refusal (gconstpointer data)
{
  const Refusal *c = data;
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  g_autofree char *difference = NULL;
  g_auto(Result) r = { 0 };

  if (!need_images ())
    return;
  fresh_case_dir ();
  make_tiny_png ();
  if (c->setup != NULL)
    c->setup ();
  for (guint i = 0; c->args[i] != NULL; i++)
    g_ptr_array_add (args, expand_arg (c->args[i]));
  g_ptr_array_add (args, NULL);
  before = snapshot ();
  run_cli (&r, (const char * const *) args->pdata, NULL);
  after = snapshot ();
  g_assert_cmpint (r.status, ==, c->expected);
  assert_one_line (r.err);
  g_assert_nonnull (strstr (r.err, c->message));
  if (c->not_message != NULL)
    g_assert_null (strstr (r.err, c->not_message));
  /* Refused before the run: no iteration, no file created, changed or removed. */
  g_assert_null (strstr (r.out, "iteration"));
  difference = snapshot_difference (before, after);
  if (difference != NULL)
    g_test_fail_printf ("%s", difference);
}

/* Cases with a run */

/* A copy of the weights whose conv1_1 filters hold 3e38: every activation
 * after it overflows. */
static char *
write_overflowing_weights (void)
{
  g_autofree char *data = NULL;
  char *path = g_build_filename (tmp_dir, "overflow.safetensors", NULL);
  guint64 header = 0;
  gsize len = 0;
  float huge = 3e38f;

  g_assert_true (g_file_get_contents (weights_copy, &data, &len, NULL));
  for (int i = 7; i >= 0; i--)
    header = header << 8 | (guint8) data[i];
  /* conv1_1.weight is the first tensor: 64 x 3 x 3 x 3 floats from offset 0. */
  g_assert_nonnull (g_strstr_len (data + 8, (gssize) header, "\"conv1_1.weight\""));
  for (gsize k = 0; k < 64 * 27; k++)
    memcpy (data + 8 + header + 4 * k, &huge, sizeof huge);
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
  return path;
}

/* Weights holding 3e38: exit 1 saying they overflow (when the style targets
 * are computed, or at the first iteration), the output untouched. */
static void
test_overflowing_weights (void)
{
  g_autofree char *weights = NULL;
  g_autofree char *out = NULL;
  g_autofree char *after = NULL;
  g_auto(Result) r = { 0 };

  if (!need_images ())
    return;
  fresh_case_dir ();
  weights = write_overflowing_weights ();
  out = case_path ("existing.png");
  run_cli (&r, (const char *[]) { IO, "-o", "existing.png", "--weights", weights, RUN, NULL },
           NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_one_line (r.err);
  g_assert_nonnull (strstr (r.err, "overflow"));
  g_assert_true (g_file_get_contents (out, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, SENTINEL);
  g_unlink (weights);
}

/* stdout's reader gone at once (| head -n 1), or the standard streams not
 * open at all (<&- >&- 2>&-: the descriptors a file or pipe opened next would
 * get): the picture is still written, exit 0, and nothing is printed into the
 * picture, the log or anything else. */
static void
check_streams (StreamMode out,
               StreamMode err,
               gboolean   close_stdin)
{
  g_autofree char *picture = NULL;
  g_autofree char *log = NULL;
  g_autofree char *log_text = NULL;
  RunOptions ro = { NULL, out, err, close_stdin };
  g_auto(Result) r = { 0 };

  if (!need_images ())
    return;
  fresh_case_dir ();
  picture = case_path ("o.png");
  log = case_path ("new.jsonl");
  run_cli (&r, (const char *[]) { IO, "-o", "o.png", "--log-json", "new.jsonl", "--size", "32",
                                  "--iterations", "12", NULL }, &ro);
  g_assert_cmpint (r.status, ==, 0);
  assert_valid_picture (picture, 32);
  g_assert_true (g_file_get_contents (log, &log_text, NULL, NULL));
  g_assert_null (strstr (log_text, "iteration "));
  g_assert_true (g_str_has_prefix (log_text, "{\"iteration\":0,"));
}

static void
test_stdout_broken_pipe (void)
{
  check_streams (STREAM_BROKEN_PIPE, STREAM_CAPTURED, FALSE);
}

static void
test_stdout_stderr_broken_pipe (void)
{
  check_streams (STREAM_BROKEN_PIPE, STREAM_BROKEN_PIPE, FALSE);
}

static void
test_stdout_stderr_closed (void)
{
  check_streams (STREAM_CLOSED, STREAM_CLOSED, FALSE);
}

static void
test_all_streams_closed (void)
{
  check_streams (STREAM_CLOSED, STREAM_CLOSED, TRUE);
}

static void
test_stdin_stdout_closed (void)
{
  check_streams (STREAM_CLOSED, STREAM_CAPTURED, TRUE);
}

/* A log that cannot be written: the picture is saved, then exit 1 naming the log. */
static void
test_log_dev_full (void)
{
  g_autofree char *picture = NULL;
  g_auto(Result) r = { 0 };

  if (!need_images () || !g_file_test ("/dev/full", G_FILE_TEST_EXISTS))
    return;
  fresh_case_dir ();
  picture = case_path ("o.png");
  run_cli (&r, (const char *[]) { IO, "-o", "o.png", "--log-json", "/dev/full", RUN, NULL },
           NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_one_line (r.err);
  g_assert_nonnull (strstr (r.err, "/dev/full"));
  assert_valid_picture (picture, 32);
}

/* The longest legal names (255 bytes with a 251-character stem) for the
 * picture and the animation work; no temporary is left. */
static void
test_long_names (void)
{
  g_autofree char *stem = g_strnfill (251, 'a');
  g_autofree char *png = g_strconcat (stem, ".png", NULL);
  g_autofree char *gif = g_strconcat (stem, ".gif", NULL);
  g_autofree char *png_path = NULL;
  g_autofree char *gif_path = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  g_auto(Result) r = { 0 };

  if (!need_images ())
    return;
  fresh_case_dir ();
  png_path = case_path (png);
  gif_path = case_path (gif);
  run_cli (&r, (const char *[]) { IO, "-o", png, "--animation", gif, RUN, "-q", NULL }, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_valid_picture (png_path, 32);
  g_assert_true (g_file_test (gif_path, G_FILE_TEST_IS_REGULAR));
  dir = g_dir_open (case_dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_assert_false (g_str_has_prefix (name, "."));
}

/* File names are bytes: a Latin-1 "Tübingen" under the C and C.UTF-8 locales,
 * as content and as output. */
static void
test_non_utf8_names (void)
{
  static const char * const locales[] = { "LC_ALL=C", "LC_ALL=C.UTF-8" };

  if (!need_images ())
    return;
  for (guint i = 0; i < G_N_ELEMENTS (locales); i++)
    {
      const char *env[] = { locales[i], NULL };
      RunOptions ro = { env, STREAM_CAPTURED, STREAM_CAPTURED, FALSE };
      g_autofree char *c = NULL;
      g_autofree char *latin = NULL;
      g_autofree char *out = NULL;
      g_auto(Result) r = { 0 };

      fresh_case_dir ();
      c = case_path ("c.jpg");
      latin = case_path ("T\xfc" "bingen.jpg");
      out = case_path ("out-\xfc.png");
      g_assert_cmpint (g_rename (c, latin), ==, 0);
      run_cli (&r, (const char *[]) { "-c", "T\xfc" "bingen.jpg", "-s", "s.jpg",
                                      "-o", "out-\xfc.png", RUN, "-q", NULL }, &ro);
      g_assert_cmpint (r.status, ==, 0);
      assert_valid_picture (out, 32);
    }
}

static void
put_chunk (FILE         *f,
           const char   *type,
           const guint8 *data,
           guint32       n)
{
  guint8 be[4] = { n >> 24, n >> 16, n >> 8, n };
  guint32 crc = (guint32) crc32 (crc32 (0, (const Bytef *) type, 4), data, n);

  fwrite (be, 1, 4, f);
  fwrite (type, 1, 4, f);
  if (n > 0)                        /* IEND has no data: fwrite () takes no NULL */
    fwrite (data, 1, n, f);
  be[0] = crc >> 24; be[1] = crc >> 16; be[2] = crc >> 8; be[3] = crc;
  fwrite (be, 1, 4, f);
}

/* Grey, compressed row by row: a few hundred kilobytes, little memory. */
static void
write_big_png (const char *path,
               guint32     side)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  guint8 ihdr[13] = { side >> 24, side >> 16, side >> 8, side,
                      side >> 24, side >> 16, side >> 8, side, 8, 2, 0, 0, 0 };
  g_autofree guint8 *row = g_malloc (1 + 3 * (gsize) side);
  g_autoptr(GByteArray) idat = g_byte_array_new ();
  guint8 out[65536];
  z_stream z = { 0 };
  FILE *f = fopen (path, "wb");

  g_assert_nonnull (f);
  memset (row, 128, 1 + 3 * (gsize) side);
  row[0] = 0;
  g_assert_cmpint (deflateInit (&z, 9), ==, Z_OK);
  for (guint32 y = 0; y <= side; y++)
    {
      z.next_in = row;
      z.avail_in = y < side ? 1 + 3 * side : 0;
      do
        {
          z.next_out = out;
          z.avail_out = sizeof out;
          deflate (&z, y < side ? Z_NO_FLUSH : Z_FINISH);
          g_byte_array_append (idat, out, sizeof out - z.avail_out);
        }
      while (z.avail_out == 0);
    }
  deflateEnd (&z);
  fwrite (signature, 1, sizeof signature, f);
  put_chunk (f, "IHDR", ihdr, sizeof ihdr);
  put_chunk (f, "IDAT", idat->data, idat->len);
  put_chunk (f, "IEND", NULL, 0);
  g_assert_cmpint (fclose (f), ==, 0);
}

/* A 9000 x 9000 style at --size 0 is refused by --memory-limit from its
 * header, without decoding its 81 megapixels (1.2 GB of peak RSS before). */
static void
test_memory_limit_before_decoding (void)
{
  g_autofree char *big = NULL;
  g_auto(Result) r = { 0 };

  if (!need_images ())
    return;
  fresh_case_dir ();
  big = case_path ("big.png");
  write_big_png (big, 9000);
  run_cli (&r, (const char *[]) { "-c", "c.jpg", "-s", "big.png", "-o", "existing.png",
                                  "--size", "0", "--memory-limit", "2000", NULL }, NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_one_line (r.err);
  g_assert_nonnull (strstr (r.err, "memory"));
  /* Under AddressSanitizer (.ci/sanitize) the figure includes shadow memory. */
  if (g_getenv ("IMPASTO_UNDER_SANITIZER") == NULL)
    g_assert_cmpuint (r.max_rss_kb, <, 200 * 1024);
  g_unlink (big);
}

/* Waits until @pid's output shows @text (polling its stdout file). */
static gboolean
wait_for_output (const char *text,
                 double      max_seconds)
{
  g_autofree char *out_path = g_build_filename (tmp_dir, "stdout", NULL);
  gint64 deadline = g_get_monotonic_time () + (gint64) (max_seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *out = NULL;

      if (g_file_get_contents (out_path, &out, NULL, NULL) && strstr (out, text) != NULL)
        return TRUE;
      g_usleep (10000);
    }
  return FALSE;
}

/* SIGTERM during --evaluate: exit 130, as SIGINT or SIGTERM during a run. */
static void
test_evaluate_sigterm (void)
{
  g_auto(Result) r = { 0 };
  pid_t pid;

  if (!need_images ())
    return;
  fresh_case_dir ();
  pid = spawn_cli ((const char *[]) { IO, "--size", "768", "--evaluate", "c.jpg", NULL }, NULL);
  /* Loading and the first layers take a second or more at 768 px. */
  g_usleep (G_USEC_PER_SEC);
  kill (pid, SIGTERM);
  wait_cli (pid, &r);
  g_assert_cmpint (r.status, ==, 130);
}

static gboolean
has_temporary (void)
{
  g_autoptr(GDir) dir = g_dir_open (case_dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] == '.')
      {
        g_test_message ("temporary: %s", name);
        return TRUE;
      }
  return FALSE;
}

/* A second Ctrl+C while the picture or the animation is being written ends
 * the process at once: no temporary file may be left behind. */
static void
test_second_interrupt_while_writing (void)
{
  guint caught = 0;

  if (!need_images ())
    return;
  for (guint attempt = 0; attempt < 5 && caught < 2; attempt++)
    {
      g_auto(Result) r = { 0 };
      gint64 deadline;
      pid_t pid;

      fresh_case_dir ();
      pid = spawn_cli ((const char *[]) { IO, "-o", "o.png", "--animation", "a.gif",
                                          "--preset", "tutorial", "--size", "192",
                                          "--iterations", "8", "--animation-frames", "9",
                                          NULL }, NULL);
      g_assert_true (wait_for_output ("iteration 7/8", 120.0));
      deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
      while (!has_temporary () && g_get_monotonic_time () < deadline)
        g_usleep (200);
      kill (pid, SIGINT);
      g_usleep (2000);
      kill (pid, SIGINT);
      wait_cli (pid, &r);
      g_test_message ("attempt %u: exit %d", attempt + 1, r.status);
      if (r.status == 130)
        caught++;
      g_assert_false (has_temporary ());
    }
  g_assert_cmpuint (caught, >, 0);
}

int
main (int    argc,
      char **argv)
{
  const char *build = g_getenv ("IMPASTO_BUILD_DIR");
  const char *weights = g_getenv ("IMPASTO_WEIGHTS");
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  images_dir = g_getenv ("IMPASTO_TEST_IMAGES");
  if (images_dir != NULL && *images_dir == '\0')
    images_dir = NULL;
  if (g_strcmp0 (g_getenv ("IMPASTO_CLI"), "") != 0 && g_getenv ("IMPASTO_CLI") != NULL)
    cli_path = g_strdup (g_getenv ("IMPASTO_CLI"));
  else
    cli_path = g_build_filename (build != NULL ? build : ".", "src", "cli", "impasto-cli", NULL);
  if (!g_path_is_absolute (cli_path))
    {
      g_autofree char *cwd = g_get_current_dir ();
      char *absolute = g_build_filename (cwd, cli_path, NULL);

      g_free (cli_path);
      cli_path = absolute;
    }
  tmp_dir = g_dir_make_tmp ("impasto-cli-hostile-XXXXXX", &error);
  g_assert_no_error (error);
  case_dir = g_build_filename (tmp_dir, "case", NULL);
  weights_copy = g_build_filename (tmp_dir, "weights.safetensors", NULL);
  if (weights != NULL && images_dir != NULL)
    copy_file (weights, weights_copy);

  for (guint i = 0; i < G_N_ELEMENTS (refusals); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cli/hostile/refused/%s", refusals[i].name);

      g_test_add_data_func (path, &refusals[i], run_refusal);
    }
  g_test_add_func ("/cli/hostile/overflowing-weights", test_overflowing_weights);
  g_test_add_func ("/cli/hostile/stdout-broken-pipe", test_stdout_broken_pipe);
  g_test_add_func ("/cli/hostile/stdout-stderr-broken-pipe", test_stdout_stderr_broken_pipe);
  g_test_add_func ("/cli/hostile/stdout-stderr-closed", test_stdout_stderr_closed);
  g_test_add_func ("/cli/hostile/stdin-stdout-closed", test_stdin_stdout_closed);
  g_test_add_func ("/cli/hostile/all-streams-closed", test_all_streams_closed);
  g_test_add_func ("/cli/hostile/log-dev-full", test_log_dev_full);
  g_test_add_func ("/cli/hostile/long-names", test_long_names);
  g_test_add_func ("/cli/hostile/non-utf8-names", test_non_utf8_names);
  g_test_add_func ("/cli/hostile/memory-limit-before-decoding", test_memory_limit_before_decoding);
  g_test_add_func ("/cli/hostile/evaluate-sigterm", test_evaluate_sigterm);
  g_test_add_func ("/cli/hostile/second-interrupt-while-writing",
                   test_second_interrupt_while_writing);

  status = g_test_run ();
  test_remove_tree (tmp_dir);
  g_free (case_dir);
  g_free (weights_copy);
  g_free (tmp_dir);
  g_free (cli_path);
  return status;
}
