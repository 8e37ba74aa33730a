/* imp-vgg.c: VGG19 features, forward and input-gradient backward
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-vgg.h"
#include "imp-vgg-private.h"

#include <string.h>

#include "imp-relu.h"
#include "imp-vgg-memory.h"

/* The prepared (e.g. Winograd-transformed) convolutions, shared between
 * networks of different image sizes (imp_vgg_new_sharing ()). */
typedef struct
{
  gint          ref_count;
  ImpConv      *convs[IMP_N_VGG_LAYERS];
} ConvSet;

struct _ImpVgg
{
  /* Owned */
  ConvSet      *set;                        /* a reference */
  float        *acts[IMP_N_VGG_LAYERS];     /* post-ReLU outputs of kept layers */
  guint8       *masks[IMP_N_VGG_LAYERS];    /* other layers: bit i = output i > 0 */
  guint8       *argmax[4];                  /* max pool after a layer not kept */
  float        *grads[IMP_N_VGG_LAYERS];    /* injected d loss / d act, NULL if unused */
  float        *pools[4];                   /* pool after block b, if a later layer exists */
  float        *input;                      /* preprocessed image [3, H, W] */
  float        *arena;                      /* work buffers, kept maps after block 1 */
  ImpScratch    scratch;
  ImpParallel  *parallel;                   /* a reference, or NULL */

  /* State */
  ImpPreprocess pre;
  ImpVggLayer   deepest;
  ImpPoolKind   pool;
  guint32       kept;                       /* bit l: the layer's output is kept */
  guint32       in_arena;                   /* bit l: acts[l] lies in @arena */
  gsize         first_floats;               /* block 1's second work buffer's offset */
  gsize         deep_floats;                /* the later blocks' one */
  gboolean      recomputes_first;           /* conv1_1's output is not kept */
  const float  *first_act;                  /* conv1_1's recomputed output, or NULL */
  guint         width;
  guint         height;
  guint64       buffer_bytes;               /* allocated by set_size () */
};

typedef struct
{
  ConvSet          *set;
  ImpWeights       *weights;
  ImpVggLayer       deepest;
  ImpConvAlgorithm  algorithm;
  gint              next;      /* atomic: layers taken, largest first */
} PrepareJob;

/* Preparing the convolutions (transforming the weights for Winograd) is a
 * large part of a session's start; the threads take the layers largest
 * first. */
static void
prepare_part (guint    t G_GNUC_UNUSED,
              guint    k G_GNUC_UNUSED,
              gpointer data)
{
  PrepareJob *job = data;
  gint i;

  while ((i = g_atomic_int_add (&job->next, 1)) <= (gint) job->deepest)
    {
      ImpVggLayer l = job->deepest - i;

      job->set->convs[l] = imp_conv_new (imp_weights_get_kernel (job->weights, l),
                                         imp_weights_get_bias (job->weights, l),
                                         imp_vgg_layer_in_channels (l),
                                         imp_vgg_layer_out_channels (l), job->algorithm);
    }
}

static ImpVgg *
vgg_alloc (ImpVggLayer  deepest,
           ImpPoolKind  pool,
           ImpParallel *parallel)
{
  ImpVgg *self = g_new0 (ImpVgg, 1);

  self->deepest = deepest;
  self->pool = pool;
  self->kept = IMP_VGG_KEEP_ALL;
  self->parallel = parallel != NULL ? imp_parallel_ref (parallel) : NULL;
  return self;
}

ImpVgg *
imp_vgg_new (ImpWeights       *weights,
             ImpVggLayer       deepest,
             ImpPoolKind       pool,
             ImpConvAlgorithm  algorithm,
             ImpParallel      *parallel)
{
  ImpVgg *self;

  g_return_val_if_fail (weights != NULL && deepest < IMP_N_VGG_LAYERS, NULL);

  self = vgg_alloc (deepest, pool, parallel);
  self->pre = *imp_weights_get_preprocess (weights);
  self->set = g_new0 (ConvSet, 1);
  self->set->ref_count = 1;
  {
    PrepareJob job = { self->set, weights, deepest, algorithm, 0 };

    imp_parallel_run (parallel, 0, prepare_part, &job);
  }
  return self;
}

