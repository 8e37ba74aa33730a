/* imp-window-private.h: ImpWindow's instance, shared by its source files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imp-window.h"

G_BEGIN_DECLS

struct _ImpWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay  *toast_overlay;
  GtkButton        *start_button;
  GtkButton        *stop_button;
  GtkStack         *main_stack;
  AdwStatusPage    *weights_page;
  ImpImageWell     *content_well;
  ImpImageWell     *style_well;
  GtkCheckButton   *blend_check;
  GtkScale         *blend_scale;
  ImpImageWell     *style2_well;
  ImpParamsPanel   *params_panel;
  ImpPreview       *preview;
  GtkToggleButton  *compare_button;
  GtkProgressBar   *progress_bar;
  GtkLabel         *status_label;
  ImpLossPlot      *loss_plot;

  /* Owned */
  GSettings        *settings;
  ImpRunController *controller;
  char             *weights_path;
  char             *last_toast;

  /* State */
  guint             last_plotted;
  gboolean          restart_asked;
  gboolean          restart_after_stop;
};

/* imp-window-actions.c */
void imp_window_class_init_actions (GtkWidgetClass *widget_class);
void imp_window_update_actions     (ImpWindow      *self);
void imp_window_show_toast         (ImpWindow      *self,
                                    const char     *text);
void imp_window_set_weights_path   (ImpWindow      *self,
                                    const char     *path);

/* imp-window.c */
void imp_window_start              (ImpWindow      *self);
void imp_window_emit_image_saved   (ImpWindow      *self,
                                    GFile          *file,
                                    const GError   *error);
void imp_window_emit_animation_saved (ImpWindow    *self,
                                      GFile        *file,
                                      const GError *error);

G_END_DECLS
