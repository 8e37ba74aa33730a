/* imp-animation.c: saving a run's recorded frames as an animated GIF or WebP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "imp-animation.h"
#include "imp-atomic-file.h"
#include "imp-gif-writer.h"
#include "imp-webp-writer.h"

ImpAnimationFormat
imp_animation_format_for_path (const char *path)
{
  const char *dot;

  g_return_val_if_fail (path != NULL, IMP_ANIMATION_FORMAT_UNKNOWN);

  dot = strrchr (path, '.');
  if (dot == NULL || strchr (dot, G_DIR_SEPARATOR) != NULL)
    return IMP_ANIMATION_FORMAT_UNKNOWN;
  if (g_ascii_strcasecmp (dot, ".gif") == 0)
    return IMP_ANIMATION_FORMAT_GIF;
  if (g_ascii_strcasecmp (dot, ".webp") == 0)
    return IMP_ANIMATION_FORMAT_WEBP;
  return IMP_ANIMATION_FORMAT_UNKNOWN;
}

static void
output_size (const ImpFrame *first,
             guint           size,
             guint          *width,
             guint          *height)
{
  guint longer = MAX (first->width, first->height);
  double scale;

  if (size == 0 || size == longer)
    {
      *width = first->width;
      *height = first->height;
      return;
    }
  scale = (double) size / longer;
  *width = MAX (1, (guint) floor (first->width * scale + 0.5));
  *height = MAX (1, (guint) floor (first->height * scale + 0.5));
}

static ImpFrame *
frame_at_size (ImpFrame *frame,
               guint     width,
               guint     height)
{
  if (frame->width == width && frame->height == height)
    return imp_frame_ref (frame);
  return imp_frame_new_scaled (frame->pixels, frame->width, frame->height,
                               (gsize) 3 * frame->width, width, height, frame->iteration);
}

static ImpFrame *
frame_from_image (const ImpImage *image,
                  guint           width,
                  guint           height)
{
  g_autofree guint8 *pixels = imp_image_to_rgb8 (image);

  return imp_frame_new_scaled (pixels, image->width, image->height,
                               (gsize) 3 * image->width, width, height, 0);
}

/* Fails (G_IO_ERROR_INVALID_DATA, naming @path) without frames. */
static gboolean
plan_init (ImpAnimationPlan          *plan,
           GPtrArray                 *frames,
           const ImpAnimationOptions *options,
           const char                *path,
           GError                   **error)
{
  guint n;

  memset (plan, 0, sizeof *plan);
  if (frames == NULL || frames->len == 0)
    {
      g_autofree char *name = g_filename_display_name (path);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Could not write “%s”: no frames were recorded"), name);
      return FALSE;
    }

  if (options->size > IMP_ANIMATION_MAX_SIZE)
    {
      g_autofree char *name = g_filename_display_name (path);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Could not write “%s”: the animation size must be at most %u pixels"),
                   name, IMP_ANIMATION_MAX_SIZE);
      return FALSE;
    }
  output_size (frames->pdata[0], options->size, &plan->width, &plan->height);
  plan->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) imp_frame_unref);
  if (options->first_frame != NULL)
    g_ptr_array_add (plan->frames, frame_from_image (options->first_frame,
                                                     plan->width, plan->height));
  for (guint i = 0; i < frames->len; i++)
    g_ptr_array_add (plan->frames, frame_at_size (frames->pdata[i], plan->width, plan->height));

  n = plan->frames->len;
  plan->delays_ms = g_new (guint, n);
  for (guint i = 0; i < n; i++)
    plan->delays_ms[i] = MAX (IMP_ANIMATION_MIN_DELAY_MS,
                              i + 1 < n ? options->delay_ms : options->final_delay_ms);
  return TRUE;
}

static void
plan_clear (ImpAnimationPlan *plan)
{
  g_clear_pointer (&plan->frames, g_ptr_array_unref);
  g_clear_pointer (&plan->delays_ms, g_free);
}

static gboolean
write_to_file (const guint8  *data,
               gsize          length,
               gpointer       user_data,
               GError       **error)
{
  return imp_atomic_file_write (user_data, data, length, error);
}

/* Prefixes "Could not write “@path”: " unless the message names it already. */
static void
propagate_error (GError     **dest,
                 GError      *src,
                 const char  *path)
{
  g_autofree char *name = g_filename_display_name (path);

  if (strstr (src->message, name) == NULL)
    g_prefix_error (&src, _("Could not write “%s”: "), name);
  g_propagate_error (dest, src);
}

/* The steps every format shares: plan the frames, encode into a temporary
 * file, and put it in place only when complete. */
