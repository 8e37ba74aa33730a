/* test-image-io.c: loading and saving image files, hostile files included
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <fcntl.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "media/imp-image-io.h"
#include "media-test-util.h"

static char *tmp_dir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

/* Under sanitizers (.ci/sanitize sets IMPASTO_UNDER_SANITIZER) memory and time
 * are the instrumentation's: those bounds are printed, not asserted. */
static gboolean
under_sanitizer (void)
{
  return g_getenv ("IMPASTO_UNDER_SANITIZER") != NULL;
}

/* ImageMagick makes the files gdk-pixbuf cannot write (16-bit, CMYK, grey). */
static gboolean
have_convert (void)
{
  g_autofree char *convert = g_find_program_in_path ("convert");

  if (convert == NULL)
    g_test_skip ("ImageMagick's convert is not installed");
  return convert != NULL;
}

static void
run_convert (const char *first,
             ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  const char *arg;
  va_list args;
  int status;

  g_ptr_array_add (argv, (char *) "convert");
  va_start (args, first);
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("convert failed: %s", err);
}

/* ImageMagick's own decoding of @path, composited on white, as the reference. */
static ImpImage *
decode_with_convert (const char *path,
                     guint       width,
                     guint       height)
{
  g_autofree char *raw = tmp_path ("reference.rgb");
  g_autofree char *target = g_strconcat ("rgb:", raw, NULL);
  g_autofree char *data = NULL;
  gsize length;

  run_convert (path, "-background", "white", "-alpha", "remove", "-alpha", "off",
               "-colorspace", "sRGB", "-depth", "8", target, NULL);
  g_assert_true (g_file_get_contents (raw, &data, &length, NULL));
  g_assert_cmpuint (length, ==, (gsize) 3 * width * height);
  g_unlink (raw);
  return imp_image_new_from_rgb8 ((const guint8 *) data, width, height, 3 * width);
}

static ImpImage *
load_ok (const char *path,
         guint       max_side)
{
  g_autoptr(GError) error = NULL;
  ImpImage *image = imp_image_io_load (path, max_side, &error);

  g_assert_no_error (error);
  g_assert_nonnull (image);
  return image;
}

static void
assert_load_fails (const char *path,
                   guint       max_side,
                   int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpImage) image = imp_image_io_load (path, max_side, &error);
  g_autofree char *base = g_path_get_basename (path);

  g_assert_null (image);
  g_assert_error (error, IMP_IMAGE_IO_ERROR, code);
  g_test_message ("%s", error->message);
  /* The message names the file so the user knows which input is at fault. */
  g_assert_nonnull (strstr (error->message, base));
}

static void
assert_matches_convert (const char *path,
                        guint       width,
                        guint       height,
                        double      bound)
{
  g_autoptr(ImpImage) image = load_ok (path, 0);
  g_autoptr(ImpImage) reference = NULL;
  double mad;

  g_assert_cmpuint (image->width, ==, width);
  g_assert_cmpuint (image->height, ==, height);
  reference = decode_with_convert (path, width, height);
  mad = media_test_mean_abs_diff (image, reference);
  g_test_message ("%s: mean abs diff to ImageMagick %.3f", path, mad);
  g_assert_cmpfloat (mad, <=, bound);
}

static void
test_png_round_trip (void)
{
  g_autoptr(ImpImage) image = media_test_pattern (37, 23, 0.3);
  g_autoptr(ImpImage) back = NULL;
  g_autofree char *path = tmp_path ("round.png");
  g_autofree guint8 *expected = imp_image_to_rgb8 (image);
  g_autofree guint8 *actual = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (imp_image_io_save (image, path, &error));
  g_assert_no_error (error);
  back = load_ok (path, 0);
  g_assert_cmpuint (back->width, ==, 37);
  g_assert_cmpuint (back->height, ==, 23);
  actual = imp_image_to_rgb8 (back);
  g_assert_cmpmem (actual, 37 * 23 * 3, expected, 37 * 23 * 3);
}

static void
test_jpeg_round_trip (void)
{
  g_autoptr(ImpImage) image = media_test_pattern (64, 48, 1.0);
  g_autoptr(ImpImage) back = NULL;
  g_autofree char *path = tmp_path ("round.JPEG");
  g_autoptr(GError) error = NULL;
  double mad;

  g_assert_true (imp_image_io_save (image, path, &error));
  g_assert_no_error (error);
  back = load_ok (path, 0);
  mad = media_test_mean_abs_diff (image, back);
  g_test_message ("JPEG quality 95: mean abs diff %.3f", mad);
  /* Quality 95 on a smooth picture: about one level; quality 50 gives about 3. */
  g_assert_cmpfloat (mad, <, 2.0);
  g_assert_cmpfloat (mad, >, 0.0);
}

