/* test-image.c: the engine's image type, conversions and resampling
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "engine/imp-image.h"

#include <math.h>

static void
test_rgb8_round_trip (void)
{
  guint8 pixels[2 * 8 + 3] = { 0 };   /* rowstride 8 > 3 * 2: padding ignored */
  g_autoptr(ImpImage) image = NULL;
  g_autofree guint8 *back = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (pixels); i++)
    pixels[i] = (guint8) (i * 37 + 5);
  image = imp_image_new_from_rgb8 (pixels, 2, 2, 8);
  g_assert_cmpuint (image->width, ==, 2);
  g_assert_cmpuint (image->height, ==, 2);
  /* planar: R of (x=1, y=1) is byte 8 + 3 */
  g_assert_cmpfloat (imp_image_channel (image, 0)[3], ==, pixels[11]);
  g_assert_cmpfloat (imp_image_channel (image, 2)[1], ==, pixels[5]);

  back = imp_image_to_rgb8 (image);
  for (guint y = 0; y < 2; y++)
    for (guint i = 0; i < 6; i++)
      g_assert_cmpuint (back[y * 6 + i], ==, pixels[y * 8 + i]);
}

static void
test_to_rgb8_clamps_and_rounds (void)
{
  g_autoptr(ImpImage) image = imp_image_new (2, 1);
  g_autofree guint8 *px = NULL;

  image->data[0] = -3.f;
  image->data[1] = 300.f;
  image->data[2] = 12.6f;
  image->data[3] = 12.4f;
  image->data[4] = NAN;
  image->data[5] = 254.5001f;
  px = imp_image_to_rgb8 (image);
  g_assert_cmpuint (px[0], ==, 0);
  g_assert_cmpuint (px[3], ==, 255);
  g_assert_cmpuint (px[1], ==, 13);
  g_assert_cmpuint (px[4], ==, 12);
  g_assert_cmpuint (px[2], ==, 0);
  g_assert_cmpuint (px[5], ==, 255);
}

static void
test_copy_is_deep (void)
{
  g_autoptr(ImpImage) a = imp_image_new (3, 2);
  g_autoptr(ImpImage) b = NULL;

  a->data[17] = 42.f;
  b = imp_image_copy (a);
  a->data[17] = 1.f;
  g_assert_cmpfloat (b->data[17], ==, 42.f);
  g_assert_true (b->data != a->data);
}

static void
test_fit_size (void)
{
  guint w, h;

  imp_image_fit_size (300, 200, 150, &w, &h);
  g_assert_cmpuint (w, ==, 150);
  g_assert_cmpuint (h, ==, 100);
  imp_image_fit_size (200, 300, 100, &w, &h);
  g_assert_cmpuint (w, ==, 67);
  g_assert_cmpuint (h, ==, 100);
  /* the tutorial's turtle: 256 x 192 from 1300 x 975 (any 4:3) */
  imp_image_fit_size (1300, 975, 256, &w, &h);
  g_assert_cmpuint (w, ==, 256);
  g_assert_cmpuint (h, ==, 192);
  imp_image_fit_size (1000, 1, 10, &w, &h);
  g_assert_cmpuint (h, ==, 1);
  imp_image_fit_size (57, 31, 0, &w, &h);
  g_assert_cmpuint (w, ==, 57);
  g_assert_cmpuint (h, ==, 31);
}

static void
test_resize_constant (void)
{
  g_autoptr(ImpImage) a = imp_image_new (37, 23);
  g_autoptr(ImpImage) up = NULL;
  g_autoptr(ImpImage) down = NULL;

  for (gsize i = 0; i < 3 * 37 * 23; i++)
    a->data[i] = i < 37 * 23 ? 10.f : (i < 2 * 37 * 23 ? 100.f : 250.f);
  up = imp_image_resize (a, 80, 51);
  down = imp_image_resize_to_fit (a, 11);
  g_assert_cmpuint (down->width, ==, 11);
  g_assert_cmpuint (down->height, ==, 7);
  for (guint c = 0; c < 3; c++)
    {
      float expected = a->data[c * 37 * 23];

      for (gsize i = 0; i < 80 * 51; i++)
        g_assert_cmpfloat_with_epsilon (imp_image_channel (up, c)[i], expected, 1e-3);
      for (gsize i = 0; i < 11 * 7; i++)
        g_assert_cmpfloat_with_epsilon (imp_image_channel (down, c)[i], expected, 1e-3);
    }
}

