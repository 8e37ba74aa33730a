/* imp-image-end.h: tells whether a PNG or JPEG stream reached its end marker,
 * and whether an image file can hold the pixels its header declares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* gdk-pixbuf's PNG and JPEG loaders accept a truncated file once the header was
 * read (the missing rows stay blank), so a cut download would look like an
 * image. This walks the stream's structure as it is fed, skipping segments by
 * their lengths (an EXIF thumbnail has markers of its own), and says whether
 * the end marker (PNG's IEND chunk, JPEG's EOI) came. Other formats: unknown. */
typedef enum
{
  IMP_IMAGE_END_UNKNOWN,      /* not PNG or JPEG: trust the decoder */
  IMP_IMAGE_END_MISSING,
  IMP_IMAGE_END_SEEN,
} ImpImageEndState;

typedef struct
{
  int      format;            /* 0 undecided, 1 PNG, 2 JPEG, 3 other */
  int      state;             /* JPEG: where in the marker structure */
  guint8   header[8];         /* PNG: a chunk's length and type; JPEG: a length */
  guint    header_fill;
  guint64  skip;              /* bytes left in the current chunk or segment */
  gboolean signature_done;    /* PNG */
  guint8   marker;            /* JPEG: the segment being read */
  gboolean in_scan;           /* JPEG: compressed data follows the segment */
  gboolean seen;
  guint32  oversized;         /* PNG: length of a refused chunk, or 0 */
  guint8   ihdr[13];          /* PNG: the header chunk's data */
  guint    ihdr_fill;
  gboolean in_ihdr;
  guint64  idat_bytes;        /* PNG: compressed image data seen */
  guint8   lead[54];          /* GIF, BMP: the file's first bytes (the headers) */
  guint    lead_fill;
  guint8   sof[5];            /* JPEG: the frame header's precision, height, width */
  guint    sof_fill;
  gboolean in_sof;
  gboolean arithmetic;        /* JPEG: arithmetic-coded frame */
  guint64  offset;            /* JPEG: bytes walked */
  guint64  scan_offset;       /* JPEG: where the first scan's data starts, or 0 */
  guint64  pnm_number[3];     /* PNM: width, height, maxval */
  guint    pnm_fields;        /* PNM: numbers complete */
  gboolean pnm_in_number;
  gboolean pnm_in_comment;
  gboolean pnm_header_done;
  gboolean pnm_unknown;       /* PNM: a header this walk does not follow */
  guint64  pnm_header_length;
  guint64  pnm_samples;       /* PNM, ASCII kinds: samples in the data so far */
  guint64  walked;            /* PNM, ICO: bytes seen */
  guint8   ico_entry[16];     /* ICO: the directory entry being read */
  guint    ico_seen;          /* ICO: directory entries read */
  guint64  ico_end;           /* ICO: where the furthest image's data ends */
} ImpImageEnd;

/* libpng's progressive reader keeps every chunk but IDAT whole in memory before
 * handling it, growing its buffer by copying: a file declaring a 2 GB text
 * chunk costs gigabytes and quadratic time. Real metadata chunks (ICC profiles,
 * EXIF, text) are far below this. */
#define IMP_IMAGE_END_MAX_PNG_CHUNK (16 * 1024 * 1024)

void             imp_image_end_init  (ImpImageEnd   *self);
void             imp_image_end_feed  (ImpImageEnd   *self,
                                      const guint8  *data,
                                      gsize          length);
ImpImageEndState imp_image_end_state (ImpImageEnd   *self);
/* The length of a PNG chunk other than IDAT beyond IMP_IMAGE_END_MAX_PNG_CHUNK
 * once its header was fed (refuse the file), else 0. */
guint32          imp_image_end_get_oversized_chunk (ImpImageEnd *self);
/* For a PNG whose end was seen: whether its image data is too short to hold
 * the declared pixels even at deflate's best ratio (1032:1). gdk-pixbuf leaves
 * the missing rows blank, so a 9999x9999 header with a few bytes of data would
 * pass as a picture after filling and scaling 300 MB. */
gboolean         imp_image_end_lacks_data (ImpImageEnd *self);
/* The PNG header's width and height once seen, else 0x0. */
void             imp_image_end_get_png_size (ImpImageEnd *self,
                                             guint       *width,
                                             guint       *height);

/* Below this many declared pixels no plausibility bound applies: decoding a
 * lying header of that size costs at most 16 MB (RGBA) and a fraction of a
 * second, and real files come close to the bounds there (a GIF canvas with a
 * small frame, a flat JPEG). */
#define IMP_IMAGE_END_PLAUSIBLE_PIXELS (4u * 1024 * 1024)

/* For GIF, BMP, JPEG, PNM and ICO once their headers were fed: whether a file of
 * @total_length bytes is too short to hold the pixels the header declares,
 * even at the format's best compression. gdk-pixbuf allocates the declared
 * size when it reads the header (BMP, JPEG) or the first frame (GIF) and
 * leaves what the data does not cover blank, so a 9999x9999 header with a few
 * bytes of data costs gigabytes and seconds and then passes as a picture.
 * PNM and ICO loaders leave a cut file's missing rows black as well: a PNM's
 * data has a size its header fixes (a lower bound for the ASCII kinds), an
 * ICO's directory says where each image's data ends. Ask
 * with the file's expected length before feeding the decoder, and with the
 * length actually read before accepting the result. */
gboolean         imp_image_end_cannot_fill (ImpImageEnd *self,
                                            guint64      total_length);
/* The declared width and height of any format above once its header was
 * seen, else 0x0. */
void             imp_image_end_get_size    (ImpImageEnd *self,
                                            guint       *width,
                                            guint       *height);

G_END_DECLS
