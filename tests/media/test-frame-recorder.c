/* test-frame-recorder.c: which frames the recorder keeps, at what size, in how much memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "media/imp-frame-recorder.h"
#include "media-test-util.h"

/* What a run at 32 px does: 1000 iterations, wants() before reading the image. */
static ImpFrameRecorder *
record_run (guint total,
            guint max_frames)
{
  ImpFrameRecorder *recorder = imp_frame_recorder_new (32, 24, max_frames, 512);

  for (guint i = 0; i <= total; i++)
    {
      g_autoptr(ImpImage) image = NULL;

      if (!imp_frame_recorder_wants (recorder, i, total))
        continue;
      image = media_test_pattern (32, 24, i * 0.01);
      g_assert_true (imp_frame_recorder_add (recorder, image, i, total));
    }
  return recorder;
}

static void
test_cap_and_final (void)
{
  g_autoptr(ImpFrameRecorder) recorder = record_run (1000, 60);
  g_autoptr(GPtrArray) frames = imp_frame_recorder_get_frames (recorder);
  ImpFrame *last;

  g_assert_cmpuint (frames->len, ==, 60);
  g_assert_cmpuint (imp_frame_recorder_get_n_frames (recorder), ==, 60);
  g_assert_cmpuint (((ImpFrame *) frames->pdata[0])->iteration, ==, 0);
  last = frames->pdata[frames->len - 1];
  g_assert_cmpuint (last->iteration, ==, 1000);
  for (guint i = 1; i < frames->len; i++)
    g_assert_cmpuint (((ImpFrame *) frames->pdata[i])->iteration, >,
                      ((ImpFrame *) frames->pdata[i - 1])->iteration);
}

/* Denser at the start: the gaps grow, and the first half of the frames covers
 * a small part of the run. */
static void
test_log_spacing (void)
{
  g_autoptr(ImpFrameRecorder) recorder = record_run (1000, 60);
  g_autoptr(GPtrArray) frames = imp_frame_recorder_get_frames (recorder);
  GString *list = g_string_new (NULL);
  guint previous_gap = 0;

  for (guint i = 0; i < frames->len; i++)
    g_string_append_printf (list, " %u", ((ImpFrame *) frames->pdata[i])->iteration);
  g_test_message ("kept:%s", list->str);
  g_string_free (list, TRUE);

  g_assert_cmpuint (((ImpFrame *) frames->pdata[29])->iteration, <, 100);
  g_assert_cmpuint (((ImpFrame *) frames->pdata[9])->iteration, <, 20);
  for (guint i = 1; i < frames->len; i++)
    {
      guint gap = ((ImpFrame *) frames->pdata[i])->iteration
                  - ((ImpFrame *) frames->pdata[i - 1])->iteration;

      /* Rounding may shorten one gap by an iteration. */
      g_assert_cmpuint (gap + 1, >=, previous_gap);
      previous_gap = gap;
    }
  g_assert_cmpuint (previous_gap, >, 50);
}

/* A short run keeps every iteration; a feed without wants() keeps the same. */
static void
test_short_run_and_add_only (void)
{
  g_autoptr(ImpFrameRecorder) short_run = record_run (10, 60);
  g_autoptr(ImpFrameRecorder) add_only = imp_frame_recorder_new (32, 24, 60, 512);
  g_autoptr(ImpFrameRecorder) reference = record_run (300, 60);
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) b = NULL;
  g_autoptr(ImpImage) image = media_test_pattern (32, 24, 0.0);
  guint kept = 0;

  g_assert_cmpuint (imp_frame_recorder_get_n_frames (short_run), ==, 11);
  for (guint i = 0; i <= 300; i++)
    kept += imp_frame_recorder_add (add_only, image, i, 300);
  a = imp_frame_recorder_get_frames (add_only);
  b = imp_frame_recorder_get_frames (reference);
  g_assert_cmpuint (kept, ==, a->len);
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpuint (((ImpFrame *) a->pdata[i])->iteration, ==,
                      ((ImpFrame *) b->pdata[i])->iteration);
  /* Nothing twice, nothing going back. */
  g_assert_false (imp_frame_recorder_add (add_only, image, 300, 300));
  g_assert_false (imp_frame_recorder_add (add_only, image, 5, 300));
}

