/* impasto-weights.c: convert, inspect and verify VGG19 weights files
 *
 *   impasto-weights convert --from keras-h5 IN.h5 OUT.safetensors
 *   impasto-weights convert --from torchvision IN.safetensors OUT.safetensors
 *   impasto-weights info FILE
 *   impasto-weights verify FILE
 *
 * Exit status: 0 done, 1 failed, 2 usage error.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "imp-convert.h"
#include "engine/imp-safetensors.h"
#include "engine/imp-weights.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <hdf5.h>
#include <locale.h>
#include <string.h>

enum
{
  EXIT_OK = 0,
  EXIT_FAILED = 1,
  EXIT_USAGE = 2,
};

static int
usage_error (const char *message)
{
  g_printerr ("impasto-weights: %s\n", message);
  g_printerr (_("Try “impasto-weights --help”.\n"));
  return EXIT_USAGE;
}

static int
fail (GError *error)
{
  g_printerr ("impasto-weights: %s\n", error->message);
  return EXIT_FAILED;
}

/* Whether two paths name one file (same device and inode: a hard link, a
 * symbolic link or another spelling of the path). An output that does not
 * exist yet is no input. */
static gboolean
same_file (const char *input,
           const char *output)
{
  GStatBuf in, out;

  return g_stat (input, &in) == 0 && g_stat (output, &out) == 0 &&
         in.st_dev == out.st_dev && in.st_ino == out.st_ino;
}

static int
cmd_convert (int    argc,
             char **argv)
{
  g_autofree char *from = NULL;
  GOptionEntry entries[] = {
    { "from", 'f', 0, G_OPTION_ARG_STRING, &from,
      N_("Input format: keras-h5 or torchvision"), N_("FORMAT") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("IN OUT.safetensors"));
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpWeightSet) set = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _("Convert VGG19 weights into Impasto's safetensors "
                                           "format (weights/README.md)."));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (error->message);
  if (from == NULL)
    return usage_error (_("convert: --from keras-h5 or --from torchvision is required"));
  if (argc != 3)
    return usage_error (_("convert: give one input and one output file"));
  if (same_file (argv[1], argv[2]))
    {
      g_autofree char *output = g_filename_display_name (argv[2]);
      g_autofree char *message = g_strdup_printf (_("convert: “%s” is the input file itself; "
                                                    "give another output file"), output);

      return usage_error (message);
    }
  if (g_str_equal (from, "keras-h5"))
    set = imp_weight_set_from_keras_h5 (argv[1], &error);
  else if (g_str_equal (from, "torchvision"))
    set = imp_weight_set_from_torchvision (argv[1], &error);
  else
    return usage_error (_("convert: --from must be keras-h5 or torchvision"));
  if (set == NULL || !imp_weight_set_write (set, argv[2], &error))
    return fail (error);
  g_print (_("Wrote %s\n"), argv[2]);
  return EXIT_OK;
}

static int
info_safetensors (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpSafetensors) reader = imp_safetensors_open (path, &error);
  g_autofree char *header_text = NULL;
  g_autofree char *sha256 = NULL;
  GPtrArray *keys, *values, *tensors;

  if (reader == NULL)
    return fail (error);
  /* After the header was found sound: a broken file is refused at once. */
  sha256 = imp_file_sha256 (path, &error);
  if (sha256 == NULL)
    return fail (error);
  keys = imp_safetensors_get_meta_keys (reader);
  values = imp_safetensors_get_meta_values (reader);
  tensors = imp_safetensors_get_tensors (reader);
  header_text = g_strdup_printf ("%" G_GUINT64_FORMAT, imp_safetensors_get_header_size (reader));
  g_print (_("File: %s\nFormat: safetensors, header %s bytes\nsha256: %s\n"),
           path, header_text, sha256);
  g_print (_("Metadata:\n"));
  for (guint k = 0; k < keys->len; k++)
    g_print ("  %s: %s\n", (char *) keys->pdata[k], (char *) values->pdata[k]);
  g_print (_("Tensors (%u):\n"), tensors->len);
  for (guint t = 0; t < tensors->len; t++)
    {
      const ImpSafetensorsTensor *tensor = tensors->pdata[t];
      g_autofree char *shape = imp_safetensors_shape_text (tensor->shape, tensor->n_dims);

      g_print ("  %-16s %-4s %s\n", tensor->name, tensor->dtype, shape);
    }
  return EXIT_OK;
}