ImpVgg *
imp_vgg_new_sharing (ImpVgg      *other,
                     ImpVggLayer  deepest,
                     ImpPoolKind  pool,
                     ImpParallel *parallel)
{
  ImpVgg *self;

  g_return_val_if_fail (other != NULL && deepest <= other->deepest, NULL);

  self = vgg_alloc (deepest, pool, parallel);
  self->pre = other->pre;
  self->set = other->set;
  g_atomic_int_inc (&self->set->ref_count);
  return self;
}

gboolean
imp_vgg_shares_convolutions (ImpVgg *a,
                             ImpVgg *b)
{
  return a->set == b->set;
}

gboolean
imp_vgg_can_share (ImpVgg      *other,
                   ImpVggLayer  deepest)
{
  return other != NULL && deepest <= other->deepest;
}

static void
conv_set_unref (ConvSet *set)
{
  if (!g_atomic_int_dec_and_test (&set->ref_count))
    return;
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    imp_conv_free (set->convs[l]);
  g_free (set);
}

static void
free_buffers (ImpVgg *self)
{
  for (guint l = 0; l < IMP_N_VGG_LAYERS; l++)
    {
      if ((self->in_arena >> l) & 1)
        self->acts[l] = NULL;
      g_clear_pointer (&self->acts[l], g_free);
      g_clear_pointer (&self->masks[l], g_free);
      g_clear_pointer (&self->grads[l], g_free);
    }
  for (guint b = 0; b < 4; b++)
    {
      g_clear_pointer (&self->pools[b], g_free);
      g_clear_pointer (&self->argmax[b], g_free);
    }
  g_clear_pointer (&self->input, g_free);
  g_clear_pointer (&self->arena, g_free);
  imp_scratch_clear (&self->scratch);
  _imp_vgg_count_buffers (0, self->buffer_bytes);
  self->buffer_bytes = 0;
  self->in_arena = 0;
  self->recomputes_first = FALSE;
  self->first_act = NULL;
  self->width = self->height = 0;
}

void
imp_vgg_free_buffers (ImpVgg *self)
{
  free_buffers (self);
}

void
imp_vgg_free (ImpVgg *self)
{
  if (self == NULL)
    return;
  free_buffers (self);
  conv_set_unref (self->set);
  g_clear_pointer (&self->parallel, imp_parallel_unref);
  g_free (self);
}

ImpVggLayer
imp_vgg_get_deepest (ImpVgg *self)
{
  return self->deepest;
}

/* Buffer @i (0 or 1) of the work pair that block @block's maps use. */
static float *
work_buffer (ImpVgg *self,
             guint   block,
             guint   i)
{
  return self->arena + (i == 0 ? 0 : block == 0 ? self->first_floats : self->deep_floats);
}

static void
allocate_buffers (ImpVgg *self,
                  guint   width,
                  guint   height)
{
  ImpVggArena a;
  gsize top;

  _imp_vgg_arena_layout (self->deepest, self->kept, width, height, &a);
  self->arena = g_new (float, MAX (a.total, 1));
  self->first_floats = a.first;
  self->deep_floats = a.deep;
  self->recomputes_first = _imp_vgg_recomputes_first (self->kept, width, height);
  top = a.total;
  for (guint l = 0; l <= self->deepest; l++)
    {
      gsize n = _imp_vgg_layer_floats (l, width, height);

      if (_imp_vgg_lies_in_arena (self->kept, l))
        {
          top -= n;
          self->acts[l] = self->arena + top;
          self->in_arena |= 1u << l;
        }
      else if (_imp_vgg_stores_own (self->kept, l, width, height))
        self->acts[l] = g_new (float, n);
      else if (!_imp_vgg_is_kept (self->kept, l))
        self->masks[l] = g_new (guint8, _imp_vgg_mask_bytes (n));
    }
  for (guint b = 0; b < 4; b++)
    {
      if (_imp_vgg_keeps_pool (self->deepest, self->kept, b))
        self->pools[b] = g_new (float, _imp_vgg_pool_floats (b, width, height));
      if (_imp_vgg_keeps_argmax (self->deepest, self->kept, self->pool, b))
        self->argmax[b] = g_new (guint8, _imp_vgg_pool_floats (b, width, height));
    }
  self->input = g_new (float, (gsize) 3 * width * height);
  self->buffer_bytes = _imp_vgg_buffers_bytes (self->deepest, self->kept, self->pool, width,
                                               height);
  _imp_vgg_count_buffers (self->buffer_bytes, 0);
}

