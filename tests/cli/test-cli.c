/* test-cli.c: drives the real impasto-cli binary
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gif_lib.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <webp/demux.h>

#include "media/imp-image-io.h"
#include "test-util.h"

#define SENTINEL "not an image: must survive failed runs\n"

static char *cli_path;
static char *tmp_dir;
static const char *images_dir;

typedef struct
{
  int   status;     /* exit code, or 128 + signal */
  char *out;
  char *err;
} Result;

static void
result_clear (Result *r)
{
  g_free (r->out);
  g_free (r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static char *
test_image (const char *name)
{
  return g_build_filename (images_dir, name, NULL);
}

/* In the child before exec: files may grow to *@data bytes, and writing more
 * fails with EFBIG instead of killing the process (SIG_IGN survives exec). */
static void
limit_file_size (gpointer data)
{
  struct rlimit rl;

  rl.rlim_cur = rl.rlim_max = *(rlim_t *) data;
  signal (SIGXFSZ, SIG_IGN);
  setrlimit (RLIMIT_FSIZE, &rl);
}

/* Runs impasto-cli with @args (NULL-terminated) and @env_extra ("NAME=value"
 * entries, NULL-terminated, may be NULL); files it writes are limited to
 * @max_file_size bytes when it is not 0. */
static void
run_cli_limited (Result             *r,
                 const char * const *args,
                 const char * const *env_extra,
                 rlim_t              max_file_size)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) env = g_get_environ ();
  g_autoptr(GError) error = NULL;
  int wait_status = 0;

  g_ptr_array_add (argv, cli_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  for (guint i = 0; env_extra != NULL && env_extra[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (env_extra[i], "=", 2);

      env = kv[1] != NULL ? g_environ_setenv (env, kv[0], kv[1], TRUE)
                          : g_environ_unsetenv (env, kv[0]);
    }
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, env, G_SPAWN_DEFAULT,
                               max_file_size > 0 ? limit_file_size : NULL, &max_file_size,
                               &r->out, &r->err, &wait_status, &error));
  g_assert_no_error (error);
  r->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status)
                                      : 128 + WTERMSIG (wait_status);
}

static void
run_cli (Result             *r,
         const char * const *args,
         const char * const *env_extra)
{
  run_cli_limited (r, args, env_extra, 0);
}

static void
assert_one_line (const char *err)
{
  const char *nl = strchr (err, '\n');

  g_assert_nonnull (nl);
  g_assert_cmpstr (nl + 1, ==, "");
  g_assert_true (g_str_has_prefix (err, "impasto-cli: "));
  g_assert_cmpuint (strlen (err), >, strlen ("impasto-cli: ") + 10);
}

static gboolean
need_images (void)
{
  if (images_dir == NULL)
    {
      g_test_skip ("IMPASTO_TEST_IMAGES is not set: no test images");
      return FALSE;
    }
  if (g_getenv ("IMPASTO_WEIGHTS") == NULL)
    {
      g_test_skip ("IMPASTO_WEIGHTS is not set: no weights to run the network");
      return FALSE;
    }
  return TRUE;
}

static void
test_tiny_run (void)
{
  g_autofree char *content = NULL;
  g_autofree char *style = NULL;
  g_autofree char *out = tmp_path ("tiny.png");
  g_autofree char *log = tmp_path ("tiny.jsonl");
  g_autofree char *log_text = NULL;
  g_autoptr(ImpImage) image = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(Result) r = { 0 };

  if (!need_images ())
    return;
  content = test_image ("turtle.jpg");
  style = test_image ("wave.jpg");
  g_assert_true (g_file_set_contents (out, SENTINEL, -1, NULL));
  run_cli (&r, (const char *[]) { "-c", content, "-s", style, "-o", out, "--size", "32",
                                  "--iterations", "3", "--log-json", log, NULL }, NULL);
  g_test_message ("stdout: %s\nstderr: %s", r.out, r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_nonnull (strstr (r.out, "iteration 2/3"));

  image = imp_image_io_load (out, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (image->width, ==, 32);
  g_assert_cmpuint (image->height, ==, 24);

  g_assert_true (g_file_get_contents (log, &log_text, NULL, NULL));
  lines = g_strsplit (log_text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);   /* 3 lines + the empty rest */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *o;

      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, &error));
      o = json_node_get_object (json_parser_get_root (parser));
      g_assert_cmpint (json_object_get_int_member (o, "iteration"), ==, i);
      g_assert_cmpfloat (json_object_get_double_member (o, "total"), >, 1e6);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "total"),
                                      json_object_get_double_member (o, "style")
                                      + json_object_get_double_member (o, "content")
                                      + json_object_get_double_member (o, "tv")
                                      + json_object_get_double_member (o, "color"),
                                      1e-6 * json_object_get_double_member (o, "total"));
      g_assert_true (json_object_has_member (o, "seconds"));
    }
}