/* A run stopped early still ends on its last image, within the cap. */
static void
test_early_stop (void)
{
  g_autoptr(ImpFrameRecorder) recorder = imp_frame_recorder_new (32, 24, 8, 512);
  g_autoptr(ImpImage) image = media_test_pattern (32, 24, 0.0);
  g_autoptr(ImpImage) final = media_test_pattern (32, 24, 2.0);
  g_autoptr(GPtrArray) frames = NULL;
  g_autoptr(ImpImage) back = NULL;
  ImpFrame *last;

  for (guint i = 0; i <= 700; i++)
    imp_frame_recorder_add (recorder, image, i, 1000);
  g_assert_cmpuint (imp_frame_recorder_get_n_frames (recorder), <=, 7);
  imp_frame_recorder_add_final (recorder, final, 700);
  frames = imp_frame_recorder_get_frames (recorder);
  g_assert_cmpuint (frames->len, <=, 8);
  last = frames->pdata[frames->len - 1];
  g_assert_cmpuint (last->iteration, ==, 700);
  back = imp_frame_to_image (last);
  g_assert_cmpfloat (media_test_mean_abs_diff (back, final), <, 0.5);
}

static void
test_final_replaces_at_cap (void)
{
  g_autoptr(ImpFrameRecorder) recorder = imp_frame_recorder_new (32, 24, 3, 512);
  g_autoptr(ImpImage) image = media_test_pattern (32, 24, 0.0);

  for (guint i = 0; i <= 5; i++)
    imp_frame_recorder_add (recorder, image, i, 5);
  g_assert_cmpuint (imp_frame_recorder_get_n_frames (recorder), ==, 3);
  imp_frame_recorder_add_final (recorder, image, 5);
  g_assert_cmpuint (imp_frame_recorder_get_n_frames (recorder), ==, 3);
}

/* Every frame has the output's aspect ratio at the animation size, whatever
 * the size of the image handed in (coarse scales are smaller). */
static void
test_frame_sizes (void)
{
  g_autoptr(ImpFrameRecorder) big = imp_frame_recorder_new (300, 200, 60, 512);
  g_autoptr(ImpFrameRecorder) small = imp_frame_recorder_new (1000, 400, 60, 250);
  g_autoptr(ImpImage) coarse = media_test_pattern (150, 100, 0.0);
  g_autoptr(ImpImage) odd = media_test_pattern (151, 99, 0.0);
  g_autoptr(ImpImage) expected = media_test_pattern (300, 200, 0.0);
  g_autoptr(ImpImage) full = media_test_pattern (1000, 400, 0.0);
  g_autoptr(ImpImage) expected_small = media_test_pattern (250, 100, 0.0);
  g_autoptr(GPtrArray) frames = NULL;
  guint w, h;

  imp_frame_recorder_get_frame_size (big, &w, &h);
  g_assert_cmpuint (w, ==, 300);      /* never larger than the output */
  g_assert_cmpuint (h, ==, 200);
  g_assert_true (imp_frame_recorder_add (big, coarse, 0, 100));
  g_assert_true (imp_frame_recorder_add (big, odd, 1, 100));
  g_assert_true (imp_frame_recorder_add (big, expected, 100, 100));
  frames = imp_frame_recorder_get_frames (big);
  g_assert_cmpuint (frames->len, ==, 3);
  for (guint i = 0; i < frames->len; i++)
    {
      ImpFrame *frame = frames->pdata[i];
      g_autoptr(ImpImage) image = imp_frame_to_image (frame);
      double mad = media_test_mean_abs_diff (image, expected);

      g_test_message ("frame %u: %u×%u, mean abs diff to the full-size picture %.2f",
                      i, frame->width, frame->height, mad);
      g_assert_cmpuint (frame->width, ==, 300);
      g_assert_cmpuint (frame->height, ==, 200);
      /* Upscaled from half size: smooth, so close; the same size: exact. */
      g_assert_cmpfloat (mad, <, i == 2 ? 0.51 : 3.0);
    }

  imp_frame_recorder_get_frame_size (small, &w, &h);
  g_assert_cmpuint (w, ==, 250);
  g_assert_cmpuint (h, ==, 100);
  g_assert_true (imp_frame_recorder_add (small, full, 10, 10));
  g_clear_pointer (&frames, g_ptr_array_unref);
  frames = imp_frame_recorder_get_frames (small);
  {
    g_autoptr(ImpImage) image = imp_frame_to_image (frames->pdata[0]);

    g_assert_cmpfloat (media_test_mean_abs_diff (image, expected_small), <, 2.0);
  }
}

