/* test-palette.c: the palette distance (sliced Wasserstein on RGB)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "engine/imp-palette.h"

#include <math.h>

/* A picture with varied colours: a smooth ramp in each channel plus a pattern. */
static ImpImage *
varied_image (guint width,
              guint height)
{
  ImpImage *image = imp_image_new (width, height);
  gsize n = (gsize) width * height;

  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        gsize i = (gsize) y * width + x;
        image->data[i] = 30.f + 150.f * x / width;
        image->data[n + i] = 40.f + 120.f * y / height;
        image->data[2 * n + i] = 60.f + (float) ((x * 7 + y * 13) % 100);
      }
  return image;
}

static void
test_identical (void)
{
  g_autoptr(ImpImage) a = varied_image (40, 30);
  g_autoptr(ImpImage) b = imp_image_copy (a);

  g_assert_cmpfloat (imp_palette_distance (a, b), ==, 0.0);
}

/* The distance sees colours, not where they are: the same pixels in another
 * order are at 0. */
static void
test_shuffled (void)
{
  g_autoptr(ImpImage) a = varied_image (40, 30);
  g_autoptr(ImpImage) b = imp_image_copy (a);
  gsize n = 40 * 30;

  for (gsize i = 0; i < n; i++)
    for (guint c = 0; c < 3; c++)
      b->data[c * n + i] = a->data[c * n + (n - 1 - i)];
  g_assert_cmpfloat (imp_palette_distance (a, b), <, 1e-4);
}

/* Shifting every pixel by δ moves each projection on the unit direction u by
 * u·δ: the distance is |δ| times the RMS of u·δ/|δ|, 1/√3 on average over
 * directions uniform on the sphere (1024 of them: within a few percent). */
static void
test_known_shift (void)
{
  g_autoptr(ImpImage) a = varied_image (40, 30);
  g_autoptr(ImpImage) b = imp_image_copy (a);
  gsize n = 40 * 30;
  double d;

  for (gsize i = 0; i < n; i++)
    {
      b->data[i] += 30.f;
      b->data[n + i] += 40.f;
    }
  d = imp_palette_distance (a, b);
  g_test_message ("shift (30, 40, 0): %g, expected about %g", d, 50.0 / sqrt (3.0));
  g_assert_cmpfloat (fabs (d - 50.0 / sqrt (3.0)), <, 0.05 * 50.0 / sqrt (3.0));
  /* and it is symmetric */
  g_assert_cmpfloat (fabs (imp_palette_distance (b, a) - d), <, 1e-9);
}

/* Two flat colours: every quantile differs by u·(c1 - c2). */
static void
test_flat_colours (void)
{
  g_autoptr(ImpImage) a = imp_image_new (8, 8);
  g_autoptr(ImpImage) b = imp_image_new (5, 3);
  gsize na = 64, nb = 15;
  double d;

  for (guint c = 0; c < 3; c++)
    {
      for (gsize i = 0; i < na; i++)
        a->data[c * na + i] = 100.f;
      for (gsize i = 0; i < nb; i++)
        b->data[c * nb + i] = c == 2 ? 160.f : 100.f;
    }
  d = imp_palette_distance (a, b);
  g_assert_cmpfloat (fabs (d - 60.0 / sqrt (3.0)), <, 0.05 * 60.0 / sqrt (3.0));
}

/* Larger pictures are reduced to 256 px first: a 600x400 picture and its
 * own 256 px reduction have (nearly) the same palette. */
static void
test_reduced (void)
{
  g_autoptr(ImpImage) big = varied_image (600, 400);
  g_autoptr(ImpImage) small = imp_image_resize_to_fit (big, IMP_PALETTE_SIDE);
  g_autoptr(ImpImage) other = varied_image (256, 171);
  gsize n = (gsize) 256 * 171;

  g_assert_cmpfloat (imp_palette_distance (big, small), <, 1e-3);
  for (gsize i = 0; i < n; i++)
    other->data[i] = 255.f - other->data[i];
  g_assert_cmpfloat (imp_palette_distance (big, other), >, 10.0);
}

/* Values beyond 0..255 count as 0 and 255. */
static void
test_clamped (void)
{
  g_autoptr(ImpImage) a = imp_image_new (4, 4);
  g_autoptr(ImpImage) b = imp_image_new (4, 4);

  for (gsize i = 0; i < 48; i++)
    {
      a->data[i] = i % 2 ? 300.f : -20.f;
      b->data[i] = i % 2 ? 255.f : 0.f;
    }
  g_assert_cmpfloat (imp_palette_distance (a, b), ==, 0.0);
}

static void
test_sort_and_quantiles (void)
{
  float values[] = { 3.5f, -1.f, 0.f, -0.f, 1e9f, -7.25f, 2.f, 2.f };
  float scratch[G_N_ELEMENTS (values)];
  float sorted[] = { 1.f, 2.f, 3.f, 4.f };
  float q[4];

  imp_palette_sort (values, G_N_ELEMENTS (values), scratch);
  for (guint i = 1; i < G_N_ELEMENTS (values); i++)
    g_assert_cmpfloat (values[i - 1], <=, values[i]);
  g_assert_cmpfloat (values[0], ==, -7.25f);
  g_assert_cmpfloat (values[7], ==, 1e9f);

  /* four quantiles of four values are the values; two are the midpoints
   * of the halves (positions 0.5 and 2.5) */
  imp_palette_quantiles (sorted, 4, 4, q);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpfloat (q[i], ==, sorted[i]);
  imp_palette_quantiles (sorted, 4, 2, q);
  g_assert_cmpfloat (q[0], ==, 1.5f);
  g_assert_cmpfloat (q[1], ==, 3.5f);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/palette/identical", test_identical);
  g_test_add_func ("/engine/palette/shuffled", test_shuffled);
  g_test_add_func ("/engine/palette/known-shift", test_known_shift);
  g_test_add_func ("/engine/palette/flat-colours", test_flat_colours);
  g_test_add_func ("/engine/palette/reduced", test_reduced);
  g_test_add_func ("/engine/palette/clamped", test_clamped);
  g_test_add_func ("/engine/palette/sort-and-quantiles", test_sort_and_quantiles);
  return g_test_run ();
}