gboolean
imp_vgg_set_size (ImpVgg  *self,
                  guint    width,
                  guint    height,
                  GError **error)
{
  guint need = 1u << imp_vgg_layer_block (self->deepest);

  if (width == self->width && height == self->height)
    return TRUE;
  if (width < need || height < need)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "An image of %u×%u pixels is too small for layer %s (at least %u×%u)",
                   width, height, imp_vgg_layer_name (self->deepest), need, need);
      return FALSE;
    }
  free_buffers (self);
  allocate_buffers (self, width, height);
  self->width = width;
  self->height = height;
  return TRUE;
}

void
imp_vgg_layer_size (ImpVgg      *self,
                    ImpVggLayer  layer,
                    guint       *width,
                    guint       *height)
{
  guint b = imp_vgg_layer_block (layer);

  *width = self->width >> b;
  *height = self->height >> b;
}

/* network_input[c] = (pixel[src(c)] * scale / 255 - mean[c]) / std[c] */
static void
preprocess (ImpVgg      *self,
            const float *image)
{
  gsize plane = (gsize) self->width * self->height;
  ImpProfile *profile = imp_parallel_get_profile (self->parallel);
  ImpProfileMark mark;

  imp_profile_start (profile, &mark);
  for (guint c = 0; c < 3; c++)
    {
      const float *src = image + (self->pre.bgr ? 2 - c : c) * plane;
      float *dst = self->input + c * plane;
      float a = (float) (self->pre.scale / 255.0 / self->pre.std[c]);
      float b = (float) (self->pre.mean[c] / self->pre.std[c]);
      if (a == 1.f)
        for (gsize i = 0; i < plane; i++)
          dst[i] = src[i] - b;
      else
        for (gsize i = 0; i < plane; i++)
          dst[i] = src[i] * a - b;
    }
  imp_profile_add_stage (profile, IMP_PROFILE_IMAGE, &mark);
}

/* The buffer of block @block's work pair that @in is not (forward of layers
 * not kept ping-pongs). */
static float *
other_work (ImpVgg      *self,
            guint        block,
            const float *in)
{
  return in == work_buffer (self, block, 0) ? work_buffer (self, block, 1)
                                            : work_buffer (self, block, 0);
}

/* The passes between the convolutions (pooling, ReLU masks) run on all the
 * pool's threads too: on one thread alone they would keep the iteration from
 * scaling with the threads. */
typedef enum
{
  PASS_POOL,            /* pools: ranges of channels */
  PASS_POOL_ARGMAX,
  PASS_POOL_BACKWARD,
  PASS_POOL_BACKWARD_ARGMAX,
  PASS_PACK_MASK,       /* masks: ranges of mask bytes */
  PASS_APPLY_MASK,
} PassOp;

typedef struct
{
  PassOp       op;
  ImpPoolKind  kind;
  const float *act;      /* pool input (backward: the forward's input) or masked map */
  const float *src;      /* pool backward: the gradient of the pool output */
  float       *dst;
  guint8      *bits;     /* arg-max or mask */
  guint        channels;
  guint        height;
  guint        width;
  gsize        n;        /* masks: floats */
} Pass;

