/* imp-objective.c: the Gatys loss of an image and its gradient
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-objective.h"
#include "imp-objective-private.h"

#include <math.h>
#include <string.h>

#include "imp-color-loss.h"
#include "imp-losses.h"
#include "imp-parallel.h"
#include "imp-vgg.h"

/* Enough fixed directions to pin a 3-D colour distribution down; each costs
 * a sort of the pixels per evaluation. */
#define COLOR_DIRECTIONS 32

struct _ImpObjective
{
  /* Owned */
  ImpParallel *parallel;                            /* a reference: shared across scales */
  ImpVgg      *vgg;
  ImpWeights  *weights;                             /* a reference: what vgg was made from */
  float       *content_targets[IMP_N_VGG_LAYERS];   /* features of the content image */
  float       *style_targets[IMP_N_VGG_LAYERS];     /* blended Gram matrices [C, C] */
  double       style_scale[IMP_N_VGG_LAYERS];       /* 1, or 1 / the photo's own loss */
  float       *gram;                                /* scratch, largest C*C */
  ImpColorLoss *color;                              /* NULL when its weight is 0 */

  /* State */
  ImpLayerSet  content_layers;
  ImpLayerSet  style_layers;
  guint        width;
  guint        height;
  double       content_weight;
  double       style_weight;
  double       tv_weight;
  double       color_weight;
};

void
imp_objective_free (ImpObjective *self)
{
  if (self == NULL)
    return;
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      g_free (self->content_targets[l]);
      g_free (self->style_targets[l]);
    }
  g_free (self->gram);
  imp_color_loss_free (self->color);
  imp_vgg_free (self->vgg);
  /* the workers are joined here unless a later scale's objective shares them */
  g_clear_pointer (&self->parallel, imp_parallel_unref);
  g_clear_pointer (&self->weights, imp_weights_unref);
  g_free (self);
}

void
imp_objective_free_buffers (ImpObjective *self)
{
  g_return_if_fail (self != NULL);
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      g_clear_pointer (&self->content_targets[l], g_free);
      g_clear_pointer (&self->style_targets[l], g_free);
    }
  g_clear_pointer (&self->gram, g_free);
  g_clear_pointer (&self->color, imp_color_loss_free);
  imp_vgg_free_buffers (self->vgg);
}

/* Per-layer weights not given (< 0) are 1/L, so the defaults sum to 1. */
static double
layer_weight (const ImpLayerSet *set,
              guint              i)
{
  return set->weights[i] < 0 ? 1.0 / set->n_layers : set->weights[i];
}


/* The targets need the network only this deep. */
static ImpVggLayer
deepest_in (const ImpLayerSet *set)
{
  guint deepest = 0;

  for (guint i = 0; i < set->n_layers; i++)
    deepest = MAX (deepest, set->layers[i]);
  return deepest;
}

static ImpVggLayer
deepest_layer (const ImpParams *params)
{
  return MAX (deepest_in (&params->content_layers), deepest_in (&params->style_layers));
}

/* The layers a loss reads: only their activations are kept in full. */
static guint32
loss_layers (const ImpParams *params)
{
  guint32 kept = 0;

  for (guint i = 0; i < params->content_layers.n_layers; i++)
    kept |= 1u << params->content_layers.layers[i];
  for (guint i = 0; i < params->style_layers.n_layers; i++)
    kept |= 1u << params->style_layers.layers[i];
  return kept;
}

static gsize
layer_floats (ImpObjective *self,
              ImpVggLayer   layer)
{
  guint w, h;

  imp_vgg_layer_size (self->vgg, layer, &w, &h);
  return (gsize) imp_vgg_layer_out_channels (layer) * w * h;
}

