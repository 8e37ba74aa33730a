/* imp-texture.h: between the engine's ImpImage and GdkTexture
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "engine/imp-image.h"

G_BEGIN_DECLS

/* Takes ownership of @rgb8 (3 * width * height bytes, g_malloc'ed). */
GdkTexture *imp_texture_new_from_rgb8  (guint8         *rgb8,
                                        guint           width,
                                        guint           height);
GdkTexture *imp_texture_new_from_image (const ImpImage *image);
/* Composites any alpha on white, like imp_image_io_load does. */
ImpImage   *imp_texture_to_image       (GdkTexture     *texture);

G_END_DECLS
