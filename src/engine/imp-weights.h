/* imp-weights.h: VGG19 convolution weights from a safetensors file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "imp-safetensors.h"
#include "imp-vgg-layers.h"

G_BEGIN_DECLS

/* How the network expects its input, from the file's __metadata__.
 * network_input[c] = (pixel[c] / 255 * scale - mean[c]) / std[c], for the channel
 * order the weights expect (pixel units in, see docs/algorithm.md). */
typedef struct
{
  gboolean bgr;        /* the first layer expects BGR (the engine converts) */
  double   scale;      /* input_scale: 255 for Caffe/Keras weights, 1 for torchvision */
  double   mean[3];    /* in the weights' channel order, on the input_scale scale */
  double   std[3];
} ImpPreprocess;

typedef struct _ImpWeights ImpWeights;

/* Checks the header (imp_safetensors_open ()), then that it holds VGG19's 32
 * convolution tensors and nothing else, then reads the file whole (no mmap: a
 * file truncated by someone else must not crash us) and checks every value.
 * Errors name the file. */
ImpWeights          *imp_weights_load           (const char        *path,
                                                 GError           **error);
/* The same, stopping with G_IO_ERROR_CANCELLED within a few milliseconds of
 * @cancellable being cancelled. */
ImpWeights          *imp_weights_load_cancellable (const char      *path,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
ImpWeights          *imp_weights_ref            (ImpWeights        *self);
void                 imp_weights_unref          (ImpWeights        *self);

const char          *imp_weights_get_path       (ImpWeights        *self);
const ImpPreprocess *imp_weights_get_preprocess (ImpWeights        *self);
/* OIHW float32 kernel [out, in, 3, 3] and bias [out], owned by @self. */
const float         *imp_weights_get_kernel     (ImpWeights        *self,
                                                 ImpVggLayer        layer);
const float         *imp_weights_get_bias       (ImpWeights        *self,
                                                 ImpVggLayer        layer);
/* Hex sha256 of the whole file, computed on a thread of its own from the
 * load on (the first call waits for it). */
const char          *imp_weights_get_sha256     (ImpWeights        *self);

/* Weights from memory (tests, converters): @kernels and @biases hold
 * IMP_N_VGG_LAYERS pointers each, copied; layers from the first NULL on are
 * absent (a network may only use the layers before it). No checks beyond
 * the shapes implied by VGG19. */
ImpWeights          *imp_weights_new_from_data  (const float * const *kernels,
                                                 const float * const *biases,
                                                 const ImpPreprocess *preprocess);

/* FALSE with IMP_WEIGHTS_ERROR_OVERFLOW naming @self's file when any of the
 * @n features computed at @layer from the style image (@style) or the
 * content image is NaN or infinite: finite weights too large for the
 * network, found where a session starts, before any iteration. */
gboolean             imp_weights_check_features (ImpWeights        *self,
                                                 const float       *features,
                                                 gsize              n,
                                                 ImpVggLayer        layer,
                                                 gboolean           style,
                                                 GError           **error);

/* The lookup order of the application and the CLI (weights/README.md):
 * @explicit_path, $IMPASTO_WEIGHTS, $XDG_DATA_HOME/impasto/weights/vgg19-conv.safetensors,
 * $datadir/impasto/weights/..., the build tree. Returns the first existing path
 * or NULL with IMP_WEIGHTS_ERROR_NOT_FOUND saying where it looked. */
char                *imp_weights_find           (const char        *explicit_path,
                                                 GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpWeights, imp_weights_unref)

G_END_DECLS
