/* imp-vgg.h: VGG19 features up to one layer, forward and input-gradient backward
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "imp-conv.h"
#include "imp-parallel.h"
#include "imp-pooling.h"
#include "imp-weights.h"

G_BEGIN_DECLS

typedef struct _ImpVgg ImpVgg;

/* The network conv1_1 .. @deepest. The weights' preprocessing (channel order,
 * scale, mean, std) is its fixed first step: the input is the planar RGB
 * image in pixel units (0..255). Its loops run on @parallel's threads (a
 * reference is kept; NULL: the calling thread alone). */
ImpVgg      *imp_vgg_new                (ImpWeights        *weights,
                                         ImpVggLayer        deepest,
                                         ImpPoolKind        pool,
                                         ImpConvAlgorithm   algorithm,
                                         ImpParallel       *parallel);
/* A network conv1_1 .. @deepest (at most @other's deepest) on the same
 * convolutions as @other, which are not prepared again (the Winograd
 * weights are large and slow to make): coarse-to-fine runs one network per
 * image size. Its buffers, size and threads are its own; @other may be freed
 * first. */
ImpVgg      *imp_vgg_new_sharing        (ImpVgg            *other,
                                         ImpVggLayer        deepest,
                                         ImpPoolKind        pool,
                                         ImpParallel       *parallel);
/* TRUE when @a and @b run on the same prepared convolutions (tests). */
gboolean     imp_vgg_shares_convolutions (ImpVgg           *a,
                                          ImpVgg           *b);
/* Whether imp_vgg_new_sharing (@other, @deepest, ...) can be called. */
gboolean     imp_vgg_can_share          (ImpVgg            *other,
                                         ImpVggLayer        deepest);
void         imp_vgg_free               (ImpVgg            *self);
/* Frees every buffer imp_vgg_set_size () allocated (and the layer
 * gradients); the prepared convolutions stay, for imp_vgg_new_sharing (). */
void         imp_vgg_free_buffers       (ImpVgg            *self);
ImpVggLayer  imp_vgg_get_deepest        (ImpVgg            *self);

/* Allocates every buffer for images of this size (again only when it
 * changes). FALSE when the image is too small to reach @deepest (each pool
 * halves it: at least 2^pools pixels per side). */
gboolean     imp_vgg_set_size           (ImpVgg            *self,
                                         guint              width,
                                         guint              height,
                                         GError           **error);
/* Spatial size of @layer's output (and of the pool after block @block). */
void         imp_vgg_layer_size         (ImpVgg            *self,
                                         ImpVggLayer        layer,
                                         guint             *width,
                                         guint             *height);

/* Runs the network on @image ([3, H, W], the set size) and keeps every
 * post-ReLU activation for backward. Checks @cancellable between layers and
 * between the convolution tiles. */
gboolean     imp_vgg_forward            (ImpVgg            *self,
                                         const float       *image,
                                         GCancellable      *cancellable,
                                         GError           **error);
/* Every layer's activation is kept (the default). */
#define IMP_VGG_KEEP_ALL G_MAXUINT32
/* Keeps the full activation only of the layers whose bit (1u << layer) is set
 * in @layers (those the losses read); of the others backward keeps only a
 * 1-bit ReLU mask and, before a max pool, the pool's arg-max (a byte a pooled
 * value), and forward writes their outputs into two reused work buffers, so
 * most of the network's activations need no memory of their own. Pools are
 * then not kept either; conv1_1's output (the largest map) is recomputed
 * when backward and the losses need it, and the kept maps after block 1 lie
 * in block 1's work buffers. Reallocates the buffers now if a size is set. */
void         imp_vgg_keep_activations   (ImpVgg            *self,
                                         guint32            layers);
/* imp_vgg_forward () up to @last only and without what backward needs (ReLU
 * masks, pool arg-maxes): for targets. The kept activations up to @last are
 * then valid; imp_vgg_backward () needs an imp_vgg_forward () first. */
gboolean     imp_vgg_forward_only       (ImpVgg            *self,
                                         const float       *image,
                                         ImpVggLayer        last,
                                         GCancellable      *cancellable,
                                         GError           **error);
/* Post-ReLU output of @layer from the last forward, [C, H, W], or NULL when
 * the layer is not kept (imp_vgg_keep_activations ()). With only some layers
 * kept, conv1_1's is recomputed here from the last input, and a backward
 * pass overwrites those after block 1 (they share memory with block 1's
 * work buffers) until the next forward. */
const float *imp_vgg_get_activation     (ImpVgg            *self,
                                         ImpVggLayer        layer);
/* Output of the pool after conv@block+1_x (0 = pool1), or NULL if not computed
 * or not kept. */
const float *imp_vgg_get_pool           (ImpVgg            *self,
                                         guint              block);

/* d loss / d (activation of @layer), the same shape, owned by @self: the
 * losses add into it. Allocated on first request for this size; only layers
 * requested take part in backward. */
float       *imp_vgg_get_layer_gradient (ImpVgg            *self,
                                         ImpVggLayer        layer);
void         imp_vgg_zero_gradients     (ImpVgg            *self);

/* Backpropagates the layer gradients to d loss / d image (pixel units,
 * [3, H, W], overwritten). */
gboolean     imp_vgg_backward           (ImpVgg            *self,
                                         float             *grad_image,
                                         GCancellable      *cancellable,
                                         GError           **error);

/* Adds d loss / d (activation of @layer) into @grad ([C, H, W] of @layer):
 * called once for every layer from the deepest down to conv1_1, when
 * backward reaches it, so the losses' gradients need no buffers of their own
 * (they would be the largest part of a large image's memory). */
typedef void (*ImpVggGradientFunc) (ImpVgg      *vgg,
                                    ImpVggLayer  layer,
                                    float       *grad,
                                    gpointer     user_data);

/* imp_vgg_backward () with the layer gradients from @func instead of
 * imp_vgg_get_layer_gradient ()'s buffers. */
gboolean     imp_vgg_backward_with      (ImpVgg             *self,
                                         ImpVggGradientFunc  func,
                                         gpointer            user_data,
                                         float              *grad_image,
                                         GCancellable       *cancellable,
                                         GError            **error);

/* Bytes imp_vgg_set_size() allocates for this size (activations, pools, work
 * buffers, the scratch of convolutions on @n_threads threads) plus the
 * convolutions' copies of the weights, for a network made with @algorithm.
 * Layer gradient buffers are not included (the caller knows which it asks for). */
guint64      imp_vgg_estimate_memory    (ImpVggLayer        deepest,
                                         ImpConvAlgorithm   algorithm,
                                         guint              n_threads,
                                         guint              width,
                                         guint              height);
/* The same with IMP_CONV_ALGORITHM_AUTO and only the layers in @kept kept
 * (imp_vgg_keep_activations ()). */
guint64      imp_vgg_estimate_memory_kept (ImpVggLayer      deepest,
                                           guint32          kept,
                                           ImpPoolKind      pool,
                                           guint            n_threads,
                                           guint            width,
                                           guint            height);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpVgg, imp_vgg_free)

G_END_DECLS