/* With no --preset the run is best's coarse to fine: it starts at
 * 128 px, the progress counts the iterations of all scales together, and the
 * picture has the output size. */
static void
test_default_coarse_to_fine (void)
{
  g_autofree char *content = NULL;
  g_autofree char *style = NULL;
  g_autofree char *out = tmp_path ("coarse.png");
  g_autoptr(ImpImage) image = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Result) r = { 0 };

  if (!need_images ())
    return;
  content = test_image ("turtle.jpg");
  style = test_image ("wave.jpg");
  run_cli (&r, (const char *[]) { "-c", content, "-s", style, "-o", out, "--size", "160",
                                  "--iterations", "3", NULL }, NULL);
  g_test_message ("stdout: %s\nstderr: %s", r.out, r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "iteration 0/3  128x96 "));
  g_assert_nonnull (strstr (r.out, "iteration 2/3  160x120 "));

  image = imp_image_io_load (out, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (image->width, ==, 160);
  g_assert_cmpuint (image->height, ==, 120);
}

/* Writes a PNG of @width x @height whose IHDR is right but whose pixel data is a
 * few bytes: decoders must refuse it by its declared size or as truncated. */
static guint32
crc32 (const guint8 *data,
       gsize         n,
       guint32       crc)
{
  crc = ~crc;
  for (gsize i = 0; i < n; i++)
    {
      crc ^= data[i];
      for (guint k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
  return ~crc;
}

static void
put_chunk (GByteArray   *png,
           const char   *type,
           const guint8 *data,
           guint32       n)
{
  guint8 be[4] = { n >> 24, n >> 16, n >> 8, n };
  guint32 crc;

  g_byte_array_append (png, be, 4);
  g_byte_array_append (png, (const guint8 *) type, 4);
  g_byte_array_append (png, data, n);
  crc = crc32 ((const guint8 *) type, 4, 0);
  crc = crc32 (data, n, crc);
  be[0] = crc >> 24; be[1] = crc >> 16; be[2] = crc >> 8; be[3] = crc;
  g_byte_array_append (png, be, 4);
}

static void
write_declared_png (const char *path,
                    guint32     width,
                    guint32     height)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  static const guint8 idat[] = { 0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01 };
  guint8 ihdr[13] = {
    width >> 24, width >> 16, width >> 8, width,
    height >> 24, height >> 16, height >> 8, height,
    8, 2, 0, 0, 0
  };
  g_autoptr(GByteArray) png = g_byte_array_new ();

  g_byte_array_append (png, signature, sizeof signature);
  put_chunk (png, "IHDR", ihdr, sizeof ihdr);
  put_chunk (png, "IDAT", idat, sizeof idat);
  put_chunk (png, "IEND", NULL, 0);
  g_assert_true (g_file_set_contents (path, (const char *) png->data, png->len, NULL));
}

typedef struct
{
  const char *name;
  int         expected;        /* exit code */
  const char *args[16];        /* %C content, %S style, %O output, %T tmp file prefix */
} BadCase;

static char *
expand (const char *arg,
        const char *content,
        const char *style,
        const char *output)
{
  if (g_strcmp0 (arg, "%C") == 0)
    return g_strdup (content);
  if (g_strcmp0 (arg, "%S") == 0)
    return g_strdup (style);
  if (g_strcmp0 (arg, "%O") == 0)
    return g_strdup (output);
  if (g_str_has_prefix (arg, "%T"))
    return tmp_path (arg + 2);
  return g_strdup (arg);
}

static void
prepare_bad_files (const char *content)
{
  g_autofree char *corrupt = tmp_path ("corrupt.jpg");
  g_autofree char *truncated = tmp_path ("truncated.jpg");
  g_autofree char *empty = tmp_path ("empty.png");
  g_autofree char *huge = tmp_path ("huge.png");
  g_autofree char *zero = tmp_path ("zero.png");
  g_autofree char *weights_trunc = tmp_path ("truncated.safetensors");
  g_autofree char *weights_garbage = tmp_path ("garbage.safetensors");
  g_autofree char *folder_gif = tmp_path ("folder.gif");
  g_autofree char *data = NULL;
  gsize len;
  guint8 noise[4096];

  for (guint i = 0; i < sizeof noise; i++)
    noise[i] = (guint8) (i * 2654435761u >> 13);
  g_assert_true (g_file_set_contents (corrupt, (const char *) noise, sizeof noise, NULL));
  g_assert_true (g_file_get_contents (content, &data, &len, NULL));
  g_assert_true (g_file_set_contents (truncated, data, len / 3, NULL));
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  write_declared_png (huge, 30000, 30000);
  g_assert_cmpint (g_mkdir_with_parents (folder_gif, 0700), ==, 0);
  write_declared_png (zero, 0, 0);
  g_clear_pointer (&data, g_free);
  g_assert_true (g_file_get_contents (g_getenv ("IMPASTO_WEIGHTS"), &data, &len, NULL));
  g_assert_true (g_file_set_contents (weights_trunc, data, MIN (len, 100000), NULL));
  g_assert_true (g_file_set_contents (weights_garbage, (const char *) noise, sizeof noise, NULL));
}

static const BadCase bad_cases[] = {
  { "missing content", 1, { "-c", "%Tnope.jpg", "-s", "%S", "-o", "%O" } },
  { "content is a folder", 1, { "-c", "/", "-s", "%S", "-o", "%O" } },
  { "corrupt content", 1, { "-c", "%Tcorrupt.jpg", "-s", "%S", "-o", "%O" } },
  { "truncated content", 1, { "-c", "%Ttruncated.jpg", "-s", "%S", "-o", "%O" } },
  { "empty style file", 1, { "-c", "%C", "-s", "%Tempty.png", "-o", "%O" } },
  { "30000x30000 style", 1, { "-c", "%C", "-s", "%Thuge.png", "-o", "%O" } },
  { "0x0 content", 1, { "-c", "%Tzero.png", "-s", "%S", "-o", "%O" } },
  { "weights missing", 1, { "-c", "%C", "-s", "%S", "-o", "%O", "--weights", "%Tnone.safetensors" } },
  { "weights truncated", 1, { "-c", "%C", "-s", "%S", "-o", "%O", "--weights", "%Ttruncated.safetensors" } },
  { "weights garbage", 1, { "-c", "%C", "-s", "%S", "-o", "%O", "--weights", "%Tgarbage.safetensors" } },
  { "output folder missing", 1, { "-c", "%C", "-s", "%S", "-o", "%Tno/such/dir/x.png" } },
  { "output under a file", 1, { "-c", "%C", "-s", "%S", "-o", "%Tcorrupt.jpg/x.png" } },
  { "memory limit", 1, { "-c", "%C", "-s", "%S", "-o", "%O", "--memory-limit", "1" } },
  { "output is the content", 2, { "-c", "%C", "-s", "%S", "-o", "%C" } },
  { "output is the style", 2, { "-c", "%C", "-s", "%S", "-s", "%C", "-o", "%S" } },
  { "output extension", 2, { "-c", "%C", "-s", "%S", "-o", "%Tout.gif" } },
  { "no output", 2, { "-c", "%C", "-s", "%S" } },
  { "no style", 2, { "-c", "%C", "-o", "%O" } },
  { "unknown option", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--colour", "red" } },
  { "stray argument", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "extra" } },
  { "size not a number", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--size", "big" } },
  { "size negative", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--size", "-5" } },
  { "size too large", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--size", "99999" } },
  { "scale factor 1", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--scale-factor", "1" } },
  { "scale factor 5", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--scale-factor", "5" } },
  { "start size too large", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--start-size", "9000" } },
  { "average decay 1", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--average-decay", "1" } },
  { "average decay negative", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--average-decay", "-0.5" } },
  { "color weight negative", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--color-weight", "-1" } },
  { "init unknown", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--init", "recoloured" } },
  { "iterations 0", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--iterations", "0" } },
  { "lr negative", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--lr", "-1" } },
  { "beta1 is 1", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--beta1", "1" } },
  { "epsilon nan", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--epsilon", "nan" } },
  { "style weight", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--style-weight", "-3" } },
  { "unknown preset", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--preset", "monet" } },
  { "unknown optimizer", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--optimizer", "sgd" } },
  { "unknown init", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--init", "zeros" } },
  { "unknown pool", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--pool", "min" } },
  { "bad style layer", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--style-layers", "conv9_1" } },
  { "bad layer weight", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--style-layers", "conv1_1:x" } },
  { "bad content layer", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--content-layers", "" } },
  { "blend count", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--style-blend", "0.5,0.5" } },
  { "blend all zero", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--style-blend", "0" } },
  { "style scale and size", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--style-scale", "0.5", "--style-size", "100" } },
  { "save-every alone", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--save-every", "5" } },
  { "threads", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--threads", "many" } },
  { "memory limit text", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--memory-limit", "1GB" } },
  { "animation extension", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--animation", "%Tanim.mp4" } },
  { "animation no extension", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--animation", "%Tanim" } },
  { "animation frames alone", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--animation-frames", "10" } },
  { "animation frames 1", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--animation", "%Ta.gif", "--animation-frames", "1" } },
  { "animation delay 5", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--animation", "%Ta.gif", "--animation-delay", "5" } },
  { "animation size 9999", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--animation", "%Ta.gif", "--animation-size", "9999" } },
  { "animation folder missing", 1, { "-c", "%C", "-s", "%S", "-o", "%O", "--animation", "%Tno/such/dir/a.gif" } },
  { "animation is a folder", 1, { "-c", "%C", "-s", "%S", "-o", "%O", "--animation", "%Tfolder.gif" } },
  { "seed negative", 2, { "-c", "%C", "-s", "%S", "-o", "%O", "--seed", "-1" } },
};

static void
run_bad_case (gconstpointer data)
{
  const BadCase *c = data;
  g_autofree char *content = NULL;
  g_autofree char *style = NULL;
  g_autofree char *output = tmp_path ("existing.png");
  g_autofree char *after = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_auto(Result) r = { 0 };

  if (!need_images ())
    return;
  content = test_image ("turtle.jpg");
  style = test_image ("wave.jpg");
  prepare_bad_files (content);
  g_assert_true (g_file_set_contents (output, SENTINEL, -1, NULL));

  /* Small and short by default; a case's own --size or --iterations comes
   * later on the command line and wins. */
  g_ptr_array_add (args, g_strdup ("--size"));
  g_ptr_array_add (args, g_strdup ("32"));
  g_ptr_array_add (args, g_strdup ("--iterations"));
  g_ptr_array_add (args, g_strdup ("2"));
  for (guint i = 0; c->args[i] != NULL; i++)
    g_ptr_array_add (args, expand (c->args[i], content, style, output));
  g_ptr_array_add (args, NULL);

  run_cli (&r, (const char * const *) args->pdata, NULL);
  g_test_message ("%s: status %d, stderr: %s", c->name, r.status, r.err);
  g_assert_cmpint (r.status, ==, c->expected);
  assert_one_line (r.err);
  g_assert_true (g_file_get_contents (output, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, SENTINEL);
  /* the inputs are never touched either */
  g_assert_true (g_file_test (content, G_FILE_TEST_IS_REGULAR));
}

/* With no weights anywhere, the error names the command that fetches them. */
static void
test_no_weights (void)
{
  g_autofree char *content = NULL;
  g_autofree char *style = NULL;
  g_autofree char *output = tmp_path ("existing.png");
  g_autofree char *xdg = tmp_path ("xdg");
  g_autofree char *xdg_env = g_strconcat ("XDG_DATA_HOME=", xdg, NULL);
  g_autofree char *after = NULL;
  g_auto(Result) r = { 0 };

  if (!need_images ())
    return;
  content = test_image ("turtle.jpg");
  style = test_image ("wave.jpg");
  g_assert_true (g_file_set_contents (output, SENTINEL, -1, NULL));
  run_cli (&r, (const char *[]) { "-c", content, "-s", style, "-o", output, "--size", "32",
                                  NULL },
           (const char *[]) { "IMPASTO_WEIGHTS", xdg_env, NULL });
  if (r.status == 0)
    {
      g_test_skip ("weights are installed or in the build tree: cannot test their absence");
      return;
    }
  g_assert_cmpint (r.status, ==, 1);
  assert_one_line (r.err);
  g_assert_nonnull (strstr (r.err, "weights/fetch"));
  g_assert_true (g_file_get_contents (output, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, SENTINEL);
}

/* Odd but valid images are converted and run: grey, alpha, 16-bit PNG, CMYK
 * JPEG (made with ImageMagick when present), a 1x1 image. */
static void
test_odd_images (void)
{
  static const char * const kinds[][2] = {
    { "gray.png", "-colorspace Gray" },
    { "alpha.png", "-alpha set -channel A -evaluate set 50% +channel" },
    { "deep.png", "-depth 16" },
    { "cmyk.jpg", "-colorspace CMYK" },
    { "one.png", "-resize 1x1!" },
  };
  g_autofree char *convert = g_find_program_in_path ("convert");
  g_autofree char *content = NULL;
  g_autofree char *style = NULL;

  if (!need_images ())
    return;
  if (convert == NULL)
    {
      g_test_skip ("ImageMagick's convert is not installed");
      return;
    }
  content = test_image ("turtle.jpg");
  style = test_image ("wave.jpg");
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *path = tmp_path (kinds[i][0]);
      g_autofree char *out = tmp_path ("odd-out.png");
      g_autofree char *cmd = g_strdup_printf ("%s '%s' -resize 64x64 %s '%s'", convert,
                                              content, kinds[i][1], path);
      g_autoptr(ImpImage) image = NULL;
      g_auto(Result) r = { 0 };
      int wait_status;

      g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &wait_status, NULL));
      g_assert_true (g_spawn_check_wait_status (wait_status, NULL));
      g_remove (out);
      run_cli (&r, (const char *[]) { "-c", path, "-s", style, "-o", out, "--size", "32",
                                      "--iterations", "1", "-q", NULL }, NULL);
      g_test_message ("%s: status %d %s", kinds[i][0], r.status, r.err);
      g_assert_cmpint (r.status, ==, 0);
      image = imp_image_io_load (out, 0, NULL);
      g_assert_nonnull (image);
      g_assert_cmpuint (MAX (image->width, image->height), ==, 32);
    }
}

static gboolean
wait_for_iteration (GDataInputStream *stream)
{
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (stream, NULL, NULL, NULL);

      if (line == NULL)
        return FALSE;
      if (g_str_has_prefix (line, "iteration"))
        return TRUE;
    }
}

/* Ctrl+C mid-run: exit 130 and the existing output untouched, or replaced by a
 * valid image with --save-on-interrupt. */
static void
interrupt_run (gboolean save)
{
  g_autofree char *content = NULL;
  g_autofree char *style = NULL;
  g_autofree char *output = tmp_path ("interrupted.png");
  g_autofree char *after = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) err_bytes = NULL;
  gint64 start;

  content = test_image ("turtle.jpg");
  style = test_image ("wave.jpg");
  g_assert_true (g_file_set_contents (output, SENTINEL, -1, NULL));
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                           &error, cli_path, "-c", content, "-s", style, "-o", output,
                           "--size", "96", "--iterations", "10000",
                           save ? "--save-on-interrupt" : "--seed=1", NULL);
  g_assert_no_error (error);
  stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  /* Interrupt a running iteration loop, not the loading. */
  g_assert_true (wait_for_iteration (stream));
  start = g_get_monotonic_time ();
  g_subprocess_send_signal (proc, SIGINT);
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  g_test_message ("stopped %.2f s after SIGINT", (g_get_monotonic_time () - start) / 1e6);
  /* Generous: a 96 px step takes a fraction of a second, but CI machines may be busy. */
  g_assert_cmpfloat ((g_get_monotonic_time () - start) / 1e6, <, 20.0);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 130);

  g_assert_true (g_file_get_contents (output, &after, NULL, NULL));
  if (save)
    {
      g_autoptr(ImpImage) image = imp_image_io_load (output, 0, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (image->width, ==, 96);
    }
  else
    g_assert_cmpstr (after, ==, SENTINEL);
}

/* Animations */

typedef struct
{
  guint n_frames;
  guint width;
  guint height;
} AnimInfo;

static void
decode_gif (const char *path,
            AnimInfo   *info)
{
  int err = 0;
  GifFileType *gif = DGifOpenFileName (path, &err);

  g_assert_nonnull (gif);
  g_assert_cmpint (DGifSlurp (gif), ==, GIF_OK);
  info->n_frames = (guint) gif->ImageCount;
  info->width = (guint) gif->SWidth;
  info->height = (guint) gif->SHeight;
  DGifCloseFile (gif, &err);
}

static void
decode_webp (const char *path,
             AnimInfo   *info)
{
  g_autofree char *bytes = NULL;
  gsize len = 0;
  WebPData data;
  WebPDemuxer *demux;

  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
  data.bytes = (const uint8_t *) bytes;
  data.size = len;
  demux = WebPDemux (&data);
  g_assert_nonnull (demux);
  g_assert_cmpuint (WebPDemuxGetI (demux, WEBP_FF_FORMAT_FLAGS) & ANIMATION_FLAG, !=, 0);
  info->n_frames = WebPDemuxGetI (demux, WEBP_FF_FRAME_COUNT);
  info->width = WebPDemuxGetI (demux, WEBP_FF_CANVAS_WIDTH);
  info->height = WebPDemuxGetI (demux, WEBP_FF_CANVAS_HEIGHT);
  WebPDemuxDelete (demux);
}

/* A 12-iteration run at 32 px with at most @cap frames writes both the picture
 * and an animation of the output's size that decodes. */
static void
check_animation_run (const char *name,
                     const char *cap,
                     guint       min_frames,
                     guint       max_frames)
{
  g_autofree char *content = NULL;
  g_autofree char *style = NULL;
  g_autofree char *output = tmp_path ("anim.png");
  g_autofree char *anim = tmp_path (name);
  g_autoptr(ImpImage) image = NULL;
  g_autoptr(GError) error = NULL;
  AnimInfo info = { 0 };
  g_auto(Result) r = { 0 };

  if (!need_images ())
    return;
  content = test_image ("turtle.jpg");
  style = test_image ("wave.jpg");
  g_remove (output);
  run_cli (&r, (const char *[]) { "-c", content, "-s", style, "-o", output, "--size", "32",
                                  "--iterations", "12", "--animation", anim,
                                  "--animation-frames", cap, "--quiet", NULL }, NULL);
  g_test_message ("stderr: %s", r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.err, ==, "");
  image = imp_image_io_load (output, 0, &error);
  g_assert_no_error (error);

  if (g_str_has_suffix (name, ".gif"))
    decode_gif (anim, &info);
  else
    decode_webp (anim, &info);
  g_test_message ("%s: %u frames of %ux%u", name, info.n_frames, info.width, info.height);
  /* frames are never larger than the output (--animation-size 512 > 32) */
  g_assert_cmpuint (info.width, ==, 32);
  g_assert_cmpuint (info.height, ==, 24);
  g_assert_cmpuint (info.n_frames, >=, min_frames);
  g_assert_cmpuint (info.n_frames, <=, max_frames);
}

static void
test_animation_gif (void)
{
  /* 13 iterates (0..12): all kept under the default cap of 60 */
  check_animation_run ("anim.gif", "60", 13, 13);
}

static void
test_animation_webp (void)
{
  /* libwebp may merge nearly identical frames: at most the cap */
  check_animation_run ("anim.webp", "5", 2, 5);
}

/* The animation fails after the run (files may not grow past 8 KB: the PNG at
 * 32 px is about 2 KB, the GIF about 20 KB): exit 1, the picture is written
 * (it is saved first), the earlier animation file is untouched and no
 * temporary file is left. */
static void
test_animation_write_fails (void)
{
  g_autofree char *content = NULL;
  g_autofree char *style = NULL;
  g_autofree char *dir = tmp_path ("anim-fail");
  g_autofree char *output = g_build_filename (dir, "out.png", NULL);
  g_autofree char *anim = g_build_filename (dir, "anim.gif", NULL);
  g_autofree char *after = NULL;
  g_autoptr(ImpImage) image = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) listing = NULL;
  guint n_files = 0;
  g_auto(Result) r = { 0 };

  if (!need_images ())
    return;
  content = test_image ("turtle.jpg");
  style = test_image ("wave.jpg");
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (anim, SENTINEL, -1, NULL));
  run_cli_limited (&r, (const char *[]) { "-c", content, "-s", style, "-o", output,
                                          "--size", "32", "--iterations", "12",
                                          "--animation", anim, "--quiet", NULL },
                   NULL, 8192);
  g_test_message ("status %d, stderr: %s", r.status, r.err);
  g_assert_cmpint (r.status, ==, 1);
  assert_one_line (r.err);
  g_assert_nonnull (strstr (r.err, "anim.gif"));
  image = imp_image_io_load (output, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (image->width, ==, 32);
  g_assert_true (g_file_get_contents (anim, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, SENTINEL);
  listing = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  while (g_dir_read_name (listing) != NULL)
    n_files++;
  g_assert_cmpuint (n_files, ==, 2);
}

/* --evaluate prints the losses of a picture: the content image itself has
 * content loss 0 and a style loss; the style image has both above 0. The
 * last line is "style S content C tv T total X"; the line before it JSON
 * with each style layer's part and the palette distance to each style. */
static void
parse_losses (const char *out,
              double     *style,
              double     *content,
              double     *palette)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  guint n = g_strv_length (lines);
  JsonObject *root, *layers;
  JsonArray *palettes;
  double tv, total, sum = 0;

  /* two lines, each ended by a newline */
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpstr (lines[2], ==, "");
  g_assert_cmpint (sscanf (lines[1], "style %lf content %lf tv %lf total %lf", style, content,
                           &tv, &total), ==, 4);

  json_parser_load_from_data (parser, lines[0], -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  /* the default preset's colour term is in the total, and only in the JSON */
  g_assert_cmpfloat (json_object_get_double_member (root, "color"), >, 0.0);
  g_assert_cmpfloat_with_epsilon (total, *style + *content + tv
                                  + json_object_get_double_member (root, "color"),
                                  1e-4 * total);
  layers = json_object_get_object_member (root, "style_layers");
  g_assert_cmpuint (json_object_get_size (layers), ==, 5);
  for (guint l = 1; l <= 5; l++)
    {
      g_autofree char *name = g_strdup_printf ("conv%u_1", l);
      sum += json_object_get_double_member (layers, name);
    }
  g_assert_cmpfloat_with_epsilon (sum, *style, 1e-4 * *style + 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (root, "content"), *content,
                                  1e-4 * *content + 1e-9);
  palettes = json_object_get_array_member (root, "palette");
  g_assert_cmpuint (json_array_get_length (palettes), ==, 1);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (
                   json_array_get_object_element (palettes, 0), "style"), "wave.jpg"));
  *palette = json_object_get_double_member (json_array_get_object_element (palettes, 0),
                                            "distance");
}

static void
test_evaluate (void)
{
  g_autofree char *content = NULL;
  g_autofree char *style = NULL;
  g_auto(Result) a = { 0 };
  g_auto(Result) b = { 0 };
  double style_a, content_a, palette_a, style_b, content_b, palette_b;

  if (!need_images ())
    return;
  content = test_image ("turtle.jpg");
  style = test_image ("wave.jpg");
  run_cli (&a, (const char *[]) { "-c", content, "-s", style, "--size", "32",
                                  "--evaluate", content, NULL }, NULL);
  g_test_message ("content: %s%s", a.out, a.err);
  g_assert_cmpint (a.status, ==, 0);
  parse_losses (a.out, &style_a, &content_a, &palette_a);
  g_assert_cmpfloat (content_a, ==, 0.0);
  g_assert_cmpfloat (style_a, >, 0.0);

  run_cli (&b, (const char *[]) { "-c", content, "-s", style, "--size", "32",
                                  "--evaluate", style, NULL }, NULL);
  g_test_message ("style: %s%s", b.out, b.err);
  g_assert_cmpint (b.status, ==, 0);
  parse_losses (b.out, &style_b, &content_b, &palette_b);
  g_assert_cmpfloat (content_b, >, 0.0);
  /* the style image (squeezed to the content's shape) is nearer its own style,
   * in its Gram matrices and in its colours */
  g_assert_cmpfloat (style_b, <, style_a);
  g_assert_cmpfloat (palette_b, <, 0.5 * palette_a);
}

static void
test_interrupt (void)
{
  if (!need_images ())
    return;
  interrupt_run (FALSE);
}

static void
test_interrupt_save (void)
{
  if (!need_images ())
    return;
  interrupt_run (TRUE);
}

static void
test_save_every (void)
{
  g_autofree char *content = NULL;
  g_autofree char *style = NULL;
  g_autofree char *output = tmp_path ("every.png");
  g_autofree char *dir = tmp_path ("every");
  g_autofree char *second = g_build_filename (dir, "impasto-000004.png", NULL);
  g_autofree char *third = g_build_filename (dir, "impasto-000006.png", NULL);
  g_auto(Result) r = { 0 };

  if (!need_images ())
    return;
  content = test_image ("turtle.jpg");
  style = test_image ("wave.jpg");
  run_cli (&r, (const char *[]) { "-c", content, "-s", style, "-o", output, "--size", "32",
                                  "--iterations", "5", "--save-every", "2", "--save-dir", dir,
                                  "--quiet", NULL }, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, "");
  g_assert_true (g_file_test (second, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (third, G_FILE_TEST_IS_REGULAR));
}

static void
test_help_and_presets (void)
{
  g_auto(Result) help = { 0 };
  g_auto(Result) presets = { 0 };
  static const char * const names[] = {
    "--content", "--style", "--output", "--preset", "--weights", "--size", "--style-size",
    "--iterations", "--content-weight", "--style-weight", "--tv-weight", "--content-layers",
    "--style-layers", "--style-blend", "--optimizer", "--lr", "--beta1", "--beta2",
    "--epsilon", "--init", "--seed", "--pool", "--threads", "--memory-limit", "--log-json",
    "--save-every", "--save-dir", "--quiet", "--save-on-interrupt", "--style-scale",
    "--preserve-colors", "--start-size", "--scale-factor", "--average-decay", "--color-weight",
  };

  run_cli (&help, (const char *[]) { "--help", NULL }, NULL);
  g_assert_cmpint (help.status, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *needle = g_strconcat (names[i], "=", NULL);

      if (strstr (help.out, needle) == NULL && strstr (help.out, names[i]) == NULL)
        g_error ("--help does not list %s", names[i]);
    }
  run_cli (&presets, (const char *[]) { "--list-presets", NULL }, NULL);
  g_assert_cmpint (presets.status, ==, 0);
  g_assert_cmpstr (presets.out, ==, "tutorial\ngatys\nfast\nbest (default)\npatient\n");
}

int
main (int    argc,
      char **argv)
{
  const char *build = g_getenv ("IMPASTO_BUILD_DIR");
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  images_dir = g_getenv ("IMPASTO_TEST_IMAGES");
  if (images_dir != NULL && *images_dir == '\0')
    images_dir = NULL;
  cli_path = g_build_filename (build != NULL ? build : ".", "src", "cli", "impasto-cli", NULL);
  tmp_dir = g_dir_make_tmp ("impasto-cli-test-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/cli/help-and-presets", test_help_and_presets);
  g_test_add_func ("/cli/tiny-run", test_tiny_run);
  g_test_add_func ("/cli/default-coarse-to-fine", test_default_coarse_to_fine);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cli/bad/%s", bad_cases[i].name);

      g_strdelimit (path + 5, " ", '-');
      g_test_add_data_func (path, &bad_cases[i], run_bad_case);
    }
  g_test_add_func ("/cli/no-weights", test_no_weights);
  g_test_add_func ("/cli/odd-images", test_odd_images);
  g_test_add_func ("/cli/save-every", test_save_every);
  g_test_add_func ("/cli/animation-gif", test_animation_gif);
  g_test_add_func ("/cli/animation-webp", test_animation_webp);
  g_test_add_func ("/cli/animation-write-fails", test_animation_write_fails);
  g_test_add_func ("/cli/evaluate", test_evaluate);
  g_test_add_func ("/cli/interrupt", test_interrupt);
  g_test_add_func ("/cli/interrupt-save", test_interrupt_save);

  status = g_test_run ();
  test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  g_free (cli_path);
  return status;
}
