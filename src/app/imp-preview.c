/* imp-preview.c: the canvas showing the painting as it forms
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fit to the widget by default; Ctrl+scroll zooms, a drag pans, press and hold
 * shows the content image for a before/after comparison.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "imp-preview.h"

#define MIN_ZOOM 0.05
#define MAX_ZOOM 16.0

struct _ImpPreview
{
  GtkWidget   parent_instance;

  GdkTexture *texture;
  GdkTexture *compare_texture;

  double      zoom;          /* 0 = fit */
  double      pan_x;         /* widget pixels, from the centred position */
  double      pan_y;
  double      drag_start_x;
  double      drag_start_y;
  gboolean    comparing;
  gboolean    held;          /* comparing because of a long press */
  gboolean    coarse;        /* a coarse stage: never enlarged to fit */
};

G_DEFINE_FINAL_TYPE (ImpPreview, imp_preview, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TEXTURE,
  PROP_COMPARING,
  PROP_ZOOM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GdkTexture *
shown_texture (ImpPreview *self)
{
  if (self->comparing && self->compare_texture != NULL)
    return self->compare_texture;
  return self->texture;
}

static double
effective_zoom (ImpPreview *self,
                GdkTexture *texture)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self));
  double tw = gdk_texture_get_width (texture);
  double th = gdk_texture_get_height (texture);

  if (self->zoom > 0)
    return self->zoom;
  /* A coarse stage stretched to the canvas looks like a blurred result: it is
   * shown at its own pixel size, and grows as the scales do. */
  if (self->coarse)
    return MIN (1.0, MIN (w / tw, h / th));
  return MIN (w / tw, h / th);
}