static void
test_load_bytes_and_scale (void)
{
  g_autoptr(ImpImage) image = media_test_pattern (300, 120, 0.0);
  g_autofree char *path = tmp_path ("wide.jpg");
  g_autofree char *data = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(ImpImage) small = NULL;
  g_autoptr(ImpImage) full = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  g_assert_true (imp_image_io_save (image, path, &error));
  g_assert_true (g_file_get_contents (path, &data, &length, NULL));
  bytes = g_bytes_new (data, length);
  small = imp_image_io_load_bytes (bytes, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (small->width, ==, 100);
  g_assert_cmpuint (small->height, ==, 40);
  full = imp_image_io_load_bytes (bytes, 300, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (full->width, ==, 300);
  g_assert_cmpuint (full->height, ==, 120);
}

static void
test_grey_alpha_16bit_cmyk (void)
{
  g_autofree char *grey = tmp_path ("grey.png");
  g_autofree char *alpha = tmp_path ("alpha.png");
  g_autofree char *deep = tmp_path ("deep.png");
  g_autofree char *cmyk = tmp_path ("cmyk.jpg");
  g_autoptr(ImpImage) image = NULL;

  if (!have_convert ())
    return;
  run_convert ("-size", "24x16", "gradient:black-white", "-colorspace", "Gray",
               "-type", "Grayscale", grey, NULL);
  run_convert ("-size", "24x16", "gradient:red-blue", "(", "-size", "24x16",
               "gradient:white-black", ")", "-alpha", "off", "-compose", "CopyOpacity",
               "-composite", alpha, NULL);
  run_convert ("-size", "24x16", "gradient:yellow-navy", "-depth", "16", deep, NULL);
  run_convert ("-size", "24x16", "gradient:orange-teal", "-colorspace", "CMYK",
               "-quality", "95", cmyk, NULL);

  assert_matches_convert (grey, 24, 16, 0.5);
  assert_matches_convert (alpha, 24, 16, 1.0);
  assert_matches_convert (deep, 24, 16, 1.0);
  assert_matches_convert (cmyk, 24, 16, 2.0);

  /* Grey stays grey; the transparent bottom row (alpha 0) becomes white. */
  image = load_ok (grey, 0);
  g_assert_cmpfloat (imp_image_channel (image, 0)[200], ==, imp_image_channel (image, 2)[200]);
  g_clear_pointer (&image, imp_image_free);
  image = load_ok (alpha, 0);
  for (guint c = 0; c < 3; c++)
    g_assert_cmpfloat (imp_image_channel (image, c)[15 * 24 + 3], >=, 254.0);
}

/* A JPEG with an EXIF APP1 segment holding only the orientation tag. */
static void
write_oriented_jpeg (const char *path,
                     guint16     orientation)
{
  static const guint8 exif[] = {
    0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
    'I', 'I', 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00,           /* TIFF header, IFD at 8 */
    0x01, 0x00,                                             /* one entry */
    0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,         /* 0x0112 SHORT x1 */
    0x00, 0x00, 0x00, 0x00,                                 /* value, set below */
    0x00, 0x00, 0x00, 0x00,                                 /* no next IFD */
  };
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 16, 8);
  g_autofree char *jpeg = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint8 segment[sizeof exif];
  gsize length;

  /* Left half red, right half blue. */
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 16; x++)
      {
        guint8 *p = gdk_pixbuf_get_pixels (pixbuf) + y * gdk_pixbuf_get_rowstride (pixbuf) + x * 3;

        p[0] = x < 8 ? 255 : 0;
        p[1] = 0;
        p[2] = x < 8 ? 0 : 255;
      }
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &jpeg, &length, "jpeg", NULL,
                                            "quality", "100", NULL));
  memcpy (segment, exif, sizeof exif);
  segment[28] = (guint8) orientation;
  g_byte_array_append (out, (const guint8 *) jpeg, 2);          /* SOI */
  g_byte_array_append (out, segment, sizeof segment);
  g_byte_array_append (out, (const guint8 *) jpeg + 2, (guint) length - 2);
  media_test_write_file (path, out->data, out->len);
}

static void
test_exif_orientation (void)
{
  g_autofree char *plain = tmp_path ("plain.jpg");
  g_autofree char *rotated = tmp_path ("rotated.jpg");
  g_autoptr(ImpImage) a = NULL;
  g_autoptr(ImpImage) b = NULL;
  g_autoptr(ImpImage) c = NULL;

  write_oriented_jpeg (plain, 1);
  write_oriented_jpeg (rotated, 6);
  a = load_ok (plain, 0);
  g_assert_cmpuint (a->width, ==, 16);
  g_assert_cmpuint (a->height, ==, 8);

  /* 6 = shown turned 90° clockwise: the red left half becomes the top. */
  b = load_ok (rotated, 0);
  g_assert_cmpuint (b->width, ==, 8);
  g_assert_cmpuint (b->height, ==, 16);
  g_assert_cmpfloat (imp_image_channel (b, 0)[1 * 8 + 4], >, 200);
  g_assert_cmpfloat (imp_image_channel (b, 2)[1 * 8 + 4], <, 60);
  g_assert_cmpfloat (imp_image_channel (b, 0)[14 * 8 + 4], <, 60);
  g_assert_cmpfloat (imp_image_channel (b, 2)[14 * 8 + 4], >, 200);

  /* Scaling while decoding keeps the orientation. */
  c = load_ok (rotated, 4);
  g_assert_cmpuint (c->width, ==, 2);
  g_assert_cmpuint (c->height, ==, 4);
  g_assert_cmpfloat (imp_image_channel (c, 0)[0], >, 200);
}