static void
run_pool_part (const Pass *p,
               guint       c0,
               guint       c1)
{
  gsize plane = (gsize) p->height * p->width;
  gsize half = (gsize) (p->height / 2) * (p->width / 2);
  guint n = c1 - c0;

  switch (p->op)
    {
    case PASS_POOL:
      imp_pool_forward (p->kind, p->act + c0 * plane, n, p->height, p->width, p->dst + c0 * half);
      break;
    case PASS_POOL_ARGMAX:
      imp_pool_forward_argmax (p->act + c0 * plane, n, p->height, p->width, p->dst + c0 * half,
                               p->bits + c0 * half);
      break;
    case PASS_POOL_BACKWARD:
      imp_pool_backward (p->kind, p->act ? p->act + c0 * plane : NULL, p->src + c0 * half, n,
                         p->height, p->width, p->dst + c0 * plane);
      break;
    case PASS_POOL_BACKWARD_ARGMAX:
      imp_pool_backward_argmax (p->bits + c0 * half, p->src + c0 * half, n, p->height,
                                p->width, p->dst + c0 * plane);
      break;
    case PASS_PACK_MASK:
    case PASS_APPLY_MASK:
    default:
      g_assert_not_reached ();
    }
}

static void
run_pass_part (guint    t,
               guint    k,
               gpointer data)
{
  const Pass *p = data;

  if (p->op == PASS_PACK_MASK || p->op == PASS_APPLY_MASK)
    {
      gsize bytes = _imp_vgg_mask_bytes (p->n);
      gsize b0 = imp_parallel_split (bytes, t, k), b1 = imp_parallel_split (bytes, t + 1, k);
      gsize i0 = 8 * b0, i1 = MIN (8 * b1, p->n);

      if (i1 <= i0)
        return;
      if (p->op == PASS_PACK_MASK)
        imp_relu_pack_mask (p->act + i0, i1 - i0, p->bits + b0);
      else
        imp_relu_apply_mask (p->dst + i0, p->bits + b0, i1 - i0);
    }
  else
    {
      guint c0 = imp_parallel_split (p->channels, t, k);
      guint c1 = imp_parallel_split (p->channels, t + 1, k);

      if (c1 > c0)
        run_pool_part (p, c0, c1);
    }
}

static void
run_pass (ImpVgg *self,
          Pass   *p)
{
  ImpProfile *profile = imp_parallel_get_profile (self->parallel);
  ImpProfileMark mark;

  imp_profile_start (profile, &mark);
  imp_parallel_run (self->parallel, 0, run_pass_part, p);
  imp_profile_add_stage (profile, p->op == PASS_PACK_MASK || p->op == PASS_APPLY_MASK
                                  ? IMP_PROFILE_MASKS : IMP_PROFILE_POOLING, &mark);
}

/* Starts timing layer @l's forward or backward pass when profiling. */
static ImpProfile *
start_conv (ImpVgg         *self,
            ImpVggLayer     l,
            gboolean        backward,
            ImpProfileMark *mark)
{
  ImpProfile *profile = imp_parallel_get_profile (self->parallel);

  imp_profile_start (profile, mark);
  if (profile != NULL)
    profile->active = backward ? &profile->backward[l] : &profile->forward[l];
  return profile;
}

static void
end_conv (ImpProfile           *profile,
          const ImpProfileMark *mark)
{
  if (profile == NULL)
    return;
  imp_profile_add (&profile->active->time, mark);
  profile->active = NULL;
}

/* Layer @l's convolution and ReLU from @in into @out, and its ReLU mask
 * when backward needs one. */
static gboolean
forward_layer (ImpVgg        *self,
               ImpVggLayer    l,
               const float   *in,
               guint          h,
               guint          w,
               float         *out,
               gboolean       for_backward,
               GCancellable  *cancellable,
               GError       **error)
{
  ImpProfileMark mark;
  ImpProfile *profile = start_conv (self, l, FALSE, &mark);
  gboolean ok = imp_conv_forward (self->set->convs[l], in, h, w, TRUE, out, &self->scratch,
                                  self->parallel, cancellable, error);

  end_conv (profile, &mark);
  if (ok && self->masks[l] != NULL && for_backward)
    {
      Pass p = { .op = PASS_PACK_MASK, .act = out, .bits = self->masks[l],
                 .n = (gsize) imp_vgg_layer_out_channels (l) * h * w };

      run_pass (self, &p);
    }
  return ok;
}

