/* imp-image-end.c: tells whether a PNG or JPEG stream reached its end marker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-image-end.h"

#include <string.h>

enum
{
  FORMAT_UNDECIDED, FORMAT_PNG, FORMAT_JPEG, FORMAT_OTHER, FORMAT_GIF, FORMAT_BMP,
  FORMAT_PNM, FORMAT_ICO,
};

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

/* Start of frame: 0xC0-0xCF but DHT (C4), JPG (C8) and DAC (CC). The first
 * one is the image's; an EXIF thumbnail's sits inside APP1, skipped whole. */
static gboolean
is_sof (guint8 marker)
{
  return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
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
          if (self->in_scan && self->scan_offset == 0)
            self->scan_offset = self->offset + 1 + self->skip;
          self->in_sof = is_sof (self->marker) && self->sof_fill == 0;
          if (self->in_sof)
            self->arithmetic = self->marker >= 0xc9;
          self->state = JPEG_SKIP;
          if (self->skip == 0)
            self->state = self->in_scan ? JPEG_ENTROPY : JPEG_MARKER_FF;
        }
      return 1;
    case JPEG_SKIP:
      used = (gsize) MIN (self->skip, length);
      if (self->in_sof && self->sof_fill < sizeof self->sof)
        {
          used = MIN (used, sizeof self->sof - self->sof_fill);
          memcpy (self->sof + self->sof_fill, data, used);
          self->sof_fill += used;
        }
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

static guint32
le16 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8);
}

static guint32
le32 (const guint8 *p)
{
  return le16 (p) | (le16 (p + 2) << 16);
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
  else if (length >= 6 && (memcmp (data, "GIF87a", 6) == 0 || memcmp (data, "GIF89a", 6) == 0))
    self->format = FORMAT_GIF;
  else if (length >= 2 && data[0] == 'B' && data[1] == 'M')
    self->format = FORMAT_BMP;
  else if (length >= 2 && data[0] == 'P' && data[1] >= '1' && data[1] <= '6')
    self->format = FORMAT_PNM;
  else if (length >= 4 && data[0] == 0 && data[1] == 0 && (data[2] == 1 || data[2] == 2) &&
           data[3] == 0)
    self->format = FORMAT_ICO;   /* icon or cursor */
  else
    self->format = FORMAT_OTHER;
}

/* Numbers PNM's header holds: width, height and, but for bitmaps, maxval. */
static guint
pnm_header_fields (guint8 kind)
{
  return kind == '1' || kind == '4' ? 2 : 3;
}

/* One byte of a PNM header after the magic: numbers separated by whitespace
 * and # comments; the data starts after the one whitespace byte that ends
 * the last number. */
static void
pnm_header_byte (ImpImageEnd *self,
                 guint8       c)
{
  guint64 *number = &self->pnm_number[MIN (self->pnm_fields, 2)];

  if (self->pnm_in_comment)
    self->pnm_in_comment = c != '\n' && c != '\r';
  else if (c >= '0' && c <= '9')
    {
      if (!self->pnm_in_number)
        *number = 0;
      self->pnm_in_number = TRUE;
      *number = MIN (*number * 10 + (c - '0'), G_MAXUINT32);
    }
  else if (self->pnm_in_number && g_ascii_isspace (c))
    {
      self->pnm_in_number = FALSE;
      self->pnm_header_done = ++self->pnm_fields == pnm_header_fields (self->lead[1]);
    }
  else if (c == '#' && !self->pnm_in_number)
    self->pnm_in_comment = TRUE;
  else if (!g_ascii_isspace (c))
    self->pnm_unknown = TRUE;
}

static gboolean
pnm_is_ascii (ImpImageEnd *self)
{
  return self->lead[1] <= '3';
}