static guint32
crc_of_chunk (const char   *type,
              const guint8 *data,
              gsize         length)
{
  uLong crc = crc32 (0, (const Bytef *) type, 4);

  /* crc32() answers 0 for a NULL buffer instead of leaving @crc alone. */
  return length > 0 ? (guint32) crc32 (crc, data, (uInt) length) : (guint32) crc;
}

static void
append_chunk (GByteArray   *png,
              const char   *type,
              const guint8 *data,
              gsize         length)
{
  guint32 be_length = GUINT32_TO_BE ((guint32) length);
  guint32 be_crc = GUINT32_TO_BE (crc_of_chunk (type, data, length));

  g_byte_array_append (png, (const guint8 *) &be_length, 4);
  g_byte_array_append (png, (const guint8 *) type, 4);
  if (length > 0)
    g_byte_array_append (png, data, (guint) length);
  g_byte_array_append (png, (const guint8 *) &be_crc, 4);
}

static GByteArray *
png_start (guint32 width,
           guint32 height,
           guint8  bit_depth,
           guint8  colour_type)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  GByteArray *png = g_byte_array_new ();
  guint8 ihdr[13] = { 0 };
  guint32 w = GUINT32_TO_BE (width), h = GUINT32_TO_BE (height);

  memcpy (ihdr, &w, 4);
  memcpy (ihdr + 4, &h, 4);
  ihdr[8] = bit_depth;
  ihdr[9] = colour_type;
  g_byte_array_append (png, signature, sizeof signature);
  append_chunk (png, "IHDR", ihdr, sizeof ihdr);
  return png;
}

/* A genuine @side x @side white 1-bit PNG: tiny on disk, gigabytes decoded. */
static void
write_huge_png (const char *path,
                guint32     side)
{
  g_autoptr(GByteArray) png = png_start (side, side, 1, 0);
  gsize row_bytes = 1 + (side + 7) / 8;
  g_autofree guint8 *row = g_malloc (row_bytes);
  g_autofree guint8 *out = g_malloc (1 << 20);
  g_autoptr(GByteArray) idat = g_byte_array_new ();
  z_stream z = { 0 };

  memset (row, 0xff, row_bytes);
  row[0] = 0;                          /* filter: none */
  g_assert_cmpint (deflateInit (&z, 9), ==, Z_OK);
  for (guint32 y = 0; y <= side; y++)
    {
      int flush = y == side ? Z_FINISH : Z_NO_FLUSH;

      z.next_in = row;
      z.avail_in = y == side ? 0 : (uInt) row_bytes;
      do
        {
          z.next_out = out;
          z.avail_out = 1 << 20;
          g_assert_cmpint (deflate (&z, flush), !=, Z_STREAM_ERROR);
          g_byte_array_append (idat, out, (1 << 20) - z.avail_out);
        }
      while (z.avail_out == 0);
    }
  deflateEnd (&z);
  append_chunk (png, "IDAT", idat->data, idat->len);
  append_chunk (png, "IEND", NULL, 0);
  media_test_write_file (path, png->data, png->len);
}

/* The check for missing data must allow the best compression: a white
 * 4000x4000 1-bit PNG is about 700 times smaller than its rows. */
static void
test_highly_compressed (void)
{
  g_autofree char *path = tmp_path ("white.png");
  g_autoptr(ImpImage) image = NULL;

  write_huge_png (path, 4000);
  image = load_ok (path, 400);
  g_assert_cmpuint (image->width, ==, 400);
  g_assert_cmpfloat (imp_image_channel (image, 1)[200 * 400 + 200], ==, 255.f);
}

/* GIF89a with a @screen x @screen logical screen (two colours) and one
 * @frame x @frame frame whose data is a single LZW code. */
static GByteArray *
gif_one_code (guint screen,
              guint frame)
{
  static const guint8 tail[] = { 0x02, 0x02, 0x44, 0x01, 0x00, ';' };
  guint8 sides[4] = { screen & 0xff, screen >> 8, screen & 0xff, screen >> 8 };
  GByteArray *a = g_byte_array_new ();

  g_byte_array_append (a, (const guint8 *) "GIF89a", 6);
  g_byte_array_append (a, sides, 4);
  g_byte_array_append (a, (const guint8 *) "\x80\x00\x00" "\x00\x00\x00" "\xff\xff\xff", 9);
  g_byte_array_append (a, (const guint8 *) ",\0\0\0\0", 5);
  sides[0] = sides[2] = frame & 0xff;
  sides[1] = sides[3] = frame >> 8;
  g_byte_array_append (a, sides, 4);
  g_byte_array_append (a, (const guint8 *) "\0", 1);
  g_byte_array_append (a, tail, sizeof tail);
  return a;
}

