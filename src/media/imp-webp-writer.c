/* imp-webp-writer.c: writes recorded frames as an animated WebP (WebPAnimEncoder)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <webp/encode.h>
#include <webp/mux.h>

#include "imp-webp-writer.h"

/* The assembled file is written in pieces so cancelling stays quick. */
#define WRITE_CHUNK (256 * 1024)

static gboolean
set_encoder_error (GError     **error,
                   const char  *reason)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("WebP encoding failed: %s"),
               reason != NULL && *reason != '\0' ? reason : _("unknown error"));
  return FALSE;
}

static WebPAnimEncoder *
encoder_new (const ImpAnimationPlan *plan)
{
  WebPAnimEncoderOptions options;

  if (!WebPAnimEncoderOptionsInit (&options))
    return NULL;
  options.anim_params.loop_count = 0;              /* forever */
  options.anim_params.bgcolor = 0xffffffff;
  return WebPAnimEncoderNew ((int) plan->width, (int) plan->height, &options);
}

static gboolean
config_init (WebPConfig                *config,
             const ImpAnimationPlan    *plan,
             const ImpAnimationOptions *options)
{
  if (!WebPConfigInit (config))
    return FALSE;
  config->lossless = options->webp_lossless ? 1 : 0;
  config->quality = (float) MIN (options->webp_quality, 100u);
  config->method = plan->draft ? 0 : 4;
  return WebPValidateConfig (config);
}

/* Frame i shows from the sum of the earlier delays on; the final call with no
 * picture marks when the last frame ends. */
static gboolean
add_frame (WebPAnimEncoder  *encoder,
           const ImpFrame   *frame,
           int               timestamp,
           const WebPConfig *config)
{
  WebPPicture picture;
  gboolean ok;

  if (!WebPPictureInit (&picture))
    return FALSE;
  picture.width = (int) frame->width;
  picture.height = (int) frame->height;
  picture.use_argb = 1;
  ok = WebPPictureImportRGB (&picture, frame->pixels, (int) (3 * frame->width))
       && WebPAnimEncoderAdd (encoder, &picture, timestamp, config);
  WebPPictureFree (&picture);
  return ok;
}

static gboolean
encode_frames (WebPAnimEncoder           *encoder,
               const ImpAnimationPlan    *plan,
               const ImpAnimationOptions *options,
               WebPData                  *data,
               GCancellable              *cancellable,
               GError                   **error)
{
  WebPConfig config;
  guint n = plan->frames->len;
  int timestamp = 0;

  if (!config_init (&config, plan, options))
    return set_encoder_error (error, _("invalid settings"));
  for (guint i = 0; i < n; i++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!add_frame (encoder, plan->frames->pdata[i], timestamp, &config))
        return set_encoder_error (error, WebPAnimEncoderGetError (encoder));
      timestamp += (int) plan->delays_ms[i];
      imp_animation_options_report (options, i + 1, n);
    }
  if (!WebPAnimEncoderAdd (encoder, NULL, timestamp, NULL)
      || !WebPAnimEncoderAssemble (encoder, data))
    return set_encoder_error (error, WebPAnimEncoderGetError (encoder));
  return TRUE;
}

static gboolean
write_assembled (const WebPData        *data,
                 ImpAnimationWriteFunc  write_func,
                 gpointer               write_data,
                 GCancellable          *cancellable,
                 GError               **error)
{
  for (gsize offset = 0; offset < data->size; offset += WRITE_CHUNK)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error)
          || !write_func (data->bytes + offset, MIN (WRITE_CHUNK, data->size - offset),
                          write_data, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
imp_webp_writer_encode (const ImpAnimationPlan    *plan,
                        const ImpAnimationOptions *options,
                        ImpAnimationWriteFunc      write_func,
                        gpointer                   write_data,
                        GCancellable              *cancellable,
                        GError                   **error)
{
  WebPAnimEncoder *encoder = encoder_new (plan);
  WebPData data;
  gboolean ok;

  if (encoder == NULL)
    return set_encoder_error (error, _("out of memory"));
  WebPDataInit (&data);
  ok = encode_frames (encoder, plan, options, &data, cancellable, error)
       && write_assembled (&data, write_func, write_data, cancellable, error);
  WebPDataClear (&data);
  WebPAnimEncoderDelete (encoder);
  return ok;
}
