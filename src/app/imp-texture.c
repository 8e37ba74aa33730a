/* imp-texture.c: between the engine's ImpImage and GdkTexture
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-texture.h"

GdkTexture *
imp_texture_new_from_rgb8 (guint8 *rgb8,
                           guint   width,
                           guint   height)
{
  gsize stride = (gsize) width * 3;
  g_autoptr(GBytes) bytes = g_bytes_new_take (rgb8, stride * height);

  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, bytes, stride);
}

GdkTexture *
imp_texture_new_from_image (const ImpImage *image)
{
  return imp_texture_new_from_rgb8 (imp_image_to_rgb8 (image), image->width, image->height);
}

ImpImage *
imp_texture_to_image (GdkTexture *texture)
{
  guint width = gdk_texture_get_width (texture);
  guint height = gdk_texture_get_height (texture);
  gsize stride = (gsize) width * 4;
  g_autofree guint8 *argb = g_malloc (stride * height);
  g_autofree guint8 *rgb = g_malloc ((gsize) width * height * 3);

  /* gdk_texture_download gives cairo's premultiplied ARGB32 in native byte order. */
  gdk_texture_download (texture, argb, stride);
  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      guint32 px = ((guint32 *) argb)[i];
      guint a = px >> 24;

      for (guint c = 0; c < 3; c++)
        {
          guint v = (px >> (16 - 8 * c)) & 0xff;
          rgb[3 * i + c] = MIN (255, v + (255 - a));
        }
    }

  return imp_image_new_from_rgb8 (rgb, width, height, (gsize) width * 3);
}
