/* imp-value-slider.c: a slider with a value beside it that can be typed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The value column has a fixed width, so sliders in a column end at the same
 * place whatever their numbers. A logarithmic slider moves in equal ratios,
 * which gives fine steps at small values and covers two decades; its values
 * are rounded to two significant digits so they read as plain numbers, while a
 * typed value is kept as typed.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "imp-number.h"
#include "imp-value-slider.h"

#define VALUE_WIDTH 52

struct _ImpValueSlider
{
  GtkWidget         parent_instance;

  /* Children */
  GtkScale         *scale;
  GtkEditableLabel *entry;

  /* State */
  double            value;
  double            lower;
  double            upper;
  double            step;
  int               digits;
  gboolean          logarithmic;
  gboolean          off_below;
  gboolean          syncing;
};

enum
{
  PROP_0,
  PROP_VALUE,
  PROP_LOWER,
  PROP_UPPER,
  PROP_STEP,
  PROP_DIGITS,
  PROP_LOGARITHMIC,
  PROP_OFF_BELOW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ImpValueSlider, imp_value_slider, GTK_TYPE_WIDGET)

static double
round_significant (double value,
                   int    significant)
{
  double magnitude;

  if (value == 0)
    return 0;
  magnitude = pow (10, significant - 1 - floor (log10 (fabs (value))));
  return round (value * magnitude) / magnitude;
}

/* The slider's lowest position means "off" (0) when off_below is set. */
static double
position_lower (ImpValueSlider *self)
{
  double lower = self->logarithmic ? log10 (self->lower) : self->lower;

  return self->off_below ? lower - self->step : lower;
}

static double
value_to_position (ImpValueSlider *self,
                   double          value)
{
  if (self->off_below && value <= 0)
    return position_lower (self);
  value = CLAMP (value, self->lower, self->upper);
  return self->logarithmic ? log10 (value) : value;
}

static double
position_to_value (ImpValueSlider *self,
                   double          position)
{
  if (self->off_below && position < position_lower (self) + self->step / 2)
    return 0;
  if (self->logarithmic)
    return CLAMP (round_significant (pow (10, position), 2), self->lower, self->upper);
  return CLAMP (round (position * pow (10, self->digits)) / pow (10, self->digits),
                self->lower, self->upper);
}

static char *
format_value (ImpValueSlider *self)
{
  if (self->off_below && self->value <= 0)
    return g_strdup (_("Off"));
  if (!self->logarithmic)
    return g_strdup_printf ("%.*f", self->digits, self->value);
  return imp_format_number (self->value, 3);
}

static void
sync_children (ImpValueSlider *self)
{
  GtkAdjustment *adjustment = gtk_range_get_adjustment (GTK_RANGE (self->scale));
  g_autofree char *text = format_value (self);
  double position = value_to_position (self, self->value);

  self->syncing = TRUE;
  gtk_adjustment_configure (adjustment, position, position_lower (self),
                            self->logarithmic ? log10 (self->upper) : self->upper,
                            self->step, self->step * 10, 0);
  if (!gtk_editable_label_get_editing (self->entry))
    gtk_editable_set_text (GTK_EDITABLE (self->entry), text);
  self->syncing = FALSE;
}

double
imp_value_slider_get_value (ImpValueSlider *self)
{
  g_return_val_if_fail (IMP_IS_VALUE_SLIDER (self), 0);

  return self->value;
}

void
imp_value_slider_set_value (ImpValueSlider *self,
                            double          value)
{
  g_return_if_fail (IMP_IS_VALUE_SLIDER (self));

  if (!(self->off_below && value <= 0))
    value = CLAMP (value, self->lower, self->upper);
  if (value == self->value)
    return;
  self->value = value;
  sync_children (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALUE]);
}

static void
on_scale_moved (GtkAdjustment  *adjustment,
                ImpValueSlider *self)
{
  double value;

  if (self->syncing)
    return;
  /* A step that rounds back to the same value leaves the knob where it is, so
   * the next step goes on from there. */
  value = position_to_value (self, gtk_adjustment_get_value (adjustment));
  if (value != self->value)
    imp_value_slider_set_value (self, value);
}

static gboolean
typed_value (ImpValueSlider *self,
             double         *value)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));

  if (self->off_below && g_utf8_collate (text, _("Off")) == 0)
    {
      *value = 0;
      return TRUE;
    }
  return imp_parse_number (text, value) && !(self->off_below && *value < 0);
}

/* Validated as typed: the field turns red while it holds no number. */
static void
on_text_changed (GtkEditable    *editable,
                 ImpValueSlider *self)
{
  double value;

  if (self->syncing || !gtk_editable_label_get_editing (self->entry))
    return;
  if (typed_value (self, &value))
    gtk_widget_remove_css_class (GTK_WIDGET (self->entry), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->entry), "error");
}

