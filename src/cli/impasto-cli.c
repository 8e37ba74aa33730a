/* impasto-cli.c: the headless front end
 *
 * Exit status: 0 done, 1 failed, 2 usage error, 130 interrupted (SIGINT,
 * SIGTERM or SIGHUP, during a run or --evaluate alike). Every error is one line
 * on stderr; progress goes to stdout. Nothing is created or truncated before
 * the run is known to start: the files are checked first (imp-cli-files.c),
 * the save folder is made and the log opened once the run is set up.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "engine/imp-transfer.h"
#include "engine/imp-weights.h"
#include "media/imp-animation.h"
#include "media/imp-atomic-file.h"
#include "media/imp-frame-recorder.h"
#include "media/imp-image-io.h"

#include "imp-cli-evaluate.h"
#include "imp-cli-files.h"
#include "imp-cli-options.h"
#include "imp-cli-params-error.h"
#include "imp-cli-progress.h"
#include "imp-cli-sizes.h"

enum
{
  EXIT_DONE = 0,
  EXIT_FAILED = 1,
  EXIT_USAGE = 2,
  EXIT_INTERRUPTED = 130,
};

static void
print_error (const char *message)
{
  g_autofree char *line = g_strdup (message);

  /* One line, whatever the message carries. */
  g_strdelimit (line, "\r\n", ' ');
  g_printerr ("impasto-cli: %s\n", line);
}

/* Ctrl+C: the handler only writes to a pipe (async-signal safe); a thread reads
 * it and cancels the run, which stops the step under way within a fraction of a
 * second. A second Ctrl+C ends the process at once, removing the temporary
 * file of a picture or animation being written. */

static int signal_pipe[2] = { -1, -1 };
static volatile sig_atomic_t interrupted;

static void
on_signal (int signum)
{
  char c = 1;

  if (!interrupted)
    {
      interrupted = 1;
      if (write (signal_pipe[1], &c, 1) == 1)
        return;
    }
  imp_atomic_file_remove_temporaries ();
  _exit (EXIT_INTERRUPTED);
}

static gpointer
signal_thread (gpointer data)
{
  GCancellable *cancellable = data;
  char c;

  while (read (signal_pipe[0], &c, 1) < 0 && errno == EINTR)
    ;
  g_cancellable_cancel (cancellable);
  g_object_unref (cancellable);
  return NULL;
}