/* Headers declaring more pixels than the file can hold at the format's best
 * compression are refused before the decoder allocates them (gdk-pixbuf
 * would leave the missing part blank); real files near those bounds load. */
static void
test_short_data (void)
{
  g_autofree char *bmp = tmp_path ("rows.bmp");
  g_autofree char *bmp_cut = tmp_path ("rows-cut.bmp");
  g_autofree char *spacer = tmp_path ("spacer.gif");
  g_autofree char *gif_liar = tmp_path ("liar.gif");
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 33, 20);
  g_autoptr(GByteArray) small = gif_one_code (1000, 1);
  g_autoptr(GByteArray) big = gif_one_code (2200, 2200);
  g_autoptr(ImpImage) image = NULL;
  g_autofree char *buffer = NULL;
  gsize len = 0;

  /* 33 pixels of 24 bits: rows of 100 bytes; one row fewer is refused. */
  gdk_pixbuf_fill (pixbuf, 0x336699ff);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &len, "bmp", NULL, NULL));
  media_test_write_file (bmp, (const guint8 *) buffer, len);
  media_test_write_file (bmp_cut, (const guint8 *) buffer, len - 100);
  image = load_ok (bmp, 0);
  g_assert_cmpuint (image->width, ==, 33);
  g_assert_cmpfloat (imp_image_channel (image, 2)[33 * 20 - 1], ==, 0x99);
  g_clear_pointer (&image, imp_image_free);
  assert_load_fails (bmp_cut, 0, IMP_IMAGE_IO_ERROR_UNREADABLE);
  assert_load_fails (bmp_cut, 16, IMP_IMAGE_IO_ERROR_UNREADABLE);

  /* Below IMP_IMAGE_END_PLAUSIBLE_PIXELS a big canvas with a tiny frame is fine. */
  media_test_write_file (spacer, small->data, small->len);
  image = load_ok (spacer, 0);
  g_assert_cmpuint (image->width, ==, 1000);
  g_clear_pointer (&image, imp_image_free);
  media_test_write_file (gif_liar, big->data, big->len);
  assert_load_fails (gif_liar, 0, IMP_IMAGE_IO_ERROR_UNREADABLE);
  assert_load_fails (gif_liar, 256, IMP_IMAGE_IO_ERROR_UNREADABLE);
}

/* A real 16x16 JPEG whose frame header then claims @side x @side, with an
 * APP15 segment of @padding bytes after SOI, cut after the scan header. */
static GByteArray *
jpeg_liar (guint side,
           guint padding)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 16, 16);
  g_autofree char *buffer = NULL;
  g_autofree guint8 *app = g_malloc0 (padding + 4);
  gsize len = 0;
  GByteArray *a = g_byte_array_new ();

  gdk_pixbuf_fill (pixbuf, 0x336699ff);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &len, "jpeg", NULL, NULL));
  g_assert_cmpuint (padding + 2, <=, 0xffff);
  app[0] = 0xff;
  app[1] = 0xef;
  app[2] = (padding + 2) >> 8;
  app[3] = (padding + 2) & 0xff;
  g_byte_array_append (a, (const guint8 *) buffer, 2);
  g_byte_array_append (a, app, padding + 4);
  g_byte_array_append (a, (const guint8 *) buffer + 2, (guint) len - 2);
  for (guint i = padding + 6; i + 9 < a->len; i++)
    if (a->data[i] == 0xff && a->data[i + 1] == 0xc0)
      {
        a->data[i + 5] = a->data[i + 7] = side >> 8;
        a->data[i + 6] = a->data[i + 8] = side & 0xff;
      }
    else if (a->data[i] == 0xff && a->data[i + 1] == 0xda)
      {
        g_byte_array_set_size (a, i + 20);
        break;
      }
  return a;
}

/* JPEG: only the bytes from the first scan on can hold pixels, so a lie
 * padded with a large metadata segment is refused before decoding as well
 * (not only once the missing end marker shows, after allocating). */
static void
test_short_data_jpeg (void)
{
  g_autofree char *path = tmp_path ("padded-liar.jpg");
  g_autoptr(GByteArray) liar = jpeg_liar (3000, 60000);
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpImage) image = NULL;

  media_test_write_file (path, liar->data, liar->len);
  image = imp_image_io_load (path, 0, &error);
  g_assert_null (image);
  g_assert_error (error, IMP_IMAGE_IO_ERROR, IMP_IMAGE_IO_ERROR_UNREADABLE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "missing or cut short"));
}

