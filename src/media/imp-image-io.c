/* imp-image-io.c: reading and writing image files (gdk-pixbuf)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gunixinputstream.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imp-atomic-file.h"
#include "imp-image-end.h"
#include "imp-image-io.h"

G_DEFINE_QUARK (imp-image-io-error-quark, imp_image_io_error)

/* Small enough chunks that a refusal in size-prepared happens after reading
 * little more than the header. */
#define CHUNK_SIZE (64 * 1024)

typedef struct
{
  GdkPixbufLoader *loader;
  const char      *name;            /* for messages, UTF-8 */
  guint            max_side;
  guint            declared_width;
  guint            declared_height;
  gboolean         refused_size;    /* 0x0 or beyond IMP_IMAGE_IO_MAX_PIXELS */
  gboolean         size_only;       /* imp_image_io_read_size(): stop at the size */
  gboolean         size_known;
  guint64          bytes_fed;
  guint64          expected_length; /* the file's size when opened, the bytes' length */
  ImpImageEnd      end;
} LoadContext;

/* Runs once the decoder knows the declared size and before it allocates
 * anything of that size: the only moment a lying header can be refused
 * cheaply. Setting the size to 0x0 makes gdk-pixbuf's loaders stop. */
static void
on_size_prepared (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  LoadContext *ctx = user_data;
  guint longer;

  ctx->declared_width = (guint) MAX (width, 0);
  ctx->declared_height = (guint) MAX (height, 0);
  if (width <= 0 || height <= 0
      || (guint64) width * (guint64) height > IMP_IMAGE_IO_MAX_PIXELS)
    {
      ctx->refused_size = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
      return;
    }
  if (ctx->size_only)
    {
      ctx->size_known = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
      return;
    }

  longer = (guint) MAX (width, height);
  if (ctx->max_side > 0 && longer > ctx->max_side)
    {
      double scale = (double) ctx->max_side / longer;
      int w = MAX (1, (int) (width * scale + 0.5));
      int h = MAX (1, (int) (height * scale + 0.5));

      gdk_pixbuf_loader_set_size (loader, w, h);
    }
}

static gboolean
set_size_error (LoadContext  *ctx,
                GError      **error)
{
  if (ctx->declared_width == 0 || ctx->declared_height == 0)
    g_set_error (error, IMP_IMAGE_IO_ERROR, IMP_IMAGE_IO_ERROR_EMPTY,
                 _("Could not load “%s”: the image has no pixels (%u×%u)"),
                 ctx->name, ctx->declared_width, ctx->declared_height);
  else
    g_set_error (error, IMP_IMAGE_IO_ERROR, IMP_IMAGE_IO_ERROR_TOO_LARGE,
                 _("Could not load “%s”: the image is too large (%u×%u pixels, "
                   "at most %u megapixels are accepted)"),
                 ctx->name, ctx->declared_width, ctx->declared_height,
                 (guint) (IMP_IMAGE_IO_MAX_PIXELS / 1000000));
  return FALSE;
}

static gboolean
set_unreadable_error (LoadContext  *ctx,
                      const char   *reason,
                      GError      **error)
{
  g_set_error (error, IMP_IMAGE_IO_ERROR, IMP_IMAGE_IO_ERROR_UNREADABLE,
               _("Could not load “%s”: %s"), ctx->name, reason);
  return FALSE;
}

/* A file whose data cannot fill its declared size; the size is the better
 * reason when it is beyond the limit as well. */
static gboolean
refuse_missing_data (LoadContext  *ctx,
                     GError      **error)
{
  guint width, height;

  imp_image_end_get_size (&ctx->end, &width, &height);
  if ((guint64) width * height > IMP_IMAGE_IO_MAX_PIXELS)
    {
      ctx->declared_width = width;
      ctx->declared_height = height;
      return set_size_error (ctx, error);
    }
  return set_unreadable_error (ctx, _("the image data is missing or cut short"), error);
}

