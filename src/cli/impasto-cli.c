/* impasto-cli.c: the headless front end
 *
 * Exit status: 0 done, 1 failed, 2 usage error, 130 interrupted. Every error is
 * one line on stderr; progress goes to stdout.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "engine/imp-transfer.h"
#include "engine/imp-weights.h"
#include "media/imp-animation.h"
#include "media/imp-frame-recorder.h"
#include "media/imp-image-io.h"

#include "imp-cli-evaluate.h"
#include "imp-cli-options.h"
#include "imp-cli-params-error.h"
#include "imp-cli-progress.h"

enum
{
  EXIT_DONE = 0,
  EXIT_FAILED = 1,
  EXIT_USAGE = 2,
  EXIT_INTERRUPTED = 130,
};

/* Images are decoded at most this much larger than they will be used (and at
 * least this large), so a 30000x30000 file never needs its full size, while
 * our Lanczos filter still does the final resize. */
#define LOAD_MARGIN 4
#define LOAD_MIN_SIDE 2048

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
 * second. A second Ctrl+C ends the process at once. */

static int signal_pipe[2] = { -1, -1 };
static volatile sig_atomic_t interrupted;

static void
on_signal (int signum)
{
  char c = 1;

  if (interrupted)
    _exit (EXIT_INTERRUPTED);
  interrupted = 1;
  if (write (signal_pipe[1], &c, 1) < 0)
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

static void
watch_signals (GCancellable *cancellable)
{
  struct sigaction sa;

  if (pipe (signal_pipe) != 0)
    return;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  g_thread_unref (g_thread_new ("signals", signal_thread, g_object_ref (cancellable)));
}

/* Paths */

static gboolean
same_file (const char *a,
           const char *b)
{
  GStatBuf sa, sb;

  if (g_stat (a, &sa) != 0 || g_stat (b, &sb) != 0)
    return FALSE;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static gboolean
has_image_extension (const char *path)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  return g_str_has_suffix (lower, ".png") || g_str_has_suffix (lower, ".jpg")
         || g_str_has_suffix (lower, ".jpeg");
}

static int
check_writable_dir (const char *path)
{
  g_autofree char *name = g_filename_display_name (path);
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *msg = g_strdup_printf (_("Cannot write “%s”: it is a folder"), name);
      print_error (msg);
      return EXIT_FAILED;
    }
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR) || g_access (dir, W_OK) != 0)
    {
      int saved = g_file_test (dir, G_FILE_TEST_EXISTS)
                  && !g_file_test (dir, G_FILE_TEST_IS_DIR) ? ENOTDIR : errno;
      g_autofree char *dname = g_filename_display_name (dir);
      g_autofree char *msg = g_strdup_printf (_("Cannot write “%s”: folder “%s”: %s"),
                                              name, dname, g_strerror (saved));
      print_error (msg);
      return EXIT_FAILED;
    }
  return EXIT_DONE;
}

/* The animation, like the output, is refused before the run rather than after
 * minutes of work. */
static int
check_animation (const ImpCliOptions *o)
{
  g_autofree char *name = NULL;

  if (o->animation == NULL)
    return EXIT_DONE;
  name = g_filename_display_name (o->animation);
  for (guint i = 0; i <= o->styles->len + 1; i++)
    {
      const char *other = i == 0 ? o->content
                          : i == 1 ? o->output : g_ptr_array_index (o->styles, i - 2);

      if (g_strcmp0 (o->animation, other) == 0 || same_file (o->animation, other))
        {
          g_autofree char *msg = g_strdup_printf (_("--animation “%s” is an input image or the output; choose another file"), name);
          print_error (msg);
          return EXIT_USAGE;
        }
    }
  return check_writable_dir (o->animation);
}

/* Refuses, before any work, an output that cannot be written or that would
 * replace an input. */
static int
check_output (const ImpCliOptions *o)
{
  g_autofree char *name = g_filename_display_name (o->output);

  if (!has_image_extension (o->output))
    {
      g_autofree char *msg = g_strdup_printf (_("-o “%s”: the name must end in .png, .jpg or .jpeg"), name);
      print_error (msg);
      return EXIT_USAGE;
    }
  for (guint i = 0; i <= o->styles->len; i++)
    {
      const char *input = i == 0 ? o->content : g_ptr_array_index (o->styles, i - 1);

      if (same_file (o->output, input))
        {
          g_autofree char *msg = g_strdup_printf (_("-o “%s” is one of the input images; choose another output file"), name);
          print_error (msg);
          return EXIT_USAGE;
        }
    }
  return check_writable_dir (o->output);
}

