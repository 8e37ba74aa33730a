/* imp-window-private.h: ImpWindow's instance, shared by its source files and
 * read by the GUI tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The files call each other in one direction only: imp-window.c uses the
 * other three, imp-window-lost-work.c uses imp-window-actions.c, and
 * imp-window-actions.c and imp-window-restart.c use none of them.
 */
#pragma once

#include "imp-autosaver.h"
#include "imp-weights-page.h"
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
  AdwFlap          *flap;
  GtkWidget        *sidebar_button;
  GtkRevealer      *restart_revealer;
  GtkLabel         *restart_label;
  GtkLabel         *stale_label;
  ImpWeightsPage   *weights_page;
  ImpImageWell     *content_well;
  ImpImageWell     *style_well;
  GtkCheckButton   *blend_check;
  GtkScale         *blend_scale;
  ImpImageWell     *style2_well;
  ImpParamsPanel   *params_panel;
  ImpPreview       *preview;
  GtkToggleButton  *compare_button;
  GtkWidget        *preview_buttons;
  GtkProgressBar   *progress_bar;
  GtkLabel         *status_label;
  ImpLossPlot      *loss_plot;

  /* Owned */
  GSettings        *settings;
  ImpRunController *controller;
  ImpAutosaver     *autosaver;
  char             *weights_path;
  /* What the last run started with: restart keys, and the images the result
   * was painted from (to mark it stale when they change). */
  GVariantDict     *run_settings;
  GdkTexture       *run_content;
  GdkTexture       *run_style;
  char             *run_content_name;
  GdkTexture       *result_content;
  GdkTexture       *result_style;
  char             *result_content_name;
  /* The last toast shown, which tests read back. */
  AdwToast         *last_toast;

  /* State */
  guint             last_plotted;
  /* The progress line shown and the width it was fitted to. */
  ImpProgress       shown_progress;
  gboolean          showing_progress;
  int               fitted_width;
  guint             fold_idle_id;
  gboolean          restart_after_stop;
  /* Keep Painting is putting settings back: not a change to ask about. */
  gboolean          keeping_run;
  /* A result (finished, stopped or restored) that was neither saved nor discarded. */
  gboolean          unsaved;
  /* The user answered the close dialog: the next close goes through. */
  gboolean          close_confirmed;
  /* Save was chosen in the close dialog: close once the painting is saved. */
  gboolean          close_after_save;
  /* The close question while it is open: a second Ctrl+Q shows it again. */
  GtkWindow        *close_dialog;
  /* The offer of the last session's autosave, while it is shown. */
  AdwToast         *restore_toast;
};

/* imp-window-actions.c: running, saving, copying, zooming */
void     _imp_window_class_init_actions (GtkWidgetClass *widget_class);
void     _imp_window_update_actions     (ImpWindow      *self);
void     _imp_window_show_toast         (ImpWindow      *self,
                                         const char     *text);
void     _imp_window_set_weights_path   (ImpWindow      *self,
                                         const char     *path);
void     _imp_window_start              (ImpWindow      *self);
/* Shows the Save Painting chooser. */
void     _imp_window_ask_save_image     (ImpWindow      *self);

/* imp-window-restart.c: settings changed during a run */
void     _imp_window_class_init_restart (GtkWidgetClass *widget_class);
void     _imp_window_connect_restart    (ImpWindow      *self);
void     _imp_window_remember_run_settings (ImpWindow   *self);
void     _imp_window_ask_restart        (ImpWindow      *self,
                                         const char     *what);
void     _imp_window_hide_restart       (ImpWindow      *self);

/* imp-window-lost-work.c: close confirmation, offering the autosave back */
void     _imp_window_class_init_lost_work (GtkWidgetClass *widget_class);
gboolean _imp_window_confirm_close      (ImpWindow      *self);
void     _imp_window_offer_autosave     (ImpWindow      *self);

G_END_DECLS
