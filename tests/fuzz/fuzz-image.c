/* fuzz-image.c: image decoding (imp_image_io_load_bytes, every gdk-pixbuf
 * format) and conversion to the engine's float image, then the resampling
 * the session applies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "media/imp-image-io.h"
#include "fuzz-util.h"

/* What the window asks for when it loads a picture to preview and run on. */
#define MAX_SIDE 512

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

static void
check_image (const ImpImage *image)
{
  g_autoptr(ImpImage) small = NULL;
  g_autofree guint8 *rgb = NULL;
  gsize n = (gsize) 3 * image->width * image->height;

  g_assert (image->width >= 1 && image->height >= 1);
  g_assert (MAX (image->width, image->height) <= MAX_SIDE);
  /* Alpha compositing in float may round a hair above 255. */
  for (gsize i = 0; i < n; i++)
    g_assert (image->data[i] >= 0.0f && image->data[i] <= 255.001f);

  small = imp_image_resize_to_fit (image, 48);
  for (gsize i = 0; i < (gsize) 3 * small->width * small->height; i++)
    g_assert (isfinite (small->data[i]));
  rgb = imp_image_to_rgb8 (small);
  g_assert (rgb != NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpImage) image = imp_image_io_load_bytes (bytes, MAX_SIDE, &error);

  g_assert ((image == NULL) != (error == NULL));
  if (image != NULL)
    check_image (image);
  else
    g_assert (error->domain == IMP_IMAGE_IO_ERROR && error->message[0] != '\0');
  return 0;
}