/* The pool after layer @l (the last of its block) over @in; returns the
 * pooled map, with the arg-max recorded when backward needs it. */
static float *
forward_pool (ImpVgg      *self,
              ImpVggLayer  l,
              const float *in,
              guint        h,
              guint        w,
              gboolean     for_backward)
{
  guint b = imp_vgg_layer_block (l);
  float *pooled = self->pools[b] ? self->pools[b] : other_work (self, b + 1, in);
  gboolean argmax = self->argmax[b] != NULL && for_backward;
  Pass p = { .op = argmax ? PASS_POOL_ARGMAX : PASS_POOL, .kind = self->pool,
             .act = in, .dst = pooled, .bits = argmax ? self->argmax[b] : NULL,
             .channels = imp_vgg_layer_out_channels (l), .height = h, .width = w };

  run_pass (self, &p);
  return pooled;
}

/* Where layer @l's forward writes: its kept output, or a work buffer. In
 * block 1 conv1_1 goes into the first buffer and conv1_2 into the second,
 * so that pool1 can go into the later pair, which lies in the first. */
static float *
forward_output (ImpVgg      *self,
                ImpVggLayer  l,
                const float *in)
{
  guint block = imp_vgg_layer_block (l);

  if (self->acts[l] != NULL)
    return self->acts[l];
  if (block == 0)
    return work_buffer (self, 0, l == IMP_CONV1_1 ? 0 : 1);
  return other_work (self, block, in);
}

/* Conv1_1 .. @last; with @for_backward the ReLU masks and pool arg-maxes
 * backward needs are recorded too. */
static gboolean
forward (ImpVgg        *self,
         const float   *image,
         ImpVggLayer    last,
         gboolean       for_backward,
         GCancellable  *cancellable,
         GError       **error)
{
  const float *in = self->input;
  guint w = self->width, h = self->height;

  g_return_val_if_fail (self->width > 0 && last <= self->deepest, FALSE);
  self->first_act = NULL;
  preprocess (self, image);
  for (guint l = 0; l <= last; l++)
    {
      float *out = forward_output (self, l, in);

      if (!forward_layer (self, l, in, h, w, out, for_backward, cancellable, error))
        return FALSE;
      if (l == IMP_CONV1_1 && self->recomputes_first)
        self->first_act = out;
      in = out;
      if (imp_vgg_layer_pool_after (l) && l < last)
        {
          /* pool1 goes where conv1_1's output was */
          self->first_act = NULL;
          in = forward_pool (self, l, in, h, w, for_backward);
          h /= 2;
          w /= 2;
        }
    }
  return TRUE;
}

/* conv1_1's output into @dst, from the input of the last forward. */
static gboolean
recompute_first (ImpVgg        *self,
                 float         *dst,
                 GCancellable  *cancellable,
                 GError       **error)
{
  if (!forward_layer (self, IMP_CONV1_1, self->input, self->height, self->width, dst, FALSE,
                      cancellable, error))
    return FALSE;
  self->first_act = dst;
  return TRUE;
}

/* The output of @layer as backward and the losses read it. */
static const float *
layer_activation (ImpVgg      *self,
                  ImpVggLayer  layer)
{
  if (layer == IMP_CONV1_1 && self->recomputes_first)
    return self->first_act;
  return self->acts[layer];
}

gboolean
imp_vgg_forward (ImpVgg        *self,
                 const float   *image,
                 GCancellable  *cancellable,
                 GError       **error)
{
  return forward (self, image, self->deepest, TRUE, cancellable, error);
}

gboolean
imp_vgg_forward_only (ImpVgg        *self,
                      const float   *image,
                      ImpVggLayer    last,
                      GCancellable  *cancellable,
                      GError       **error)
{
  return forward (self, image, last, FALSE, cancellable, error);
}

