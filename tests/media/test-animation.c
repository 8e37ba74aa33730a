/* test-animation.c: the GIF and WebP writers, decoded back with giflib and libwebp
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gif_lib.h>
#include <signal.h>
#include <string.h>
#include <webp/demux.h>

#include "media/imp-animation.h"
#include "media-test-util.h"

#define N_FRAMES 12
#define TOTAL_ITERATIONS 200
/* Mean absolute difference (0..255 scale) allowed between the last decoded
 * frame and the final image. GIF: the test picture spreads its colours over a
 * 2-D sheet of the RGB cube, which 256 colours cover in steps of about 16
 * levels per channel, so about 5.5 is measured (5.4 without dithering): bound 8.
 * WebP lossy at quality 85: measured below 2, bound 4. */
#define GIF_MAD_BOUND  8.0
#define WEBP_MAD_BOUND 4.0

static char *tmp_dir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static ImpImage *
picture_at (guint iteration)
{
  /* Phase steps large enough that no two frames look alike (libwebp would
   * merge them). */
  return media_test_pattern (64, 48, iteration * 0.5);
}

static ImpFrameRecorder *
make_recorder_at (guint width,
                  guint height)
{
  ImpFrameRecorder *recorder = imp_frame_recorder_new (width, height, N_FRAMES, 512);

  for (guint i = 0; i <= TOTAL_ITERATIONS; i++)
    if (imp_frame_recorder_wants (recorder, i, TOTAL_ITERATIONS))
      {
        g_autoptr(ImpImage) image = media_test_pattern (width, height, i * 0.5);

        imp_frame_recorder_add (recorder, image, i, TOTAL_ITERATIONS);
      }
  g_assert_cmpuint (imp_frame_recorder_get_n_frames (recorder), ==, N_FRAMES);
  return recorder;
}

static ImpFrameRecorder *
make_recorder (void)
{
  return make_recorder_at (64, 48);
}

static void
save_ok (ImpFrameRecorder          *recorder,
         const char                *path,
         const ImpAnimationOptions *options)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (imp_animation_save (recorder, path, options, NULL, &error));
  g_assert_no_error (error);
}

/* The NETSCAPE2.0 block DGifSlurp attached to the first image: loop count. */
static int
gif_loop_count (const SavedImage *image)
{
  for (int i = 0; i + 1 < image->ExtensionBlockCount; i++)
    {
      const ExtensionBlock *block = &image->ExtensionBlocks[i];
      const ExtensionBlock *next = &image->ExtensionBlocks[i + 1];

      if (block->Function == APPLICATION_EXT_FUNC_CODE && block->ByteCount == 11
          && memcmp (block->Bytes, "NETSCAPE2.0", 11) == 0
          && next->Function == CONTINUE_EXT_FUNC_CODE && next->ByteCount == 3
          && next->Bytes[0] == 1)
        return next->Bytes[1] | (next->Bytes[2] << 8);
    }
  return -1;
}

static ImpImage *
gif_frame_image (const GifFileType *gif,
                 int                index)
{
  const SavedImage *saved = &gif->SavedImages[index];
  const ColorMapObject *map = saved->ImageDesc.ColorMap ? saved->ImageDesc.ColorMap
                                                        : gif->SColorMap;
  guint width = (guint) saved->ImageDesc.Width, height = (guint) saved->ImageDesc.Height;
  g_autofree guint8 *rgb = g_malloc ((gsize) 3 * width * height);

  g_assert_nonnull (map);
  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      int c = saved->RasterBits[i];

      g_assert_cmpint (c, <, map->ColorCount);
      rgb[3 * i] = map->Colors[c].Red;
      rgb[3 * i + 1] = map->Colors[c].Green;
      rgb[3 * i + 2] = map->Colors[c].Blue;
    }
  return imp_image_new_from_rgb8 (rgb, width, height, 3 * width);
}

static GifFileType *
gif_slurp (const char *path)
{
  int error = 0;
  GifFileType *gif = DGifOpenFileName (path, &error);

  g_assert_nonnull (gif);
  g_assert_cmpint (DGifSlurp (gif), ==, GIF_OK);
  return gif;
}

static void
gif_close (GifFileType *gif)
{
  int error = 0;

  DGifCloseFile (gif, &error);
}

