/* imp-preview.h: the canvas showing the painting as it forms
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define IMP_TYPE_PREVIEW (imp_preview_get_type ())

G_DECLARE_FINAL_TYPE (ImpPreview, imp_preview, IMP, PREVIEW, GtkWidget)

GtkWidget  *imp_preview_new                 (void);
void        imp_preview_set_texture         (ImpPreview *self,
                                             GdkTexture *texture);
GdkTexture *imp_preview_get_texture         (ImpPreview *self);
/* Shown instead while comparing (press and hold, or the compare button). */
void        imp_preview_set_compare_texture (ImpPreview *self,
                                             GdkTexture *texture);
void        imp_preview_set_comparing       (ImpPreview *self,
                                             gboolean    comparing);
gboolean    imp_preview_get_comparing       (ImpPreview *self);
/* 0 = fit to the widget; else image pixels per widget pixel. */
void        imp_preview_set_zoom            (ImpPreview *self,
                                             double      zoom);
double      imp_preview_get_zoom            (ImpPreview *self);
/* Multiplies the zoom shown now (fit included) by @factor. */
void        imp_preview_zoom_by             (ImpPreview *self,
                                             double      factor);

GdkTexture *imp_preview_get_compare_texture (ImpPreview *self);
/* A coarse stage of a coarse-to-fine run: fitting never enlarges it. */
void        imp_preview_set_coarse          (ImpPreview *self,
                                             gboolean    coarse);
gboolean    imp_preview_get_coarse          (ImpPreview *self);
/* Widget pixels per image pixel as drawn now, fit included; 0 without a picture. */
double      imp_preview_get_shown_zoom      (ImpPreview *self);

G_END_DECLS
