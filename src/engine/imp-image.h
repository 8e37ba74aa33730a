/* imp-image.h: a float RGB image in pixel units, the engine's picture type
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Planar (CHW) RGB, three channels, values on the 0..255 scale as floats.
 * This is the variable the optimiser works on (docs/algorithm.md, "The variable"). */
typedef struct
{
  guint  width;
  guint  height;
  float *data;      /* 3 * height * width floats: all R, then all G, then all B */
} ImpImage;

ImpImage *imp_image_new              (guint           width,
                                      guint           height);
ImpImage *imp_image_copy             (const ImpImage *image);
void      imp_image_free             (ImpImage       *image);

/* Interleaved 8-bit RGB (rowstride = 3 * width) <-> ImpImage; rounding and clamping to 0..255. */
ImpImage *imp_image_new_from_rgb8    (const guint8   *pixels,
                                      guint           width,
                                      guint           height,
                                      gsize           rowstride);
guint8   *imp_image_to_rgb8          (const ImpImage *image);

/* Antialiased (Lanczos-3) resize; the longer side becomes @max_side, aspect kept.
 * @max_side == 0 or equal to the current longer side returns a copy. */
ImpImage *imp_image_resize_to_fit    (const ImpImage *image,
                                      guint           max_side);
ImpImage *imp_image_resize           (const ImpImage *image,
                                      guint           width,
                                      guint           height);
/* Bicubic (Keys, a = -0.5), for upsampling between coarse-to-fine scales; @clamp
 * limits to 0..255 (FALSE for signed data such as optimiser state). */
ImpImage *imp_image_resize_bicubic   (const ImpImage *image,
                                      guint           width,
                                      guint           height,
                                      gboolean        clamp);
/* The size imp_image_resize_to_fit() produces. */
void      imp_image_fit_size         (guint           width,
                                      guint           height,
                                      guint           max_side,
                                      guint          *out_width,
                                      guint          *out_height);

static inline float *
imp_image_channel (const ImpImage *image,
                   guint           c)
{
  return image->data + (gsize) c * image->width * image->height;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpImage, imp_image_free)

G_END_DECLS
