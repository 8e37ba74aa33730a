/* imp-transfer.c: one style-transfer session, driven one iteration at a time
 *
 * The worker thread calls imp_transfer_step(); any thread may read the current
 * and result images or change the loss weights. Everything other threads can see
 * changes under @lock; the expensive evaluation runs without it, reading the
 * iterate that only the worker writes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-transfer.h"
#include "imp-transfer-plan-private.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include "imp-adam.h"
#include "imp-color.h"
#include "imp-lbfgs.h"
#include "imp-vgg-layers.h"

struct _ImpTransfer
{
  /* Owned, fixed after creation */
  ImpParams      params;
  ImpWeights    *weights;
  ImpImage      *content;       /* at the output size */
  ImpImage     **styles;        /* at the largest size any scale needs */
  double        *blend;
  guint          n_styles;
  ImpScale         *scales;
  guint          n_scales;
  guint          out_width;
  guint          out_height;

  /* Worker state */
  guint          scale;
  guint          scale_iteration;
  gboolean       scale_ready;   /* objective and iterate exist for @scale */
  ImpObjective  *objective;
  ImpImage      *scale_content; /* content at the current scale (colour keeping) */
  ImpAdam       *adam;
  ImpLbfgs      *lbfgs;
  float         *gradient;
  float         *previous_x;    /* the iterate before the last update */
  guint          iteration;
  gint64         start_time;
  double         work_done;     /* iterations x pixels, for the ETA */

  /* Shared with other threads, under @lock */
  GMutex         lock;
  ImpImage      *x;             /* the iterate */
  ImpImage      *best;
  double         best_loss;
  ImpImage      *ema;           /* bias-uncorrected accumulator */
  guint          ema_count;
  gboolean       weights_pending;
  double         pending_weights[3];
};

/* Scales: objective, iterate and optimiser state for one image size */

static ImpImage *
style_at_scale (ImpTransfer    *self,
                const ImpImage *style,
                const ImpScale *scale)
{
  guint out_long = _imp_longer_side (self->out_width, self->out_height);
  guint side = _imp_transfer_style_long_side (&self->params, style, out_long,
                                              _imp_longer_side (scale->width, scale->height));

  return imp_image_resize_to_fit (style, side);
}

static ImpImage *
initial_image (ImpTransfer    *self,
               const ImpScale *scale)
{
  ImpImage *x;

  switch (self->params.init)
    {
    case IMP_INIT_NOISE:
      {
        /* Mersenne Twister from the seed: the same picture on every machine. */
        guint32 seed[2] = { (guint32) self->params.seed, (guint32) (self->params.seed >> 32) };
        g_autoptr(GRand) rand = g_rand_new_with_seed_array (seed, 2);

        x = imp_image_new (scale->width, scale->height);
        for (gsize i = 0; i < (gsize) 3 * scale->width * scale->height; i++)
          x->data[i] = (float) g_rand_double_range (rand, 0.0, 255.0);
        return x;
      }
    case IMP_INIT_STYLE:
      return imp_image_resize (self->styles[0], scale->width, scale->height);
    case IMP_INIT_RECOLORED:
      /* The start brings the style's palette (the colour term keeps it);
       * not when the photo's colours are to be kept. */
      if (self->params.preserve_colors != IMP_COLORS_NONE)
        return imp_image_copy (self->scale_content);
      return imp_color_match_histogram (self->scale_content, self->styles[0]);
    case IMP_INIT_CONTENT:
    default:
      return imp_image_copy (self->scale_content);
    }
}

static ImpImage *
resize_state (const float    *data,
              guint           width,
              guint           height,
              const ImpScale *scale)
{
  ImpImage tmp = { width, height, (float *) data };

  return imp_image_resize_bicubic (&tmp, scale->width, scale->height, FALSE);
}

/* Carries the optimiser to the new size: Adam's moments are resampled like the
 * image (crowsonkb does the same); L-BFGS pairs cannot be, so they are dropped. */
static void
carry_optimizer (ImpTransfer    *self,
                 guint           old_width,
                 guint           old_height,
                 const ImpScale *scale)
{
  gsize n = (gsize) 3 * scale->width * scale->height;

  if (self->adam != NULL)
    {
      g_autoptr(ImpImage) m = resize_state (imp_adam_get_m (self->adam),
                                            old_width, old_height, scale);
      g_autoptr(ImpImage) v = resize_state (imp_adam_get_v (self->adam),
                                            old_width, old_height, scale);

      imp_adam_resize (self->adam, n, m->data, v->data);
    }
  if (self->lbfgs != NULL)
    imp_lbfgs_reset (self->lbfgs, n);
}