/* Flat 2200x2200 pictures as an encoder writes them, at its best ratio: GIF
 * 700 pixels a byte (bound 2731), RLE8 BMP 114 (bound 128), JPEG 250 (1024). */
static void
test_short_data_real (void)
{
  static const char * const files[] = { "flat.gif", "bmp3:flat-rle.bmp", "flat.jpg" };

  if (!have_convert ())
    return;
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      const char *name = strchr (files[i], ':') ? strchr (files[i], ':') + 1 : files[i];
      g_autofree char *path = tmp_path (name);
      g_autofree char *target = g_strdup_printf ("%s%s", strchr (files[i], ':') ? "bmp3:" : "", path);
      const char *argv[] = { "convert", "-size", "2200x2200", "xc:white", "-type", "palette",
                             "-compress", "RLE", "-quality", "10", target, NULL };
      g_autoptr(GError) error = NULL;
      g_autoptr(ImpImage) image = NULL;
      int status = -1;

      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                    &status, &error);
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      image = load_ok (path, 256);
      g_assert_cmpuint (image->width, ==, 256);
      g_assert_cmpfloat (imp_image_channel (image, 0)[128 * 256 + 128], ==, 255.f);
    }
}

static void
test_huge_declared_size (void)
{
  g_autofree char *real = tmp_path ("huge.png");
  g_autofree char *liar = tmp_path ("liar.png");
  g_autofree char *under_limit = tmp_path ("liar-under-limit.png");
  g_autoptr(GByteArray) lie = png_start (30000, 30000, 8, 2);
  g_autoptr(GByteArray) under = png_start (9999, 9999, 8, 2);
  static const guint8 idat[] = { 0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff, 0, 0, 0, 1 };
  guint64 before;
  guint64 after;
  gint64 start;

  write_huge_png (real, 30000);
  append_chunk (lie, "IDAT", idat, sizeof idat);
  append_chunk (lie, "IEND", NULL, 0);
  media_test_write_file (liar, lie->data, lie->len);
  append_chunk (under, "IDAT", idat, sizeof idat);
  append_chunk (under, "IEND", NULL, 0);
  media_test_write_file (under_limit, under->data, under->len);

  before = media_test_peak_rss ();
  start = g_get_monotonic_time ();
  assert_load_fails (real, 0, IMP_IMAGE_IO_ERROR_TOO_LARGE);
  assert_load_fails (real, 512, IMP_IMAGE_IO_ERROR_TOO_LARGE);
  assert_load_fails (liar, 512, IMP_IMAGE_IO_ERROR_TOO_LARGE);
  /* Under the pixel limit, complete with IEND, but no data for the rows. */
  assert_load_fails (under_limit, 512, IMP_IMAGE_IO_ERROR_UNREADABLE);
  after = media_test_peak_rss ();
  g_test_message ("peak RSS %" G_GUINT64_FORMAT " MB before, %" G_GUINT64_FORMAT
                  " MB after; %.3f s", before >> 20, after >> 20,
                  (g_get_monotonic_time () - start) / 1e6);
  /* Decoded, the real one is 2.7 GB of RGB. */
  if (under_sanitizer ())
    return;
  g_assert_cmpuint (after - before, <, 32u << 20);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
}

/* A PNG declaring a 2 GB metadata chunk: libpng would keep all of it in memory
 * (the file is sparse: the disk holds almost nothing). */
static void
test_huge_chunk (void)
{
  g_autofree char *path = tmp_path ("huge-chunk.png");
  g_autoptr(GByteArray) png = png_start (16, 16, 8, 2);
  guint32 chunk_length = GUINT32_TO_BE (0x7ffffff0u);
  gint64 start;
  int fd;

  g_byte_array_append (png, (const guint8 *) &chunk_length, 4);
  g_byte_array_append (png, (const guint8 *) "vaSt", 4);
  media_test_write_file (path, png->data, png->len);
  fd = open (path, O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) 700 << 20), ==, 0);
  close (fd);

  start = g_get_monotonic_time ();
  assert_load_fails (path, 0, IMP_IMAGE_IO_ERROR_UNREADABLE);
  g_test_message ("refused in %.3f s", (g_get_monotonic_time () - start) / 1e6);
  if (!under_sanitizer ())
    g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_unlink (path);
}

/* A 1x1 BMP followed by 700 MB of zeros (sparse), which the BMP decoder reads
 * on without keeping: reading stops at IMP_IMAGE_IO_MAX_BYTES. */
