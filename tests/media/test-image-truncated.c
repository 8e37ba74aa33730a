/* test-image-truncated.c: a cut file is refused in every format gdk-pixbuf
 * reads here, never painted with blank rows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <string.h>

#include "media/imp-image-io.h"
#include "media-test-util.h"

#define WIDTH 61
#define HEIGHT 43

static char *tmp_dir;

/* Noise, so no encoder can shrink the rows to nothing. */
static GdkPixbuf *
noise_pixbuf (void)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, WIDTH, HEIGHT);
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  gsize n = (gsize) gdk_pixbuf_get_rowstride (pixbuf) * HEIGHT;

  for (gsize i = 0; i < n; i++)
    pixels[i] = (guint8) g_rand_int (rand);
  return pixbuf;
}

static GByteArray *
saved_by_gdk_pixbuf (const char *type)
{
  g_autoptr(GdkPixbuf) pixbuf = noise_pixbuf ();
  g_autoptr(GError) error = NULL;
  gchar *buffer = NULL;
  gsize length = 0;
  GByteArray *file;

  gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, type, &error, NULL);
  g_assert_no_error (error);
  file = g_byte_array_new_take ((guint8 *) buffer, length);
  return file;
}

/* PNM by hand (gdk-pixbuf writes none): P1-P3 as text, P4-P6 binary. */
static GByteArray *
pnm_file (char kind)
{
  g_autoptr(GdkPixbuf) pixbuf = noise_pixbuf ();
  const guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  guint stride = (guint) gdk_pixbuf_get_rowstride (pixbuf);
  gboolean bitmap = kind == '1' || kind == '4';
  gboolean colour = kind == '3' || kind == '6';
  g_autoptr(GString) text = g_string_new (NULL);

  g_string_append_printf (text, "P%c\n# a comment\n%u %u\n", kind, WIDTH, HEIGHT);
  if (!bitmap)
    g_string_append (text, "255\n");
  for (guint y = 0; y < HEIGHT; y++)
    {
      guint8 bits = 0;

      for (guint x = 0; x < WIDTH; x++)
        for (guint c = 0; c < (colour ? 3u : 1u); c++)
          {
            guint8 v = pixels[y * stride + 3 * x + c];

            if (kind == '1')
              g_string_append_c (text, v > 127 ? '1' : '0');
            else if (kind == '2' || kind == '3')
              g_string_append_printf (text, "%u ", v);
            else if (kind == '4')
              {
                bits |= (v > 127) << (7 - x % 8);
                if (x % 8 == 7 || x == WIDTH - 1)
                  {
                    g_string_append_c (text, (char) bits);
                    bits = 0;
                  }
              }
            else
              g_string_append_c (text, (char) v);
          }
      if (kind <= '3')
        g_string_append_c (text, '\n');
    }
  return g_byte_array_new_take ((guint8 *) g_strndup (text->str, text->len), text->len);
}

/* Uncompressed true-colour TGA, bottom-up BGR. */
static GByteArray *
tga_file (void)
{
  g_autoptr(GdkPixbuf) pixbuf = noise_pixbuf ();
  const guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  guint stride = (guint) gdk_pixbuf_get_rowstride (pixbuf);
  guint8 header[18] = { 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        WIDTH & 0xff, WIDTH >> 8, HEIGHT & 0xff, HEIGHT >> 8, 24, 0 };
  GByteArray *file = g_byte_array_new ();

  g_byte_array_append (file, header, sizeof header);
  for (guint y = HEIGHT; y-- > 0;)
    for (guint x = 0; x < WIDTH; x++)
      {
        const guint8 *p = pixels + y * stride + 3 * x;
        guint8 bgr[3] = { p[2], p[1], p[0] };

        g_byte_array_append (file, bgr, 3);
      }
  return file;
}

/* The whole file loads; cut to half, to 90 % and by its last 16 bytes (some
 * pixels, or the end marker) it is refused with an error naming it. A last
 * byte alone may be padding or a checksum after the last pixel. */
static void
check_cuts (const char *name,
            GByteArray *file)
{
  g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
  gsize lengths[] = { file->len / 2, file->len * 9 / 10, file->len - 16 };
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpImage) whole = NULL;

  media_test_write_file (path, file->data, file->len);
  whole = imp_image_io_load (path, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (whole->width, ==, WIDTH);
  g_assert_cmpuint (whole->height, ==, HEIGHT);
  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autoptr(ImpImage) image = NULL;

      g_clear_error (&error);
      media_test_write_file (path, file->data, lengths[i]);
      image = imp_image_io_load (path, 0, &error);
      if (image != NULL)
        g_test_fail_printf ("%s cut to %u of %u bytes was accepted", name, (guint) lengths[i],
                            file->len);
      else
        {
          g_assert_error (error, IMP_IMAGE_IO_ERROR, IMP_IMAGE_IO_ERROR_UNREADABLE);
          g_assert_nonnull (strstr (error->message, name));
          g_test_message ("%s, %u of %u bytes: %s", name, (guint) lengths[i], file->len,
                          error->message);
        }
    }
}

static void
test_gdk_pixbuf_formats (void)
{
  const char *types[] = { "png", "jpeg", "bmp", "ico", "tiff" };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(GByteArray) file = saved_by_gdk_pixbuf (types[i]);
      g_autofree char *name = g_strdup_printf ("cut.%s", types[i]);

      check_cuts (name, file);
    }
}

/* P1-P6: the missing rows used to come out black, exit 0. */
static void
test_pnm (void)
{
  for (char kind = '1'; kind <= '6'; kind++)
    {
      g_autoptr(GByteArray) file = pnm_file (kind);
      g_autofree char *name = g_strdup_printf ("cut-p%c.pnm", kind);

      check_cuts (name, file);
    }
}

static void
test_tga (void)
{
  g_autoptr(GByteArray) file = tga_file ();

  check_cuts ("cut.tga", file);
}

/* A 9999x9999 PPM header with 100 bytes of data: refused before the
 * decoder allocates 300 MB for it. */
static void
test_pnm_lying_header (void)
{
  g_autofree char *path = g_build_filename (tmp_dir, "liar.ppm", NULL);
  g_autoptr(GByteArray) file = g_byte_array_new ();
  const char *header = "P6\n9999 9999\n255\n";
  guint8 data[100] = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpImage) image = NULL;
  guint64 before = media_test_peak_rss ();

  g_byte_array_append (file, (const guint8 *) header, strlen (header));
  g_byte_array_append (file, data, sizeof data);
  media_test_write_file (path, file->data, file->len);
  image = imp_image_io_load (path, 512, &error);
  g_assert_null (image);
  g_assert_error (error, IMP_IMAGE_IO_ERROR, IMP_IMAGE_IO_ERROR_UNREADABLE);
  g_assert_nonnull (strstr (error->message, "liar.ppm"));
  g_test_message ("%s; peak RSS grew %" G_GUINT64_FORMAT " MB", error->message,
                  (media_test_peak_rss () - before) >> 20);
  if (g_getenv ("IMPASTO_UNDER_SANITIZER") == NULL)
    g_assert_cmpuint (media_test_peak_rss () - before, <, 32u << 20);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = media_test_make_dir ();
  g_test_add_func ("/media/image-truncated/gdk-pixbuf-formats", test_gdk_pixbuf_formats);
  g_test_add_func ("/media/image-truncated/pnm", test_pnm);
  g_test_add_func ("/media/image-truncated/tga", test_tga);
  g_test_add_func ("/media/image-truncated/pnm-lying-header", test_pnm_lying_header);
  status = g_test_run ();
  test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return status;
}
