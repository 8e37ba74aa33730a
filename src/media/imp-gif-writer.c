/* imp-gif-writer.c: writes recorded frames as an animated GIF (giflib, libimagequant)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gif_lib.h>
#include <glib/gi18n-lib.h>
#include <libimagequant.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "imp-gif-writer.h"

/* giflib reports through its output function only "how many bytes"; the real
 * reason (full disk, cancelled) waits here for the caller. */
typedef struct
{
  ImpAnimationWriteFunc  write_func;
  gpointer               write_data;
  GCancellable          *cancellable;
  GError                *error;
} GifSink;

static int
gif_output (GifFileType       *gif,
            const GifByteType *data,
            int                length)
{
  GifSink *sink = gif->UserData;

  if (sink->error != NULL)
    return 0;
  if (g_cancellable_set_error_if_cancelled (sink->cancellable, &sink->error))
    return 0;
  if (!sink->write_func (data, (gsize) length, sink->write_data, &sink->error))
    return 0;
  return length;
}

/* Browsers show delays under 20 ms as 100 ms; GIF counts in 10 ms steps. */
static int
delay_centiseconds (guint ms)
{
  return (int) MIN (65535u, MAX (2u, (ms + 5) / 10));
}

static gboolean
put_loop_forever (GifFileType *gif)
{
  static const GifByteType loop[3] = { 1, 0, 0 };   /* sub-block 1: loop count 0 */

  return EGifPutExtensionLeader (gif, APPLICATION_EXT_FUNC_CODE) == GIF_OK
         && EGifPutExtensionBlock (gif, 11, "NETSCAPE2.0") == GIF_OK
         && EGifPutExtensionBlock (gif, 3, loop) == GIF_OK
         && EGifPutExtensionTrailer (gif) == GIF_OK;
}

static gboolean
put_delay (GifFileType *gif,
           guint        delay_ms)
{
  GraphicsControlBlock gcb = {
    .DisposalMode = DISPOSE_DO_NOT,
    .UserInputFlag = false,
    .DelayTime = delay_centiseconds (delay_ms),
    .TransparentColor = NO_TRANSPARENT_COLOR,
  };
  GifByteType extension[4];
  size_t length = EGifGCBToExtension (&gcb, extension);

  return EGifPutExtension (gif, GRAPHICS_EXT_FUNC_CODE, (int) length, extension) == GIF_OK;
}

/* A palette of up to 256 colours for this frame alone, with Floyd-Steinberg
 * dithering: paintings have too many colours for one shared palette. */
static ColorMapObject *
quantize (const ImpFrame *frame,
          gboolean        draft,
          guint8         *indices)
{
  gsize n = (gsize) frame->width * frame->height;
  g_autofree guint8 *rgba = g_malloc (n * 4);
  GifColorType colors[256] = { { 0 } };
  ColorMapObject *map = NULL;
  const liq_palette *palette;
  liq_attr *attr = liq_attr_create ();
  liq_image *image;
  liq_result *result = NULL;
  int bits;

  for (gsize i = 0; i < n; i++)
    {
      memcpy (rgba + 4 * i, frame->pixels + 3 * i, 3);
      rgba[4 * i + 3] = 255;
    }
  /* Measured at 512x384 on the test picture: speed 5 keeps the default (4)'s
   * quality in about 80 % of its time; 10 is four times faster but visibly
   * worse, good enough for a size estimate (within 3 %). */
  liq_set_speed (attr, draft ? 10 : 5);
  /* The buffer must outlive the liq_image. */
  image = liq_image_create_rgba (attr, rgba, (int) frame->width, (int) frame->height, 0);
  if (image != NULL && liq_image_quantize (image, attr, &result) == LIQ_OK)
    {
      liq_set_dithering_level (result, 1.0f);
      if (liq_write_remapped_image (result, image, indices, n) == LIQ_OK)
        {
          palette = liq_get_palette (result);
          for (guint i = 0; i < palette->count; i++)
            {
              colors[i].Red = palette->entries[i].r;
              colors[i].Green = palette->entries[i].g;
              colors[i].Blue = palette->entries[i].b;
            }
          /* giflib wants a power-of-two map; the padding stays black and unused. */
          bits = MAX (1, GifBitSize ((int) palette->count));
          map = GifMakeMapObject (1 << bits, colors);
        }
      liq_result_destroy (result);
    }
  if (image != NULL)
    liq_image_destroy (image);
  liq_attr_destroy (attr);
  return map;
}

