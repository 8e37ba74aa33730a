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
 * convolution tensors and nothing else, then maps the file. A file that a
 * SHA256SUMS beside it lists must have that sha256 (IMP_WEIGHTS_ERROR_CHECKSUM
 * otherwise); it is hashed and its values checked once, then remembered by its
 * device, inode, size and times until it changes (imp-weights-record.h). Any
 * other file has its values checked at every load. Errors name the file. */
ImpWeights          *imp_weights_load           (const char        *path,
                                                 GError           **error);
/* The same, stopping with G_IO_ERROR_CANCELLED within a few milliseconds of
 * @cancellable being cancelled. */
ImpWeights          *imp_weights_load_cancellable (const char      *path,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
/* The same, hashing a listed file even when it was verified before
 * (impasto-weights verify). */
ImpWeights          *imp_weights_load_verifying (const char        *path,
                                                 GError           **error);
ImpWeights          *imp_weights_ref            (ImpWeights        *self);
void                 imp_weights_unref          (ImpWeights        *self);

const char          *imp_weights_get_path       (ImpWeights        *self);
const ImpPreprocess *imp_weights_get_preprocess (ImpWeights        *self);
/* OIHW float32 kernel [out, in, 3, 3] and bias [out], owned by @self. */
const float         *imp_weights_get_kernel     (ImpWeights        *self,
                                                 ImpVggLayer        layer);
const float         *imp_weights_get_bias       (ImpWeights        *self,
                                                 ImpVggLayer        layer);
/* Hex sha256 of the whole file: the verified one, or for a file no
 * SHA256SUMS lists, computed at the first call. */
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

/* FALSE with IMP_WEIGHTS_ERROR_IO naming the file when it was cut short
 * since it was mapped: what was read of it since then is zeros, not the
 * weights. Asked after the convolutions are prepared from it. */
gboolean             imp_weights_check_intact   (ImpWeights        *self,
                                                 GError           **error);

/* The convolutions are prepared and the file's pages are not needed any
 * more: they leave the process's resident memory (the page cache keeps
 * them for the next session, which maps them again). */
void                 imp_weights_release_pages  (ImpWeights        *self);

/* The sha256 that a SHA256SUMS file beside @path lists for its name, or NULL. */
char                *imp_weights_listed_sha256  (const char        *path);

/* The lookup order of the application and the CLI (weights/README.md):
 * @explicit_path, $IMPASTO_WEIGHTS, $XDG_DATA_HOME/impasto/weights/vgg19-conv.safetensors,
 * $datadir/impasto/weights/..., the build tree. Returns the first existing path
 * or NULL with IMP_WEIGHTS_ERROR_NOT_FOUND saying where it looked. */
char                *imp_weights_find           (const char        *explicit_path,
                                                 GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpWeights, imp_weights_unref)

G_END_DECLS
