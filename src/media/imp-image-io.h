/* imp-image-io.h: reading and writing images files (gdk-pixbuf)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "engine/imp-image.h"

G_BEGIN_DECLS

#define IMP_IMAGE_IO_ERROR (imp_image_io_error_quark ())

typedef enum
{
  IMP_IMAGE_IO_ERROR_UNREADABLE,   /* missing, unreadable, corrupt, truncated, not an image */
  IMP_IMAGE_IO_ERROR_TOO_LARGE,    /* declared size beyond what we accept */
  IMP_IMAGE_IO_ERROR_EMPTY,        /* 0x0 */
  IMP_IMAGE_IO_ERROR_FORMAT,       /* output extension not .png/.jpg/.jpeg */
  IMP_IMAGE_IO_ERROR_WRITE,
} ImpImageIoError;

/* Images declaring more pixels than this are refused before decoding: most
 * decoders (PNG among them) allocate the full declared size before any scaling. */
#define IMP_IMAGE_IO_MAX_PIXELS (100 * 1000 * 1000)
/* Reading stops here, so an endless or growing file cannot keep us reading. */
#define IMP_IMAGE_IO_MAX_BYTES  (G_GUINT64_CONSTANT (512) * 1024 * 1024)

GQuark    imp_image_io_error_quark (void);

/* Loads any format gdk-pixbuf reads (regular files only; no device, FIFO or
 * folder, through symlinks neither), applies EXIF orientation, converts grey,
 * alpha (composited on white), 16-bit and CMYK to RGB. Images whose longer side
 * exceeds @max_side (0 = no limit) are scaled down: JPEG while decoding, other
 * formats after decoding at most IMP_IMAGE_IO_MAX_PIXELS. Refused with an error
 * naming the file, before the decoder allocates anything of the declared size:
 * more pixels than that limit (TOO_LARGE), 0x0 (EMPTY), and (UNREADABLE)
 * missing, unreadable, corrupt or truncated files, PNGs whose data cannot fill
 * their declared size or with oversized metadata, GIF, BMP and Huffman-coded
 * JPEG files too short for their declared size at the format's best
 * compression (see imp_image_end_cannot_fill()), more than
 * IMP_IMAGE_IO_MAX_BYTES. A 1x1 image is fine. */
ImpImage *imp_image_io_load        (const char      *path,
                                    guint            max_side,
                                    GError         **error);
ImpImage *imp_image_io_load_bytes  (GBytes          *bytes,
                                    guint            max_side,
                                    GError         **error);

/* The size @path's header declares, read without decoding any pixel (a few
 * megabytes at most), refused as imp_image_io_load() would refuse it (no
 * regular file, no image, beyond the pixel limit). 0x0 when the format tells
 * its size only with the pixels (TIFF). Before EXIF orientation. */
gboolean  imp_image_io_read_size   (const char      *path,
                                    guint           *width,
                                    guint           *height,
                                    GError         **error);

/* PNG or JPEG by @path's extension; written to a temporary file beside @path and
 * renamed over it only when complete, so an existing file survives any failure. */
gboolean  imp_image_io_save        (const ImpImage  *image,
                                    const char      *path,
                                    GError         **error);

G_END_DECLS