static gboolean
put_frame (GifFileType    *gif,
           const ImpFrame *frame,
           gboolean        draft,
           guint           delay_ms)
{
  g_autofree guint8 *indices = g_malloc ((gsize) frame->width * frame->height);
  ColorMapObject *map = quantize (frame, draft, indices);
  gboolean ok;

  if (map == NULL)
    return FALSE;
  ok = put_delay (gif, delay_ms)
       && EGifPutImageDesc (gif, 0, 0, (int) frame->width, (int) frame->height,
                            false, map) == GIF_OK;
  for (guint y = 0; ok && y < frame->height; y++)
    ok = EGifPutLine (gif, indices + (gsize) y * frame->width, (int) frame->width) == GIF_OK;
  GifFreeMapObject (map);
  return ok;
}

static gboolean
encode_frames (GifFileType               *gif,
               const ImpAnimationPlan    *plan,
               const ImpAnimationOptions *options,
               GifSink                   *sink)
{
  guint n = plan->frames->len;

  EGifSetGifVersion (gif, true);
  if (EGifPutScreenDesc (gif, (int) plan->width, (int) plan->height, 8, 0, NULL) != GIF_OK
      || !put_loop_forever (gif))
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      if (g_cancellable_set_error_if_cancelled (sink->cancellable, &sink->error)
          || !put_frame (gif, plan->frames->pdata[i], plan->draft, plan->delays_ms[i]))
        return FALSE;
      imp_animation_options_report (options, i + 1, n);
    }
  return TRUE;
}

/* libimagequant parallelises with OpenMP, whose idle threads spin: on two
 * cores shared with a running session (or other programs) that made a 60-frame
 * export at 512 px three to ten times slower than one thread, measured. The
 * thread count is this thread's OpenMP setting, restored afterwards. */
static gboolean
encode_frames_one_thread (GifFileType               *gif,
                          const ImpAnimationPlan    *plan,
                          const ImpAnimationOptions *options,
                          GifSink                   *sink)
{
#ifdef _OPENMP
  int threads = omp_get_max_threads ();
  gboolean ok;

  omp_set_num_threads (1);
  ok = encode_frames (gif, plan, options, sink);
  omp_set_num_threads (threads);
  return ok;
#else
  return encode_frames (gif, plan, options, sink);
#endif
}

gboolean
imp_gif_writer_encode (const ImpAnimationPlan    *plan,
                       const ImpAnimationOptions *options,
                       ImpAnimationWriteFunc      write_func,
                       gpointer                   write_data,
                       GCancellable              *cancellable,
                       GError                   **error)
{
  GifSink sink = { write_func, write_data, cancellable, NULL };
  int gif_error = 0;
  GifFileType *gif = EGifOpen (&sink, gif_output, &gif_error);
  gboolean ok;

  if (gif == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", GifErrorString (gif_error));
      return FALSE;
    }
  ok = encode_frames_one_thread (gif, plan, options, &sink);
  if (!ok && sink.error == NULL)
    gif_error = gif->Error;
  /* Writes the trailer and frees @gif, also after a failure. */
  if (EGifCloseFile (gif, ok ? &gif_error : NULL) != GIF_OK && ok)
    ok = FALSE;
  if (ok)
    return TRUE;
  if (sink.error != NULL)
    g_propagate_error (error, sink.error);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                 gif_error != 0 ? GifErrorString (gif_error) : _("color quantization failed"));
  return FALSE;
}