static int
info_keras (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpWeightSet) set = NULL;
  g_autofree char *sha256 = imp_file_sha256 (path, &error);

  if (sha256 == NULL)
    return fail (error);
  set = imp_weight_set_from_keras_h5 (path, &error);
  g_print (_("File: %s\nFormat: HDF5\nsha256: %s\n"), path, sha256);
  if (set == NULL)
    return fail (error);
  g_print (_("Keras VGG19 weights: all 16 convolutions readable; convert them with\n"
             "  impasto-weights convert --from keras-h5 %s vgg19-conv.safetensors\n"), path);
  return EXIT_OK;
}

/* HDF5's check opens the path itself: a FIFO must be turned away before. */
static gboolean
check_regular_path (const char  *path,
                    GError     **error)
{
  g_autofree char *display = g_filename_display_name (path);
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, IMP_CONVERT_ERROR, IMP_CONVERT_ERROR_INPUT,
                   _("%s: cannot open: %s"), display, g_strerror (saved));
      return FALSE;
    }
  return imp_safetensors_check_regular (display, st.st_mode, error);
}

static int
cmd_info (int    argc,
          char **argv)
{
  g_autoptr(GError) error = NULL;

  if (argc != 2)
    return usage_error (_("info: give one file"));
  if (!check_regular_path (argv[1], &error))
    return fail (error);
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
  if (H5Fis_hdf5 (argv[1]) > 0)
    return info_keras (argv[1]);
  return info_safetensors (argv[1]);
}

static int
cmd_verify (int    argc,
            char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ImpWeights) weights = NULL;
  g_autofree char *expected = NULL;
  const ImpPreprocess *pre;
  const char *sha256;

  if (argc != 2)
    return usage_error (_("verify: give one file"));
  /* hashed even when it was verified before: that is what verify is for */
  weights = imp_weights_load_verifying (argv[1], &error);
  if (weights == NULL)
    return fail (error);
  sha256 = imp_weights_get_sha256 (weights);
  /* a listed file that differs was refused by the load */
  expected = imp_weights_listed_sha256 (argv[1]);
  pre = imp_weights_get_preprocess (weights);
  g_print (_("%s: OK, the engine accepts it\n"), argv[1]);
  g_print ("sha256: %s%s\n", sha256, expected ? _(" (matches SHA256SUMS)") : "");
  g_print (_("input: %s, scale %g, mean %g,%g,%g, std %g,%g,%g\n"), pre->bgr ? "BGR" : "RGB",
           pre->scale, pre->mean[0], pre->mean[1], pre->mean[2],
           pre->std[0], pre->std[1], pre->std[2]);
  return EXIT_OK;
}

static void
print_help (void)
{
  g_print (_("Usage:\n"
             "  impasto-weights convert --from keras-h5 IN.h5 OUT.safetensors\n"
             "  impasto-weights convert --from torchvision IN.safetensors OUT.safetensors\n"
             "  impasto-weights info FILE\n"
             "  impasto-weights verify FILE\n"
             "\n"
             "Converts VGG19 ImageNet weights into Impasto's format, shows what a weights\n"
             "file holds, and checks a file as the application would load it.\n"
             "Exit status: 0 done, 1 failed, 2 usage error. See weights/README.md.\n"));
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      print_help ();
      return EXIT_USAGE;
    }
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
      g_str_equal (argv[1], "help"))
    {
      print_help ();
      return EXIT_OK;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("impasto-weights %s\n", PACKAGE_VERSION);
      return EXIT_OK;
    }
  if (g_str_equal (argv[1], "convert"))
    return cmd_convert (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "info"))
    return cmd_info (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "verify"))
    return cmd_verify (argc - 1, argv + 1);
  return usage_error (_("unknown command; use convert, info or verify"));
}
