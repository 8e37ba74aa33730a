/* imp-cli-sizes.c: how large impasto-cli decodes its images, checked before it does
 *
 * A 100-megapixel style image at --size 0 takes 1.5 GB to decode; refusing it
 * by the memory limit afterwards is too late. The engine's checks of a run's
 * sizes (imp_transfer_check_sizes) therefore run first on the sizes the
 * headers declare, then again on the decoded images.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-cli-sizes.h"

#include <glib/gi18n.h>

#include "engine/imp-transfer.h"
#include "media/imp-frame-recorder.h"
#include "media/imp-image-io.h"

/* Images are decoded at most this much larger than they will be used (and at
 * least this large), so a 30000x30000 file never needs its full size, while
 * our Lanczos filter still does the final resize. */
#define LOAD_MARGIN 4
#define LOAD_MIN_SIDE 2048

guint
imp_cli_sizes_load_side (guint target)
{
  if (target == 0)
    return 0;
  return MAX (LOAD_MIN_SIDE, LOAD_MARGIN * target);
}

guint
imp_cli_sizes_style_target (const ImpParams *p)
{
  if (p->style_scale > 0.0)
    return p->size > 0 ? (guint) (p->style_scale * p->size + 1.0) : 0;
  if (p->style_size == IMP_STYLE_SIZE_FOLLOW)
    return p->size;
  return (guint) p->style_size;
}

guint64
imp_cli_sizes_animation_bytes (const ImpCliOptions *o,
                               guint                width,
                               guint                height)
{
  guint w, h;

  if (o->animation == NULL)
    return 0;
  imp_image_fit_size (width, height, o->params.size, &w, &h);
  return imp_frame_recorder_estimate_memory (w, h, o->animation_frames, o->animation_size);
}

guint64
imp_cli_sizes_limit_less (const ImpParams *params,
                          guint64          held_bytes)
{
  guint64 limit = params->memory_limit > 0 ? params->memory_limit
                                           : imp_transfer_default_memory_limit ();

  return limit > held_bytes ? limit - held_bytes : 1;
}

/* @sizes: content, each style, then the evaluated image (when @evaluated). */
static gboolean
check_sizes (const ImpCliOptions  *o,
             const ImpParams      *params,
             const guint          *sizes,
             const char           *evaluated,
             GError              **error)
{
  g_autoptr(GError) local = NULL;
  ImpParams p = *params;
  guint64 animation_bytes = 0, extra = 0;
  guint which = G_MAXUINT;
  const char *option, *path;
  g_autofree char *name = NULL;

  if (evaluated != NULL)
    {
      p.start_size = 0;      /* one evaluation at the output size */
      extra = (guint64) 3 * sizeof (float) * sizes[2 + 2 * o->styles->len]
              * sizes[3 + 2 * o->styles->len];
    }
  else if ((animation_bytes = imp_cli_sizes_animation_bytes (o, sizes[0], sizes[1])) > 0)
    p.memory_limit = imp_cli_sizes_limit_less (params, animation_bytes);
  if (imp_transfer_check_sizes (&p, sizes, o->styles->len, extra, &which, &local))
    return TRUE;
  if (which == G_MAXUINT && animation_bytes > 0)
    {
      g_set_error (error, local->domain, local->code,
                   _("%s (the animation's frames take %.0f MB of the limit)"), local->message,
                   animation_bytes / (1024.0 * 1024.0));
      return FALSE;
    }
  if (which == G_MAXUINT)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  option = which == 0 ? "--content" : "--style";
  path = which == 0 ? o->content : g_ptr_array_index (o->styles, which - 1);
  name = g_filename_display_name (path);
  g_set_error (error, local->domain, local->code, _("%s “%s”: %s"), option, name,
               local->message);
  return FALSE;
}

/* The size @path is decoded at when used at @target; FALSE when refused. */
static gboolean
header_size (const char  *path,
             guint        target,
             guint       *size,
             GError     **error)
{
  guint side = imp_cli_sizes_load_side (target);

  if (!imp_image_io_read_size (path, &size[0], &size[1], error))
    return FALSE;
  if (side > 0 && MAX (size[0], size[1]) > side)
    imp_image_fit_size (size[0], size[1], side, &size[0], &size[1]);
  return TRUE;
}

gboolean
imp_cli_sizes_check_headers (const ImpCliOptions  *o,
                             const ImpParams      *params,
                             const char           *evaluated,
                             GError              **error)
{
  guint n = o->styles->len;
  g_autofree guint *sizes = g_new0 (guint, 2 * (gsize) n + 4);

  if (!header_size (o->content, params->size, sizes, error))
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (!header_size (g_ptr_array_index (o->styles, i), imp_cli_sizes_style_target (params),
                      sizes + 2 + 2 * i, error))
      return FALSE;
  if (evaluated != NULL && !header_size (evaluated, params->size, sizes + 2 + 2 * n, error))
    return FALSE;
  for (guint i = 0; i < 2 * n + (evaluated != NULL ? 4 : 2); i++)
    if (sizes[i] == 0)
      return TRUE;
  return check_sizes (o, params, sizes, evaluated, error);
}

gboolean
imp_cli_sizes_check_decoded (const ImpCliOptions  *o,
                             const ImpParams      *params,
                             const ImpImage       *content,
                             GPtrArray            *styles,
                             const ImpImage       *evaluated,
                             GError              **error)
{
  guint n = styles->len;
  g_autofree guint *sizes = g_new0 (guint, 2 * (gsize) n + 4);

  sizes[0] = content->width;
  sizes[1] = content->height;
  for (guint i = 0; i < n; i++)
    {
      const ImpImage *s = g_ptr_array_index (styles, i);

      sizes[2 + 2 * i] = s->width;
      sizes[3 + 2 * i] = s->height;
    }
  if (evaluated != NULL)
    {
      sizes[2 + 2 * n] = evaluated->width;
      sizes[3 + 2 * n] = evaluated->height;
    }
  return check_sizes (o, params, sizes, evaluated != NULL ? "" : NULL, error);
}