/* The ASCII kinds' samples: single digits in P1, numbers in P2 and P3. */
static void
pnm_count_samples (ImpImageEnd  *self,
                   const guint8 *data,
                   gsize         length)
{
  gboolean bitmap = self->lead[1] == '1';

  for (gsize i = 0; i < length; i++)
    {
      gboolean digit = data[i] >= '0' && data[i] <= '9';

      if (self->pnm_in_comment)
        self->pnm_in_comment = data[i] != '\n' && data[i] != '\r';
      else if (data[i] == '#')
        self->pnm_in_comment = TRUE;
      else if (digit && (bitmap || !self->pnm_in_number))
        self->pnm_samples++;
      self->pnm_in_number = digit;
    }
}

static void
pnm_feed (ImpImageEnd  *self,
          const guint8 *data,
          gsize         length)
{
  gsize i = 0;

  for (; i < length && !self->pnm_header_done && !self->pnm_unknown; i++)
    {
      if (++self->walked > 2)
        pnm_header_byte (self, data[i]);
    }
  if (self->pnm_header_done && self->pnm_header_length == 0)
    {
      self->pnm_header_length = self->walked;
      self->pnm_in_number = FALSE;
    }
  if (self->pnm_header_done && pnm_is_ascii (self))
    pnm_count_samples (self, data + i, length - i);
  self->walked += length - i;
}

/* ICO: a 6-byte header whose last field counts the 16-byte directory entries
 * that follow; each entry ends with its image's size and offset. */
static void
ico_feed (ImpImageEnd  *self,
          const guint8 *data,
          gsize         length)
{
  for (gsize i = 0; i < length; i++, self->walked++)
    {
      guint64 at = self->walked;
      guint count = self->lead_fill >= 6 ? le16 (self->lead + 4) : 0;

      if (at < 6)
        continue;
      if (at >= 6 + 16 * (guint64) count)
        {
          self->walked += length - i;
          return;
        }
      self->ico_entry[(at - 6) % 16] = data[i];
      if ((at - 6) % 16 == 15)
        {
          self->ico_end = MAX (self->ico_end, (guint64) le32 (self->ico_entry + 12) +
                                              le32 (self->ico_entry + 8));
          self->ico_seen++;
        }
    }
}

/* GIF and BMP: their headers sit at fixed places in the first bytes. */
static void
lead_feed (ImpImageEnd  *self,
           const guint8 *data,
           gsize         length)
{
  gsize used = MIN (length, sizeof self->lead - self->lead_fill);

  memcpy (self->lead + self->lead_fill, data, used);
  self->lead_fill += used;
}

