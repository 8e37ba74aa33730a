/* imp-loss-plot.c: total, style and content loss on a log scale
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The legend sits in its own row above the plotting area and the axes carry
 * their numbers, so no curve is drawn over text. The three curves differ in
 * dash as well as color (the style loss often lies on the total), and a
 * coarse-to-fine run marks each scale change, where the losses jump because
 * the picture grows.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "imp-loss-plot.h"

#define PAD 4.0
#define TICK_GAP 4.0

typedef struct
{
  guint  iteration;
  double value[3];   /* total, style, content */
} Point;

typedef struct
{
  guint iteration;   /* first iteration of the scale */
  guint side;        /* its longer side in pixels */
} Marker;

struct _ImpLossPlot
{
  GtkWidget parent_instance;

  GArray   *points;
  GArray   *markers;
  guint     n_iterations;
  guint     last_scale;
};

G_DEFINE_FINAL_TYPE (ImpLossPlot, imp_loss_plot, GTK_TYPE_WIDGET)

/* Colors from the GNOME palette (blue 3, orange 3, green 4), with dashes so
 * the curves stay apart where they overlap and without color vision. */
static const GdkRGBA series_colors[3] = {
  { 0.21, 0.52, 0.89, 1.0 },
  { 1.00, 0.47, 0.00, 1.0 },
  { 0.18, 0.76, 0.49, 1.0 },
};
static const double series_dashes[3][2] = { { 0, 0 }, { 6, 3 }, { 1.5, 2.5 } };
static const double series_widths[3] = { 2.5, 1.8, 1.8 };

/* Where things go, in widget pixels. */
typedef struct
{
  double x, y, w, h;   /* the plotting area */
  double lo, hi;       /* decades of the log axis */
  double x_span;       /* iterations across the area */
} Frame;

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
foreground (ImpLossPlot *self,
            GdkRGBA     *fg,
            double       alpha)
{
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), fg);
  fg->alpha *= alpha;
}

/* Draws @text with its top left (or top right when @align_right) at x, y. */
static void
show_text (ImpLossPlot   *self,
           cairo_t       *cr,
           const char    *text,
           double         x,
           double         y,
           gboolean       align_right,
           const GdkRGBA *color,
           int           *width)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  PangoAttrList *attrs = pango_attr_list_new ();
  int tw, th;

  /* Caption size: the plot is a small widget. */
  pango_attr_list_insert (attrs, pango_attr_scale_new (0.8));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  pango_layout_get_pixel_size (layout, &tw, &th);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_move_to (cr, align_right ? x - tw : x, y);
  pango_cairo_show_layout (cr, layout);
  if (width != NULL)
    *width = tw;
  g_object_unref (layout);
}

static int
text_height (ImpLossPlot *self)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), "10⁸");
  int th;

  pango_layout_get_pixel_size (layout, NULL, &th);
  g_object_unref (layout);
  return (int) ceil (th * 0.8);
}

static void
set_series_style (cairo_t *cr,
                  guint    s)
{
  gdk_cairo_set_source_rgba (cr, &series_colors[s]);
  cairo_set_line_width (cr, series_widths[s]);
  cairo_set_dash (cr, series_dashes[s], series_dashes[s][0] > 0 ? 2 : 0, 0);
}

/* The row above the plot: "Loss (log scale)" on the left, the legend on the right. */
static void
draw_legend (ImpLossPlot *self,
             cairo_t     *cr,
             double       width)
{
  double x = width - PAD;
  double line_y = PAD + text_height (self) / 2.0 + 1;
  GdkRGBA fg;

  foreground (self, &fg, 0.7);
  show_text (self, cr, _("Loss (log scale)"), PAD, PAD, FALSE, &fg, NULL);
  for (int s = 2; s >= 0; s--)
    {
      int tw;

      show_text (self, cr, series_name (s), x, PAD, TRUE, &fg, &tw);
      x -= tw + 4;
      set_series_style (cr, s);
      cairo_move_to (cr, x - 18, line_y);
      cairo_line_to (cr, x, line_y);
      cairo_stroke (cr);
      x -= 18 + 12;
    }
  cairo_set_dash (cr, NULL, 0, 0);
}

static double
x_of (const Frame *f,
      double       iteration)
{
  return f->x + f->w * iteration / MAX (f->x_span, 1);
}

static double
y_of (const Frame *f,
      double       value)
{
  return f->y + f->h * (f->hi - log10 (value)) / (f->hi - f->lo);
}

/* Decades on the left, iterations below, and a light grid line per decade. */
static void
draw_axes (ImpLossPlot *self,
           cairo_t     *cr,
           const Frame *f)
{
  int th = text_height (self);
  guint step = (guint) ceil ((f->hi - f->lo) / MAX (1.0, floor (f->h / (th + 2))));
  g_autofree char *end = g_strdup_printf ("%u", (guint) f->x_span);
  GdkRGBA fg, grid;

  foreground (self, &fg, 0.7);
  foreground (self, &grid, 0.12);
  cairo_set_line_width (cr, 1);
  for (double d = f->lo; d <= f->hi; d += MAX (step, 1))
    {
      g_autofree char *label = g_strdup_printf ("10%s", superscript (d));
      double y = round (y_of (f, pow (10, d))) + 0.5;

      gdk_cairo_set_source_rgba (cr, &grid);
      cairo_move_to (cr, f->x, y);
      cairo_line_to (cr, f->x + f->w, y);
      cairo_stroke (cr);
      show_text (self, cr, label, f->x - TICK_GAP, CLAMP (y - th / 2.0, f->y - th / 2.0, f->y + f->h - th / 2.0),
                 TRUE, &fg, NULL);
    }
  gdk_cairo_set_source_rgba (cr, &grid);
  cairo_rectangle (cr, f->x + 0.5, f->y + 0.5, f->w - 1, f->h - 1);
  cairo_stroke (cr);
  show_text (self, cr, "0", f->x, f->y + f->h + 2, FALSE, &fg, NULL);
  show_text (self, cr, _("Iteration"), f->x + f->w / 2 - 20, f->y + f->h + 2, FALSE, &fg, NULL);
  show_text (self, cr, end, f->x + f->w, f->y + f->h + 2, TRUE, &fg, NULL);
}

