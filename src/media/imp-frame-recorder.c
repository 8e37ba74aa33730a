/* imp-frame-recorder.c: keeps a run's frames for the progress animation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <math.h>
#include <string.h>

#include "imp-frame-recorder.h"

struct _ImpFrameRecorder
{
  gatomicrefcount  ref_count;
  GMutex           mutex;

  guint            max_frames;
  guint            width;            /* animation size */
  guint            height;

  /* under mutex */
  GPtrArray       *frames;           /* ImpFrame, oldest first */
  guint           *schedule;         /* iterations to keep, increasing, ends at total */
  guint            schedule_length;
  guint            schedule_total;   /* the total the schedule was made for */
};

ImpFrame *
imp_frame_ref (ImpFrame *frame)
{
  return g_atomic_rc_box_acquire (frame);
}

static void
frame_clear (gpointer data)
{
  ImpFrame *frame = data;

  g_free (frame->pixels);
}

void
imp_frame_unref (ImpFrame *frame)
{
  g_atomic_rc_box_release_full (frame, frame_clear);
}

ImpImage *
imp_frame_to_image (const ImpFrame *frame)
{
  g_return_val_if_fail (frame != NULL, NULL);

  return imp_image_new_from_rgb8 (frame->pixels, frame->width, frame->height,
                                  (gsize) 3 * frame->width);
}

/* The longer side becomes @size (never more than the output's own), the
 * shorter one follows the output's aspect ratio. */
static void
animation_size (guint  output_width,
                guint  output_height,
                guint  size,
                guint *width,
                guint *height)
{
  guint longer = MAX (output_width, output_height);
  guint target = size > 0 ? MIN (size, longer) : longer;
  double scale = (double) target / longer;

  *width = MAX (1, (guint) floor (output_width * scale + 0.5));
  *height = MAX (1, (guint) floor (output_height * scale + 0.5));
}

ImpFrameRecorder *
imp_frame_recorder_new (guint output_width,
                        guint output_height,
                        guint max_frames,
                        guint size)
{
  ImpFrameRecorder *self;

  g_return_val_if_fail (output_width > 0 && output_height > 0, NULL);
  g_return_val_if_fail (max_frames >= 1, NULL);

  self = g_new0 (ImpFrameRecorder, 1);
  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->mutex);
  self->max_frames = max_frames;
  animation_size (output_width, output_height, size, &self->width, &self->height);
  self->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) imp_frame_unref);
  return self;
}