static void
test_gif (void)
{
  g_autoptr(ImpFrameRecorder) recorder = make_recorder ();
  g_autofree char *path = tmp_path ("run.gif");
  g_autoptr(ImpImage) final = picture_at (TOTAL_ITERATIONS);
  g_autoptr(ImpImage) last = NULL;
  GifFileType *gif;
  int duration_cs = 0;
  double mad;

  save_ok (recorder, path, NULL);
  gif = gif_slurp (path);
  g_assert_cmpint (gif->SWidth, ==, 64);
  g_assert_cmpint (gif->SHeight, ==, 48);
  g_assert_cmpint (gif->ImageCount, ==, N_FRAMES);
  g_assert_cmpint (gif_loop_count (&gif->SavedImages[0]), ==, 0);
  for (int i = 0; i < gif->ImageCount; i++)
    {
      GraphicsControlBlock gcb;

      g_assert_cmpint (gif->SavedImages[i].ImageDesc.Width, ==, 64);
      g_assert_cmpint (gif->SavedImages[i].ImageDesc.Height, ==, 48);
      g_assert_cmpint (DGifSavedExtensionToGCB (gif, i, &gcb), ==, GIF_OK);
      /* Centiseconds: 80 ms, the final frame 2 s. */
      g_assert_cmpint (gcb.DelayTime, ==, i + 1 < gif->ImageCount ? 8 : 200);
      duration_cs += gcb.DelayTime;
    }
  g_assert_cmpint (duration_cs * 10, ==, (N_FRAMES - 1) * 80 + 2000);

  last = gif_frame_image (gif, gif->ImageCount - 1);
  mad = media_test_mean_abs_diff (last, final);
  g_test_message ("GIF last frame: mean abs diff %.3f (bound %.1f)", mad, GIF_MAD_BOUND);
  g_assert_cmpfloat (mad, <, GIF_MAD_BOUND);
  gif_close (gif);
}

typedef struct
{
  WebPAnimInfo  info;
  guint         n_frames;
  int           end_ms;       /* when the last frame ends */
  guint        *durations;
  ImpImage     *last;
} WebPContents;

static void
webp_contents_clear (WebPContents *contents)
{
  g_free (contents->durations);
  imp_image_free (contents->last);
}

static void
webp_read_durations (const WebPData *data,
                     WebPContents   *contents)
{
  WebPDemuxer *demux = WebPDemux (data);
  WebPIterator iter;
  guint i = 0;

  g_assert_nonnull (demux);
  g_assert_cmpuint (WebPDemuxGetI (demux, WEBP_FF_FORMAT_FLAGS) & ANIMATION_FLAG, !=, 0);
  contents->durations = g_new0 (guint, contents->info.frame_count);
  g_assert_true (WebPDemuxGetFrame (demux, 1, &iter));
  do
    contents->durations[i++] = (guint) iter.duration;
  while (WebPDemuxNextFrame (&iter));
  WebPDemuxReleaseIterator (&iter);
  WebPDemuxDelete (demux);
  g_assert_cmpuint (i, ==, contents->info.frame_count);
}

static void
webp_decode (const char   *path,
             WebPContents *contents)
{
  g_autofree char *bytes = NULL;
  gsize length;
  WebPData data;
  WebPAnimDecoderOptions options;
  WebPAnimDecoder *decoder;
  g_autofree guint8 *rgb = NULL;

  memset (contents, 0, sizeof *contents);
  g_assert_true (g_file_get_contents (path, &bytes, &length, NULL));
  data.bytes = (const guint8 *) bytes;
  data.size = length;
  g_assert_true (WebPAnimDecoderOptionsInit (&options));
  options.color_mode = MODE_RGBA;
  decoder = WebPAnimDecoderNew (&data, &options);
  g_assert_nonnull (decoder);
  g_assert_true (WebPAnimDecoderGetInfo (decoder, &contents->info));
  rgb = g_malloc ((gsize) 3 * contents->info.canvas_width * contents->info.canvas_height);
  while (WebPAnimDecoderHasMoreFrames (decoder))
    {
      guint8 *rgba;

      g_assert_true (WebPAnimDecoderGetNext (decoder, &rgba, &contents->end_ms));
      for (gsize i = 0; i < (gsize) contents->info.canvas_width * contents->info.canvas_height; i++)
        memcpy (rgb + 3 * i, rgba + 4 * i, 3);
      contents->n_frames++;
    }
  contents->last = imp_image_new_from_rgb8 (rgb, contents->info.canvas_width,
                                            contents->info.canvas_height,
                                            3 * contents->info.canvas_width);
  WebPAnimDecoderDelete (decoder);
  webp_read_durations (&data, contents);
}