static gboolean
save_with_encoder (ImpAnimationEncodeFunc      encode,
                   GPtrArray                  *frames,
                   const char                 *path,
                   const ImpAnimationOptions  *options,
                   GCancellable               *cancellable,
                   GError                    **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ImpAtomicFile) file = NULL;
  ImpAnimationOptions defaults;
  ImpAnimationPlan plan;
  gboolean ok;

  if (options == NULL)
    {
      imp_animation_options_init (&defaults);
      options = &defaults;
    }
  if (!plan_init (&plan, frames, options, path, error))
    return FALSE;
  file = imp_atomic_file_new (path, error);
  ok = file != NULL
       && encode (&plan, options, write_to_file, file, cancellable, &local_error)
       && imp_atomic_file_commit (file, &local_error);
  plan_clear (&plan);
  if (!ok && local_error != NULL)
    propagate_error (error, g_steal_pointer (&local_error), path);
  return ok;
}

gboolean
imp_animation_save_frames (GPtrArray                  *frames,
                           const char                 *path,
                           const ImpAnimationOptions  *options,
                           GCancellable               *cancellable,
                           GError                    **error)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  switch (imp_animation_format_for_path (path))
    {
    case IMP_ANIMATION_FORMAT_GIF:
      return save_with_encoder (imp_gif_writer_encode, frames, path, options, cancellable, error);
    case IMP_ANIMATION_FORMAT_WEBP:
      return save_with_encoder (imp_webp_writer_encode, frames, path, options, cancellable, error);
    case IMP_ANIMATION_FORMAT_UNKNOWN:
    default:
      name = g_filename_display_name (path);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Could not write “%s”: the name must end in .gif or .webp"), name);
      return FALSE;
    }
}

gboolean
imp_animation_save (ImpFrameRecorder           *recorder,
                    const char                 *path,
                    const ImpAnimationOptions  *options,
                    GCancellable               *cancellable,
                    GError                    **error)
{
  g_autoptr(GPtrArray) frames = NULL;

  g_return_val_if_fail (recorder != NULL, FALSE);

  frames = imp_frame_recorder_get_frames (recorder);
  return imp_animation_save_frames (frames, path, options, cancellable, error);
}

static gboolean
write_to_counter (const guint8  *data,
                  gsize          length,
                  gpointer       user_data,
                  GError       **error)
{
  *(guint64 *) user_data += length;
  return TRUE;
}

/* Bytes of @frames[@first..@first + @count) encoded alone, fastest settings. */
static guint64
encoded_size (GPtrArray                 *frames,
              guint                      first,
              guint                      count,
              ImpAnimationFormat         format,
              const ImpAnimationOptions *options)
{
  g_autoptr(GPtrArray) part = g_ptr_array_new ();
  ImpAnimationPlan plan;
  guint64 bytes = 0;
  gboolean ok;

  for (guint i = first; i < first + count; i++)
    g_ptr_array_add (part, frames->pdata[i]);
  if (!plan_init (&plan, part, options, "", NULL))
    return 0;
  plan.draft = TRUE;
  if (format == IMP_ANIMATION_FORMAT_GIF)
    ok = imp_gif_writer_encode (&plan, options, write_to_counter, &bytes, NULL, NULL);
  else
    ok = imp_webp_writer_encode (&plan, options, write_to_counter, &bytes, NULL, NULL);
  plan_clear (&plan);
  return ok ? bytes : 0;
}

guint64
imp_animation_estimate_size (ImpFrameRecorder           *recorder,
                             ImpAnimationFormat          format,
                             const ImpAnimationOptions  *options)
{
  g_autoptr(GPtrArray) frames = NULL;
  ImpAnimationOptions draft;
  ImpFrame *frame;
  guint width, height, n;
  double area;

  g_return_val_if_fail (recorder != NULL, 0);
  g_return_val_if_fail (format != IMP_ANIMATION_FORMAT_UNKNOWN, 0);

  if (options == NULL)
    imp_animation_options_init (&draft);
  else
    draft = *options;
  draft.first_frame = NULL;
  draft.progress = NULL;
  frames = imp_frame_recorder_get_frames (recorder);
  if (frames->len == 0)
    return 0;
  n = frames->len + (options != NULL && options->first_frame != NULL);
  frame = frames->pdata[0];
  output_size (frame, draft.size, &width, &height);
  area = (double) width * height;

  /* GIF stores every frame whole: one frame from the middle, n times. WebP
   * stores what changed, which varies along the run: all frames, above 256 px
   * at half the size and the bytes scaled by the area (below, the fixed
   * overhead of each frame would be scaled too). */
  if (format == IMP_ANIMATION_FORMAT_GIF)
    {
      draft.size = MAX (width, height);
      return encoded_size (frames, frames->len / 2, 1, format, &draft) * n;
    }
  draft.size = MAX (width, height) > 256 ? MAX (width, height) / 2 : MAX (width, height);
  output_size (frame, draft.size, &width, &height);
  return (guint64) (encoded_size (frames, 0, frames->len, format, &draft)
                    * (area / ((double) width * height)) * n / frames->len);
}
