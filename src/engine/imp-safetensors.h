/* imp-safetensors.h: the safetensors reader of the engine and of impasto-weights
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <sys/stat.h>

#include "imp-mapped-file.h"

G_BEGIN_DECLS

/* Errors about weights files, from this reader and from the loader built on
 * it (imp-weights.h). */
#define IMP_WEIGHTS_ERROR (imp_weights_error_quark ())

typedef enum
{
  IMP_WEIGHTS_ERROR_NOT_FOUND,   /* no weights file anywhere on the lookup path */
  IMP_WEIGHTS_ERROR_IO,          /* open/read failed, not a regular file, or changed while read */
  IMP_WEIGHTS_ERROR_TRUNCATED,
  IMP_WEIGHTS_ERROR_HEADER,      /* header length, nesting or JSON wrong; data section of another size */
  IMP_WEIGHTS_ERROR_TENSOR,      /* a tensor entry wrong, missing, overlapping, or NaN/Inf */
  IMP_WEIGHTS_ERROR_METADATA,
  IMP_WEIGHTS_ERROR_OVERFLOW,    /* finite weights whose features overflow float */
  IMP_WEIGHTS_ERROR_CHECKSUM,    /* sha256 other than the SHA256SUMS beside it lists */
} ImpWeightsError;

GQuark imp_weights_error_quark (void);

/* safetensors' own limit on the header. */
#define IMP_SAFETENSORS_MAX_HEADER (100u * 1024 * 1024)
/* A header is an object of objects holding arrays of numbers: three levels.
 * json-glib's parser recurses once per level, so a header nested 100000 deep
 * would exhaust the stack; it is refused before parsing. */
#define IMP_SAFETENSORS_MAX_DEPTH 16
#define IMP_SAFETENSORS_MAX_DIMS 8

typedef struct
{
  char    *name;
  char    *dtype;
  guint    n_dims;
  guint64  shape[IMP_SAFETENSORS_MAX_DIMS];
  guint64  n_elements;
  guint64  begin;        /* data_offsets, relative to the data section */
  guint64  end;
} ImpSafetensorsTensor;

typedef struct _ImpSafetensors ImpSafetensors;

/* Opens @path, which must be a regular file (a FIFO or a device is refused
 * without blocking), and reads and checks its header: the tensors' entries,
 * no key twice, and their byte ranges tiling the data section exactly, which
 * ends with the file. Reads no tensor data. Errors name the file. */
ImpSafetensors             *imp_safetensors_open              (const char            *path,
                                                               GError               **error);
void                        imp_safetensors_free              (ImpSafetensors        *self);

/* The file name for messages (UTF-8). */
const char                 *imp_safetensors_get_display_name  (ImpSafetensors        *self);
guint64                     imp_safetensors_get_file_size     (ImpSafetensors        *self);
guint64                     imp_safetensors_get_header_size   (ImpSafetensors        *self);
/* Tensors in header order (owned by @self). */
GPtrArray                  *imp_safetensors_get_tensors       (ImpSafetensors        *self);
const ImpSafetensorsTensor *imp_safetensors_lookup            (ImpSafetensors        *self,
                                                               const char            *name);
/* Whether the header has a __metadata__ object. */
gboolean                    imp_safetensors_has_metadata      (ImpSafetensors        *self);
/* __metadata__ keys and values in file order (owned by @self): strings as
 * they are, other values as JSON text. */
GPtrArray                  *imp_safetensors_get_meta_keys     (ImpSafetensors        *self);
GPtrArray                  *imp_safetensors_get_meta_values   (ImpSafetensors        *self);
/* A __metadata__ value that is a string, else NULL. */
const char                 *imp_safetensors_get_meta_string   (ImpSafetensors        *self,
                                                               const char            *key);

/* Bytes per element of a safetensors dtype, 0 for names it does not define. */
guint                       imp_safetensors_dtype_size        (const char            *dtype);
/* F64, F32, F16 and BF16: the dtypes imp_safetensors_to_float converts. */
gboolean                    imp_safetensors_dtype_is_float    (const char            *dtype);
/* @n little-endian elements of a floating-point @dtype to float32. */
void                        imp_safetensors_to_float          (const guint8          *raw,
                                                               const char            *dtype,
                                                               gsize                  n,
                                                               float                 *out);
/* One tensor, read from the file and converted to float32. */
float                      *imp_safetensors_read_float        (ImpSafetensors        *self,
                                                               const ImpSafetensorsTensor *tensor,
                                                               GError               **error);
/* The whole file mapped read-only, after checking that it still has the
 * size and the header that were checked; the data section starts at 8 + the
 * header size. A file cut short later reads as zeros and leaves the mapping
 * not intact (imp-mapped-file.h) instead of raising SIGBUS. */
ImpMappedFile              *imp_safetensors_map               (ImpSafetensors        *self,
                                                               GError               **error);
/* The file as it was opened (device, inode, size, times). */
const struct stat          *imp_safetensors_get_stat          (ImpSafetensors        *self);
/* Whether none of the @n little-endian elements of a floating-point @dtype
 * is NaN or infinite. */
gboolean                    imp_safetensors_all_finite        (const guint8          *raw,
                                                               const char            *dtype,
                                                               gsize                  n);

/* "[64,3,3,3]" */
char                       *imp_safetensors_shape_text        (const guint64         *shape,
                                                               guint                  n_dims);

/* FALSE with IMP_WEIGHTS_ERROR_IO saying what @mode is when it is not a
 * regular file ("not a regular file: it is a folder"). */
gboolean                    imp_safetensors_check_regular     (const char            *display,
                                                               guint                  mode,
                                                               GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpSafetensors, imp_safetensors_free)

G_END_DECLS