/* A one-pixel checkerboard halved must become flat grey: a filter that is not
 * widened by the scale would alias it into a pattern of 0s and 255s. */
static void
test_downscale_antialiases (void)
{
  g_autoptr(ImpImage) a = imp_image_new (64, 48);
  g_autoptr(ImpImage) b = NULL;

  for (guint c = 0; c < 3; c++)
    for (guint y = 0; y < 48; y++)
      for (guint x = 0; x < 64; x++)
        imp_image_channel (a, c)[y * 64 + x] = ((x + y) % 2) ? 255.f : 0.f;
  b = imp_image_resize (a, 21, 16);
  for (guint y = 2; y < 14; y++)
    for (guint x = 2; x < 19; x++)
      g_assert_cmpfloat_with_epsilon (b->data[y * 21 + x], 127.5, 8.0);
}

/* Sample centres line up (no half-pixel shift): a ramp keeps its values at the
 * corresponding positions, and a mirrored input gives the mirrored output. */
static void
test_resize_alignment (void)
{
  g_autoptr(ImpImage) a = imp_image_new (40, 1);
  g_autoptr(ImpImage) m = imp_image_new (40, 1);
  g_autoptr(ImpImage) b = NULL;
  g_autoptr(ImpImage) mb = NULL;

  for (guint c = 0; c < 3; c++)
    for (guint x = 0; x < 40; x++)
      {
        imp_image_channel (a, c)[x] = 3.f * x + 20.f + (x % 7 == 0 ? 30.f : 0.f) * c;
        imp_image_channel (m, c)[39 - x] = imp_image_channel (a, c)[x];
      }
  b = imp_image_resize (a, 16, 1);
  mb = imp_image_resize (m, 16, 1);
  for (guint x = 4; x < 12; x++)
    {
      double src = (x + 0.5) * 40.0 / 16.0 - 0.5;

      g_assert_cmpfloat_with_epsilon (b->data[x], 3.0 * src + 20.0, 0.05);
    }
  for (guint c = 0; c < 3; c++)
    for (guint x = 0; x < 16; x++)
      g_assert_cmpfloat_with_epsilon (imp_image_channel (b, c)[x],
                                      imp_image_channel (mb, c)[15 - x], 1e-3);
}

static void
test_bicubic_upsample (void)
{
  g_autoptr(ImpImage) a = imp_image_new (4, 4);
  g_autoptr(ImpImage) up = NULL;
  g_autoptr(ImpImage) signed_up = NULL;

  for (gsize i = 0; i < 3 * 16; i++)
    a->data[i] = (i % 5 == 0) ? 255.f : 0.f;
  up = imp_image_resize_bicubic (a, 9, 7, TRUE);
  g_assert_cmpuint (up->width, ==, 9);
  g_assert_cmpuint (up->height, ==, 7);
  for (gsize i = 0; i < 3 * 63; i++)
    g_assert_true (up->data[i] >= 0.f && up->data[i] <= 255.f);

  /* without clamping, negative data stays negative (optimiser moments) */
  for (gsize i = 0; i < 3 * 16; i++)
    a->data[i] = -7.f;
  signed_up = imp_image_resize_bicubic (a, 9, 7, FALSE);
  g_assert_cmpfloat_with_epsilon (signed_up->data[30], -7.0, 1e-4);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/image/rgb8-round-trip", test_rgb8_round_trip);
  g_test_add_func ("/engine/image/rgb8-clamp-round", test_to_rgb8_clamps_and_rounds);
  g_test_add_func ("/engine/image/copy", test_copy_is_deep);
  g_test_add_func ("/engine/image/fit-size", test_fit_size);
  g_test_add_func ("/engine/image/resize-constant", test_resize_constant);
  g_test_add_func ("/engine/image/downscale-antialiases", test_downscale_antialiases);
  g_test_add_func ("/engine/image/resize-alignment", test_resize_alignment);
  g_test_add_func ("/engine/image/bicubic", test_bicubic_upsample);

  return g_test_run ();
}