static gboolean
feed (LoadContext   *ctx,
      const guint8  *data,
      gsize          length,
      GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  ctx->bytes_fed += length;
  if (ctx->bytes_fed > IMP_IMAGE_IO_MAX_BYTES)
    {
      g_autofree char *limit = g_format_size_full (IMP_IMAGE_IO_MAX_BYTES,
                                                   G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *reason = g_strdup_printf (_("the file is larger than %s"), limit);

      return set_unreadable_error (ctx, reason, error);
    }
  imp_image_end_feed (&ctx->end, data, length);
  if (imp_image_end_get_oversized_chunk (&ctx->end) > 0)
    {
      g_autofree char *size = g_format_size_full (imp_image_end_get_oversized_chunk (&ctx->end),
                                                  G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *reason = g_strdup_printf (_("the file declares a metadata block of %s"),
                                                 size);

      return set_unreadable_error (ctx, reason, error);
    }
  /* Before the write: gdk-pixbuf would fill the declared rows. A file that
   * grows while read only makes this check stricter; one that shrinks is
   * caught again before the result is accepted (finish_load). */
  if (imp_image_end_lacks_data (&ctx->end)
      || imp_image_end_cannot_fill (&ctx->end, MAX (ctx->expected_length, ctx->bytes_fed)))
    return refuse_missing_data (ctx, error);
  if (gdk_pixbuf_loader_write (ctx->loader, data, length, &local_error))
    return TRUE;
  if (ctx->refused_size)
    return set_size_error (ctx, error);
  return set_unreadable_error (ctx, local_error->message, error);
}

static guint32
read_be32 (const guint8 *p)
{
  guint32 v;

  memcpy (&v, p, sizeof v);
  return GUINT32_FROM_BE (v);
}

/* libpng refuses a zero width or height before gdk-pixbuf asks for the size,
 * which would read as "corrupt"; recognise that case to say what it is. */
static gboolean
png_declares_no_pixels (const guint8 *data,
                        gsize         length)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

  if (length < 24 || memcmp (data, signature, sizeof signature) != 0
      || memcmp (data + 12, "IHDR", 4) != 0)
    return FALSE;
  return read_be32 (data + 16) == 0 || read_be32 (data + 20) == 0;
}

static void
check_header (LoadContext  *ctx,
              const guint8 *data,
              gsize         length)
{
  if (ctx->bytes_fed == 0 && png_declares_no_pixels (data, length))
    {
      ctx->refused_size = TRUE;
      ctx->declared_width = read_be32 (data + 16);
      ctx->declared_height = read_be32 (data + 20);
    }
}

/* Every channel on 0..255, alpha composited over white so transparent parts
 * look as they do in an image viewer on a light background. */
static ImpImage *
image_from_pixbuf (GdkPixbuf *pixbuf)
{
  guint width = (guint) gdk_pixbuf_get_width (pixbuf);
  guint height = (guint) gdk_pixbuf_get_height (pixbuf);
  guint channels = (guint) gdk_pixbuf_get_n_channels (pixbuf);
  gsize rowstride = (gsize) gdk_pixbuf_get_rowstride (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  gboolean alpha = gdk_pixbuf_get_has_alpha (pixbuf);
  ImpImage *image = imp_image_new (width, height);
  float *planes[3];

  for (guint c = 0; c < 3; c++)
    planes[c] = imp_image_channel (image, c);

  for (guint y = 0; y < height; y++)
    {
      const guint8 *row = pixels + y * rowstride;

      for (guint x = 0; x < width; x++)
        {
          const guint8 *p = row + x * channels;
          float a = alpha ? p[3] / 255.0f : 1.0f;
          gsize i = (gsize) y * width + x;

          for (guint c = 0; c < 3; c++)
            planes[c][i] = p[c] * a + 255.0f * (1.0f - a);
        }
    }
  return image;
}

static ImpImage *
finish_load (LoadContext  *ctx,
             GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GdkPixbuf) oriented = NULL;
  GdkPixbuf *pixbuf;

  /* Before closing: GIF decodes there. */
  if (imp_image_end_cannot_fill (&ctx->end, ctx->bytes_fed))
    {
      refuse_missing_data (ctx, error);
      return NULL;
    }
  if (!gdk_pixbuf_loader_close (ctx->loader, &local_error))
    {
      if (ctx->refused_size)
        set_size_error (ctx, error);
      else
        set_unreadable_error (ctx, local_error->message, error);
      return NULL;
    }
  if (ctx->refused_size)
    {
      set_size_error (ctx, error);
      return NULL;
    }

  pixbuf = gdk_pixbuf_loader_get_pixbuf (ctx->loader);
  if (imp_image_end_state (&ctx->end) == IMP_IMAGE_END_MISSING)
    {
      set_unreadable_error (ctx, _("the file is truncated"), error);
      return NULL;
    }
  if (pixbuf == NULL)
    {
      set_unreadable_error (ctx, _("the file is empty or not an image"), error);
      return NULL;
    }
  if (gdk_pixbuf_get_bits_per_sample (pixbuf) != 8
      || gdk_pixbuf_get_colorspace (pixbuf) != GDK_COLORSPACE_RGB
      || gdk_pixbuf_get_n_channels (pixbuf) < 3)
    {
      set_unreadable_error (ctx, _("unsupported pixel format"), error);
      return NULL;
    }

  oriented = gdk_pixbuf_apply_embedded_orientation (pixbuf);
  return image_from_pixbuf (oriented != NULL ? oriented : pixbuf);
}

static void
load_context_init (LoadContext *ctx,
                   const char  *name,
                   guint        max_side)
{
  memset (ctx, 0, sizeof *ctx);
  ctx->loader = gdk_pixbuf_loader_new ();
  ctx->name = name;
  ctx->max_side = max_side;
  imp_image_end_init (&ctx->end);
  g_signal_connect (ctx->loader, "size-prepared", G_CALLBACK (on_size_prepared), ctx);
}

/* A loader must be closed before it is released, even after a failed write. */
static void
load_context_clear (LoadContext *ctx)
{
  if (ctx->loader == NULL)
    return;
  (void) gdk_pixbuf_loader_close (ctx->loader, NULL);
  g_clear_object (&ctx->loader);
}

/* Non-blocking open so a FIFO cannot hang us before the type check; the check
 * runs on the opened descriptor so a swapped path cannot slip through. */
static GInputStream *
open_regular_file (LoadContext  *ctx,
                   const char   *path,
                   GError      **error)
{
  struct stat st;
  int fd = open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, IMP_IMAGE_IO_ERROR, IMP_IMAGE_IO_ERROR_UNREADABLE,
                   _("Could not load “%s”: %s"), ctx->name, g_strerror (saved_errno));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      set_unreadable_error (ctx, S_ISDIR (st.st_mode) ? _("it is a folder")
                                                      : _("it is not a regular file"),
                            error);
      return NULL;
    }
  (void) fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
  ctx->expected_length = (guint64) st.st_size;
  return g_unix_input_stream_new (fd, TRUE);
}

