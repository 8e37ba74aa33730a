/* imp-frame-recorder.h: keeps a run's frames for the progress animation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "engine/imp-image.h"

G_BEGIN_DECLS

#define IMP_FRAME_RECORDER_DEFAULT_MAX_FRAMES 60
#define IMP_FRAME_RECORDER_DEFAULT_SIZE       512

/* One recorded frame: interleaved 8-bit RGB, rowstride 3 * width. Immutable and
 * reference counted, so a snapshot can be encoded while the run goes on. */
typedef struct
{
  guint   iteration;
  guint   width;
  guint   height;
  guint8 *pixels;
} ImpFrame;

/* A new frame from interleaved 8-bit RGB scaled to @frame_width x @frame_height
 * (gdk-pixbuf's bilinear filter, which averages the covered area when shrinking). */
ImpFrame *imp_frame_new_scaled (const guint8 *pixels,
                                guint         width,
                                guint         height,
                                gsize         rowstride,
                                guint         frame_width,
                                guint         frame_height,
                                guint         iteration);
ImpFrame *imp_frame_ref   (ImpFrame *frame);
void      imp_frame_unref (ImpFrame *frame);
/* (transfer full) the frame as the engine's float image */
ImpImage *imp_frame_to_image (const ImpFrame *frame);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpFrame, imp_frame_unref)

/* The recorder decides which iterations to keep: spaced logarithmically (the
 * picture changes most at the start) plus always the final one, at most
 * @max_frames. Frames are stored at the animation size: the final output's
 * aspect ratio with the longer side min(@size, the output's longer side), so
 * frames from the coarse scales of a coarse-to-fine run are scaled up to it.
 *
 * Thread-safe: the worker adds frames while the window reads the count or takes
 * a snapshot. Reference counted for the same reason. */
typedef struct _ImpFrameRecorder ImpFrameRecorder;

ImpFrameRecorder *imp_frame_recorder_new             (guint              output_width,
                                                      guint              output_height,
                                                      guint              max_frames,
                                                      guint              size);
ImpFrameRecorder *imp_frame_recorder_ref             (ImpFrameRecorder  *self);
void              imp_frame_recorder_unref           (ImpFrameRecorder  *self);

/* Iterations count updates from 0 (the initial image) to @total_iterations
 * across the whole run (all scales). wants() is cheap: call it first and read
 * the session's image only when it says yes. */
gboolean          imp_frame_recorder_wants           (ImpFrameRecorder  *self,
                                                      guint              iteration,
                                                      guint              total_iterations);
/* Keeps @image (any size) when the schedule wants @iteration or it is the final
 * one (@iteration >= @total_iterations). Returns whether it was kept. */
gboolean          imp_frame_recorder_add             (ImpFrameRecorder  *self,
                                                      const ImpImage    *image,
                                                      guint              iteration,
                                                      guint              total_iterations);
gboolean          imp_frame_recorder_add_rgb8        (ImpFrameRecorder  *self,
                                                      const guint8      *pixels,
                                                      guint              width,
                                                      guint              height,
                                                      gsize              rowstride,
                                                      guint              iteration,
                                                      guint              total_iterations);
/* For a run that ends early (cancelled, converged): keeps @image as the final
 * frame whatever the schedule says, replacing the last kept one if at the cap. */
void              imp_frame_recorder_add_final       (ImpFrameRecorder  *self,
                                                      const ImpImage    *image,
                                                      guint              iteration);
void              imp_frame_recorder_clear           (ImpFrameRecorder  *self);

guint             imp_frame_recorder_get_n_frames    (ImpFrameRecorder  *self);
guint             imp_frame_recorder_get_max_frames  (ImpFrameRecorder  *self);
void              imp_frame_recorder_get_frame_size  (ImpFrameRecorder  *self,
                                                      guint             *width,
                                                      guint             *height);
/* (transfer full) (element-type ImpFrame): the frames so far, oldest first */
GPtrArray        *imp_frame_recorder_get_frames      (ImpFrameRecorder  *self);
/* Bytes the stored frames take now. */
gsize             imp_frame_recorder_get_memory      (ImpFrameRecorder  *self);

/* Upper bound of the memory a recorder with these arguments uses during a run:
 * all frames stored plus the scratch of converting one frame of the output's
 * size. For the run's memory estimate, before the run starts. */
gsize             imp_frame_recorder_estimate_memory (guint              output_width,
                                                      guint              output_height,
                                                      guint              max_frames,
                                                      guint              size);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpFrameRecorder, imp_frame_recorder_unref)

G_END_DECLS
