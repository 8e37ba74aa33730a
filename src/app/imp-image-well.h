/* imp-image-well.h: one input picture: thumbnail, name, size; open, drop, paste
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "engine/imp-image.h"
#include "imp-samples.h"

G_BEGIN_DECLS

#define IMP_TYPE_IMAGE_WELL (imp_image_well_get_type ())

G_DECLARE_FINAL_TYPE (ImpImageWell, imp_image_well, IMP, IMAGE_WELL, GtkWidget)

/* Images larger than this are scaled down while decoding: the output is smaller. */
#define IMP_IMAGE_WELL_MAX_SIDE 4096

/* Starts loading @file in the background; "loaded" or "load-failed" follows.
 * The file chooser, a drop, the sample gallery and the tests all come here. */
void            imp_image_well_load_file       (ImpImageWell  *self,
                                                GFile         *file);
void            imp_image_well_load_texture    (ImpImageWell  *self,
                                                GdkTexture    *texture,
                                                const char    *name);
/* The decoded picture, or NULL while empty. */
const ImpImage *imp_image_well_get_image       (ImpImageWell  *self);
GdkTexture     *imp_image_well_get_texture     (ImpImageWell  *self);
const char     *imp_image_well_get_name        (ImpImageWell  *self);
/* The file the picture came from, or NULL (pasted). */
GFile          *imp_image_well_get_file        (ImpImageWell  *self);
gboolean        imp_image_well_get_loading     (ImpImageWell  *self);
void            imp_image_well_open            (ImpImageWell  *self);
void            imp_image_well_paste           (ImpImageWell  *self);
/* For tests: the drop target whose "drop" handler a file manager triggers. */
GtkDropTarget  *imp_image_well_get_drop_target (ImpImageWell  *self);

G_END_DECLS