/* Blend weights normalised to sum 1; NULL means equal weights. */
static gboolean
normalise_blend (const double *blend,
                 guint         n_styles,
                 double       *out,
                 GError      **error)
{
  double sum = 0;

  for (guint s = 0; s < n_styles; s++)
    {
      out[s] = blend ? blend[s] : 1.0;
      if (!isfinite (out[s]) || out[s] < 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Style blend weight %g is not a finite number ≥ 0", out[s]);
          return FALSE;
        }
      sum += out[s];
    }
  if (n_styles > 0 && sum <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "The style blend weights add up to 0");
      return FALSE;
    }
  for (guint s = 0; s < n_styles; s++)
    out[s] /= sum;
  return TRUE;
}


/* style_targets[l] += blend * Gram(style image) for every style layer. */
static gboolean
add_style_targets (ImpObjective   *self,
                   const ImpImage *style,
                   double          blend,
                   GCancellable   *cancellable,
                   GError        **error)
{
  if (!imp_vgg_set_size (self->vgg, style->width, style->height, error) ||
      !imp_vgg_forward_only (self->vgg, style->data, deepest_in (&self->style_layers),
                             cancellable, error))
    return FALSE;
  for (guint i = 0; i < self->style_layers.n_layers; i++)
    {
      ImpVggLayer l = self->style_layers.layers[i];
      guint c = imp_vgg_layer_out_channels (l), w, h;
      float *target = self->style_targets[l];

      imp_vgg_layer_size (self->vgg, l, &w, &h);
      imp_gram (imp_vgg_get_activation (self->vgg, l), c, (gsize) w * h, self->gram,
                self->parallel);
      if (!imp_weights_check_features (self->weights, self->gram, (gsize) c * c, l, TRUE, error))
        return FALSE;
      for (gsize k = 0; k < (gsize) c * c; k++)
        target[k] += (float) blend * self->gram[k];
    }
  return TRUE;
}

/* Each style layer's loss divided by the photo's own (its activations are in
 * the network): the same weight moves every pair of pictures as far, where a
 * style far from the photo (starry night's loss is six times the scream's)
 * otherwise swamps the content. The small term keeps a photo that already
 * is the style from dividing by 0. */
static void
scale_by_photo (ImpObjective *self)
{
  for (guint i = 0; i < self->style_layers.n_layers; i++)
    {
      ImpVggLayer l = self->style_layers.layers[i];
      guint c = imp_vgg_layer_out_channels (l), w, h;
      const float *target = self->style_targets[l];
      double photo, size = 0;

      for (gsize k = 0; k < (gsize) c * c; k++)
        size += (double) target[k] * target[k];
      imp_vgg_layer_size (self->vgg, l, &w, &h);
      photo = imp_style_loss (imp_vgg_get_activation (self->vgg, l), c, (gsize) w * h, target,
                              self->gram, 0, NULL, self->parallel);
      self->style_scale[l] = 1.0 / (photo + 1e-6 * size / ((double) c * c) + 1e-30);
    }
}

