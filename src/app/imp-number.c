/* imp-number.c: numbers as people write and type them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GtkSpinButton shows a fixed number of decimals ("10.000"); these helpers show
 * what a person would write ("10") and keep an exact stored value (the square
 * root of 2) when its shown text is left as it is.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "imp-number.h"

char *
imp_format_number (double value,
                   int    significant)
{
  /* %g in the locale: a decimal comma where people write one. */
  g_autofree char *text = g_strdup_printf ("%.*g", significant, value);
  char *fixed;
  gsize len;

  if (strchr (text, 'e') == NULL)
    return g_steal_pointer (&text);
  /* No exponents for people: 0.00001 and 123456, without trailing zeros. */
  fixed = g_strdup_printf ("%.*f", MAX (0, significant - 1 - (int) floor (log10 (fabs (value)))), value);
  len = strlen (fixed);
  if (strpbrk (fixed, ".,") != NULL)
    {
      while (len > 0 && fixed[len - 1] == '0')
        fixed[--len] = '\0';
      if (len > 0 && (fixed[len - 1] == '.' || fixed[len - 1] == ','))
        fixed[--len] = '\0';
    }
  return fixed;
}

gboolean
imp_parse_number (const char *text,
                  double     *value)
{
  g_autofree char *copy = g_strstrip (g_strdup (text != NULL ? text : ""));
  char *end = NULL;
  double v;

  g_strdelimit (copy, ",", '.');
  if (*copy == '\0')
    return FALSE;
  v = g_ascii_strtod (copy, &end);
  if (end == copy || *end != '\0' || !isfinite (v))
    return FALSE;
  *value = v;
  return TRUE;
}

static int
significant_of (GtkSpinButton *spin)
{
  return GPOINTER_TO_INT (g_object_get_data (G_OBJECT (spin), "imp-significant"));
}

static gboolean
on_output (GtkSpinButton *spin,
           gpointer       user_data)
{
  g_autofree char *text = imp_format_number (gtk_spin_button_get_value (spin), significant_of (spin));

  if (g_strcmp0 (text, gtk_editable_get_text (GTK_EDITABLE (spin))) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static int
on_input (GtkSpinButton *spin,
          double        *new_value,
          gpointer       user_data)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));
  g_autofree char *shown = imp_format_number (gtk_spin_button_get_value (spin), significant_of (spin));

  /* Untouched text keeps the exact value behind it. */
  if (g_strcmp0 (text, shown) == 0)
    {
      *new_value = gtk_spin_button_get_value (spin);
      return TRUE;
    }
  if (imp_parse_number (text, new_value))
    return TRUE;
  return GTK_INPUT_ERROR;
}

static void
on_changed (GtkEditable   *editable,
            GtkSpinButton *spin)
{
  GtkAdjustment *adjustment = gtk_spin_button_get_adjustment (spin);
  double v;

  if (imp_parse_number (gtk_editable_get_text (editable), &v)
      && v >= gtk_adjustment_get_lower (adjustment)
      && v <= gtk_adjustment_get_upper (adjustment))
    gtk_widget_remove_css_class (GTK_WIDGET (spin), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (spin), "error");
}

void
imp_number_spin_setup (GtkSpinButton *spin,
                       int            significant)
{
  g_object_set_data (G_OBJECT (spin), "imp-significant", GINT_TO_POINTER (significant));
  g_signal_connect (spin, "output", G_CALLBACK (on_output), NULL);
  g_signal_connect (spin, "input", G_CALLBACK (on_input), NULL);
  g_signal_connect (spin, "changed", G_CALLBACK (on_changed), spin);
  on_output (spin, NULL);
}
