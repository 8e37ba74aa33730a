/* imp-image-end.c: tells whether a PNG or JPEG stream reached its end marker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-image-end.h"

#include <string.h>

enum { FORMAT_UNDECIDED, FORMAT_PNG, FORMAT_JPEG, FORMAT_OTHER };

/* JPEG walker states */
enum
{
  JPEG_MARKER_FF,          /* expecting 0xFF that starts a marker */
  JPEG_MARKER_CODE,        /* after 0xFF */
  JPEG_LENGTH,             /* collecting a segment's 2-byte length */
  JPEG_SKIP,               /* inside a segment */
  JPEG_ENTROPY,            /* compressed data after SOS */
  JPEG_ENTROPY_FF,         /* 0xFF inside compressed data */
};

static const guint8 png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

void
imp_image_end_init (ImpImageEnd *self)
{
  memset (self, 0, sizeof *self);
}

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* PNG: signature, then chunks of length (4), type (4), data, CRC (4). The
 * header buffer collects each chunk's first 8 bytes. */
static gsize
png_step (ImpImageEnd  *self,
          const guint8 *data,
          gsize         length)
{
  gsize used;

  if (self->skip > 0)
    {
      used = (gsize) MIN (self->skip, length);
      if (self->in_ihdr && self->ihdr_fill < sizeof self->ihdr)
        {
          used = MIN (used, sizeof self->ihdr - self->ihdr_fill);
          memcpy (self->ihdr + self->ihdr_fill, data, used);
          self->ihdr_fill += used;
        }
      self->skip -= used;
      return used;
    }
  used = MIN (length, 8 - self->header_fill);
  memcpy (self->header + self->header_fill, data, used);
  self->header_fill += used;
  if (self->header_fill < 8)
    return used;
  self->header_fill = 0;
  if (!self->signature_done)
    {
      self->signature_done = TRUE;   /* checked when choosing the format */
      return used;
    }
  self->in_ihdr = memcmp (self->header + 4, "IHDR", 4) == 0;
  if (memcmp (self->header + 4, "IDAT", 4) == 0)
    self->idat_bytes += be32 (self->header);
  if (memcmp (self->header + 4, "IEND", 4) == 0)
    self->seen = TRUE;
  else if (memcmp (self->header + 4, "IDAT", 4) != 0
           && be32 (self->header) > IMP_IMAGE_END_MAX_PNG_CHUNK)
    self->oversized = be32 (self->header);
  self->skip = (guint64) be32 (self->header) + 4;
  return used;
}

static void
jpeg_marker (ImpImageEnd *self,
             guint8       code)
{
  if (code == 0xff)
    self->state = JPEG_MARKER_CODE;                 /* fill byte */
  else if (code == 0xd9)
    self->seen = TRUE;
  else if (code == 0xd8 || code == 0x01 || (code >= 0xd0 && code <= 0xd7))
    self->state = self->in_scan ? JPEG_ENTROPY : JPEG_MARKER_FF;
  else
    {
      self->marker = code;
      self->header_fill = 0;
      self->state = JPEG_LENGTH;
    }
}

static gsize
jpeg_step (ImpImageEnd  *self,
           const guint8 *data,
           gsize         length)
{
  const guint8 *ff;
  gsize used;

  switch (self->state)
    {
    case JPEG_MARKER_FF:
      if (data[0] == 0xff)
        self->state = JPEG_MARKER_CODE;
      return 1;
    case JPEG_MARKER_CODE:
      jpeg_marker (self, data[0]);
      return 1;
    case JPEG_LENGTH:
      self->header[self->header_fill++] = data[0];
      if (self->header_fill == 2)
        {
          guint segment = ((guint) self->header[0] << 8) | self->header[1];

          self->skip = segment >= 2 ? segment - 2 : 0;
          self->in_scan = self->marker == 0xda;      /* SOS: compressed data follows */
          self->state = JPEG_SKIP;
          if (self->skip == 0)
            self->state = self->in_scan ? JPEG_ENTROPY : JPEG_MARKER_FF;
        }
      return 1;
    case JPEG_SKIP:
      used = (gsize) MIN (self->skip, length);
      self->skip -= used;
      if (self->skip == 0)
        self->state = self->in_scan ? JPEG_ENTROPY : JPEG_MARKER_FF;
      return used;
    case JPEG_ENTROPY:
      ff = memchr (data, 0xff, length);
      if (ff == NULL)
        return length;
      self->state = JPEG_ENTROPY_FF;
      return (gsize) (ff - data) + 1;
    case JPEG_ENTROPY_FF:
      if (data[0] == 0x00 || (data[0] >= 0xd0 && data[0] <= 0xd7))
        self->state = JPEG_ENTROPY;
      else if (data[0] != 0xff)
        {
          self->in_scan = FALSE;
          jpeg_marker (self, data[0]);
        }
      return 1;
    default:
      g_assert_not_reached ();
    }
}

