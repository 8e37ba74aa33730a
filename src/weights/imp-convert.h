/* imp-convert.h: VGG19 weights from Keras HDF5 and torchvision files into
 * Impasto's safetensors format (weights/README.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "engine/imp-vgg-layers.h"

G_BEGIN_DECLS

#define IMP_CONVERT_ERROR (imp_convert_error_quark ())

typedef enum
{
  IMP_CONVERT_ERROR_INPUT,     /* input missing, unreadable, or not the expected file type */
  IMP_CONVERT_ERROR_FORMAT,    /* the file type is right but its structure is not */
  IMP_CONVERT_ERROR_LAYER,     /* a VGG19 layer or one of its tensors is missing or unknown */
  IMP_CONVERT_ERROR_SHAPE,     /* a tensor has the wrong shape or element type */
  IMP_CONVERT_ERROR_VALUE,     /* NaN or infinity in a tensor */
  IMP_CONVERT_ERROR_OUTPUT,    /* the output file could not be written */
} ImpConvertError;

/* How the network expects its input, written into __metadata__. */
typedef enum
{
  IMP_INPUT_CAFFE,        /* RGB (after the flip), 0..255 minus the ImageNet mean, std 1 */
  IMP_INPUT_TORCHVISION,  /* RGB, 0..1, (x - mean) / std */
} ImpInputConvention;

/* The metadata keys, in the order they are written (the development file's order). */
#define IMP_N_METADATA_KEYS 8
extern const char * const imp_metadata_keys[IMP_N_METADATA_KEYS];

/* The 16 VGG19 convolutions in Impasto's layout: kernel OIHW [out, in, 3, 3] with
 * conv1_1's input channels in RGB order, bias [out], float32 host order. */
typedef struct
{
  float *kernel[IMP_N_VGG_LAYERS];
  float *bias[IMP_N_VGG_LAYERS];
  char  *metadata[IMP_N_METADATA_KEYS];   /* values for imp_metadata_keys */
} ImpWeightSet;

GQuark        imp_convert_error_quark        (void);

ImpWeightSet *imp_weight_set_new             (void);
void          imp_weight_set_free            (ImpWeightSet       *self);
gsize         imp_weight_set_kernel_size     (ImpVggLayer         layer);
/* Fills the metadata for @convention; @source is the provenance sentence. */
void          imp_weight_set_set_metadata    (ImpWeightSet       *self,
                                              ImpInputConvention  convention,
                                              const char         *source);
/* Every tensor present and finite; errors name @path and the tensor. */
gboolean      imp_weight_set_check           (const ImpWeightSet *self,
                                              const char         *path,
                                              GError            **error);
/* FALSE with IMP_CONVERT_ERROR_VALUE naming @path and @tensor on a NaN or infinity. */
gboolean      imp_check_finite               (const float        *data,
                                              gsize               n,
                                              const char         *path,
                                              const char         *tensor,
                                              GError            **error);
/* Writes a safetensors file atomically (temporary file in the same folder, then
 * rename): @path is either untouched or complete. */
gboolean      imp_weight_set_write           (const ImpWeightSet *self,
                                              const char         *path,
                                              GError            **error);

/* Keras HDF5 (root attribute layer_names, per-layer weight_names; both the
 * original blockN_convM_W_1:0 and the newer blockN_convM/kernel:0 layouts):
 * HWIO -> OIHW, conv1_1 BGR -> RGB, Caffe preprocessing. */
ImpWeightSet *imp_weight_set_from_keras_h5   (const char         *path,
                                              GError            **error);
/* torchvision vgg19 state dict as safetensors (features.N.weight/bias, OIHW, RGB),
 * torchvision preprocessing. F32, F16, BF16 and F64 tensors are accepted. */
ImpWeightSet *imp_weight_set_from_torchvision (const char        *path,
                                               GError           **error);

/* Lowercase hex sha256 of the whole file. */
char         *imp_file_sha256                (const char         *path,
                                              GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpWeightSet, imp_weight_set_free)

/* @reader_error, from the engine's safetensors reader, as an
 * IMP_CONVERT_ERROR with the same message. */
void          imp_convert_error_from_reader  (GError             *reader_error,
                                              GError            **error);


G_END_DECLS
