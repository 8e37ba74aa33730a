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
