/* imp-cli-evaluate.c: impasto-cli --evaluate, the losses of a finished picture
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-cli-evaluate.h"


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
