/* fuzz-options.c: impasto-cli's command line and the layer lists in it
 *
 * The input is split at NUL bytes into arguments after "impasto-cli"; the
 * first argument is also given to imp_layer_set_parse directly, whose result
 * must survive a round trip through imp_layer_set_to_string.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "cli/imp-cli-options.h"
#include "fuzz-util.h"

#define MAX_ARGS 64

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

/* --help and friends print and exit(0) inside GOptionContext: not a finding. */
static gboolean
asks_for_help (const char *arg)
{
  if (g_str_has_prefix (arg, "--"))
    return g_str_has_prefix (arg, "--help");
  return arg[0] == '-' && (strchr (arg, 'h') != NULL || strchr (arg, '?') != NULL);
}

static void
check_layer_round_trip (const char *text)
{
  ImpLayerSet set, again;
  g_autofree char *printed = NULL;

  if (!imp_layer_set_parse (&set, text, NULL))
    return;
  g_assert (set.n_layers >= 1 && set.n_layers <= IMP_N_VGG_LAYERS);
  printed = imp_layer_set_to_string (&set);
  g_assert (imp_layer_set_parse (&again, printed, NULL));
  g_assert (again.n_layers == set.n_layers);
  for (guint i = 0; i < set.n_layers; i++)
    {
      g_assert (again.layers[i] == set.layers[i]);
      g_assert (again.weights[i] == set.weights[i]);
    }
}

static void
parse_command_line (GPtrArray *args)
{
  g_auto(ImpCliOptions) options = { 0 };
  g_autoptr(GError) error = NULL;
  /* GOptionContext reorders and removes from argv: give it a copy of the pointers. */
  g_autofree char **argv = g_new0 (char *, args->len + 1);
  int argc = (int) args->len;
  gboolean ok;

  memcpy (argv, args->pdata, sizeof (char *) * args->len);

  ok = imp_cli_options_parse (&options, &argc, &argv, &error);
  g_assert (ok == (error == NULL));
  if (!ok)
    g_assert (error->domain == IMP_CLI_USAGE_ERROR && error->message[0] != '\0');
  else if (!options.list_presets && !options.version)
    g_assert (options.content != NULL && options.output != NULL && options.styles->len > 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  size_t start = 0;

  g_ptr_array_add (args, g_strdup ("impasto-cli"));
  for (size_t i = 0; i <= size && args->len < MAX_ARGS; i++)
    if (i == size || data[i] == '\0')
      {
        char *arg = g_strndup ((const char *) data + start, i - start);

        if (args->len == 1)
          check_layer_round_trip (arg);
        if (asks_for_help (arg))
          g_free (arg);
        else
          g_ptr_array_add (args, arg);
        start = i + 1;
      }
  parse_command_line (args);
  return 0;
}
