/* imp-value-slider.h: a slider with a value beside it that can be typed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define IMP_TYPE_VALUE_SLIDER (imp_value_slider_get_type ())

G_DECLARE_FINAL_TYPE (ImpValueSlider, imp_value_slider, IMP, VALUE_SLIDER, GtkWidget)

double imp_value_slider_get_value (ImpValueSlider *self);
void   imp_value_slider_set_value (ImpValueSlider *self,
                                   double          value);

G_END_DECLS