static void
test_memory_estimate (void)
{
  const guint sizes[][3] = { { 32, 24, 512 }, { 512, 384, 512 }, { 1024, 768, 256 } };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      guint ow = sizes[s][0], oh = sizes[s][1], size = sizes[s][2];
      g_autoptr(ImpFrameRecorder) recorder = imp_frame_recorder_new (ow, oh, 20, size);
      g_autoptr(ImpImage) image = media_test_pattern (ow, oh, 0.0);
      gsize estimate = imp_frame_recorder_estimate_memory (ow, oh, 20, size);
      guint w, h;

      for (guint i = 0; i <= 40; i++)
        imp_frame_recorder_add (recorder, image, i, 40);
      imp_frame_recorder_get_frame_size (recorder, &w, &h);
      g_test_message ("%u×%u: %u frames of %u×%u use %zu bytes, estimate %zu",
                      ow, oh, imp_frame_recorder_get_n_frames (recorder), w, h,
                      imp_frame_recorder_get_memory (recorder), estimate);
      g_assert_cmpuint (imp_frame_recorder_get_n_frames (recorder), ==, 20);
      g_assert_cmpuint (imp_frame_recorder_get_memory (recorder), >=, (gsize) 20 * 3 * w * h);
      g_assert_cmpuint (imp_frame_recorder_get_memory (recorder), <=, estimate);
      /* An upper bound, but not a wild one. */
      g_assert_cmpuint (estimate, <, 2 * imp_frame_recorder_get_memory (recorder)
                                     + (gsize) 3 * ow * oh + 4096);
    }
}

typedef struct
{
  ImpFrameRecorder *recorder;
  gboolean          done;
} Feeder;

static gpointer
feed_thread (gpointer data)
{
  Feeder *feeder = data;
  g_autoptr(ImpImage) image = media_test_pattern (64, 48, 0.0);

  for (guint i = 0; i <= 2000; i++)
    imp_frame_recorder_add (feeder->recorder, image, i, 2000);
  g_atomic_int_set (&feeder->done, TRUE);
  return NULL;
}

/* The worker adds while the window reads; the counts seen only grow. */
static void
test_threads (void)
{
  Feeder feeder = { imp_frame_recorder_new (64, 48, 60, 32), FALSE };
  GThread *thread = g_thread_new ("feeder", feed_thread, &feeder);
  guint seen = 0;

  while (!g_atomic_int_get (&feeder.done))
    {
      g_autoptr(GPtrArray) frames = imp_frame_recorder_get_frames (feeder.recorder);

      g_assert_cmpuint (frames->len, >=, seen);
      g_assert_cmpuint (frames->len, <=, 60);
      seen = frames->len;
    }
  g_thread_join (thread);
  g_assert_cmpuint (imp_frame_recorder_get_n_frames (feeder.recorder), ==, 60);
  imp_frame_recorder_unref (feeder.recorder);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media/frame-recorder/cap-and-final", test_cap_and_final);
  g_test_add_func ("/media/frame-recorder/log-spacing", test_log_spacing);
  g_test_add_func ("/media/frame-recorder/short-run-and-add-only", test_short_run_and_add_only);
  g_test_add_func ("/media/frame-recorder/early-stop", test_early_stop);
  g_test_add_func ("/media/frame-recorder/final-replaces-at-cap", test_final_replaces_at_cap);
  g_test_add_func ("/media/frame-recorder/frame-sizes", test_frame_sizes);
  g_test_add_func ("/media/frame-recorder/memory-estimate", test_memory_estimate);
  g_test_add_func ("/media/frame-recorder/threads", test_threads);

  return g_test_run ();
}