static void
imp_preview_snapshot (GtkWidget   *widget,
                      GtkSnapshot *snapshot)
{
  ImpPreview *self = IMP_PREVIEW (widget);
  GdkTexture *texture = shown_texture (self);
  double w = gtk_widget_get_width (widget);
  double h = gtk_widget_get_height (widget);
  double zoom, tw, th;

  if (texture == NULL)
    return;

  /* Compare with the same footprint as the painting, so the eye sees only the change. */
  zoom = effective_zoom (self, self->texture != NULL ? self->texture : texture);
  tw = gdk_texture_get_width (self->texture != NULL ? self->texture : texture) * zoom;
  th = gdk_texture_get_height (self->texture != NULL ? self->texture : texture) * zoom;

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  gtk_snapshot_append_texture (snapshot, texture,
                               &GRAPHENE_RECT_INIT (floor ((w - tw) / 2 + self->pan_x),
                                                    floor ((h - th) / 2 + self->pan_y),
                                                    tw, th));
  gtk_snapshot_pop (snapshot);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           ImpPreview               *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  if (!(state & GDK_CONTROL_MASK) || self->texture == NULL)
    return FALSE;

  imp_preview_zoom_by (self, pow (1.1, -dy));
  return TRUE;
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               ImpPreview     *self)
{
  self->drag_start_x = self->pan_x;
  self->drag_start_y = self->pan_y;
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                ImpPreview     *self)
{
  self->pan_x = self->drag_start_x + dx;
  self->pan_y = self->drag_start_y + dy;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_drag_end (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             ImpPreview     *self)
{
  if (self->held)
    {
      self->held = FALSE;
      imp_preview_set_comparing (self, FALSE);
    }
}

static void
on_long_press (GtkGestureLongPress *gesture,
               double               x,
               double               y,
               ImpPreview          *self)
{
  if (self->comparing)
    return;
  self->held = TRUE;
  imp_preview_set_comparing (self, TRUE);
}

static void
imp_preview_dispose (GObject *object)
{
  ImpPreview *self = IMP_PREVIEW (object);

  g_clear_object (&self->texture);
  g_clear_object (&self->compare_texture);

  G_OBJECT_CLASS (imp_preview_parent_class)->dispose (object);
}

static void
imp_preview_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  ImpPreview *self = IMP_PREVIEW (object);

  switch (prop_id)
    {
    case PROP_TEXTURE:
      g_value_set_object (value, self->texture);
      break;
    case PROP_COMPARING:
      g_value_set_boolean (value, self->comparing);
      break;
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
imp_preview_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  ImpPreview *self = IMP_PREVIEW (object);

  switch (prop_id)
    {
    case PROP_TEXTURE:
      imp_preview_set_texture (self, g_value_get_object (value));
      break;
    case PROP_COMPARING:
      imp_preview_set_comparing (self, g_value_get_boolean (value));
      break;
    case PROP_ZOOM:
      imp_preview_set_zoom (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
imp_preview_class_init (ImpPreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = imp_preview_dispose;
  object_class->get_property = imp_preview_get_property;
  object_class->set_property = imp_preview_set_property;
  widget_class->snapshot = imp_preview_snapshot;

  properties[PROP_TEXTURE] =
    g_param_spec_object ("texture", NULL, NULL, GDK_TYPE_TEXTURE,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_COMPARING] =
    g_param_spec_boolean ("comparing", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, 0, MAX_ZOOM, 0,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "imp-preview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
imp_preview_init (ImpPreview *self)
{
  GtkEventController *scroll;
  GtkGesture *drag, *press;

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  press = gtk_gesture_long_press_new ();
  g_signal_connect (press, "pressed", G_CALLBACK (on_long_press), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (press));
  gtk_gesture_group (press, drag);

  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Painting preview"),
                                  -1);
}

GtkWidget *
imp_preview_new (void)
{
  return g_object_new (IMP_TYPE_PREVIEW, NULL);
}

void
imp_preview_set_texture (ImpPreview *self,
                         GdkTexture *texture)
{
  g_return_if_fail (IMP_IS_PREVIEW (self));

  if (g_set_object (&self->texture, texture))
    {
      gtk_widget_queue_draw (GTK_WIDGET (self));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
    }
}

GdkTexture *
imp_preview_get_texture (ImpPreview *self)
{
  g_return_val_if_fail (IMP_IS_PREVIEW (self), NULL);
  return self->texture;
}

void
imp_preview_set_compare_texture (ImpPreview *self,
                                 GdkTexture *texture)
{
  g_return_if_fail (IMP_IS_PREVIEW (self));

  if (g_set_object (&self->compare_texture, texture) && self->comparing)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
imp_preview_set_comparing (ImpPreview *self,
                           gboolean    comparing)
{
  g_return_if_fail (IMP_IS_PREVIEW (self));

  comparing = !!comparing;
  if (self->comparing == comparing)
    return;
  self->comparing = comparing;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPARING]);
}

gboolean
imp_preview_get_comparing (ImpPreview *self)
{
  g_return_val_if_fail (IMP_IS_PREVIEW (self), FALSE);
  return self->comparing;
}

void
imp_preview_set_zoom (ImpPreview *self,
                      double      zoom)
{
  g_return_if_fail (IMP_IS_PREVIEW (self));

  if (zoom == 0)
    self->pan_x = self->pan_y = 0;
  if (self->zoom == zoom)
    return;
  self->zoom = zoom;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

double
imp_preview_get_zoom (ImpPreview *self)
{
  g_return_val_if_fail (IMP_IS_PREVIEW (self), 0);
  return self->zoom;
}

void
imp_preview_zoom_by (ImpPreview *self,
                     double      factor)
{
  g_return_if_fail (IMP_IS_PREVIEW (self));

  if (self->texture == NULL)
    return;
  imp_preview_set_zoom (self, CLAMP (effective_zoom (self, self->texture) * factor, MIN_ZOOM, MAX_ZOOM));
}

void
imp_preview_set_coarse (ImpPreview *self,
                        gboolean    coarse)
{
  g_return_if_fail (IMP_IS_PREVIEW (self));

  coarse = !!coarse;
  if (self->coarse == coarse)
    return;
  self->coarse = coarse;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
imp_preview_get_coarse (ImpPreview *self)
{
  g_return_val_if_fail (IMP_IS_PREVIEW (self), FALSE);
  return self->coarse;
}

double
imp_preview_get_shown_zoom (ImpPreview *self)
{
  g_return_val_if_fail (IMP_IS_PREVIEW (self), 0);
  if (self->texture == NULL)
    return 0;
  return effective_zoom (self, self->texture);
}

GdkTexture *
imp_preview_get_compare_texture (ImpPreview *self)
{
  g_return_val_if_fail (IMP_IS_PREVIEW (self), NULL);
  return self->compare_texture;
}
