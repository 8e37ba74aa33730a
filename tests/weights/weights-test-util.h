/* weights-test-util.h: synthetic weights files for the weights tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "engine/imp-vgg-layers.h"

#include "test-util.h"

G_BEGIN_DECLS

/* A cheap deterministic value in [-0.01, 0.01], different for neighbouring
 * indices, so any misplaced element shows. */
float        test_pattern         (guint        layer,
                                   gsize        index,
                                   gboolean     bias);

/* Kernels and biases of all 16 layers in one layout. */
typedef struct
{
  float *kernel[IMP_N_VGG_LAYERS];
  float *bias[IMP_N_VGG_LAYERS];
} TestTensors;

void         test_tensors_free    (TestTensors *tensors);
gsize        test_kernel_size     (guint        layer);
/* Keras layout: HWIO [3,3,in,out], conv1_1 input channels BGR, from test_pattern
 * (by HWIO index). */
TestTensors *test_tensors_keras_pattern (void);
/* torchvision layout: OIHW, RGB, from test_pattern (by OIHW index). */
TestTensors *test_tensors_oihw_pattern  (void);

typedef enum
{
  TEST_KERAS_ORIGINAL,   /* blockN_convM_W_1:0 and _b_1:0 in the layer group */
  TEST_KERAS_NEWER,      /* blockN_convM/kernel:0 and /bias:0 in a subgroup */
} TestKerasLayout;

typedef struct
{
  TestKerasLayout layout;
  guint    n_layers;          /* write conv layers 0 .. n_layers-1 (0 = all 16) */
  gboolean variable_strings;  /* attributes as variable-length strings */
  gboolean bias_first;        /* weight_names lists the bias before the kernel */
  gint     skip_layer;        /* -1, or a layer left out entirely */
  gint     wrong_shape_layer; /* -1, or a layer whose kernel has half its outputs */
  gint     theano_layer;      /* -1, or a layer whose kernel is written OIHW */
  gint     dangling_layer;    /* -1, or a layer whose weight_names names a missing dataset */
  gboolean no_layer_names;
  gboolean chunked_names;     /* layer_names split into layer_names0, layer_names1 */
  gboolean model_group;       /* everything under /model_weights (a whole saved model) */
} TestKerasSpec;

void         test_keras_spec_init (TestKerasSpec     *spec,
                                   TestKerasLayout    layout);
/* Writes a Keras weights HDF5 file from HWIO @tensors; aborts the test on
 * HDF5 failure. */
void         test_write_keras_h5  (const char        *path,
                                   const TestKerasSpec *spec,
                                   const TestTensors *tensors);

/* Writes a torchvision-style safetensors file (features.N.weight/bias, plus an
 * unrelated classifier tensor) with an independent minimal writer. When
 * @f16_bias0 is TRUE features.0.bias is stored as F16 (values must be exact). */
void         test_write_torchvision (const char      *path,
                                     const TestTensors *tensors,
                                     gint             skip_layer,
                                     gint             wrong_shape_layer,
                                     gboolean         f16_bias0);

/* The absolute path of a program in the build tree or a file in the source
 * tree, from IMPASTO_BUILD_DIR / IMPASTO_SOURCE_DIR; NULL when unset. */
char        *test_build_path      (const char        *relative);
char        *test_source_path     (const char        *relative);

/* Runs @argv, returns the exit status, stores stdout/stderr. */
int          test_run             (const char * const *argv,
                                   const char * const *envp,
                                   char             **out,
                                   char             **err);

/* Number of entries in @dir (0 if it does not exist). */
guint        test_count_entries   (const char        *dir);

G_END_DECLS