ImpFrameRecorder *
imp_frame_recorder_ref (ImpFrameRecorder *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
imp_frame_recorder_unref (ImpFrameRecorder *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_ptr_array_unref (self->frames);
  g_free (self->schedule);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

/* Log spacing with an offset: t_k = s (exp (k L / (n - 1)) - 1) runs from 0 to
 * total, and s = total / 100 keeps the first frames from all falling on
 * iterations 0, 1, 2... Rounded to distinct iterations, each at least one after
 * the previous and leaving room for the rest. */
static void
make_schedule (ImpFrameRecorder *self,
               guint             total)
{
  guint n = (guint) MIN ((guint64) self->max_frames, (guint64) total + 1);
  double s = MAX (1.0, total / 100.0);
  double l = log1p (total / s);
  guint previous = 0;

  g_free (self->schedule);
  self->schedule = g_new (guint, n);
  self->schedule_length = n;
  self->schedule_total = total;
  for (guint k = 0; k < n; k++)
    {
      double u = n > 1 ? (double) k / (n - 1) : 1.0;
      guint t = (guint) floor (s * expm1 (l * u) + 0.5);

      if (k > 0)
        t = MAX (t, previous + 1);
      t = MIN (t, total - (n - 1 - k));
      self->schedule[k] = previous = t;
    }
}

static gboolean
schedule_contains (ImpFrameRecorder *self,
                   guint             iteration,
                   guint             total)
{
  guint lo = 0, hi;

  if (self->schedule == NULL || self->schedule_total != total)
    make_schedule (self, total);
  hi = self->schedule_length;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (self->schedule[mid] == iteration)
        return TRUE;
      if (self->schedule[mid] < iteration)
        lo = mid + 1;
      else
        hi = mid;
    }
  return FALSE;
}

static ImpFrame *
last_frame (ImpFrameRecorder *self)
{
  return self->frames->len > 0 ? g_ptr_array_index (self->frames, self->frames->len - 1) : NULL;
}

static gboolean
wants_locked (ImpFrameRecorder *self,
              guint             iteration,
              guint             total)
{
  ImpFrame *last = last_frame (self);

  if (last != NULL && iteration <= last->iteration)
    return FALSE;
  if (iteration >= total)
    return TRUE;
  /* The cap also holds when the total changed during the run. One place stays
   * free for the final frame. */
  if (self->frames->len + 1 >= self->max_frames)
    return FALSE;
  return schedule_contains (self, iteration, total);
}

gboolean
imp_frame_recorder_wants (ImpFrameRecorder *self,
                          guint             iteration,
                          guint             total_iterations)
{
  gboolean wants;

  g_return_val_if_fail (self != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  wants = wants_locked (self, iteration, total_iterations);
  g_mutex_unlock (&self->mutex);
  return wants;
}

ImpFrame *
imp_frame_new_scaled (const guint8 *pixels,
                      guint         width,
                      guint         height,
                      gsize         rowstride,
                      guint         frame_width,
                      guint         frame_height,
                      guint         iteration)
{
  g_autoptr(GdkPixbuf) source = NULL;
  g_autoptr(GdkPixbuf) scaled = NULL;
  ImpFrame *frame;
  gsize row = (gsize) 3 * frame_width;

  g_return_val_if_fail (pixels != NULL && width > 0 && height > 0, NULL);
  g_return_val_if_fail (frame_width > 0 && frame_height > 0, NULL);

  frame = g_atomic_rc_box_new0 (ImpFrame);

  frame->iteration = iteration;
  frame->width = frame_width;
  frame->height = frame_height;
  frame->pixels = g_malloc (row * frame_height);

  if (width != frame_width || height != frame_height)
    {
      source = gdk_pixbuf_new_from_data (pixels, GDK_COLORSPACE_RGB, FALSE, 8,
                                         (int) width, (int) height, (int) rowstride,
                                         NULL, NULL);
      scaled = gdk_pixbuf_scale_simple (source, (int) frame_width, (int) frame_height,
                                        GDK_INTERP_BILINEAR);
      pixels = gdk_pixbuf_read_pixels (scaled);
      rowstride = (gsize) gdk_pixbuf_get_rowstride (scaled);
    }
  for (guint y = 0; y < frame_height; y++)
    memcpy (frame->pixels + y * row, pixels + y * rowstride, row);
  return frame;
}

/* Appends, or replaces the last frame when @replace_last; under the mutex. */
static void
store_frame (ImpFrameRecorder *self,
             ImpFrame         *frame,
             gboolean          replace_last)
{
  if (replace_last && self->frames->len > 0)
    g_ptr_array_remove_index (self->frames, self->frames->len - 1);
  g_ptr_array_add (self->frames, frame);
}

gboolean
imp_frame_recorder_add_rgb8 (ImpFrameRecorder *self,
                             const guint8     *pixels,
                             guint             width,
                             guint             height,
                             gsize             rowstride,
                             guint             iteration,
                             guint             total_iterations)
{
  ImpFrame *frame;
  gboolean kept;

  g_return_val_if_fail (self != NULL && pixels != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0 && rowstride >= (gsize) 3 * width, FALSE);

  if (!imp_frame_recorder_wants (self, iteration, total_iterations))
    return FALSE;

  /* Scaling outside the lock: the window may read meanwhile. */
  frame = imp_frame_new_scaled (pixels, width, height, rowstride, self->width, self->height,
                            iteration);
  g_mutex_lock (&self->mutex);
  kept = wants_locked (self, iteration, total_iterations);
  if (kept)
    store_frame (self, frame, self->frames->len >= self->max_frames);
  g_mutex_unlock (&self->mutex);
  if (!kept)
    imp_frame_unref (frame);
  return kept;
}

gboolean
imp_frame_recorder_add (ImpFrameRecorder *self,
                        const ImpImage   *image,
                        guint             iteration,
                        guint             total_iterations)
{
  g_autofree guint8 *pixels = NULL;

  g_return_val_if_fail (self != NULL && image != NULL, FALSE);

  if (!imp_frame_recorder_wants (self, iteration, total_iterations))
    return FALSE;
  pixels = imp_image_to_rgb8 (image);
  return imp_frame_recorder_add_rgb8 (self, pixels, image->width, image->height,
                                      (gsize) 3 * image->width, iteration, total_iterations);
}

void
imp_frame_recorder_add_final (ImpFrameRecorder *self,
                              const ImpImage   *image,
                              guint             iteration)
{
  g_autofree guint8 *pixels = NULL;
  ImpFrame *frame;
  ImpFrame *last;

  g_return_if_fail (self != NULL && image != NULL);

  pixels = imp_image_to_rgb8 (image);
  frame = imp_frame_new_scaled (pixels, image->width, image->height, (gsize) 3 * image->width,
                            self->width, self->height, iteration);
  g_mutex_lock (&self->mutex);
  last = last_frame (self);
  store_frame (self, frame,
               self->frames->len >= self->max_frames
               || (last != NULL && last->iteration >= iteration));
  g_mutex_unlock (&self->mutex);
}

void
imp_frame_recorder_clear (ImpFrameRecorder *self)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->mutex);
  g_ptr_array_set_size (self->frames, 0);
  g_mutex_unlock (&self->mutex);
}