/* What the next scale does not need goes before its objective is made: the
 * previous objective's buffers and targets (its convolutions and threads
 * are shared), the gradient, and L-BFGS's pairs (dropped at a new size). */
static void
free_previous_scale (ImpTransfer *self)
{
  if (self->objective != NULL)
    imp_objective_free_buffers (self->objective);
  g_clear_pointer (&self->gradient, g_free);
  g_clear_pointer (&self->previous_x, g_free);
  if (self->lbfgs != NULL && self->x != NULL)
    imp_lbfgs_reset (self->lbfgs, 0);
}

static gboolean
setup_scale (ImpTransfer  *self,
             GCancellable *cancellable,
             GError      **error)
{
  const ImpScale *scale = &self->scales[self->scale];
  g_autoptr(ImpImage) content = imp_image_resize (self->content, scale->width, scale->height);
  g_autoptr(ImpImage) next_x = NULL;
  g_autoptr(GPtrArray) styles = g_ptr_array_new_with_free_func ((GDestroyNotify) imp_image_free);
  ImpObjective *objective;

  for (guint i = 0; i < self->n_styles; i++)
    g_ptr_array_add (styles, style_at_scale (self, self->styles[i], scale));

  free_previous_scale (self);
  /* The previous scale's prepared convolutions are reused, not made again. */
  objective = imp_objective_new_sharing (self->objective, self->weights, &self->params,
                                         content, (const ImpImage * const *) styles->pdata,
                                         self->blend, self->n_styles, cancellable, error);
  if (objective == NULL)
    return FALSE;

  g_clear_pointer (&self->objective, imp_objective_free);
  self->objective = objective;
  g_clear_pointer (&self->scale_content, imp_image_free);
  self->scale_content = g_steal_pointer (&content);

  if (self->x == NULL)
    next_x = initial_image (self, scale);
  else
    {
      next_x = imp_image_resize_bicubic (self->x, scale->width, scale->height, TRUE);
      carry_optimizer (self, self->x->width, self->x->height, scale);
    }

  self->gradient = g_new0 (float, (gsize) 3 * scale->width * scale->height);
  self->previous_x = g_new (float, (gsize) 3 * scale->width * scale->height);

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->x, imp_image_free);
  self->x = g_steal_pointer (&next_x);
  /* Losses at different sizes are not comparable: best-tracking and the
   * average start again at each scale. */
  g_clear_pointer (&self->best, imp_image_free);
  self->best_loss = INFINITY;
  g_clear_pointer (&self->ema, imp_image_free);
  self->ema_count = 0;
  g_mutex_unlock (&self->lock);

  self->scale_iteration = 0;
  self->scale_ready = TRUE;
  return TRUE;
}

/* Creation */