const float *
imp_vgg_get_activation (ImpVgg      *self,
                        ImpVggLayer  layer)
{
  g_return_val_if_fail (layer <= self->deepest, NULL);
  /* After a forward pass only the kept maps at the arena's end hold data:
   * its start is free for conv1_1's output. */
  if (layer == IMP_CONV1_1 && self->recomputes_first && self->first_act == NULL &&
      !recompute_first (self, work_buffer (self, 0, 0), NULL, NULL))
    g_warn_if_reached ();   /* nothing to cancel: it cannot fail */
  return layer_activation (self, layer);
}

void
imp_vgg_keep_activations (ImpVgg  *self,
                          guint32  layers)
{
  guint width = self->width, height = self->height;

  if (layers == self->kept)
    return;
  /* set_size () reallocates only on a change of size */
  free_buffers (self);
  self->kept = layers;
  if (width > 0 && !imp_vgg_set_size (self, width, height, NULL))
    g_warn_if_reached ();   /* the same size was accepted before */
}

const float *
imp_vgg_get_pool (ImpVgg *self,
                  guint   block)
{
  g_return_val_if_fail (block < 4, NULL);
  return self->pools[block];
}

float *
imp_vgg_get_layer_gradient (ImpVgg      *self,
                            ImpVggLayer  layer)
{
  g_return_val_if_fail (layer <= self->deepest && self->width > 0, NULL);
  if (self->grads[layer] == NULL)
    self->grads[layer] = g_new0 (float, _imp_vgg_layer_floats (layer, self->width, self->height));
  return self->grads[layer];
}

void
imp_vgg_zero_gradients (ImpVgg *self)
{
  for (guint l = 0; l <= self->deepest; l++)
    if (self->grads[l] != NULL)
      memset (self->grads[l], 0,
              _imp_vgg_layer_floats (l, self->width, self->height) * sizeof (float));
}

/* d/dpixel = d/dinput * scale / (255 std), back in RGB order, in place. */
static void
unpreprocess_gradient (ImpVgg *self,
                       float  *grad)
{
  gsize plane = (gsize) self->width * self->height;
  ImpProfile *profile = imp_parallel_get_profile (self->parallel);
  ImpProfileMark mark;

  imp_profile_start (profile, &mark);
  for (guint c = 0; c < 3; c++)
    {
      float *g = grad + c * plane;
      float a = (float) (self->pre.scale / 255.0 / self->pre.std[c]);
      for (gsize i = 0; i < plane; i++)
        g[i] *= a;
    }
  if (self->pre.bgr)
    for (gsize i = 0; i < plane; i++)
      {
        float t = grad[i];
        grad[i] = grad[2 * plane + i];
        grad[2 * plane + i] = t;
      }
  imp_profile_add_stage (profile, IMP_PROFILE_IMAGE, &mark);
}

static void
add_into (float       *dst,
          const float *src,
          gsize        n)
{
  for (gsize i = 0; i < n; i++)
    dst[i] += src[i];
}

/* Through layer @l's ReLU and convolution: @grad (d/d act, may be
 * overwritten) to @grad_input. */
static gboolean
backward_layer (ImpVgg        *self,
                ImpVggLayer    l,
                float         *grad,
                guint          h,
                guint          w,
                float         *grad_input,
                GCancellable  *cancellable,
                GError       **error)
{
  const float *act = layer_activation (self, l);
  ImpProfileMark mark;
  ImpProfile *profile;
  gboolean ok;

  if (act == NULL)
    {
      Pass p = { .op = PASS_APPLY_MASK, .dst = grad, .bits = self->masks[l],
                 .n = (gsize) imp_vgg_layer_out_channels (l) * h * w };

      run_pass (self, &p);
    }
  profile = start_conv (self, l, TRUE, &mark);
  if (act != NULL)
    ok = imp_conv_backward_input_relu (self->set->convs[l], grad, act, h, w,
                                       grad_input, &self->scratch, self->parallel,
                                       cancellable, error);
  else
    ok = imp_conv_backward_input (self->set->convs[l], grad, h, w, grad_input, &self->scratch,
                                  self->parallel, cancellable, error);
  end_conv (profile, &mark);
  return ok;
}

/* Through the pool after layer @l: from *@other (the pool output's
 * gradient) to *@cur, the gradient of @l's output. Into block 1 that is
 * block 1's second work buffer, clear of the later pair (where *@other lies)
 * and of the kept maps, which backward has passed. */