static void
test_endless_file (void)
{
  static const guint8 bmp[] = {
    'B', 'M', 58, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0,        /* file header */
    40, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 24, 0,     /* BITMAPINFOHEADER 1x1x24 */
    0, 0, 0, 0, 4, 0, 0, 0, 0x13, 0x0b, 0, 0, 0x13, 0x0b, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0,
    0x10, 0x20, 0x30, 0,                                  /* one pixel, padded row */
  };
  g_autofree char *path = tmp_path ("endless.bmp");
  g_autofree char *fine = tmp_path ("fine.bmp");
  g_autoptr(ImpImage) pixel = NULL;
  guint64 before;
  gint64 start;
  int fd;

  media_test_write_file (fine, bmp, sizeof bmp);
  pixel = load_ok (fine, 0);
  g_assert_cmpfloat (imp_image_channel (pixel, 0)[0], ==, 0x30);
  media_test_write_file (path, bmp, sizeof bmp);
  fd = open (path, O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) 700 << 20), ==, 0);
  close (fd);

  before = media_test_peak_rss ();
  start = g_get_monotonic_time ();
  assert_load_fails (path, 0, IMP_IMAGE_IO_ERROR_UNREADABLE);
  g_test_message ("gave up after %.2f s, peak RSS grew by %" G_GUINT64_FORMAT " MB",
                  (g_get_monotonic_time () - start) / 1e6,
                  (media_test_peak_rss () - before) >> 20);
  if (!under_sanitizer ())
    g_assert_cmpuint (media_test_peak_rss () - before, <, 32u << 20);
  g_unlink (path);
}

static void
test_tiny_and_empty (void)
{
  g_autofree char *one = tmp_path ("one.png");
  g_autofree char *zero = tmp_path ("zero.png");
  g_autofree char *nothing = tmp_path ("nothing.png");
  g_autoptr(ImpImage) single = imp_image_new (1, 1);
  g_autoptr(ImpImage) back = NULL;
  g_autoptr(GByteArray) empty = png_start (0, 0, 8, 2);
  g_autoptr(GError) error = NULL;

  imp_image_channel (single, 1)[0] = 200.f;
  g_assert_true (imp_image_io_save (single, one, &error));
  g_assert_no_error (error);
  back = load_ok (one, 512);
  g_assert_cmpuint (back->width, ==, 1);
  g_assert_cmpuint (back->height, ==, 1);
  g_assert_cmpfloat (imp_image_channel (back, 1)[0], ==, 200.f);

  append_chunk (empty, "IEND", NULL, 0);
  media_test_write_file (zero, empty->data, empty->len);
  assert_load_fails (zero, 0, IMP_IMAGE_IO_ERROR_EMPTY);
  media_test_write_file (nothing, "", 0);
  assert_load_fails (nothing, 0, IMP_IMAGE_IO_ERROR_UNREADABLE);
}

static void
test_broken_files (void)
{
  g_autoptr(ImpImage) image = media_test_pattern (80, 60, 2.0);
  g_autofree char *png = tmp_path ("good.png");
  g_autofree char *jpg = tmp_path ("good.jpg");
  g_autofree char *corrupt = tmp_path ("corrupt.png");
  g_autofree char *cut_png = tmp_path ("cut.png");
  g_autofree char *cut_jpg = tmp_path ("cut.jpg");
  g_autofree char *text = tmp_path ("text.jpg");
  g_autofree char *data = NULL;
  gsize length;

  g_assert_true (imp_image_io_save (image, png, NULL));
  g_assert_true (imp_image_io_save (image, jpg, NULL));

  g_assert_true (g_file_get_contents (png, &data, &length, NULL));
  media_test_write_file (cut_png, data, length / 2);
  memset (data + 40, 0x5a, 64);                    /* inside IDAT: CRC and zlib break */
  media_test_write_file (corrupt, data, length);
  g_clear_pointer (&data, g_free);
  g_assert_true (g_file_get_contents (jpg, &data, &length, NULL));
  media_test_write_file (cut_jpg, data, length / 2);
  media_test_write_file (text, "not an image at all\n", 20);

  assert_load_fails (cut_png, 0, IMP_IMAGE_IO_ERROR_UNREADABLE);
  assert_load_fails (corrupt, 0, IMP_IMAGE_IO_ERROR_UNREADABLE);
  assert_load_fails (cut_jpg, 0, IMP_IMAGE_IO_ERROR_UNREADABLE);
  assert_load_fails (text, 0, IMP_IMAGE_IO_ERROR_UNREADABLE);
}

/* The end-marker check must not refuse valid variants: progressive JPEG
 * (several scans), interlaced PNG, bytes after the end (phones append videos
 * to JPEGs). */