static gboolean
feed_stream (LoadContext   *ctx,
             GInputStream  *stream,
             GError       **error)
{
  g_autofree guint8 *buffer = g_malloc (CHUNK_SIZE);

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = g_input_stream_read (stream, buffer, CHUNK_SIZE, NULL, &local_error);

      if (n < 0)
        return set_unreadable_error (ctx, local_error->message, error);
      if (n == 0)
        return TRUE;
      check_header (ctx, buffer, (gsize) n);
      if (ctx->refused_size)
        return set_size_error (ctx, error);
      if (!feed (ctx, buffer, (gsize) n, error))
        return FALSE;
    }
}

ImpImage *
imp_image_io_load (const char  *path,
                   guint        max_side,
                   GError     **error)
{
  g_autofree char *name = NULL;
  g_autoptr(GInputStream) stream = NULL;
  LoadContext ctx;
  ImpImage *image = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  name = g_filename_display_name (path);
  load_context_init (&ctx, name, max_side);
  stream = open_regular_file (&ctx, path, error);
  if (stream != NULL && feed_stream (&ctx, stream, error))
    {
      if (ctx.bytes_fed == 0)
        set_unreadable_error (&ctx, _("the file is empty"), error);
      else
        image = finish_load (&ctx, error);
    }
  load_context_clear (&ctx);
  return image;
}

ImpImage *
imp_image_io_load_bytes (GBytes  *bytes,
                         guint    max_side,
                         GError **error)
{
  LoadContext ctx;
  const guint8 *data;
  gsize length;
  gsize offset = 0;
  ImpImage *image = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &length);
  load_context_init (&ctx, _("image data"), max_side);
  ctx.expected_length = length;
  check_header (&ctx, data, length);
  if (ctx.refused_size)
    ok = set_size_error (&ctx, error);
  else if (length == 0)
    ok = set_unreadable_error (&ctx, _("the data is empty"), error);
  while (ok && offset < length)
    {
      gsize n = MIN (length - offset, CHUNK_SIZE);

      ok = feed (&ctx, data + offset, n, error);
      offset += n;
    }
  if (ok)
    image = finish_load (&ctx, error);
  load_context_clear (&ctx);
  return image;
}

/* Formats whose decoder knows the size only once it has everything (TIFF)
 * would be decoded whole: beyond this, the size stays unknown. */
#define SIZE_READ_LIMIT (4 * 1024 * 1024)

/* GIF and BMP sizes come from our own reading of their headers: gdk-pixbuf's
 * GIF loader tells the size only when it decodes, at the end. */
static gboolean
size_from_headers (LoadContext *ctx)
{
  guint width = 0, height = 0;

  imp_image_end_get_size (&ctx->end, &width, &height);
  if (width == 0 || height == 0)
    return FALSE;
  ctx->declared_width = width;
  ctx->declared_height = height;
  ctx->size_known = TRUE;
  ctx->refused_size = (guint64) width * height > IMP_IMAGE_IO_MAX_PIXELS;
  return TRUE;
}