static void
backward_pool (ImpVgg       *self,
               ImpVggLayer   l,
               float       **cur,
               float       **other)
{
  guint pw, ph, b = imp_vgg_layer_block (l);
  float *dst = b == 0 ? work_buffer (self, 0, 1) : *cur;
  Pass p = { .op = self->argmax[b] ? PASS_POOL_BACKWARD_ARGMAX : PASS_POOL_BACKWARD,
             .kind = self->pool, .act = self->acts[l], .src = *other, .dst = dst,
             .bits = self->argmax[b], .channels = imp_vgg_layer_out_channels (l) };

  imp_vgg_layer_size (self, l, &pw, &ph);
  p.height = ph;
  p.width = pw;
  run_pass (self, &p);
  *cur = dst;
  *other = other_work (self, b, dst);
}

static gboolean backward_from (ImpVgg *self, ImpVggLayer start, ImpVggGradientFunc func,
                               gpointer user_data, float *grad_image,
                               GCancellable *cancellable, GError **error);

/* The stored layer gradients as an ImpVggGradientFunc. */
static void
add_stored_gradient (ImpVgg      *self,
                     ImpVggLayer  layer,
                     float       *grad,
                     gpointer     user_data)
{
  (void) user_data;
  if (self->grads[layer] != NULL)
    add_into (grad, self->grads[layer], _imp_vgg_layer_floats (layer, self->width, self->height));
}

gboolean
imp_vgg_backward (ImpVgg        *self,
                  float         *grad_image,
                  GCancellable  *cancellable,
                  GError       **error)
{
  int start = (int) self->deepest;

  while (start >= 0 && self->grads[start] == NULL)
    start--;
  if (start < 0)
    {
      memset (grad_image, 0, (gsize) 3 * self->width * self->height * sizeof (float));
      return TRUE;
    }
  return backward_from (self, start, add_stored_gradient, NULL, grad_image, cancellable, error);
}

gboolean
imp_vgg_backward_with (ImpVgg              *self,
                       ImpVggGradientFunc   func,
                       gpointer             user_data,
                       float               *grad_image,
                       GCancellable        *cancellable,
                       GError             **error)
{
  g_return_val_if_fail (self->width > 0 && func != NULL, FALSE);
  return backward_from (self, self->deepest, func, user_data, grad_image, cancellable, error);
}

static gboolean
backward_from (ImpVgg              *self,
               ImpVggLayer          start,
               ImpVggGradientFunc   func,
               gpointer             user_data,
               float               *grad_image,
               GCancellable        *cancellable,
               GError             **error)
{
  float *cur = work_buffer (self, imp_vgg_layer_block (start), 0);
  float *other = work_buffer (self, imp_vgg_layer_block (start), 1);
  ImpProfile *profile = imp_parallel_get_profile (self->parallel);
  ImpProfileMark mark;

  /* the arena is overwritten from here on */
  self->first_act = NULL;
  memset (cur, 0, _imp_vgg_layer_floats (start, self->width, self->height) * sizeof (float));
  for (int l = start; l >= 0; l--)
    {
      guint w, h;

      imp_vgg_layer_size (self, l, &w, &h);
      /* the free buffer of the pair: block 1's second once pool1 is passed */
      if (l == IMP_CONV1_1 && self->recomputes_first &&
          !recompute_first (self, other, cancellable, error))
        return FALSE;
      imp_profile_start (profile, &mark);
      func (self, l, cur, user_data);
      imp_profile_add_stage (profile, IMP_PROFILE_LOSSES, &mark);
      if (!backward_layer (self, l, cur, h, w, l == 0 ? grad_image : other, cancellable, error))
        return FALSE;
      if (l == 0)
        break;
      if (imp_vgg_layer_pool_after (l - 1))
        backward_pool (self, l - 1, &cur, &other);
      else
        {
          float *t = cur;
          cur = other;
          other = t;
        }
    }
  unpreprocess_gradient (self, grad_image);
  return TRUE;
}