static gboolean
validate_inputs (const ImpImage * const *styles,
                 const double           *style_blend,
                 guint                   n_styles,
                 GError                **error)
{
  double sum = 0.0;

  if (n_styles == 0)
    {
      g_set_error (error, IMP_TRANSFER_ERROR, IMP_TRANSFER_ERROR_FAILED,
                   "At least one style image is needed");
      return FALSE;
    }
  for (guint i = 0; style_blend != NULL && i < n_styles; i++)
    {
      if (!isfinite (style_blend[i]) || style_blend[i] < 0.0)
        {
          g_set_error (error, IMP_TRANSFER_ERROR, IMP_TRANSFER_ERROR_FAILED,
                       "--style-blend: weights must be numbers ≥ 0");
          return FALSE;
        }
      sum += style_blend[i];
    }
  if (style_blend != NULL && !(sum > 0.0))
    {
      g_set_error (error, IMP_TRANSFER_ERROR, IMP_TRANSFER_ERROR_FAILED,
                   "--style-blend: at least one weight must be above 0");
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_image_sizes (const ImpParams        *params,
                   const ImpImage         *content,
                   const ImpImage * const *styles,
                   guint                   n_styles,
                   GError                **error)
{
  g_autofree guint *sizes = g_new (guint, 2 + 2 * (gsize) n_styles);

  sizes[0] = content->width;
  sizes[1] = content->height;
  for (guint i = 0; i < n_styles; i++)
    {
      sizes[2 + 2 * i] = styles[i]->width;
      sizes[3 + 2 * i] = styles[i]->height;
    }
  return imp_transfer_check_sizes (params, sizes, n_styles, 0, NULL, error);
}

/* Keeps each style at the largest size a scale asks for, recoloured when the
 * content's colours are to be kept by histogram matching. */
static void
prepare_styles (ImpTransfer            *self,
                const ImpImage * const *styles)
{
  guint out_long = _imp_longer_side (self->out_width, self->out_height);

  self->styles = g_new0 (ImpImage *, self->n_styles);
  for (guint i = 0; i < self->n_styles; i++)
    {
      guint side = _imp_transfer_style_long_side (&self->params, styles[i], out_long, out_long);
      g_autoptr(ImpImage) sized = imp_image_resize_to_fit (styles[i], side);

      if (self->params.preserve_colors == IMP_COLORS_HISTOGRAM)
        self->styles[i] = imp_color_match_histogram (sized, self->content);
      else
        self->styles[i] = g_steal_pointer (&sized);
    }
}

ImpTransfer *
imp_transfer_new (ImpWeights             *weights,
                  const ImpImage         *content,
                  const ImpImage * const *styles,
                  const double           *style_blend,
                  guint                   n_styles,
                  const ImpParams        *params,
                  GCancellable           *cancellable,
                  GError                **error)
{
  g_autoptr(ImpTransfer) self = NULL;
  gsize n;

  g_return_val_if_fail (weights != NULL && content != NULL && params != NULL, NULL);

  if (!validate_inputs (styles, style_blend, n_styles, error))
    return NULL;

  self = g_new0 (ImpTransfer, 1);
  g_mutex_init (&self->lock);
  self->params = *params;
  if (!imp_params_validate (&self->params, error))
    return NULL;
  self->weights = imp_weights_ref (weights);
  self->n_styles = n_styles;
  if (style_blend != NULL)
    self->blend = g_memdup2 (style_blend, n_styles * sizeof (double));
  self->best_loss = INFINITY;
  imp_image_fit_size (content->width, content->height, self->params.size,
                      &self->out_width, &self->out_height);

  /* Refuse before allocating anything large. */
  if (!check_image_sizes (&self->params, content, styles, n_styles, error))
    return NULL;

  self->content = imp_image_resize (content, self->out_width, self->out_height);
  prepare_styles (self, styles);
  self->scales = _imp_transfer_plan_scales (&self->params, self->out_width, self->out_height,
                                            &self->n_scales);

  n = (gsize) 3 * self->scales[0].width * self->scales[0].height;
  if (self->params.optimizer == IMP_OPTIMIZER_LBFGS)
    self->lbfgs = imp_lbfgs_new (n, self->params.lbfgs_history, self->params.lr);
  else
    self->adam = imp_adam_new (n, self->params.lr, self->params.beta1, self->params.beta2,
                               self->params.epsilon);

  if (!setup_scale (self, cancellable, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
imp_transfer_free (ImpTransfer *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->weights, imp_weights_unref);
  g_clear_pointer (&self->content, imp_image_free);
  for (guint i = 0; self->styles != NULL && i < self->n_styles; i++)
    imp_image_free (self->styles[i]);
  g_free (self->styles);
  g_free (self->blend);
  g_free (self->scales);
  g_clear_pointer (&self->objective, imp_objective_free);
  g_clear_pointer (&self->scale_content, imp_image_free);
  g_clear_pointer (&self->adam, imp_adam_free);
  g_clear_pointer (&self->lbfgs, imp_lbfgs_free);
  g_free (self->gradient);
  g_free (self->previous_x);
  g_clear_pointer (&self->x, imp_image_free);
  g_clear_pointer (&self->best, imp_image_free);
  g_clear_pointer (&self->ema, imp_image_free);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* Stepping */

static void
apply_pending_weights (ImpTransfer *self)
{
  gboolean pending;
  double w[3];

  g_mutex_lock (&self->lock);
  pending = self->weights_pending;
  memcpy (w, self->pending_weights, sizeof w);
  self->weights_pending = FALSE;
  if (pending)
    {
      /* A different objective: earlier losses no longer compare. */
      self->best_loss = INFINITY;
      g_clear_pointer (&self->best, imp_image_free);
    }
  g_mutex_unlock (&self->lock);

  if (!pending)
    return;
  self->params.content_weight = w[0];
  self->params.style_weight = w[1];
  self->params.tv_weight = w[2];
  imp_objective_set_loss_weights (self->objective, w[0], w[1], w[2]);
  if (self->lbfgs != NULL)
    imp_lbfgs_reset (self->lbfgs, (gsize) 3 * self->x->width * self->x->height);
}

/* Called with the lock held, after the optimiser moved x. */
static void
update_average (ImpTransfer *self)
{
  double d = self->params.ema_decay;
  gsize n = (gsize) 3 * self->x->width * self->x->height;

  if (d <= 0.0)
    return;
  if (self->ema == NULL)
    self->ema = imp_image_new (self->x->width, self->x->height);
  for (gsize i = 0; i < n; i++)
    self->ema->data[i] = (float) (d * self->ema->data[i] + (1.0 - d) * self->x->data[i]);
  self->ema_count++;
}

static gboolean
all_finite (const float *data,
            gsize        n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (data[i]))
      return FALSE;
  return TRUE;
}

/* FALSE, with the iterate as it was, when the update overflowed (Adam squares
 * the gradient in single precision): the average is not touched either. */
static gboolean
update (ImpTransfer     *self,
        const ImpLosses *losses)
{
  gsize n = (gsize) 3 * self->x->width * self->x->height;
  gboolean finite;

  g_mutex_lock (&self->lock);
  if (isfinite (losses->total) && losses->total < self->best_loss)
    {
      self->best_loss = losses->total;
      g_clear_pointer (&self->best, imp_image_free);
      self->best = imp_image_copy (self->x);
    }
  memcpy (self->previous_x, self->x->data, n * sizeof (float));
  if (self->adam != NULL)
    imp_adam_step (self->adam, self->x->data, self->gradient, 0.f, 255.f);
  else
    imp_lbfgs_step (self->lbfgs, self->x->data, self->gradient, 0.f, 255.f);
  finite = all_finite (self->x->data, n);
  if (finite)
    update_average (self);
  else
    memcpy (self->x->data, self->previous_x, n * sizeof (float));
  g_mutex_unlock (&self->lock);
  return finite;
}

/* Time left, from the average time per unit of work so far: an iteration's
 * cost grows with the pixel count, so later scales weigh more. */
static double
estimate_seconds_left (ImpTransfer *self,
                       double       elapsed)
{
  double remaining = 0.0;

  if (self->work_done <= 0.0 || elapsed <= 0.0)
    return -1.0;
  for (guint k = self->scale; k < self->n_scales; k++)
    {
      guint left = self->scales[k].n_iterations;

      if (k == self->scale)
        left -= MIN (left, self->scale_iteration);
      remaining += left * _imp_transfer_scale_work (&self->scales[k]);
    }
  return elapsed / self->work_done * remaining;
}

static void
advance (ImpTransfer *self)
{
  self->iteration++;
  self->scale_iteration++;
  self->work_done += _imp_transfer_scale_work (&self->scales[self->scale]);
  if (self->scale_iteration >= self->scales[self->scale].n_iterations
      && self->scale + 1 < self->n_scales)
    {
      self->scale++;
      self->scale_ready = FALSE;
    }
}

/* The term to lower when the loss overflowed: the one that is no longer a
 * number, or else (only the gradient overflowed) the largest. */
static const char *
overflowed_term (const ImpLosses *l)
{
  if (!isfinite (l->style))
    return "style";
  if (!isfinite (l->content))
    return "content";
  if (!isfinite (l->tv))
    return "tv";
  if (l->style >= l->content && l->style >= l->tv)
    return "style";
  return l->content >= l->tv ? "content" : "tv";
}

static gboolean
set_not_finite_error (ImpTransfer      *self,
                      const ImpLosses  *losses,
                      GError          **error)
{
  const char *term = overflowed_term (losses);
  double weight = g_str_equal (term, "style") ? self->params.style_weight
                  : g_str_equal (term, "content") ? self->params.content_weight
                  : self->params.tv_weight;

  g_set_error (error, IMP_TRANSFER_ERROR, IMP_TRANSFER_ERROR_NOT_FINITE,
               "At iteration %u the %s loss made the painting overflow: lower the %s weight "
               "(--%s-weight, now %g)%s", self->iteration,
               g_str_equal (term, "tv") ? "total-variation" : term,
               g_str_equal (term, "tv") ? "total-variation" : term, term, weight,
               self->iteration == 0 ? ", or check that the weights file holds VGG19's values"
                                    : "");
  return FALSE;
}

/* An overflow would make every later image black (NaN pixels): the run
 * stops at the iteration where it happens, before the optimiser uses it, so
 * the image, the best and the average stay the last good ones. */
static gboolean
check_finite (ImpTransfer      *self,
              const ImpLosses  *losses,
              GError          **error)
{
  gsize n = (gsize) 3 * self->x->width * self->x->height;

  if (isfinite (losses->total) && all_finite (self->gradient, n))
    return TRUE;
  return set_not_finite_error (self, losses, error);
}

gboolean
imp_transfer_step (ImpTransfer   *self,
                   ImpProgress   *progress,
                   GCancellable  *cancellable,
                   GError       **error)
{
  ImpLosses losses = { 0 };
  ImpProgress p = { 0 };
  guint scale = self->scale;
  double elapsed;

  g_return_val_if_fail (self != NULL, FALSE);

  if (imp_transfer_is_done (self))
    {
      g_set_error (error, IMP_TRANSFER_ERROR, IMP_TRANSFER_ERROR_FAILED,
                   "The run has already done its %u iterations", self->params.iterations);
      return FALSE;
    }
  if (self->start_time == 0)
    self->start_time = g_get_monotonic_time ();
  if (!self->scale_ready && !setup_scale (self, cancellable, error))
    return FALSE;
  apply_pending_weights (self);

  if (!imp_objective_evaluate (self->objective, self->x, self->gradient, &losses,
                               cancellable, error)
      || !check_finite (self, &losses, error))
    return FALSE;

  if (!update (self, &losses))
    return set_not_finite_error (self, &losses, error);
  p.iteration = self->iteration;
  advance (self);

  elapsed = (g_get_monotonic_time () - self->start_time) / (double) G_USEC_PER_SEC;
  p.n_iterations = self->params.iterations;
  p.scale = scale;
  p.n_scales = self->n_scales;
  p.width = self->scales[scale].width;
  p.height = self->scales[scale].height;
  p.losses = losses;
  p.seconds = elapsed;
  p.seconds_left = estimate_seconds_left (self, elapsed);
  if (progress != NULL)
    *progress = p;
  return TRUE;
}

gboolean
imp_transfer_is_done (ImpTransfer *self)
{
  return self->iteration >= self->params.iterations;
}

void
imp_transfer_set_loss_weights (ImpTransfer *self,
                               double       content_weight,
                               double       style_weight,
                               double       tv_weight)
{
  g_mutex_lock (&self->lock);
  self->pending_weights[0] = content_weight;
  self->pending_weights[1] = style_weight;
  self->pending_weights[2] = tv_weight;
  self->weights_pending = TRUE;
  g_mutex_unlock (&self->lock);
}

/* Reading images */

static ImpImage *
finish_image (ImpTransfer    *self,
              const ImpImage *image,
              gboolean        output_size)
{
  g_autoptr(ImpImage) sized = NULL;

  if (output_size && (image->width != self->out_width || image->height != self->out_height))
    {
      sized = imp_image_resize_bicubic (image, self->out_width, self->out_height, TRUE);
      image = sized;
    }
  if (self->params.preserve_colors == IMP_COLORS_LUMINANCE)
    return imp_color_keep_luminance (image, self->content);
  return sized != NULL ? g_steal_pointer (&sized) : imp_image_copy (image);
}

ImpImage *
imp_transfer_get_current (ImpTransfer *self)
{
  g_autoptr(ImpImage) copy = NULL;

  g_mutex_lock (&self->lock);
  copy = imp_image_copy (self->x);
  g_mutex_unlock (&self->lock);
  return finish_image (self, copy, FALSE);
}

/* The EMA with the bias correction of an average started at zero. */
static ImpImage *
average_image (ImpTransfer *self)
{
  ImpImage *image = imp_image_copy (self->ema);
  double correction = 1.0 - pow (self->params.ema_decay, self->ema_count);
  gsize n = (gsize) 3 * image->width * image->height;

  for (gsize i = 0; i < n; i++)
    image->data[i] = (float) CLAMP (image->data[i] / correction, 0.0, 255.0);
  return image;
}

/* The average, not the iterate: with best's long steps the iterate carries
 * pixel noise that the average removes, and the preview and the progress
 * animation should show the picture the run will deliver. */
ImpImage *
imp_transfer_get_shown (ImpTransfer *self)
{
  g_autoptr(ImpImage) image = NULL;

  g_mutex_lock (&self->lock);
  if (self->ema != NULL && self->ema_count > 0)
    image = average_image (self);
  else
    image = imp_image_copy (self->x);
  g_mutex_unlock (&self->lock);
  return finish_image (self, image, FALSE);
}

ImpImage *
imp_transfer_get_result (ImpTransfer *self)
{
  g_autoptr(ImpImage) image = NULL;

  g_mutex_lock (&self->lock);
  if (self->ema != NULL && self->ema_count > 0)
    image = average_image (self);
  else if (self->best != NULL)
    image = imp_image_copy (self->best);
  else
    image = imp_image_copy (self->x);
  g_mutex_unlock (&self->lock);
  return finish_image (self, image, TRUE);
}

void
imp_transfer_get_output_size (ImpTransfer *self,
                              guint       *width,
                              guint       *height)
{
  if (width != NULL)
    *width = self->out_width;
  if (height != NULL)
    *height = self->out_height;
}