static void
test_valid_variants (void)
{
  g_autoptr(ImpImage) image = media_test_pattern (40, 30, 0.5);
  g_autofree char *png = tmp_path ("tail.png");
  g_autofree char *jpg = tmp_path ("tail.jpg");
  g_autofree char *progressive = tmp_path ("progressive.jpg");
  g_autofree char *interlaced = tmp_path ("interlaced.png");
  const char *paths[] = { png, jpg, progressive, interlaced };
  g_autofree char *data = NULL;
  gsize length;

  g_assert_true (imp_image_io_save (image, png, NULL));
  g_assert_true (imp_image_io_save (image, jpg, NULL));
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *padded = NULL;

      g_assert_true (g_file_get_contents (paths[i], &data, &length, NULL));
      padded = g_malloc (length + 100);
      memcpy (padded, data, length);
      memset (padded + length, 0xd9, 100);
      media_test_write_file (paths[i], padded, length + 100);
      g_clear_pointer (&data, g_free);
    }
  if (!have_convert ())
    return;
  run_convert (jpg, "-interlace", "JPEG", progressive, NULL);
  run_convert (png, "-interlace", "PNG", interlaced, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(ImpImage) back = load_ok (paths[i], 0);

      g_assert_cmpfloat (media_test_mean_abs_diff (image, back), <, 3.0);
    }
}

/* Real photographs (EXIF thumbnails, ICC profiles...) from the test images. */
static void
test_real_images (void)
{
  const char *dir = g_getenv ("IMPASTO_TEST_IMAGES");
  g_autoptr(GDir) d = NULL;
  const char *name;
  guint count = 0;

  if (dir == NULL)
    {
      g_test_skip ("IMPASTO_TEST_IMAGES is not set");
      return;
    }
  d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(ImpImage) image = NULL;

      if (!g_str_has_suffix (name, ".jpg") && !g_str_has_suffix (name, ".png"))
        continue;
      image = load_ok (path, 128);
      g_test_message ("%s: %u×%u at most 128", name, image->width, image->height);
      g_assert_cmpuint (MAX (image->width, image->height), ==, 128);
      count++;
    }
  g_assert_cmpuint (count, >, 0);
}

static void
test_not_regular_files (void)
{
  g_autofree char *missing = tmp_path ("missing.png");
  g_autofree char *folder = tmp_path ("folder.png");
  g_autofree char *zero_link = tmp_path ("zero-link.png");
  g_autofree char *fifo = tmp_path ("fifo.png");
  gint64 start = g_get_monotonic_time ();

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_assert_cmpint (symlink ("/dev/zero", zero_link), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);

  assert_load_fails (missing, 0, IMP_IMAGE_IO_ERROR_UNREADABLE);
  assert_load_fails (folder, 0, IMP_IMAGE_IO_ERROR_UNREADABLE);
  assert_load_fails (zero_link, 0, IMP_IMAGE_IO_ERROR_UNREADABLE);
  assert_load_fails (fifo, 0, IMP_IMAGE_IO_ERROR_UNREADABLE);   /* no writer: must not block */
  if (!under_sanitizer ())
    g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
}

static void
test_save_bad_names (void)
{
  g_autoptr(ImpImage) image = media_test_pattern (8, 8, 0.0);
  g_autofree char *gif = tmp_path ("out.gif");
  g_autofree char *nowhere = tmp_path ("no/such/folder/out.png");
  g_autofree char *folder = tmp_path ("a-folder.png");
  g_autoptr(GError) error = NULL;
  g_autofree char *left = NULL;

  g_assert_false (imp_image_io_save (image, gif, &error));
  g_assert_error (error, IMP_IMAGE_IO_ERROR, IMP_IMAGE_IO_ERROR_FORMAT);
  g_clear_error (&error);

  g_assert_false (imp_image_io_save (image, nowhere, &error));
  g_assert_error (error, IMP_IMAGE_IO_ERROR, IMP_IMAGE_IO_ERROR_WRITE);
  g_assert_nonnull (strstr (error->message, "no/such/folder/out.png"));
  g_clear_error (&error);

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_assert_false (imp_image_io_save (image, folder, &error));
  g_assert_error (error, IMP_IMAGE_IO_ERROR, IMP_IMAGE_IO_ERROR_WRITE);
  g_assert_true (g_file_test (folder, G_FILE_TEST_IS_DIR));
  g_rmdir (folder);
}

/* A folder with one existing file "keep.png" holding "original". */
static char *
make_guarded_dir (const char *name)
{
  char *dir = tmp_path (name);
  g_autofree char *keep = g_build_filename (dir, "keep.png", NULL);

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  media_test_write_file (keep, "original", 8);
  return dir;
}

