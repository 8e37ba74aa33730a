/* imp-cli-evaluate.c: impasto-cli --evaluate, the losses of a finished picture
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-cli-evaluate.h"

#include <json-glib/json-glib.h>

#include "engine/imp-palette.h"


/* The style's longer side in a run without coarse-to-fine scales: as
 * imp-transfer.c's style_long_side() at the output scale. */
static guint
style_side (const ImpParams *p,
            const ImpImage  *style,
            guint            out_long)
{
  if (p->style_scale > 0.0)
    return MAX (1, (guint) (p->style_scale * out_long + 0.5));
  if (p->style_size > 0)
    return (guint) p->style_size;
  if (p->style_size == 0 || p->size == 0)
    return MAX (style->width, style->height);
  return p->size;
}

gboolean
imp_cli_evaluate (ImpWeights             *weights,
                  const ImpParams        *params,
                  const ImpImage         *content,
                  const ImpImage * const *styles,
                  const double           *style_blend,
                  guint                   n_styles,
                  const ImpImage         *image,
                  ImpLosses              *losses,
                  GCancellable           *cancellable,
                  GError                **error)
{
  g_autoptr(GPtrArray) sized = g_ptr_array_new_with_free_func ((GDestroyNotify) imp_image_free);
  g_autoptr(ImpImage) sized_content = imp_image_resize_to_fit (content, params->size);
  g_autoptr(ImpImage) sized_image = NULL;
  g_autoptr(ImpObjective) objective = NULL;
  guint out_long = MAX (sized_content->width, sized_content->height);

  for (guint i = 0; i < n_styles; i++)
    g_ptr_array_add (sized, imp_image_resize_to_fit (styles[i],
                                                     style_side (params, styles[i], out_long)));
  sized_image = imp_image_resize (image, sized_content->width, sized_content->height);
  objective = imp_objective_new (weights, params, sized_content,
                                 (const ImpImage * const *) sized->pdata, style_blend,
                                 n_styles, cancellable, error);
  if (objective == NULL)
    return FALSE;
  return imp_objective_evaluate (objective, sized_image, NULL, losses, cancellable, error);
}

struct _ImpCliPalette
{
  const ImpImage         *image;
  const ImpImage * const *styles;
  guint                   n_styles;
  double                 *distances;
  GThread                *thread;    /* NULL once joined */
};

static gpointer
palette_thread (gpointer data)
{
  ImpCliPalette *self = data;

  for (guint i = 0; i < self->n_styles; i++)
    self->distances[i] = imp_palette_distance (self->image, self->styles[i]);
  return NULL;
}

ImpCliPalette *
imp_cli_evaluate_palette_start (const ImpImage         *image,
                                const ImpImage * const *styles,
                                guint                   n_styles)
{
  ImpCliPalette *self = g_new0 (ImpCliPalette, 1);

  self->image = image;
  self->styles = styles;
  self->n_styles = n_styles;
  self->distances = g_new0 (double, MAX (n_styles, 1));
  self->thread = g_thread_new ("impasto-palette", palette_thread, self);
  return self;
}

const double *
imp_cli_evaluate_palette_finish (ImpCliPalette *self)
{
  if (self->thread != NULL)
    g_thread_join (g_steal_pointer (&self->thread));
  return self->distances;
}

void
imp_cli_evaluate_palette_free (ImpCliPalette *self)
{
  if (self == NULL)
    return;
  imp_cli_evaluate_palette_finish (self);
  g_free (self->distances);
  g_free (self);
}

static void
add_number (JsonBuilder *b,
            const char  *name,
            double       value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, value);
}

char *
imp_cli_evaluate_to_json (const ImpParams    *params,
                          const ImpLosses    *losses,
                          const char * const *style_paths,
                          const double       *distances,
                          guint               n_styles)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "style_layers");
  json_builder_begin_object (b);
  for (guint i = 0; i < params->style_layers.n_layers; i++)
    {
      ImpVggLayer l = params->style_layers.layers[i];
      add_number (b, imp_vgg_layer_name (l), losses->style_layer[l]);
    }
  json_builder_end_object (b);
  add_number (b, "style", losses->style);
  add_number (b, "content", losses->content);
  add_number (b, "tv", losses->tv);
  add_number (b, "color", losses->color);
  add_number (b, "total", losses->total);
  json_builder_set_member_name (b, "palette");
  json_builder_begin_array (b);
  for (guint i = 0; i < n_styles; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "style");
      json_builder_add_string_value (b, style_paths[i]);
      add_number (b, "distance", distances[i]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}
