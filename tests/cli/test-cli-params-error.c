/* test-cli-params-error.c: the command line names the option of a wrong parameter
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "engine/imp-params.h"
#include "imp-cli-params-error.h"

typedef void (*Breaker) (ImpParams *p);

static void break_lr (ImpParams *p) { p->lr = -2.5; }
static void break_beta2 (ImpParams *p) { p->beta2 = 1.5; }
static void break_size (ImpParams *p) { p->size = 9999; }
static void break_tv (ImpParams *p) { p->tv_weight = -1; }
static void break_start (ImpParams *p) { p->start_size = 10000; }
static void break_factor (ImpParams *p) { p->scale_factor = 0.5; }
static void break_decay (ImpParams *p) { p->ema_decay = 2; }
static void break_layers (ImpParams *p) { p->style_layers.n_layers = 0; }
static void break_style_huge (ImpParams *p) { p->style_weight = 1e20; }
static void break_color_huge (ImpParams *p) { p->color_weight = 1e11; }
static void break_layer_huge (ImpParams *p) { p->content_layers.weights[0] = 1e300; }
static void break_epsilon_tiny (ImpParams *p) { p->epsilon = 1e-320; }

/* Every message starts with the option that sets the parameter and shows the
 * value given, which the engine's error only codes. */
static void
test_messages (void)
{
  static const struct { Breaker breaker; const char *want; } cases[] = {
    { break_lr, "--lr must be a number above 0 (got -2.5)" },
    { break_beta2, "--beta2 must be at least 0 and below 1 (got 1.5)" },
    { break_size, "--size must be at most 8192 (got 9999)" },
    { break_tv, "--tv-weight must be a number from 0 to 1e+10 (got -1)" },
    { break_start, "--start-size must be at most 8192 (got 10000)" },
    { break_factor, "--scale-factor must be above 1 and at most 4 (got 0.5)" },
    { break_decay, "--average-decay must be at least 0 and below 1 (got 2)" },
    { break_layers, "--style-layers: give at least one layer, with weights from 0 to 1e+10" },
    { break_style_huge, "--style-weight must be a number from 0 to 1e+10 (got 1e+20)" },
    { break_color_huge, "--color-weight must be a number from 0 to 1e+10 (got 1e+11)" },
    { break_layer_huge, "--content-layers: give at least one layer, with weights from 0 to 1e+10" },
    { break_epsilon_tiny, "--epsilon must be a number from 1e-12 to 1e+06 (got 9.99989e-321)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *message = NULL;
      ImpParams p;

      g_assert_true (imp_params_init_preset (&p, "best", NULL));
      cases[i].breaker (&p);
      g_assert_false (imp_params_validate (&p, &error));
      message = imp_cli_describe_params_error (error, &p);
      g_test_message ("%s -> %s", error->message, message);
      g_assert_cmpstr (message, ==, cases[i].want);
    }
}

/* Other errors keep their own words. */
static void
test_other_domain (void)
{
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such file");
  g_autofree char *message = NULL;
  ImpParams p;

  g_assert_true (imp_params_init_preset (&p, "best", NULL));
  message = imp_cli_describe_params_error (error, &p);
  g_assert_cmpstr (message, ==, "no such file");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/params-error/messages", test_messages);
  g_test_add_func ("/cli/params-error/other-domain", test_other_domain);
  return g_test_run ();
}