/* A dotted line where the picture grows to the next scale, with its size. */
static void
draw_markers (ImpLossPlot *self,
              cairo_t     *cr,
              const Frame *f)
{
  static const double dots[] = { 2, 3 };
  GdkRGBA fg;

  foreground (self, &fg, 0.55);
  for (guint i = 0; i < self->markers->len; i++)
    {
      const Marker *m = &g_array_index (self->markers, Marker, i);
      g_autofree char *label = g_strdup_printf (_("%u px"), m->side);
      double x = round (x_of (f, m->iteration)) + 0.5;

      gdk_cairo_set_source_rgba (cr, &fg);
      cairo_set_line_width (cr, 1);
      cairo_set_dash (cr, dots, 2, 0);
      cairo_move_to (cr, x, f->y);
      cairo_line_to (cr, x, f->y + f->h);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      show_text (self, cr, label, x + 3, f->y + 1, FALSE, &fg, NULL);
    }
}

static void
draw_series (ImpLossPlot *self,
             cairo_t     *cr,
             guint        s,
             const Frame *f)
{
  gboolean started = FALSE;

  for (guint i = 0; i < self->points->len; i++)
    {
      const Point *p = &g_array_index (self->points, Point, i);
      double x, y;

      if (!(p->value[s] > 0) || !isfinite (p->value[s]))
        continue;
      x = x_of (f, p->iteration);
      y = y_of (f, p->value[s]);
      if (started)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      started = TRUE;
    }
  set_series_style (cr, s);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
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

  foreground (self, &fg, 0.5);
  pango_layout_set_width (layout, (int) MAX (1, w - 2 * PAD) * PANGO_SCALE);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD);
  pango_layout_get_pixel_size (layout, &tw, &th);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (PAD, floor ((h - th) / 2)));
  gtk_snapshot_append_layout (snapshot, layout, &fg);
  gtk_snapshot_restore (snapshot);
  g_object_unref (layout);
}

static gboolean
compute_frame (ImpLossPlot *self,
               double       w,
               double       h,
               Frame       *f)
{
  int th = text_height (self);
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), "10⁻⁸");
  int label_w;

  if (!value_range (self, &f->lo, &f->hi))
    {
      g_object_unref (layout);
      return FALSE;
    }
  pango_layout_get_pixel_size (layout, &label_w, NULL);
  g_object_unref (layout);
  f->x = PAD + ceil (label_w * 0.8) + TICK_GAP;
  f->y = PAD + th + 6;
  f->w = w - f->x - PAD - 2;
  f->h = h - f->y - th - 4 - PAD;
  f->x_span = MAX (self->n_iterations, g_array_index (self->points, Point, self->points->len - 1).iteration);
  return f->w > 10 && f->h > 10;
}

static void
imp_loss_plot_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  ImpLossPlot *self = IMP_LOSS_PLOT (widget);
  double w = gtk_widget_get_width (widget);
  double h = gtk_widget_get_height (widget);
  Frame frame;
  cairo_t *cr;

  if (self->points->len == 0 || !compute_frame (self, w, h, &frame))
    {
      draw_placeholder (self, snapshot, w, h);
      return;
    }

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  draw_legend (self, cr, w);
  draw_axes (self, cr, &frame);
  draw_markers (self, cr, &frame);
  cairo_save (cr);
  cairo_rectangle (cr, frame.x, frame.y, frame.w, frame.h);
  cairo_clip (cr);
  /* Total last, on top: the dashed style curve shows through where they meet. */
  for (int s = 2; s >= 0; s--)
    draw_series (self, cr, s, &frame);
  cairo_restore (cr);
  cairo_destroy (cr);
}

static void
imp_loss_plot_finalize (GObject *object)
{
  ImpLossPlot *self = IMP_LOSS_PLOT (object);

  g_array_unref (self->points);
  g_array_unref (self->markers);

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
  self->markers = g_array_new (FALSE, FALSE, sizeof (Marker));
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
  g_array_set_size (self->markers, 0);
  self->last_scale = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
imp_loss_plot_add (ImpLossPlot       *self,
                   const ImpProgress *progress)
{
  const ImpLosses *l = &progress->losses;
  Point p = { progress->iteration, { l->total, l->style, l->content } };

  g_return_if_fail (IMP_IS_LOSS_PLOT (self));

  if (progress->scale > self->last_scale)
    {
      Marker m = { progress->iteration, MAX (progress->width, progress->height) };

      g_array_append_val (self->markers, m);
    }
  self->last_scale = progress->scale;
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

guint
imp_loss_plot_get_marker (ImpLossPlot *self,
                          guint        index,
                          guint       *side)
{
  const Marker *m;

  g_return_val_if_fail (IMP_IS_LOSS_PLOT (self), G_MAXUINT);

  if (index >= self->markers->len)
    return G_MAXUINT;
  m = &g_array_index (self->markers, Marker, index);
  if (side != NULL)
    *side = m->side;
  return m->iteration;
}