static void
test_webp (void)
{
  g_autoptr(ImpFrameRecorder) recorder = make_recorder ();
  g_autofree char *path = tmp_path ("run.webp");
  g_autoptr(ImpImage) final = picture_at (TOTAL_ITERATIONS);
  WebPContents contents;
  double mad;

  save_ok (recorder, path, NULL);
  webp_decode (path, &contents);
  g_assert_cmpuint (contents.info.canvas_width, ==, 64);
  g_assert_cmpuint (contents.info.canvas_height, ==, 48);
  g_assert_cmpuint (contents.info.loop_count, ==, 0);
  g_assert_cmpuint (contents.info.frame_count, ==, N_FRAMES);
  g_assert_cmpuint (contents.n_frames, ==, N_FRAMES);
  for (guint i = 0; i < N_FRAMES; i++)
    g_assert_cmpuint (contents.durations[i], ==, i + 1 < N_FRAMES ? 80 : 2000);
  g_assert_cmpint (contents.end_ms, ==, (N_FRAMES - 1) * 80 + 2000);

  mad = media_test_mean_abs_diff (contents.last, final);
  g_test_message ("WebP last frame: mean abs diff %.3f (bound %.1f)", mad, WEBP_MAD_BOUND);
  g_assert_cmpfloat (mad, <, WEBP_MAD_BOUND);
  webp_contents_clear (&contents);
}

/* The size option, the content image first, other delays, lossless WebP. */
static void
test_options (void)
{
  g_autoptr(ImpFrameRecorder) recorder = make_recorder ();
  g_autoptr(ImpImage) content = imp_image_new (128, 96);   /* white, unlike every frame */
  g_autofree char *gif_path = tmp_path ("options.GIF");
  g_autofree char *webp_path = tmp_path ("options.webp");
  g_autoptr(ImpImage) first = NULL;
  g_autoptr(ImpImage) white = imp_image_new (32, 24);
  ImpAnimationOptions options;
  GraphicsControlBlock gcb;
  WebPContents contents;
  GifFileType *gif;

  for (gsize i = 0; i < 3 * 128 * 96; i++)
    content->data[i] = 255.f;
  for (gsize i = 0; i < 3 * 32 * 24; i++)
    white->data[i] = 255.f;
  imp_animation_options_init (&options);
  options.size = 32;
  options.first_frame = content;
  options.delay_ms = 120;
  options.final_delay_ms = 3000;
  options.webp_lossless = TRUE;
  save_ok (recorder, gif_path, &options);
  save_ok (recorder, webp_path, &options);

  gif = gif_slurp (gif_path);
  g_assert_cmpint (gif->SWidth, ==, 32);
  g_assert_cmpint (gif->SHeight, ==, 24);
  g_assert_cmpint (gif->ImageCount, ==, N_FRAMES + 1);
  first = gif_frame_image (gif, 0);
  g_assert_cmpfloat (media_test_mean_abs_diff (first, white), <, 1.0);
  g_assert_cmpint (DGifSavedExtensionToGCB (gif, 0, &gcb), ==, GIF_OK);
  g_assert_cmpint (gcb.DelayTime, ==, 12);
  g_assert_cmpint (DGifSavedExtensionToGCB (gif, N_FRAMES, &gcb), ==, GIF_OK);
  g_assert_cmpint (gcb.DelayTime, ==, 300);
  gif_close (gif);

  /* Too short a delay becomes 20 ms (browsers slow shorter GIF delays down). */
  options.delay_ms = 0;
  save_ok (recorder, gif_path, &options);
  gif = gif_slurp (gif_path);
  g_assert_cmpint (DGifSavedExtensionToGCB (gif, 1, &gcb), ==, GIF_OK);
  g_assert_cmpint (gcb.DelayTime, ==, 2);
  gif_close (gif);

  webp_decode (webp_path, &contents);
  g_assert_cmpuint (contents.info.canvas_width, ==, 32);
  g_assert_cmpuint (contents.info.frame_count, ==, N_FRAMES + 1);
  g_assert_cmpint (contents.end_ms, ==, N_FRAMES * 120 + 3000);
  webp_contents_clear (&contents);
}