static void
choose_format (ImpImageEnd  *self,
               const guint8 *data,
               gsize         length)
{
  if (length >= 8 && memcmp (data, png_signature, 8) == 0)
    self->format = FORMAT_PNG;
  else if (length >= 2 && data[0] == 0xff && data[1] == 0xd8)
    {
      self->format = FORMAT_JPEG;
      self->state = JPEG_MARKER_FF;
    }
  else
    self->format = FORMAT_OTHER;
}

void
imp_image_end_feed (ImpImageEnd  *self,
                    const guint8 *data,
                    gsize         length)
{
  if (self->format == FORMAT_UNDECIDED && length > 0)
    choose_format (self, data, length);

  while (length > 0 && !self->seen && self->oversized == 0)
    {
      gsize used;

      if (self->format == FORMAT_PNG)
        used = png_step (self, data, length);
      else if (self->format == FORMAT_JPEG)
        used = jpeg_step (self, data, length);
      else
        return;
      data += used;
      length -= used;
    }
}

ImpImageEndState
imp_image_end_state (ImpImageEnd *self)
{
  if (self->format != FORMAT_PNG && self->format != FORMAT_JPEG)
    return IMP_IMAGE_END_UNKNOWN;
  return self->seen ? IMP_IMAGE_END_SEEN : IMP_IMAGE_END_MISSING;
}

guint32
imp_image_end_get_oversized_chunk (ImpImageEnd *self)
{
  return self->oversized;
}

/* Filtered scanline bytes of one (sub-)image: a filter byte per row. */
static guint64
scanline_bytes (guint64 width,
                guint64 height,
                guint   bits_per_pixel)
{
  if (width == 0 || height == 0)
    return 0;
  return height * (1 + (width * bits_per_pixel + 7) / 8);
}

static guint64
png_raw_bytes (const guint8 *ihdr)
{
  /* Adam7: first row, first column, row step, column step of each pass. */
  static const guint8 adam7[7][4] = {
    { 0, 0, 8, 8 }, { 0, 4, 8, 8 }, { 4, 0, 8, 4 }, { 0, 2, 4, 4 },
    { 2, 0, 4, 2 }, { 0, 1, 2, 2 }, { 1, 0, 2, 1 },
  };
  static const guint8 channels[7] = { 1, 0, 3, 1, 2, 0, 4 };
  guint64 width = be32 (ihdr), height = be32 (ihdr + 4);
  guint bpp = ihdr[8] * (ihdr[9] < 7 ? channels[ihdr[9]] : 0);
  guint64 total = 0;

  if (ihdr[12] == 0)
    return scanline_bytes (width, height, bpp);
  for (guint p = 0; p < 7; p++)
    {
      guint64 rows = 0, cols = 0;

      if (height > adam7[p][0])
        rows = (height - adam7[p][0] + adam7[p][2] - 1) / adam7[p][2];
      if (width > adam7[p][1])
        cols = (width - adam7[p][1] + adam7[p][3] - 1) / adam7[p][3];

      total += scanline_bytes (cols, rows, bpp);
    }
  return total;
}

gboolean
imp_image_end_lacks_data (ImpImageEnd *self)
{
  if (self->format != FORMAT_PNG || !self->seen || self->ihdr_fill < sizeof self->ihdr)
    return FALSE;
  /* 1032:1 is deflate's limit; the slack covers zlib's header and block ends. */
  return (self->idat_bytes + 64) * 1032 < png_raw_bytes (self->ihdr);
}

void
imp_image_end_get_png_size (ImpImageEnd *self,
                            guint       *width,
                            guint       *height)
{
  gboolean known = self->format == FORMAT_PNG && self->ihdr_fill >= sizeof self->ihdr;

  *width = known ? be32 (self->ihdr) : 0;
  *height = known ? be32 (self->ihdr + 4) : 0;
}
