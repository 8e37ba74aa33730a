/* imp-window-private.h: ImpWindow's instance, shared by its source files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imp-weights-download.h"
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
  GtkBox           *download_box;
  GtkProgressBar   *download_progress;
  GtkLabel         *download_label;

  /* Owned */
  GSettings        *settings;
  ImpRunController *controller;
  char             *weights_path;
  char             *last_toast;
  ImpWeightsDownload *download;

  /* State */
  guint             last_plotted;
  gboolean          restart_asked;
  gboolean          restart_after_stop;
  /* A result (finished, stopped or restored) that was neither saved nor discarded. */
  gboolean          unsaved;
  /* The user answered the close dialog: the next close goes through. */
  gboolean          close_confirmed;
  /* Save was chosen in the close dialog: close once the painting is saved. */
  gboolean          close_after_save;
  guint             autosave_id;
  /* The close question while it is open: a second Ctrl+Q shows it again. */
  GtkWindow        *close_dialog;
  /* The offer of the last session's autosave, while it is shown. */
  AdwToast         *restore_toast;
  gboolean          autosave_busy;
};

/* imp-window-actions.c */
void imp_window_class_init_actions (GtkWidgetClass *widget_class);
void imp_window_update_actions     (ImpWindow      *self);
void imp_window_show_toast         (ImpWindow      *self,
                                    const char     *text);
void imp_window_set_weights_path   (ImpWindow      *self,
                                    const char     *path);
void imp_window_connect_download   (ImpWindow      *self);

/* imp-window-actions.c: shows the Save Painting chooser. */
void imp_window_ask_save_image     (ImpWindow      *self);

/* imp-window-lost-work.c: close confirmation, autosave, restore */
gboolean imp_window_confirm_close  (ImpWindow      *self);
void imp_window_autosave_start     (ImpWindow      *self);
void imp_window_autosave_stop      (ImpWindow      *self);
void imp_window_autosave_result    (ImpWindow      *self);
void imp_window_offer_autosave     (ImpWindow      *self);
void imp_window_mark_saved         (ImpWindow      *self,
                                    GFile          *file);
gboolean imp_window_is_input_file  (ImpWindow      *self,
                                    GFile          *file);
void imp_window_class_init_lost_work (GtkWidgetClass *widget_class);

/* imp-window.c */
void imp_window_start              (ImpWindow      *self);
void imp_window_emit_image_saved   (ImpWindow      *self,
                                    GFile          *file,
                                    const GError   *error);
void imp_window_emit_animation_saved (ImpWindow    *self,
                                      GFile        *file,
                                      const GError *error);

G_END_DECLS