/* ImageMagick and gifsicle, when installed, read what we wrote. */
static char *
run_tool (const char *tool,
          const char *arg,
          const char *path)
{
  g_autofree char *program = g_find_program_in_path (tool);
  const char *argv[] = { tool, arg, path, NULL };
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status;

  if (program == NULL)
    return NULL;
  if (arg == NULL)
    argv[1] = path, argv[2] = NULL;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

static void
test_external_tools (void)
{
  g_autoptr(ImpFrameRecorder) recorder = make_recorder ();
  g_autofree char *gif = tmp_path ("tools.gif");
  g_autofree char *webp = tmp_path ("tools.webp");
  g_autofree char *info = NULL;
  g_autofree char *identify_gif = NULL;
  g_autofree char *identify_webp = NULL;

  save_ok (recorder, gif, NULL);
  save_ok (recorder, webp, NULL);
  info = run_tool ("gifsicle", "--info", gif);
  identify_gif = run_tool ("identify", NULL, gif);
  identify_webp = run_tool ("identify", NULL, webp);
  if (info == NULL && identify_gif == NULL)
    {
      g_test_skip ("neither gifsicle nor ImageMagick's identify is installed");
      return;
    }
  if (info != NULL)
    {
      g_test_message ("%s", info);
      g_assert_nonnull (strstr (info, "12 images"));
      g_assert_nonnull (strstr (info, "loop forever"));
      g_assert_nonnull (strstr (info, "delay 0.08s"));
      g_assert_nonnull (strstr (info, "delay 2.00s"));
    }
  if (identify_gif != NULL)
    {
      g_assert_cmpuint (count_lines (identify_gif), ==, N_FRAMES);
      g_assert_nonnull (strstr (identify_gif, "GIF 64x48"));
      g_assert_cmpuint (count_lines (identify_webp), ==, N_FRAMES);
      g_assert_nonnull (strstr (identify_webp, "WEBP"));
    }
}

static void
test_bad_requests (void)
{
  g_autoptr(ImpFrameRecorder) recorder = make_recorder ();
  g_autoptr(ImpFrameRecorder) empty = imp_frame_recorder_new (64, 48, 60, 512);
  g_autofree char *missing_dir = tmp_path ("no/such/dir/out.gif");
  g_autofree char *missing_webp = tmp_path ("no/such/dir/out.webp");
  g_autofree char *png = tmp_path ("out.png");
  g_autofree char *nothing = tmp_path ("nothing.gif");
  g_autoptr(GError) error = NULL;
  ImpAnimationOptions options;

  g_assert_false (imp_animation_save (recorder, missing_dir, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no/such/dir/out.gif"));
  g_clear_error (&error);
  g_assert_false (imp_animation_save (recorder, missing_webp, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (imp_animation_save (recorder, png, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "out.png"));
  g_clear_error (&error);
  g_assert_false (imp_animation_save (empty, nothing, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  imp_animation_options_init (&options);
  options.size = IMP_ANIMATION_MAX_SIZE + 1;
  g_assert_false (imp_animation_save (recorder, nothing, &options, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_false (g_file_test (nothing, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
}

/* A folder holding keep.gif and keep.webp with known contents. */
static char *
make_guarded_dir (const char *name)
{
  char *dir = tmp_path (name);
  const char *files[] = { "keep.gif", "keep.webp" };

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i], NULL);

      media_test_write_file (path, "original", 8);
    }
  return dir;
}

static void
assert_guarded_dir_intact (const char *dir)
{
  g_autofree char *left = media_test_list_dir (dir);
  const char *files[] = { "keep.gif", "keep.webp" };

  g_assert_cmpstr (left, ==, "keep.gif keep.webp");
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i], NULL);
      g_autofree char *contents = NULL;

      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      g_assert_cmpstr (contents, ==, "original");
    }
}

/* Runs in a child: a 1 kB file size limit stands in for a full disk (the
 * files are about 3 kB as WebP, 40 kB as GIF). */
static void
full_disk_child (void)
{
  g_autoptr(ImpFrameRecorder) recorder = make_recorder ();
  g_autofree char *dir = tmp_path ("full-disk");
  const char *files[] = { "keep.gif", "keep.webp" };
  struct rlimit limit = { 1024, 1024 };

  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i], NULL);
      g_autoptr(GError) error = NULL;

      g_assert_false (imp_animation_save (recorder, path, NULL, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);   /* EFBIG has no own code */
      g_assert_nonnull (strstr (error->message, files[i]));
      g_printerr ("%s\n", error->message);
    }
}

static void
test_full_disk (void)
{
  g_autofree char *dir = NULL;

  if (g_test_subprocess ())
    {
      full_disk_child ();
      return;
    }
  dir = make_guarded_dir ("full-disk");
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*keep.gif*keep.webp*");
  assert_guarded_dir_intact (dir);
}

typedef struct
{
  GCancellable *cancellable;
  guint         cancel_after;
  guint         calls;
} Canceller;

static void
cancel_on_progress (guint    done,
                    guint    total,
                    gpointer user_data)
{
  Canceller *canceller = user_data;

  g_assert_cmpuint (done, <=, total);
  canceller->calls++;
  if (done == canceller->cancel_after)
    g_cancellable_cancel (canceller->cancellable);
}

/* Cancelled after frame 5 of 12: an error, no new file, the old one intact. */
static void
test_cancel (void)
{
  g_autoptr(ImpFrameRecorder) recorder = make_recorder ();
  g_autofree char *dir = make_guarded_dir ("cancel");
  const char *files[] = { "keep.gif", "keep.webp" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autofree char *path = g_build_filename (dir, files[i], NULL);
      Canceller canceller = { cancellable, 5, 0 };
      g_autoptr(GError) error = NULL;
      ImpAnimationOptions options;

      imp_animation_options_init (&options);
      options.progress = cancel_on_progress;
      options.progress_data = &canceller;
      g_assert_false (imp_animation_save (recorder, path, &options, cancellable, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_nonnull (strstr (error->message, files[i]));
      g_assert_cmpuint (canceller.calls, ==, 5);
    }
  assert_guarded_dir_intact (dir);
}

/* Within a factor of 3 at the small size and above 256 px (WebP's estimate
 * works at half size there). */
static void
test_estimate (void)
{
  g_autoptr(ImpFrameRecorder) small = make_recorder ();
  g_autoptr(ImpFrameRecorder) large = make_recorder_at (320, 240);
  g_autoptr(ImpFrameRecorder) empty = imp_frame_recorder_new (64, 48, 60, 512);
  const char *names[] = { "estimate.gif", "estimate.webp", "large.gif", "large.webp" };
  const ImpAnimationFormat formats[] = { IMP_ANIMATION_FORMAT_GIF, IMP_ANIMATION_FORMAT_WEBP };

  g_assert_cmpuint (imp_animation_estimate_size (empty, IMP_ANIMATION_FORMAT_GIF, NULL), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      ImpFrameRecorder *recorder = i < 2 ? small : large;
      g_autofree char *path = tmp_path (names[i]);
      guint64 estimate = imp_animation_estimate_size (recorder, formats[i % 2], NULL);
      GStatBuf st;

      save_ok (recorder, path, NULL);
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_test_message ("%s: %" G_GUINT64_FORMAT " bytes estimated, %" G_GINT64_FORMAT " written",
                      names[i], estimate, (gint64) st.st_size);
      g_assert_cmpuint (estimate, >, (guint64) st.st_size / 3);
      g_assert_cmpuint (estimate, <, (guint64) st.st_size * 3);
    }
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  if (g_test_subprocess ())
    tmp_dir = g_strdup (g_getenv ("IMPASTO_MEDIA_TEST_DIR"));
  else
    tmp_dir = media_test_make_dir ();
  g_setenv ("IMPASTO_MEDIA_TEST_DIR", tmp_dir, TRUE);

  g_test_add_func ("/media/animation/gif", test_gif);
  g_test_add_func ("/media/animation/webp", test_webp);
  g_test_add_func ("/media/animation/options", test_options);
  g_test_add_func ("/media/animation/external-tools", test_external_tools);
  g_test_add_func ("/media/animation/bad-requests", test_bad_requests);
  g_test_add_func ("/media/animation/full-disk", test_full_disk);
  g_test_add_func ("/media/animation/cancel", test_cancel);
  g_test_add_func ("/media/animation/estimate", test_estimate);

  status = g_test_run ();
  if (!g_test_subprocess ())
    test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return status;
}