void
imp_image_end_feed (ImpImageEnd  *self,
                    const guint8 *data,
                    gsize         length)
{
  if (self->format == FORMAT_UNDECIDED && length > 0)
    choose_format (self, data, length);
  if (self->format == FORMAT_GIF || self->format == FORMAT_BMP || self->format == FORMAT_PNM ||
      self->format == FORMAT_ICO)
    {
      lead_feed (self, data, length);
      if (self->format == FORMAT_PNM)
        pnm_feed (self, data, length);
      else if (self->format == FORMAT_ICO)
        ico_feed (self, data, length);
      return;
    }

  while (length > 0 && !self->seen && self->oversized == 0)
    {
      gsize used;

      if (self->format == FORMAT_PNG)
        used = png_step (self, data, length);
      else if (self->format == FORMAT_JPEG)
        {
          used = jpeg_step (self, data, length);
          self->offset += used;
        }
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

/* BMP: file header (14 bytes), then the info header whose first field is its
 * size: 12 (OS/2 1.x, 16-bit sides) or 40 and up (32-bit sides, the height
 * negative for top-down rows, then planes, bits per pixel, compression). */
static gboolean
bmp_header (ImpImageEnd *self,
            guint64     *width,
            guint64     *height,
            guint       *bpp,
            guint       *compression)
{
  const guint8 *info = self->lead + 14;
  gint32 h;

  if (self->lead_fill < 26)
    return FALSE;
  if (le32 (info) == 12)
    {
      *width = le16 (info + 4);
      *height = le16 (info + 6);
      *bpp = le16 (info + 10);
      *compression = 0;
      return TRUE;
    }
  if (le32 (info) < 40 || self->lead_fill < 34)
    return FALSE;
  *width = le32 (info + 4);
  h = (gint32) le32 (info + 8);
  *height = h < 0 ? (guint64) -(gint64) h : (guint64) h;
  *bpp = le16 (info + 14);
  *compression = le32 (info + 16);
  return TRUE;
}

/* Uncompressed rows are padded to 4 bytes; the last one may lack its
 * padding in some writers. Run-length (RLE8, RLE4): a run codes at most 255
 * pixels in 2 bytes, so 128 pixels a byte is beyond any real file (the delta
 * and end-of-bitmap escapes could skip more, leaving those pixels undefined:
 * no encoder writes a picture that way). */
static gboolean
bmp_cannot_fill (ImpImageEnd *self,
                 guint64      total_length)
{
  guint64 width, height, header_end, data_bytes;
  guint bpp, compression;

  /* gdk-pixbuf reads the info header into a buffer of the size it declares
   * (a 0x02ffffff one made it ask for 4 GB, found by .ci/fuzz): only the
   * sizes of real headers, 12 (OS/2 1.x) to 124 (V5), and within the file. */
  if (self->lead_fill >= 18
      && (le32 (self->lead + 14) < 12 || le32 (self->lead + 14) > 124
          || 14 + (guint64) le32 (self->lead + 14) > total_length))
    return TRUE;
  /* The same for the palette, whose entry count (from a 40-byte header on) it
   * allocates as declared: 0xf7000010 entries asked for 3.7 GB. */
  if (self->lead_fill >= 54 && le32 (self->lead + 14) >= 40
      && 14 + (guint64) le32 (self->lead + 14) + 4 * (guint64) le32 (self->lead + 46) > total_length)
    return TRUE;
  /* And for the pixel data's offset (bytes 10-13), up to which it buffers the
   * file: an offset of 0xd1000076 made it ask for 3.5 GB (.ci/fuzz). */
  if (self->lead_fill >= 14 && le32 (self->lead + 10) > total_length)
    return TRUE;
  if (!bmp_header (self, &width, &height, &bpp, &compression) || width == 0 || height == 0)
    return FALSE;
  /* Sides of 2^24 and more need more than any file holds, and the sums
   * below stay far from overflowing. */
  if (width >= 1u << 24 || height >= 1u << 24)
    return TRUE;
  header_end = 14 + (guint64) le32 (self->lead + 14);
  data_bytes = total_length > header_end ? total_length - header_end : 0;
  if ((compression == 0 || compression == 3 || compression == 6) && bpp > 0 && bpp <= 64)
    {
      guint64 stride = (width * bpp + 31) / 32 * 4;

      return data_bytes < stride * (height - 1) + (width * bpp + 7) / 8;
    }
  if (compression == 1 || compression == 2)
    return width * height > IMP_IMAGE_END_PLAUSIBLE_PIXELS
           && width * height > (data_bytes + 64) * 128;
  return FALSE;                /* embedded JPEG or PNG: their own decoders check */
}

void
imp_image_end_get_size (ImpImageEnd *self,
                        guint       *width,
                        guint       *height)
{
  guint64 w = 0, h = 0;
  guint bpp, compression;

  if (self->format == FORMAT_PNG)
    {
      imp_image_end_get_png_size (self, width, height);
      return;
    }
  if (self->format == FORMAT_GIF && self->lead_fill >= 10)
    {
      w = le16 (self->lead + 6);
      h = le16 (self->lead + 8);
    }
  else if (self->format == FORMAT_BMP && bmp_header (self, &w, &h, &bpp, &compression))
    ;
  else if (self->format == FORMAT_PNM && self->pnm_fields >= 2)
    {
      w = self->pnm_number[0];
      h = self->pnm_number[1];
    }
  else if (self->format == FORMAT_JPEG && self->sof_fill == sizeof self->sof)
    {
      h = ((guint) self->sof[1] << 8) | self->sof[2];
      w = ((guint) self->sof[3] << 8) | self->sof[4];
    }
  *width = (guint) MIN (w, G_MAXUINT);
  *height = (guint) MIN (h, G_MAXUINT);
}

/* Best ratios, pixels per byte of the whole file:
 * - GIF: LZW codes are at most 12 bits and one code stands for a string of at
 *   most 4096 pixels, so 4096 pixels per 1.5 bytes: 2731. The logical screen
 *   is what gdk-pixbuf allocates, the frames are composited onto it.
 * - JPEG, Huffman-coded: every 8x8 block of every component needs at least a
 *   DC code of one bit (progressive: end-of-band runs make the AC scans nearly
 *   free), and with 4x4 luma sampling the luma blocks alone are one per 64
 *   pixels: 512 pixels a byte; 1024 leaves room for what we missed. Only
 *   bytes from the first scan on count, so padding the headers (an APP
 *   segment) does not buy a larger lie; the decoder allocates at that scan.
 *   Arithmetic coding has no such floor (a flat block costs a fraction of a
 *   bit): not bounded here, the end marker check still refuses it cut short. */
/* The bytes a PNM's data needs: exact for the binary kinds (P4-P6), a lower
 * bound for the ASCII ones (a digit per sample, and P2/P3 separate them). */
static gboolean
pnm_cannot_fill (ImpImageEnd *self,
                 guint64      total_length)
{
  guint64 width = self->pnm_number[0], height = self->pnm_number[1], samples, need;
  guint bytes_per_sample = self->pnm_number[2] > 255 ? 2 : 1;
  guint8 kind = self->lead[1];

  if (!self->pnm_header_done || self->pnm_unknown || width == 0 || height == 0)
    return FALSE;
  /* beyond any file; keeps the products below from overflowing */
  if (width >= 1u << 24 || height >= 1u << 24)
    return TRUE;
  samples = width * height * (kind == '3' || kind == '6' ? 3 : 1);
  /* the ASCII kinds once all of the file was walked: their samples counted */
  if (pnm_is_ascii (self) && self->walked == total_length)
    return self->pnm_samples < samples;
  if (kind == '4')
    need = height * ((width + 7) / 8);
  else if (kind == '5' || kind == '6')
    need = samples * bytes_per_sample;
  else if (kind == '1')
    need = samples;
  else
    need = 2 * samples - 1;
  return total_length < self->pnm_header_length ||
         total_length - self->pnm_header_length < need;
}

/* Every directory entry's image lies within the file, and so does the
 * directory itself. */
static gboolean
ico_cannot_fill (ImpImageEnd *self,
                 guint64      total_length)
{
  if (self->lead_fill < 6)
    return FALSE;
  return total_length < 6 + 16 * (guint64) le16 (self->lead + 4) || self->ico_end > total_length;
}

gboolean
imp_image_end_cannot_fill (ImpImageEnd *self,
                           guint64      total_length)
{
  guint width, height;
  guint64 pixels, per_byte, data_length = total_length;

  if (self->format == FORMAT_BMP)
    return bmp_cannot_fill (self, total_length);
  if (self->format == FORMAT_PNM)
    return pnm_cannot_fill (self, total_length);
  if (self->format == FORMAT_ICO)
    return ico_cannot_fill (self, total_length);
  if (self->format == FORMAT_GIF)
    per_byte = 2731;
  else if (self->format == FORMAT_JPEG && !self->arithmetic)
    {
      guint64 headers = self->scan_offset > 0 ? self->scan_offset : self->offset;

      per_byte = 1024;
      data_length = total_length > headers ? total_length - headers : 0;
    }
  else
    return FALSE;
  imp_image_end_get_size (self, &width, &height);
  pixels = (guint64) width * height;
  return pixels > IMP_IMAGE_END_PLAUSIBLE_PIXELS && pixels > (data_length + 64) * per_byte;
}
