/* imp-loss-plot.c: total, style and content loss on a log scale
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "imp-loss-plot.h"

#define PAD 6.0

typedef struct
{
  guint  iteration;
  double value[3];   /* total, style, content */
} Point;

struct _ImpLossPlot
{
  GtkWidget parent_instance;

  GArray   *points;
  guint     n_iterations;
};

G_DEFINE_FINAL_TYPE (ImpLossPlot, imp_loss_plot, GTK_TYPE_WIDGET)

/* Colours from the GNOME palette: blue 3, orange 3, green 4. */
static const GdkRGBA series_colors[3] = {
  { 0.21, 0.52, 0.89, 1.0 },
  { 1.00, 0.47, 0.00, 1.0 },
  { 0.18, 0.76, 0.49, 1.0 },
};

static const char *
series_name (guint s)
{
  const char *names[3] = { N_("Total"), N_("Style"), N_("Content") };
  return _(names[s]);
}

static gboolean
value_range (ImpLossPlot *self,
             double      *lo,
             double      *hi)
{
  *lo = G_MAXDOUBLE;
  *hi = 0;
  for (guint i = 0; i < self->points->len; i++)
    for (guint s = 0; s < 3; s++)
      {
        double v = g_array_index (self->points, Point, i).value[s];

        if (v > 0 && isfinite (v))
          {
            *lo = MIN (*lo, v);
            *hi = MAX (*hi, v);
          }
      }
  if (*hi <= 0)
    return FALSE;
  *lo = floor (log10 (*lo));
  *hi = MAX (ceil (log10 (*hi)), *lo + 1);
  return TRUE;
}

static void
draw_series (ImpLossPlot *self,
             cairo_t     *cr,
             guint        s,
             double       w,
             double       h,
             double       lo,
             double       hi)
{
  double x_span = MAX (self->n_iterations, g_array_index (self->points, Point, self->points->len - 1).iteration);
  gboolean started = FALSE;

  gdk_cairo_set_source_rgba (cr, &series_colors[s]);
  for (guint i = 0; i < self->points->len; i++)
    {
      const Point *p = &g_array_index (self->points, Point, i);
      double x, y;

      if (!(p->value[s] > 0) || !isfinite (p->value[s]))
        continue;
      x = PAD + (w - 2 * PAD) * p->iteration / MAX (x_span, 1);
      y = PAD + (h - 2 * PAD) * (hi - log10 (p->value[s])) / (hi - lo);
      if (started)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      started = TRUE;
    }
  cairo_set_line_width (cr, s == 0 ? 2.0 : 1.5);
  cairo_stroke (cr);
}

/* "⁻³" for -3: the axis labels of the log scale. Returns a static buffer. */
static const char *
superscript (double exponent)
{
  static const char *digits[] = { "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹" };
  static char buffers[2][64];
  static guint which;
  char *out = buffers[which++ % 2];
  char plain[16];

  g_snprintf (plain, sizeof plain, "%d", (int) exponent);
  out[0] = '\0';
  for (const char *p = plain; *p != '\0'; p++)
    g_strlcat (out, *p == '-' ? "⁻" : digits[*p - '0'], 64);
  return out;
}

static void
draw_legend (ImpLossPlot *self,
             cairo_t     *cr,
             double       w,
             double       lo,
             double       hi)
{
  PangoLayout *layout;
  g_autofree char *text = NULL;
  GdkRGBA fg;
  int tw, th;
  double x = w - PAD;

  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
  for (int s = 2; s >= 0; s--)
    {
      layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), series_name (s));
      pango_layout_get_pixel_size (layout, &tw, &th);
      x -= tw;
      gdk_cairo_set_source_rgba (cr, &series_colors[s]);
      cairo_move_to (cr, x, PAD);
      pango_cairo_show_layout (cr, layout);
      x -= 12;
      g_object_unref (layout);
    }

  /* The decades the log axis spans, so the fall can be read off. */
  text = g_strdup_printf ("10%s … 10%s", superscript (lo), superscript (hi));
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  fg.alpha *= 0.6;
  gdk_cairo_set_source_rgba (cr, &fg);
  cairo_move_to (cr, PAD, PAD);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

static void
draw_placeholder (ImpLossPlot *self,
                  GtkSnapshot *snapshot,
                  double       w,
                  double       h)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self),
                                                        _("The loss curves appear here during a run"));
  GdkRGBA fg;
  int tw, th;

  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
  fg.alpha *= 0.5;
  pango_layout_get_pixel_size (layout, &tw, &th);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (floor ((w - tw) / 2), floor ((h - th) / 2)));
  gtk_snapshot_append_layout (snapshot, layout, &fg);
  gtk_snapshot_restore (snapshot);
  g_object_unref (layout);
}

static void
imp_loss_plot_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  ImpLossPlot *self = IMP_LOSS_PLOT (widget);
  double w = gtk_widget_get_width (widget);
  double h = gtk_widget_get_height (widget);
  double lo, hi;
  cairo_t *cr;

  if (self->points->len == 0 || !value_range (self, &lo, &hi))
    {
      draw_placeholder (self, snapshot, w, h);
      return;
    }

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (int s = 2; s >= 0; s--)
    draw_series (self, cr, s, w, h, lo, hi);
  draw_legend (self, cr, w, lo, hi);
  cairo_destroy (cr);
}

static void
imp_loss_plot_finalize (GObject *object)
{
  ImpLossPlot *self = IMP_LOSS_PLOT (object);

  g_array_unref (self->points);

  G_OBJECT_CLASS (imp_loss_plot_parent_class)->finalize (object);
}

static void
imp_loss_plot_class_init (ImpLossPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = imp_loss_plot_finalize;
  widget_class->snapshot = imp_loss_plot_snapshot;

  gtk_widget_class_set_css_name (widget_class, "imp-loss-plot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
imp_loss_plot_init (ImpLossPlot *self)
{
  self->points = g_array_new (FALSE, FALSE, sizeof (Point));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Loss plot: total, style and content loss on a logarithmic scale"),
                                  -1);
}

GtkWidget *
imp_loss_plot_new (void)
{
  return g_object_new (IMP_TYPE_LOSS_PLOT, NULL);
}

void
imp_loss_plot_clear (ImpLossPlot *self)
{
  g_return_if_fail (IMP_IS_LOSS_PLOT (self));

  g_array_set_size (self->points, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
imp_loss_plot_add (ImpLossPlot     *self,
                   guint            iteration,
                   const ImpLosses *losses)
{
  Point p = { iteration, { losses->total, losses->style, losses->content } };

  g_return_if_fail (IMP_IS_LOSS_PLOT (self));

  g_array_append_val (self->points, p);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
imp_loss_plot_set_range (ImpLossPlot *self,
                         guint        n_iterations)
{
  g_return_if_fail (IMP_IS_LOSS_PLOT (self));

  self->n_iterations = n_iterations;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
imp_loss_plot_get_n_points (ImpLossPlot *self)
{
  g_return_val_if_fail (IMP_IS_LOSS_PLOT (self), 0);
  return self->points->len;
}