static gboolean
feed_until_size (LoadContext   *ctx,
                 GInputStream  *stream,
                 GError       **error)
{
  g_autofree guint8 *buffer = g_malloc (CHUNK_SIZE);

  while (!ctx->size_known && ctx->bytes_fed < SIZE_READ_LIMIT)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = g_input_stream_read (stream, buffer, CHUNK_SIZE, NULL, &local_error);

      if (n < 0)
        return set_unreadable_error (ctx, local_error->message, error);
      if (n == 0)
        break;
      check_header (ctx, buffer, (gsize) n);
      ctx->bytes_fed += (guint64) n;
      imp_image_end_feed (&ctx->end, buffer, (gsize) n);
      if (!ctx->refused_size && !size_from_headers (ctx)
          && !gdk_pixbuf_loader_write (ctx->loader, buffer, (gsize) n, &local_error)
          && !ctx->size_known && !ctx->refused_size)
        return set_unreadable_error (ctx, local_error->message, error);
      if (ctx->refused_size)
        return set_size_error (ctx, error);
    }
  if (ctx->bytes_fed == 0)
    return set_unreadable_error (ctx, _("the file is empty"), error);
  return TRUE;
}

gboolean
imp_image_io_read_size (const char  *path,
                        guint       *width,
                        guint       *height,
                        GError     **error)
{
  g_autofree char *name = NULL;
  g_autoptr(GInputStream) stream = NULL;
  LoadContext ctx;
  gboolean ok = FALSE;

  g_return_val_if_fail (path != NULL && width != NULL && height != NULL, FALSE);

  name = g_filename_display_name (path);
  load_context_init (&ctx, name, 0);
  ctx.size_only = TRUE;
  stream = open_regular_file (&ctx, path, error);
  if (stream != NULL)
    ok = feed_until_size (&ctx, stream, error);
  *width = ok && ctx.size_known ? ctx.declared_width : 0;
  *height = ok && ctx.size_known ? ctx.declared_height : 0;
  load_context_clear (&ctx);
  return ok;
}

static const char *
format_for_path (const char *path)
{
  const char *dot = strrchr (path, '.');

  if (dot == NULL || strchr (dot, G_DIR_SEPARATOR) != NULL)
    return NULL;
  if (g_ascii_strcasecmp (dot, ".png") == 0)
    return "png";
  if (g_ascii_strcasecmp (dot, ".jpg") == 0 || g_ascii_strcasecmp (dot, ".jpeg") == 0)
    return "jpeg";
  return NULL;
}

static gboolean
write_to_atomic_file (const char  *buffer,
                      gsize        count,
                      GError     **error,
                      gpointer     user_data)
{
  return imp_atomic_file_write (user_data, buffer, count, error);
}

static gboolean
set_write_error (const char  *path,
                 GError      *cause,
                 GError     **error)
{
  g_autofree char *name = g_filename_display_name (path);

  /* The atomic file's messages already name the file; gdk-pixbuf's don't. */
  if (cause->domain == G_IO_ERROR)
    g_set_error_literal (error, IMP_IMAGE_IO_ERROR, IMP_IMAGE_IO_ERROR_WRITE, cause->message);
  else
    g_set_error (error, IMP_IMAGE_IO_ERROR, IMP_IMAGE_IO_ERROR_WRITE,
                 _("Could not write “%s”: %s"), name, cause->message);
  return FALSE;
}

gboolean
imp_image_io_save (const ImpImage  *image,
                   const char      *path,
                   GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ImpAtomicFile) file = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autofree guint8 *pixels = NULL;
  const char *format;
  gboolean ok;

  g_return_val_if_fail (image != NULL && image->width > 0 && image->height > 0, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  format = format_for_path (path);
  if (format == NULL)
    {
      g_autofree char *name = g_filename_display_name (path);

      g_set_error (error, IMP_IMAGE_IO_ERROR, IMP_IMAGE_IO_ERROR_FORMAT,
                   _("Could not write “%s”: the name must end in .png, .jpg or .jpeg"),
                   name);
      return FALSE;
    }

  pixels = imp_image_to_rgb8 (image);
  pixbuf = gdk_pixbuf_new_from_data (pixels, GDK_COLORSPACE_RGB, FALSE, 8,
                                     (int) image->width, (int) image->height,
                                     (int) image->width * 3, NULL, NULL);
  file = imp_atomic_file_new (path, &local_error);
  if (file == NULL)
    return set_write_error (path, local_error, error);

  if (g_str_equal (format, "jpeg"))
    ok = gdk_pixbuf_save_to_callback (pixbuf, write_to_atomic_file, file, format,
                                      &local_error, "quality", "95", NULL);
  else
    ok = gdk_pixbuf_save_to_callback (pixbuf, write_to_atomic_file, file, format,
                                      &local_error, NULL);
  if (!ok || !imp_atomic_file_commit (file, &local_error))
    return set_write_error (path, local_error, error);
  return TRUE;
}