guint
imp_frame_recorder_get_n_frames (ImpFrameRecorder *self)
{
  guint n;

  g_return_val_if_fail (self != NULL, 0);

  g_mutex_lock (&self->mutex);
  n = self->frames->len;
  g_mutex_unlock (&self->mutex);
  return n;
}

guint
imp_frame_recorder_get_max_frames (ImpFrameRecorder *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->max_frames;
}

void
imp_frame_recorder_get_frame_size (ImpFrameRecorder *self,
                                   guint            *width,
                                   guint            *height)
{
  g_return_if_fail (self != NULL);

  if (width != NULL)
    *width = self->width;
  if (height != NULL)
    *height = self->height;
}

GPtrArray *
imp_frame_recorder_get_frames (ImpFrameRecorder *self)
{
  GPtrArray *copy;

  g_return_val_if_fail (self != NULL, NULL);

  g_mutex_lock (&self->mutex);
  copy = g_ptr_array_new_full (self->frames->len, (GDestroyNotify) imp_frame_unref);
  for (guint i = 0; i < self->frames->len; i++)
    g_ptr_array_add (copy, imp_frame_ref (g_ptr_array_index (self->frames, i)));
  g_mutex_unlock (&self->mutex);
  return copy;
}

/* A frame's share: its pixels, the frame header and the malloc bookkeeping of
 * both (rounded up generously). */
static gsize
frame_cost (guint width,
            guint height)
{
  return (gsize) 3 * width * height + sizeof (ImpFrame) + 64 + 2 * 32;
}

gsize
imp_frame_recorder_get_memory (ImpFrameRecorder *self)
{
  gsize bytes;

  g_return_val_if_fail (self != NULL, 0);

  g_mutex_lock (&self->mutex);
  bytes = sizeof *self + self->frames->len * (frame_cost (self->width, self->height)
                                               + sizeof (gpointer))
          + self->schedule_length * sizeof (guint);
  g_mutex_unlock (&self->mutex);
  return bytes;
}

gsize
imp_frame_recorder_estimate_memory (guint output_width,
                                    guint output_height,
                                    guint max_frames,
                                    guint size)
{
  guint width, height;
  gsize stored, scratch;

  g_return_val_if_fail (output_width > 0 && output_height > 0, 0);

  animation_size (output_width, output_height, size, &width, &height);
  stored = (gsize) max_frames * (frame_cost (width, height) + sizeof (gpointer) + sizeof (guint));
  /* While a frame is added: the output-sized 8-bit copy, the scaled pixbuf
   * (rows padded to 4 bytes) and the new frame before it replaces one. */
  scratch = (gsize) 3 * output_width * output_height
            + (gsize) ((3 * width + 3) & ~3u) * height + 1024
            + frame_cost (width, height);
  return sizeof (ImpFrameRecorder) + stored + scratch;
}
