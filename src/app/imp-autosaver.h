/* imp-autosaver.h: keeps a crash-safe copy of the painting while a run paints
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imp-run-controller.h"

G_BEGIN_DECLS

#define IMP_TYPE_AUTOSAVER (imp_autosaver_get_type ())

G_DECLARE_FINAL_TYPE (ImpAutosaver, imp_autosaver, IMP, AUTOSAVER, GObject)

/* Writes what @controller paints (imp-autosave.h says where). "failed"
 * (const GError *) reports a write that did not succeed. */
ImpAutosaver *imp_autosaver_new          (ImpRunController *controller);

/* The input files the autosave names ("" or NULL for a pasted image). */
void          imp_autosaver_set_inputs   (ImpAutosaver     *self,
                                          const char       *content_path,
                                          const char       *style_path);
/* Writes the latest frame every @interval_s seconds until stopped; 0 writes nothing. */
void          imp_autosaver_start        (ImpAutosaver     *self,
                                          guint             interval_s);
void          imp_autosaver_stop         (ImpAutosaver     *self);
/* Writes the run's result now (a run has just delivered it). */
void          imp_autosaver_write_result (ImpAutosaver     *self);
/* Deletes the autosave: the painting was saved or discarded. A run still
 * painting writes again at its next beat unless stopped. */
void          imp_autosaver_discard      (ImpAutosaver     *self);

G_END_DECLS