static gboolean
compute_targets (ImpObjective           *self,
                 const ImpImage         *content,
                 const ImpImage * const *styles,
                 const double           *blend,
                 guint                   n_styles,
                 gboolean                relative,
                 GCancellable           *cancellable,
                 GError                **error)
{
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    self->style_scale[l] = 1.0;
  for (guint i = 0; i < self->style_layers.n_layers; i++)
    {
      guint c = imp_vgg_layer_out_channels (self->style_layers.layers[i]);
      if (self->style_targets[self->style_layers.layers[i]] == NULL)
        self->style_targets[self->style_layers.layers[i]] = g_new0 (float, (gsize) c * c);
    }
  for (guint s = 0; s < n_styles; s++)
    if (!add_style_targets (self, styles[s], blend[s], cancellable, error))
      return FALSE;

  /* The content size last: the network stays allocated for it. */
  if (!imp_vgg_set_size (self->vgg, content->width, content->height, error))
    return FALSE;
  if ((self->content_layers.n_layers > 0 || relative) &&
      !imp_vgg_forward_only (self->vgg, content->data,
                             relative ? MAX (deepest_in (&self->content_layers),
                                             deepest_in (&self->style_layers))
                                      : deepest_in (&self->content_layers),
                             cancellable, error))
    return FALSE;
  if (relative)
    scale_by_photo (self);
  for (guint i = 0; i < self->content_layers.n_layers; i++)
    {
      ImpVggLayer l = self->content_layers.layers[i];
      if (self->content_targets[l] == NULL)
        self->content_targets[l] = g_memdup2 (imp_vgg_get_activation (self->vgg, l),
                                              layer_floats (self, l) * sizeof (float));
      if (!imp_weights_check_features (self->weights, self->content_targets[l],
                                       layer_floats (self, l), l, FALSE, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_inputs (const ImpParams        *params,
              const ImpImage         *content,
              const ImpImage * const *styles,
              guint                   n_styles,
              GError                **error)
{
  if (params->content_layers.n_layers + params->style_layers.n_layers == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "No content or style layer: nothing to optimise");
      return FALSE;
    }
  if (params->style_layers.n_layers > 0 && n_styles == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "Style layers are set but no style image is given");
      return FALSE;
    }
  g_return_val_if_fail (content != NULL && content->data != NULL, FALSE);
  for (guint s = 0; s < n_styles; s++)
    g_return_val_if_fail (styles[s] != NULL && styles[s]->data != NULL, FALSE);
  return TRUE;
}

ImpObjective *
imp_objective_new (ImpWeights             *weights,
                   const ImpParams        *params,
                   const ImpImage         *content,
                   const ImpImage * const *styles,
                   const double           *style_blend,
                   guint                   n_styles,
                   GCancellable           *cancellable,
                   GError                **error)
{
  return imp_objective_new_sharing (NULL, weights, params, content, styles, style_blend,
                                    n_styles, cancellable, error);
}

/* @previous's threads when it has as many as @params asks for, so a
 * coarse-to-fine run keeps one pool across its scales. */
static ImpParallel *
make_parallel (ImpObjective    *previous,
               const ImpParams *params)
{
  guint n_threads = imp_parallel_count_threads (params->threads);

  if (previous != NULL && imp_parallel_get_n_threads (previous->parallel) == n_threads)
    return imp_parallel_ref (previous->parallel);
  return imp_parallel_new (params->threads);
}

/* The network for @params: on @previous's convolutions when they fit. */
static ImpVgg *
make_vgg (ImpObjective    *previous,
          ImpWeights      *weights,
          const ImpParams *params,
          ImpParallel     *parallel,
          GError         **error)
{
  ImpVggLayer deepest = deepest_layer (params);
  g_autoptr(ImpVgg) vgg = NULL;

  if (previous != NULL && previous->weights == weights &&
      imp_vgg_can_share (previous->vgg, deepest))
    return imp_vgg_new_sharing (previous->vgg, deepest, params->pool, parallel);
  vgg = imp_vgg_new (weights, deepest, params->pool, IMP_CONV_ALGORITHM_AUTO, parallel);
  /* The convolutions were just prepared from the mapped file: refused if it
   * was cut short meanwhile (they hold zeros then); nothing reads the file's
   * pages after this. */
  if (!imp_weights_check_intact (weights, error))
    return NULL;
  imp_weights_release_pages (weights);
  return g_steal_pointer (&vgg);
}

ImpObjective *
imp_objective_new_sharing (ImpObjective           *previous,
                           ImpWeights             *weights,
                           const ImpParams        *params,
                           const ImpImage         *content,
                           const ImpImage * const *styles,
                           const double           *style_blend,
                           guint                   n_styles,
                           GCancellable           *cancellable,
                           GError                **error)
{
  g_autoptr(ImpObjective) self = NULL;
  g_autofree double *blend = g_new (double, MAX (n_styles, 1));

  g_return_val_if_fail (weights != NULL && params != NULL, NULL);
  if (!check_inputs (params, content, styles, n_styles, error) ||
      !normalise_blend (style_blend, n_styles, blend, error))
    return NULL;

  self = g_new0 (ImpObjective, 1);
  self->content_layers = params->content_layers;
  self->style_layers = params->style_layers;
  self->width = content->width;
  self->height = content->height;
  imp_objective_set_loss_weights (self, params->content_weight, params->style_weight,
                                  params->tv_weight);
  self->weights = imp_weights_ref (weights);
  self->parallel = make_parallel (previous, params);
  self->vgg = make_vgg (previous, weights, params, self->parallel, error);
  if (self->vgg == NULL)
    return NULL;
  imp_vgg_keep_activations (self->vgg, loss_layers (params));
  self->gram = g_new (float, (gsize) 512 * 512);
  if (!compute_targets (self, content, styles, blend, n_styles, params->style_relative,
                        cancellable, error))
    return NULL;
  self->color_weight = params->color_weight;
  /* Keeping the photo's colours: the colour term holds the photo's. */
  if (self->color_weight > 0 && params->preserve_colors != IMP_COLORS_NONE)
    self->color = imp_color_loss_new (&content, NULL, 1, COLOR_DIRECTIONS);
  else if (self->color_weight > 0 && n_styles > 0)
    self->color = imp_color_loss_new (styles, blend, n_styles, COLOR_DIRECTIONS);
  return g_steal_pointer (&self);
}

ImpVgg *
imp_objective_get_vgg (ImpObjective *self)
{
  return self->vgg;
}

ImpParallel *
imp_objective_get_parallel (ImpObjective *self)
{
  return self->parallel;
}

void
imp_objective_set_loss_weights (ImpObjective *self,
                                double        content_weight,
                                double        style_weight,
                                double        tv_weight)
{
  g_return_if_fail (self != NULL);
  self->content_weight = content_weight;
  self->style_weight = style_weight;
  self->tv_weight = tv_weight;
}

typedef struct
{
  ImpObjective *self;
  double        content;   /* unweighted sums, as layer_losses () */
  double        style;
  double        style_layer[IMP_N_VGG_LAYERS];
} GradientCtx;

/* The losses of @layer, their gradient added into @grad (when not NULL) as
 * backward reaches the layer: no gradient buffer per loss layer. */
static void
add_layer_gradient (ImpVgg      *vgg,
                    ImpVggLayer  layer,
                    float       *grad,
                    gpointer     user_data)
{
  GradientCtx *ctx = user_data;
  ImpObjective *self = ctx->self;
  guint c = imp_vgg_layer_out_channels (layer), lw, lh;

  imp_vgg_layer_size (vgg, layer, &lw, &lh);
  for (guint i = 0; i < self->content_layers.n_layers; i++)
    if (self->content_layers.layers[i] == layer)
      {
        double w = layer_weight (&self->content_layers, i);
        ctx->content += w * imp_content_loss (imp_vgg_get_activation (vgg, layer),
                                              self->content_targets[layer],
                                              (gsize) c * lw * lh, self->content_weight * w, grad);
      }
  for (guint i = 0; i < self->style_layers.n_layers; i++)
    if (self->style_layers.layers[i] == layer)
      {
        double w = layer_weight (&self->style_layers, i) * self->style_scale[layer];
        double loss = w * imp_style_loss (imp_vgg_get_activation (vgg, layer), c,
                                          (gsize) lw * lh, self->style_targets[layer],
                                          self->gram, self->style_weight * w, grad,
                                          self->parallel);

        ctx->style += loss;
        ctx->style_layer[layer] = loss;
      }
}

/* The losses without their gradient, in the same order as backward's, so
 * the sums come out bit-identical. */
static void
add_layer_losses (ImpObjective *self,
                  GradientCtx  *ctx)
{
  ImpProfile *profile = imp_parallel_get_profile (self->parallel);
  ImpProfileMark mark;

  imp_profile_start (profile, &mark);
  for (int l = (int) imp_vgg_get_deepest (self->vgg); l >= 0; l--)
    add_layer_gradient (self->vgg, l, NULL, ctx);
  imp_profile_add_stage (profile, IMP_PROFILE_LOSSES, &mark);
}

gboolean
imp_objective_evaluate (ImpObjective    *self,
                        const ImpImage  *image,
                        float           *gradient,
                        ImpLosses       *losses,
                        GCancellable    *cancellable,
                        GError         **error)
{
  ImpProfile *profile = imp_parallel_get_profile (self->parallel);
  ImpProfileMark mark;
  double content, style, tv, style_layer[IMP_N_VGG_LAYERS];

  g_return_val_if_fail (self != NULL && image != NULL && losses != NULL, FALSE);
  g_return_val_if_fail (image->width == self->width && image->height == self->height, FALSE);
  g_return_val_if_fail (self->gram != NULL, FALSE);   /* not after free_buffers () */

  if (!imp_vgg_forward (self->vgg, image->data, cancellable, error))
    return FALSE;
  {
    GradientCtx ctx = { self, 0, 0, { 0 } };

    if (gradient == NULL)
      add_layer_losses (self, &ctx);
    else if (!imp_vgg_backward_with (self->vgg, add_layer_gradient, &ctx, gradient,
                                     cancellable, error))
      return FALSE;
    content = ctx.content;
    style = ctx.style;
    memcpy (style_layer, ctx.style_layer, sizeof style_layer);
  }
  imp_profile_start (profile, &mark);
  tv = self->tv_weight != 0
       ? imp_tv_loss (image->data, 3, image->height, image->width, self->tv_weight, gradient)
       : 0;
  imp_profile_add_stage (profile, IMP_PROFILE_TV, &mark);

  losses->content = self->content_weight * content;
  losses->style = self->style_weight * style;
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    losses->style_layer[l] = self->style_weight * style_layer[l];
  losses->tv = self->tv_weight * tv;
  imp_profile_start (profile, &mark);
  losses->color = self->color != NULL
                  ? self->color_weight * imp_color_loss_evaluate (self->color, image,
                                                                  self->color_weight, gradient,
                                                                  self->parallel)
                  : 0;
  imp_profile_add_stage (profile, IMP_PROFILE_COLOR, &mark);
  losses->total = losses->content + losses->style + losses->tv + losses->color;
  return TRUE;
}

/* The colour term's sorters, as large as the image a thread (evaluated at
 * the content's size). */
static guint64
color_memory (const ImpParams *params,
              guint            width,
              guint            height)
{
  if (params->color_weight <= 0)
    return 0;
  return imp_color_loss_estimate_memory ((gsize) width * height, COLOR_DIRECTIONS,
                                         imp_parallel_count_threads (params->threads));
}

guint64
imp_objective_estimate_memory (const ImpParams *params,
                               guint            width,
                               guint            height)
{
  ImpVggLayer deepest = deepest_layer (params);
  guint64 floats = (guint64) 512 * 512;   /* gram scratch */

  for (guint i = 0; i < params->content_layers.n_layers; i++)
    {
      ImpVggLayer l = params->content_layers.layers[i];
      guint b = imp_vgg_layer_block (l);
      /* the target (the gradient goes straight into backward's work buffer) */
      floats += (guint64) imp_vgg_layer_out_channels (l) * (width >> b) * (height >> b);
    }
  for (guint i = 0; i < params->style_layers.n_layers; i++)
    {
      ImpVggLayer l = params->style_layers.layers[i];
      guint c = imp_vgg_layer_out_channels (l);
      floats += (guint64) c * c;   /* the target Gram */
    }
  return floats * sizeof (float) + color_memory (params, width, height) +
         imp_vgg_estimate_memory_kept (deepest, loss_layers (params), params->pool,
                                       imp_parallel_count_threads (params->threads), width, height);
}
