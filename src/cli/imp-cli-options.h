/* imp-cli-options.h: impasto-cli's command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "engine/imp-params.h"

G_BEGIN_DECLS

#define IMP_CLI_USAGE_ERROR (imp_cli_usage_error_quark ())

/* File names (content, styles, output, weights, log, folders, animation,
 * evaluate) are the bytes given, in the file name encoding, never empty;
 * show them with g_filename_display_name(). */
typedef struct
{
  char       *content;
  GPtrArray  *styles;            /* char *, in order */
  char       *output;
  char       *weights;           /* NULL = the lookup path */
  ImpParams   params;            /* preset first, then every explicit option */
  GArray     *style_blend;       /* double; NULL = equal weights */
  char       *log_json;
  guint       save_every;
  char       *save_dir;
  char       *animation;         /* .gif or .webp; NULL = none */
  guint       animation_frames;
  guint       animation_delay;   /* ms */
  guint       animation_size;    /* longer side */
  char       *evaluate;          /* print this image's losses instead of a run */
  gboolean    quiet;
  gboolean    save_on_interrupt;
  gboolean    list_presets;
  gboolean    version;
} ImpCliOptions;

GQuark         imp_cli_usage_error_quark  (void);

/* Parses argv. FALSE with a one-line message for any usage error (unknown
 * option, missing argument, value out of range, -s/--style-blend mismatch...). */
gboolean       imp_cli_options_parse      (ImpCliOptions  *options,
                                           int            *argc,
                                           char         ***argv,
                                           GError        **error);
void           imp_cli_options_clear      (ImpCliOptions  *options);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ImpCliOptions, imp_cli_options_clear)

G_END_DECLS