/* Enter keeps a valid number (brought into range), anything else goes back. */
static void
on_editing_changed (GtkEditableLabel *entry,
                    GParamSpec       *pspec,
                    ImpValueSlider   *self)
{
  double value;

  if (gtk_editable_label_get_editing (entry))
    return;
  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  if (typed_value (self, &value))
    imp_value_slider_set_value (self, self->digits == 0 && !self->logarithmic ? round (value) : value);
  sync_children (self);
}

static void
imp_value_slider_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ImpValueSlider *self = IMP_VALUE_SLIDER (object);

  switch (prop_id)
    {
    case PROP_VALUE: g_value_set_double (value, self->value); break;
    case PROP_LOWER: g_value_set_double (value, self->lower); break;
    case PROP_UPPER: g_value_set_double (value, self->upper); break;
    case PROP_STEP: g_value_set_double (value, self->step); break;
    case PROP_DIGITS: g_value_set_int (value, self->digits); break;
    case PROP_LOGARITHMIC: g_value_set_boolean (value, self->logarithmic); break;
    case PROP_OFF_BELOW: g_value_set_boolean (value, self->off_below); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
imp_value_slider_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  ImpValueSlider *self = IMP_VALUE_SLIDER (object);

  switch (prop_id)
    {
    case PROP_VALUE: imp_value_slider_set_value (self, g_value_get_double (value)); return;
    case PROP_LOWER: self->lower = g_value_get_double (value); break;
    case PROP_UPPER: self->upper = g_value_get_double (value); break;
    case PROP_STEP: self->step = g_value_get_double (value); break;
    case PROP_DIGITS: self->digits = g_value_get_int (value); break;
    case PROP_LOGARITHMIC: self->logarithmic = g_value_get_boolean (value); break;
    case PROP_OFF_BELOW: self->off_below = g_value_get_boolean (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec); return;
    }
  sync_children (self);
}

static void
imp_value_slider_dispose (GObject *object)
{
  ImpValueSlider *self = IMP_VALUE_SLIDER (object);

  g_clear_pointer ((GtkWidget **) &self->scale, gtk_widget_unparent);
  g_clear_pointer ((GtkWidget **) &self->entry, gtk_widget_unparent);

  G_OBJECT_CLASS (imp_value_slider_parent_class)->dispose (object);
}

static GParamSpec *
double_property (const char *name,
                 double      default_value)
{
  return g_param_spec_double (name, NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, default_value,
                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

/* A label's mnemonic lands on the scale. */
static gboolean
grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (IMP_VALUE_SLIDER (widget)->scale));
}

static void
imp_value_slider_class_init (ImpValueSliderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = imp_value_slider_get_property;
  object_class->set_property = imp_value_slider_set_property;
  object_class->dispose = imp_value_slider_dispose;

  properties[PROP_VALUE] = double_property ("value", 1);
  properties[PROP_LOWER] = double_property ("lower", 0);
  properties[PROP_UPPER] = double_property ("upper", 100);
  properties[PROP_STEP] = double_property ("step", 1);
  properties[PROP_DIGITS] = g_param_spec_int ("digits", NULL, NULL, 0, 6, 0,
                                              G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOGARITHMIC] = g_param_spec_boolean ("logarithmic", NULL, NULL, FALSE,
                                                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_OFF_BELOW] = g_param_spec_boolean ("off-below", NULL, NULL, FALSE,
                                                     G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  widget_class->grab_focus = grab_focus;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "imp-value-slider");
  /* Screen readers name the slider and its value by the row's label. */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
imp_value_slider_init (ImpValueSlider *self)
{
  self->value = 1;
  self->lower = 0;
  self->upper = 100;
  self->step = 1;

  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self))), 6);
  self->scale = GTK_SCALE (gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, NULL));
  gtk_widget_set_hexpand (GTK_WIDGET (self->scale), TRUE);
  gtk_widget_set_parent (GTK_WIDGET (self->scale), GTK_WIDGET (self));

  self->entry = GTK_EDITABLE_LABEL (gtk_editable_label_new (""));
  gtk_widget_set_size_request (GTK_WIDGET (self->entry), VALUE_WIDTH, -1);
  gtk_editable_set_alignment (GTK_EDITABLE (self->entry), 1.0);
  gtk_editable_set_width_chars (GTK_EDITABLE (self->entry), 4);
  gtk_editable_set_max_width_chars (GTK_EDITABLE (self->entry), 4);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->entry), _("Click or press Enter to type a value"));
  gtk_widget_set_parent (GTK_WIDGET (self->entry), GTK_WIDGET (self));

  g_signal_connect (gtk_range_get_adjustment (GTK_RANGE (self->scale)), "value-changed",
                    G_CALLBACK (on_scale_moved), self);
  g_signal_connect (self->entry, "changed", G_CALLBACK (on_text_changed), self);
  g_signal_connect (self->entry, "notify::editing", G_CALLBACK (on_editing_changed), self);
  sync_children (self);
}