static void
assert_guarded_dir_intact (const char *dir)
{
  g_autofree char *keep = g_build_filename (dir, "keep.png", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *left = media_test_list_dir (dir);

  g_assert_true (g_file_get_contents (keep, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "original");
  g_assert_cmpstr (left, ==, "keep.png");
}

/* Runs in a child: root ignores permissions, so it becomes nobody first. */
static void
save_read_only_child (void)
{
  g_autofree char *dir = tmp_path ("read-only");
  g_autofree char *keep = g_build_filename (dir, "keep.png", NULL);
  g_autoptr(ImpImage) image = media_test_pattern (8, 8, 0.0);
  g_autoptr(GError) error = NULL;

  if (geteuid () == 0)
    g_assert_true (setgid (65534) == 0 && setuid (65534) == 0);
  g_assert_false (imp_image_io_save (image, keep, &error));
  g_assert_error (error, IMP_IMAGE_IO_ERROR, IMP_IMAGE_IO_ERROR_WRITE);
  g_assert_nonnull (strstr (error->message, "keep.png"));
  g_printerr ("%s\n", error->message);
}

static void
test_save_read_only (void)
{
  g_autofree char *dir = NULL;

  if (g_test_subprocess ())
    {
      save_read_only_child ();
      return;
    }
  dir = make_guarded_dir ("read-only");
  g_assert_cmpint (g_chmod (tmp_dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (dir, 0555), ==, 0);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*keep.png*");
  g_chmod (dir, 0755);
  assert_guarded_dir_intact (dir);
}

/* Runs in a child: the file size limit stands in for a full disk. */
static void
save_full_disk_child (void)
{
  g_autofree char *dir = tmp_path ("full-disk");
  g_autofree char *keep = g_build_filename (dir, "keep.png", NULL);
  g_autoptr(ImpImage) image = imp_image_new (64, 64);
  g_autoptr(GError) error = NULL;
  struct rlimit limit = { 1000, 1000 };

  for (gsize i = 0; i < 3 * 64 * 64; i++)
    image->data[i] = (float) g_random_int_range (0, 256);   /* incompressible */
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  g_assert_false (imp_image_io_save (image, keep, &error));
  g_assert_error (error, IMP_IMAGE_IO_ERROR, IMP_IMAGE_IO_ERROR_WRITE);
  g_assert_nonnull (strstr (error->message, "keep.png"));
  g_printerr ("%s\n", error->message);
}

static void
test_save_full_disk (void)
{
  g_autofree char *dir = NULL;

  if (g_test_subprocess ())
    {
      save_full_disk_child ();
      return;
    }
  dir = make_guarded_dir ("full-disk");
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*keep.png*");
  assert_guarded_dir_intact (dir);
}

static void
test_save_replaces (void)
{
  g_autofree char *dir = make_guarded_dir ("replace");
  g_autofree char *keep = g_build_filename (dir, "keep.png", NULL);
  g_autoptr(ImpImage) image = media_test_pattern (8, 8, 0.0);
  g_autoptr(ImpImage) back = NULL;
  g_autofree char *left = NULL;
  struct stat st;

  g_assert_cmpint (g_chmod (keep, 0640), ==, 0);
  g_assert_true (imp_image_io_save (image, keep, NULL));
  back = load_ok (keep, 0);
  g_assert_cmpuint (back->width, ==, 8);
  left = media_test_list_dir (dir);
  g_assert_cmpstr (left, ==, "keep.png");
  g_assert_cmpint (g_stat (keep, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  /* A child of g_test_trap_subprocess() works in its parent's folder. */
  if (g_test_subprocess ())
    tmp_dir = g_strdup (g_getenv ("IMPASTO_MEDIA_TEST_DIR"));
  else
    tmp_dir = media_test_make_dir ();
  g_setenv ("IMPASTO_MEDIA_TEST_DIR", tmp_dir, TRUE);

  g_test_add_func ("/media/image-io/png-round-trip", test_png_round_trip);
  g_test_add_func ("/media/image-io/jpeg-round-trip", test_jpeg_round_trip);
  g_test_add_func ("/media/image-io/bytes-and-scale", test_load_bytes_and_scale);
  g_test_add_func ("/media/image-io/grey-alpha-16bit-cmyk", test_grey_alpha_16bit_cmyk);
  g_test_add_func ("/media/image-io/exif-orientation", test_exif_orientation);
  g_test_add_func ("/media/image-io/huge-declared-size", test_huge_declared_size);
  g_test_add_func ("/media/image-io/huge-chunk", test_huge_chunk);
  g_test_add_func ("/media/image-io/short-data", test_short_data);
  g_test_add_func ("/media/image-io/short-data-jpeg", test_short_data_jpeg);
  g_test_add_func ("/media/image-io/short-data-real", test_short_data_real);
  g_test_add_func ("/media/image-io/highly-compressed", test_highly_compressed);
  g_test_add_func ("/media/image-io/endless-file", test_endless_file);
  g_test_add_func ("/media/image-io/tiny-and-empty", test_tiny_and_empty);
  g_test_add_func ("/media/image-io/broken-files", test_broken_files);
  g_test_add_func ("/media/image-io/valid-variants", test_valid_variants);
  g_test_add_func ("/media/image-io/real-images", test_real_images);
  g_test_add_func ("/media/image-io/not-regular-files", test_not_regular_files);
  g_test_add_func ("/media/image-io/save-bad-names", test_save_bad_names);
  g_test_add_func ("/media/image-io/save-read-only", test_save_read_only);
  g_test_add_func ("/media/image-io/save-full-disk", test_save_full_disk);
  g_test_add_func ("/media/image-io/save-replaces", test_save_replaces);

  status = g_test_run ();
  if (!g_test_subprocess ())
    test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return status;
}