static ImpWeights *
load_weights (const ImpCliOptions *o,
              GCancellable        *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = imp_weights_find (o->weights, &error);
  ImpWeights *weights;

  if (path == NULL)
    {
      g_autofree char *msg = NULL;

      if (g_error_matches (error, IMP_WEIGHTS_ERROR, IMP_WEIGHTS_ERROR_NOT_FOUND))
        msg = g_strdup_printf (_("%s — to get them run: %s/fetch"), error->message,
                               SOURCE_WEIGHTS_DIR);
      else
        msg = g_strdup (error->message);
      print_error (msg);
      return NULL;
    }
  weights = imp_weights_load_cancellable (path, cancellable, &error);
  if (weights == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    print_error (error->message);
  return weights;
}

static guint
load_side (guint target)
{
  if (target == 0)
    return 0;
  return MAX (LOAD_MIN_SIDE, LOAD_MARGIN * target);
}

static guint
style_target (const ImpParams *p)
{
  if (p->style_scale > 0.0)
    return p->size > 0 ? (guint) (p->style_scale * p->size + 1.0) : 0;
  if (p->style_size == IMP_STYLE_SIZE_FOLLOW)
    return p->size;
  return (guint) p->style_size;
}

static ImpImage *
load_image (const char *path,
            guint       target)
{
  g_autoptr(GError) error = NULL;
  ImpImage *image = imp_image_io_load (path, load_side (target), &error);

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
      ImpImage *s = load_image (g_ptr_array_index (o->styles, i), style_target (&o->params));

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

/* The animation's frames live as long as the run: the engine gets what is left
 * of the limit (the engine's default when none is given). */
static guint64
limit_without_animation (const ImpCliOptions *o,
                         guint64              animation_bytes)
{
  guint64 limit = o->params.memory_limit > 0 ? o->params.memory_limit
                                             : imp_transfer_default_memory_limit ();

  return limit > animation_bytes ? limit - animation_bytes : 1;
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

  if (animation_bytes > 0)
    params.memory_limit = limit_without_animation (o, animation_bytes);
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

/* The output size before the run, for the recorder and its memory estimate. */
static void
output_size (const ImpCliOptions *o,
             const ImpImage      *content,
             guint               *width,
             guint               *height)
{
  imp_image_fit_size (content->width, content->height, o->params.size, width, height);
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

static int
run (const ImpCliOptions *o,
     GCancellable        *cancellable)
{
  g_autoptr(ImpWeights) weights = NULL;
  g_autoptr(ImpImage) content = NULL;
  g_autoptr(GPtrArray) styles = NULL;
  g_autoptr(ImpTransfer) transfer = NULL;
  g_autoptr(ImpCliProgress) progress = NULL;
  g_autoptr(ImpFrameRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  guint64 animation_bytes = 0;
  guint done = 0;
  int status = EXIT_FAILED, saved;

  if ((content = load_image (o->content, o->params.size)) == NULL
      || (styles = load_styles (o)) == NULL
      || (weights = load_weights (o, cancellable)) == NULL)
    return g_cancellable_is_cancelled (cancellable) ? EXIT_INTERRUPTED : EXIT_FAILED;
  /* Images are loaded without watching for Ctrl+C; stop here rather than
   * start the run. */
  if (g_cancellable_is_cancelled (cancellable))
    return EXIT_INTERRUPTED;
  if (o->save_dir != NULL && g_mkdir_with_parents (o->save_dir, 0777) != 0)
    {
      int err = errno;
      g_autofree char *msg = g_strdup_printf (_("Cannot create the folder “%s”: %s"),
                                              o->save_dir, g_strerror (err));
      print_error (msg);
      return EXIT_FAILED;
    }
  if (o->animation != NULL)
    {
      guint w, h;

      output_size (o, content, &w, &h);
      animation_bytes = imp_frame_recorder_estimate_memory (w, h, o->animation_frames,
                                                            o->animation_size);
      recorder = imp_frame_recorder_new (w, h, o->animation_frames, o->animation_size);
    }
  progress = imp_cli_progress_new (o->quiet, o->log_json, &error);
  if (progress == NULL)
    {
      print_error (error->message);
      return EXIT_FAILED;
    }
  transfer = create_transfer (o, weights, content, styles, animation_bytes, cancellable,
                              &status);
  if (transfer == NULL)
    return status;

  status = run_loop (o, transfer, progress, recorder, &done, cancellable);
  if (status == EXIT_FAILED || (status == EXIT_INTERRUPTED && !o->save_on_interrupt))
    return status;
  /* After Ctrl+C the results are still saved: the animation's encoding must
   * not see the cancellation that ended the run. */
  saved = save_results (o, transfer, recorder, done,
                        status == EXIT_INTERRUPTED ? NULL : cancellable);
  return saved != EXIT_DONE ? saved : status;
}

/* --evaluate: a line of JSON (each style layer, the palette distance to each
 * style image), then one line "style S content C tv T total X" (weighted, as
 * the --log-json lines), for comparing pictures made by different presets. */
static int
evaluate (const ImpCliOptions *o)
{
  g_autoptr(ImpWeights) weights = NULL;
  g_autoptr(ImpImage) content = NULL;
  g_autoptr(GPtrArray) styles = NULL;
  g_autoptr(ImpImage) image = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *distances = NULL;
  g_autofree char *json = NULL;
  ImpLosses losses = { 0 };

  if ((content = load_image (o->content, o->params.size)) == NULL
      || (styles = load_styles (o)) == NULL
      || (image = load_image (o->evaluate, o->params.size)) == NULL
      || (weights = load_weights (o, NULL)) == NULL)
    return EXIT_FAILED;
  if (!imp_cli_evaluate (weights, &o->params, content,
                         (const ImpImage * const *) styles->pdata,
                         o->style_blend != NULL ? (double *) o->style_blend->data : NULL,
                         styles->len, image, &losses, &error))
    {
      print_error (error->message);
      return EXIT_FAILED;
    }
  distances = g_new0 (double, styles->len);
  imp_cli_evaluate_palette (image, (const ImpImage * const *) styles->pdata, styles->len,
                            distances);
  json = imp_cli_evaluate_to_json (&o->params, &losses, (const char * const *) o->styles->pdata,
                                   distances, styles->len);
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

int
main (int    argc,
      char **argv)
{
  g_auto(ImpCliOptions) options = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  ImpParams checked;
  int status;

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
  checked = options.params;
  if (!imp_params_validate (&checked, &error))
    {
      g_autofree char *msg = imp_cli_describe_params_error (error, &checked);

      print_error (msg);
      return EXIT_USAGE;
    }
  if (options.evaluate != NULL)
    return evaluate (&options);
  if ((status = check_output (&options)) != EXIT_DONE
      || (status = check_animation (&options)) != EXIT_DONE)
    return status;

  watch_signals (cancellable);
  return run (&options, cancellable);
}