/* A signal ignored when we started (nohup) stays ignored. */
static void
catch_signal (int                     signum,
              const struct sigaction *sa)
{
  struct sigaction old;

  if (sigaction (signum, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
    return;
  sigaction (signum, sa, NULL);
}

static void
watch_signals (GCancellable *cancellable)
{
  struct sigaction sa;

  if (pipe (signal_pipe) != 0)
    return;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset (&sa.sa_mask);
  catch_signal (SIGINT, &sa);
  catch_signal (SIGTERM, &sa);
  catch_signal (SIGHUP, &sa);
  g_thread_unref (g_thread_new ("signals", signal_thread, g_object_ref (cancellable)));
}

/* Started with stdin, stdout or stderr closed (impasto-cli >&-), the first
 * file we open would take its number, and progress would be printed into the
 * picture or the log: /dev/null takes those numbers first. A reader gone from
 * the pipe (… | head -n 1) must not kill us before the picture is saved:
 * SIGPIPE is ignored, and writes to it just fail. */
static void
guard_standard_streams (void)
{
  for (int fd = 0; fd <= 2; fd++)
    if (fcntl (fd, F_GETFD) < 0 && errno == EBADF)
      {
        int null_fd = open ("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);

        if (null_fd >= 0 && null_fd != fd)
          {
            dup2 (null_fd, fd);
            close (null_fd);
          }
      }
  signal (SIGPIPE, SIG_IGN);
}

/* The weights file, found before anything is checked or loaded: it is one of
 * the files a run reads. */
static char *
find_weights (const ImpCliOptions *o)
{
  g_autoptr(GError) error = NULL;
  char *path = imp_weights_find (o->weights, &error);

  if (path == NULL)
    {
      g_autofree char *msg = NULL;

      if (g_error_matches (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_NOT_FOUND))
        msg = g_strdup_printf (_("%s — to get them run: %s/fetch"), error->message,
                               SOURCE_WEIGHTS_DIR);
      else
        msg = g_strdup (error->message);
      print_error (msg);
    }
  return path;
}

static ImpWeights *
load_weights (const char   *path,
              GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  ImpWeights *weights = imp_weights_load_cancellable (path, cancellable, &error);

  if (weights == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    print_error (error->message);
  return weights;
}

static ImpImage *
load_image (const char *path,
            guint       target)
{
  g_autoptr(GError) error = NULL;
  ImpImage *image = imp_image_io_load (path, imp_cli_sizes_load_side (target), &error);

  if (image == NULL)
    print_error (error->message);
  return image;
}

static GPtrArray *
load_styles (const ImpCliOptions *o)
{
  g_autoptr(GPtrArray) styles = g_ptr_array_new_with_free_func ((GDestroyNotify) imp_image_free);

  for (guint i = 0; i < o->styles->len; i++)
    {
      ImpImage *s = load_image (g_ptr_array_index (o->styles, i),
                                imp_cli_sizes_style_target (&o->params));

      if (s == NULL)
        return NULL;
      g_ptr_array_add (styles, s);
    }
  return g_steal_pointer (&styles);
}

static gboolean
save_image (const ImpImage *image,
            const char     *path)
{
  g_autoptr(GError) error = NULL;

  if (imp_image_io_save (image, path, &error))
    return TRUE;
  print_error (error->message);
  return FALSE;
}

static gboolean
save_intermediate (const ImpCliOptions *o,
                   ImpTransfer         *transfer,
                   guint                iteration)
{
  g_autoptr(ImpImage) image = imp_transfer_get_shown (transfer);
  g_autofree char *base = g_strdup_printf ("impasto-%06u.png", iteration);
  g_autofree char *path = g_build_filename (o->save_dir, base, NULL);

  return save_image (image, path);
}

/* Keeps the image after @iteration updates when the recorder's schedule wants
 * it; the final frame is added after the loop, from the result. */
static void
record_frame (ImpFrameRecorder *recorder,
              ImpTransfer      *transfer,
              guint             iteration,
              guint             total)
{
  g_autoptr(ImpImage) image = NULL;

  if (recorder == NULL || iteration >= total
      || !imp_frame_recorder_wants (recorder, iteration, total))
    return;
  image = imp_transfer_get_shown (transfer);
  imp_frame_recorder_add (recorder, image, iteration, total);
}

/* Runs every iteration; *@done says how many were done. Returns the exit status. */
static int
run_loop (const ImpCliOptions *o,
          ImpTransfer         *transfer,
          ImpCliProgress      *progress,
          ImpFrameRecorder    *recorder,
          guint               *done,
          GCancellable        *cancellable)
{
  guint total = o->params.iterations;

  *done = 0;
  record_frame (recorder, transfer, 0, total);
  while (!imp_transfer_is_done (transfer))
    {
      g_autoptr(GError) error = NULL;
      ImpProgress p;

      if (!imp_transfer_step (transfer, &p, cancellable, &error))
        {
          imp_cli_progress_finish (progress);
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            return EXIT_INTERRUPTED;
          if (g_error_matches (error, IMP_TRANSFER_ERROR, IMP_TRANSFER_ERROR_NOT_FINITE))
            {
              g_autofree char *name = g_filename_display_name (o->output);
              g_autofree char *msg = g_strdup_printf (_("%s; “%s” was not written"),
                                                      error->message, name);

              print_error (msg);
              return EXIT_FAILED;
            }
          print_error (error->message);
          return EXIT_FAILED;
        }
      *done = p.iteration + 1;
      imp_cli_progress_update (progress, &p);
      record_frame (recorder, transfer, *done, total);
      if (o->save_every > 0 && (p.iteration + 1) % o->save_every == 0
          && !save_intermediate (o, transfer, p.iteration + 1))
        return EXIT_FAILED;
    }
  imp_cli_progress_finish (progress);
  return EXIT_DONE;
}

static ImpTransfer *
create_transfer (const ImpCliOptions *o,
                 ImpWeights          *weights,
                 const ImpImage      *content,
                 GPtrArray           *styles,
                 guint64              animation_bytes,
                 GCancellable        *cancellable,
                 int                 *status)
{
  g_autoptr(GError) error = NULL;
  ImpParams params = o->params;
  ImpTransfer *transfer;

  /* The animation's frames live as long as the run. */
  if (animation_bytes > 0)
    params.memory_limit = imp_cli_sizes_limit_less (&o->params, animation_bytes);
  transfer = imp_transfer_new (weights, content, (const ImpImage * const *) styles->pdata,
                               o->style_blend != NULL ? (double *) o->style_blend->data : NULL,
                               styles->len, &params, cancellable, &error);
  if (transfer != NULL)
    return transfer;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    *status = EXIT_INTERRUPTED;
  else
    {
      *status = error->domain == IMP_PARAMS_ERROR ? EXIT_USAGE : EXIT_FAILED;
      if (animation_bytes > 0
          && g_error_matches (error, IMP_TRANSFER_ERROR, IMP_TRANSFER_ERROR_TOO_LARGE))
        {
          g_autofree char *msg = g_strdup_printf (_("%s (the animation's frames take %.0f MB of the limit)"),
                                                  error->message,
                                                  animation_bytes / (1024.0 * 1024.0));
          print_error (msg);
        }
      else
        {
          g_autofree char *msg = imp_cli_describe_params_error (error, &params);

          print_error (msg);
        }
    }
  return NULL;
}

static gboolean
save_animation (const ImpCliOptions *o,
                ImpFrameRecorder    *recorder,
                GCancellable        *cancellable)
{
  g_autoptr(GError) error = NULL;
  ImpAnimationOptions options;

  imp_animation_options_init (&options);
  options.delay_ms = o->animation_delay;
  options.size = 0;   /* the recorder keeps frames at the animation size already */
  if (imp_animation_save (recorder, o->animation, &options, cancellable, &error))
    return TRUE;
  print_error (error->message);
  return FALSE;
}

/* Writes the picture, then the animation. The picture first: it is the run's
 * product and takes a fraction of a second, where the animation's encoding
 * takes seconds (GIF quantisation) and is likelier to fail or be interrupted.
 * Both are written atomically, so a failed animation leaves the picture
 * written and any earlier animation file untouched (exit status 1). */
static int
save_results (const ImpCliOptions *o,
              ImpTransfer         *transfer,
              ImpFrameRecorder    *recorder,
              guint                done,
              GCancellable        *cancellable)
{
  g_autoptr(ImpImage) result = imp_transfer_get_result (transfer);

  if (!save_image (result, o->output))
    return EXIT_FAILED;
  if (recorder == NULL)
    return EXIT_DONE;
  imp_frame_recorder_add_final (recorder, result, done);
  if (!save_animation (o, recorder, cancellable))
    return g_cancellable_is_cancelled (cancellable) ? EXIT_INTERRUPTED : EXIT_FAILED;
  return EXIT_DONE;
}

/* Once the run is set up and known to start: the save folder is made and the
 * log opened (truncating it) only now, so that a run refused earlier leaves
 * every file as it was. */
static ImpCliProgress *
start_writing (const ImpCliOptions *o)
{
  g_autoptr(GError) error = NULL;
  ImpCliProgress *progress;

  if (o->save_dir != NULL && g_mkdir_with_parents (o->save_dir, 0777) != 0)
    {
      int err = errno;
      g_autofree char *name = g_filename_display_name (o->save_dir);
      g_autofree char *msg = g_strdup_printf (_("Cannot create the folder “%s”: %s"),
                                              name, g_strerror (err));
      print_error (msg);
      return NULL;
    }
  progress = imp_cli_progress_new (o->quiet, o->log_json, &error);
  if (progress == NULL)
    print_error (error->message);
  return progress;
}

/* A log that could not be written costs the run its exit status, not its
 * picture: this comes after the results are saved. */
static int
finish_log (ImpCliProgress *progress,
            int             status)
{
  g_autoptr(GError) error = NULL;

  if (imp_cli_progress_close_log (progress, &error))
    return status;
  print_error (error->message);
  return status == EXIT_DONE ? EXIT_FAILED : status;
}

/* Before decoding (@content NULL: from the headers), then on the decoded images. */
static gboolean
check_sizes (const ImpCliOptions *o,
             const ImpImage      *content,
             GPtrArray           *styles,
             const ImpImage      *evaluated)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (content == NULL)
    ok = imp_cli_sizes_check_headers (o, &o->params, o->evaluate, &error);
  else
    ok = imp_cli_sizes_check_decoded (o, &o->params, content, styles, evaluated, &error);
  if (!ok)
    print_error (error->message);
  return ok;
}

static int
run (const ImpCliOptions *o,
     const char          *weights_path,
     GCancellable        *cancellable)
{
  g_autoptr(ImpWeights) weights = NULL;
  g_autoptr(ImpImage) content = NULL;
  g_autoptr(GPtrArray) styles = NULL;
  g_autoptr(ImpTransfer) transfer = NULL;
  g_autoptr(ImpCliProgress) progress = NULL;
  g_autoptr(ImpFrameRecorder) recorder = NULL;
  guint64 animation_bytes = 0;
  guint done = 0;
  int status = EXIT_FAILED, saved;

  if (!check_sizes (o, NULL, NULL, NULL)
      || (content = load_image (o->content, o->params.size)) == NULL
      || (styles = load_styles (o)) == NULL
      || !check_sizes (o, content, styles, NULL)
      || (weights = load_weights (weights_path, cancellable)) == NULL)
    return g_cancellable_is_cancelled (cancellable) ? EXIT_INTERRUPTED : EXIT_FAILED;
  /* Images are loaded without watching for Ctrl+C; stop here rather than
   * start the run. */
  if (g_cancellable_is_cancelled (cancellable))
    return EXIT_INTERRUPTED;
  if (o->animation != NULL)
    {
      guint w, h;

      imp_image_fit_size (content->width, content->height, o->params.size, &w, &h);
      animation_bytes = imp_cli_sizes_animation_bytes (o, content->width, content->height);
      recorder = imp_frame_recorder_new (w, h, o->animation_frames, o->animation_size);
    }
  transfer = create_transfer (o, weights, content, styles, animation_bytes, cancellable,
                              &status);
  if (transfer == NULL)
    return status;
  if ((progress = start_writing (o)) == NULL)
    return EXIT_FAILED;

  status = run_loop (o, transfer, progress, recorder, &done, cancellable);
  if (status == EXIT_FAILED || (status == EXIT_INTERRUPTED && !o->save_on_interrupt))
    return finish_log (progress, status);
  /* After Ctrl+C the results are still saved: the animation's encoding must
   * not see the cancellation that ended the run. */
  saved = save_results (o, transfer, recorder, done,
                        status == EXIT_INTERRUPTED ? NULL : cancellable);
  return finish_log (progress, saved != EXIT_DONE ? saved : status);
}

/* --evaluate: a line of JSON (each style layer, the palette distance to each
 * style image), then one line "style S content C tv T total X" (weighted, as
 * the --log-json lines), for comparing pictures made by different presets. It
 * writes no file, and stops on a signal as a run does (exit status 130). */
static int
evaluate (const ImpCliOptions *o,
          const char          *weights_path,
          GCancellable        *cancellable)
{
  g_autoptr(ImpWeights) weights = NULL;
  g_autoptr(ImpImage) content = NULL;
  g_autoptr(GPtrArray) styles = NULL;
  g_autoptr(ImpImage) image = NULL;
  /* after the pictures: freed first, it waits for its thread */
  g_autoptr(ImpCliPalette) palette = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  ImpLosses losses = { 0 };

  if (!check_sizes (o, NULL, NULL, NULL)
      || (content = load_image (o->content, o->params.size)) == NULL
      || (styles = load_styles (o)) == NULL
      || (image = load_image (o->evaluate, o->params.size)) == NULL
      || !check_sizes (o, content, styles, image))
    return g_cancellable_is_cancelled (cancellable) ? EXIT_INTERRUPTED : EXIT_FAILED;
  palette = imp_cli_evaluate_palette_start (image, (const ImpImage * const *) styles->pdata,
                                            styles->len);
  if ((weights = load_weights (weights_path, cancellable)) == NULL)
    return g_cancellable_is_cancelled (cancellable) ? EXIT_INTERRUPTED : EXIT_FAILED;
  if (!imp_cli_evaluate (weights, &o->params, content,
                         (const ImpImage * const *) styles->pdata,
                         o->style_blend != NULL ? (double *) o->style_blend->data : NULL,
                         styles->len, image, &losses, cancellable, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return EXIT_INTERRUPTED;
      print_error (error->message);
      return EXIT_FAILED;
    }
  if (g_cancellable_is_cancelled (cancellable))
    return EXIT_INTERRUPTED;
  json = imp_cli_evaluate_to_json (&o->params, &losses, (const char * const *) o->styles->pdata,
                                   imp_cli_evaluate_palette_finish (palette), styles->len);
  printf ("%s\n", json);
  printf ("style %.6g content %.6g tv %.6g total %.6g\n", losses.style, losses.content,
          losses.tv, losses.total);
  return EXIT_DONE;
}

static void
list_presets (void)
{
  const char * const *names = imp_params_list_presets ();

  for (guint i = 0; names[i] != NULL; i++)
    printf ("%s%s\n", names[i],
            g_strcmp0 (names[i], imp_params_default_preset ()) == 0 ? _(" (default)") : "");
}

/* Every file is checked against the others before anything is written
 * (imp-cli-files.c); --evaluate writes nothing. */
static int
check_files (const ImpCliOptions *o,
             const char          *weights_path)
{
  g_autoptr(GError) error = NULL;

  if (imp_cli_files_check (o, weights_path, &error))
    return EXIT_DONE;
  print_error (error->message);
  return error->domain == IMP_CLI_USAGE_ERROR ? EXIT_USAGE : EXIT_FAILED;
}

int
main (int    argc,
      char **argv)
{
  g_auto(ImpCliOptions) options = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *weights_path = NULL;
  int status;

  guard_standard_streams ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (!imp_cli_options_parse (&options, &argc, &argv, &error))
    {
      g_autofree char *msg = g_strdup_printf (_("%s (see --help)"), error->message);
      print_error (msg);
      return EXIT_USAGE;
    }
  if (options.version)
    {
      printf ("impasto-cli %s\n", PACKAGE_VERSION);
      return EXIT_DONE;
    }
  if (options.list_presets)
    {
      list_presets ();
      return EXIT_DONE;
    }
  /* Validated once (layer weights normalised); the engine takes them as they are. */
  if (!imp_params_validate (&options.params, &error))
    {
      g_autofree char *msg = imp_cli_describe_params_error (error, &options.params);

      print_error (msg);
      return EXIT_USAGE;
    }
  watch_signals (cancellable);
  if ((weights_path = find_weights (&options)) == NULL)
    return EXIT_FAILED;
  if (options.evaluate != NULL)
    return evaluate (&options, weights_path, cancellable);
  if ((status = check_files (&options, weights_path)) != EXIT_DONE)
    return status;
  return run (&options, weights_path, cancellable);
}
