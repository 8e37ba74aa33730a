/* imp-weights-download.h: running weights/fetch from the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The size of Keras' vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5
 * (weights/README.md), against which the partial download is measured. */
#define IMP_WEIGHTS_DOWNLOAD_SIZE G_GUINT64_CONSTANT (80134624)

#define IMP_TYPE_WEIGHTS_DOWNLOAD (imp_weights_download_get_type ())

G_DECLARE_FINAL_TYPE (ImpWeightsDownload, imp_weights_download, IMP, WEIGHTS_DOWNLOAD, GObject)

ImpWeightsDownload *imp_weights_download_new          (void);

/* The fetch script: the build tree's (with its converter), the installed one,
 * then the source tree's; NULL when there is none. */
char               *imp_weights_download_find_script  (void);

/* Runs the script (download, md5 check, conversion, install). "finished"
 * (const char *installed_path, const GError *error) follows; exactly one of
 * the two is NULL. FALSE when it cannot start. */
gboolean            imp_weights_download_start        (ImpWeightsDownload  *self,
                                                       GError             **error);
/* Ends the script and its curl; "finished" follows with G_IO_ERROR_CANCELLED. */
void                imp_weights_download_cancel       (ImpWeightsDownload  *self);

gboolean            imp_weights_download_get_running  (ImpWeightsDownload  *self);
/* 0..1 of the download; the conversion after it is not counted. */
double              imp_weights_download_get_fraction (ImpWeightsDownload  *self);

G_END_DECLS
