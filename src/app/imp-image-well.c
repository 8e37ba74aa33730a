/* imp-image-well.c: one input picture: thumbnail, name, size; open, drop, paste
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Decoding happens on a GTask thread so a large file never stalls the window;
 * a newer load cancels an older one.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "media/imp-image-io.h"

#include "imp-export.h"
#include "imp-image-well.h"
#include "imp-texture.h"

typedef struct
{
  ImpImage   *image;
  GdkTexture *texture;
  char       *name;
  GFile      *file;
} Loaded;

struct _ImpImageWell
{
  GtkWidget      parent_instance;

  /* Template widgets */
  GtkLabel      *title_label;
  GtkMenuButton *samples_button;
  GtkFlowBox    *samples_box;
  GtkButton     *open_button;
  GtkStack      *thumb_stack;
  GtkImage      *picture;
  GtkSpinner    *spinner;
  GtkLabel      *name_label;
  GtkLabel      *size_label;

  /* Owned */
  GtkDropTarget *drop_target;
  GCancellable  *load_cancellable;
  ImpImage      *image;
  GdkTexture    *texture;
  GFile         *file;
  char          *name;

  /* State */
  guint          role;
  gboolean       samples_filled;
};

G_DEFINE_FINAL_TYPE (ImpImageWell, imp_image_well, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_ROLE,
  PROP_LOADING,
  N_PROPS
};

enum {
  LOADED,
  LOAD_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
loaded_free (Loaded *loaded)
{
  g_clear_pointer (&loaded->image, imp_image_free);
  g_clear_object (&loaded->texture);
  g_clear_object (&loaded->file);
  g_free (loaded->name);
  g_free (loaded);
}

static Loaded *
loaded_new (ImpImage   *image,
            GFile      *file,
            const char *name)
{
  Loaded *loaded = g_new0 (Loaded, 1);

  loaded->image = image;
  loaded->texture = imp_texture_new_from_image (image);
  loaded->file = file != NULL ? g_object_ref (file) : NULL;
  loaded->name = g_strdup (name);
  return loaded;
}

/* One sentence naming the file and what is wrong with it; @error is what GIO said. */
static GError *
describe_open_error (const char   *name,
                     const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("“%s” no longer exists."), name);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    return g_error_new (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                        _("“%s” cannot be read: you have no permission to read it."), name);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY))
    return g_error_new (G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY, _("“%s” is a folder, not an image."), name);
  return g_error_new (error->domain, error->code, _("“%s” cannot be read: %s."), name, error->message);
}

/* The bytes were read but are no picture: say what they are instead. */
static GError *
describe_decode_error (const char *name,
                       GBytes     *bytes)
{
  gsize size = 0;
  const guchar *data = g_bytes_get_data (bytes, &size);
  g_autofree char *type = NULL;
  g_autofree char *what = NULL;

  if (size == 0)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("“%s” is empty."), name);
  type = g_content_type_guess (NULL, data, size, NULL);
  if (!g_content_type_is_mime_type (type, "image/*"))
    {
      what = g_content_type_get_description (type);
      /* Translators: the second %s says what the file is, e.g. "plain text document" */
      return g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                          _("“%s” is not an image: it is a %s."), name, what);
    }
  return g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                      _("“%s” is damaged or in an image format that cannot be read."), name);
}

static void
load_file_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *name = g_file_get_basename (file);
  g_autoptr(GError) error = NULL;
  ImpImage *image;

  bytes = g_file_load_bytes (file, cancellable, NULL, &error);
  if (bytes == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_error (task, describe_open_error (name, error));
      return;
    }
  image = imp_image_io_load_bytes (bytes, IMP_IMAGE_WELL_MAX_SIDE, &error);
  if (image == NULL)
    {
      g_debug ("%s: %s", name, error->message);
      g_task_return_error (task, describe_decode_error (name, bytes));
      return;
    }
  g_task_return_pointer (task, loaded_new (image, file, name), (GDestroyNotify) loaded_free);
}

static void
load_texture_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  g_autoptr(ImpImage) image = imp_texture_to_image (task_data);
  ImpImage *fitted = image;
  guint side = MAX (image->width, image->height);

  if (side > IMP_IMAGE_WELL_MAX_SIDE)
    fitted = imp_image_resize_to_fit (image, IMP_IMAGE_WELL_MAX_SIDE);
  else
    image = NULL;
  g_task_return_pointer (task,
                         loaded_new (fitted, NULL, g_object_get_data (G_OBJECT (task), "name")),
                         (GDestroyNotify) loaded_free);
}

static void
show_current (ImpImageWell *self)
{
  g_autofree char *size = NULL;

  gtk_spinner_stop (self->spinner);
  if (self->image == NULL)
    {
      gtk_stack_set_visible_child_name (self->thumb_stack, "empty");
      return;
    }

  /* Translators: image size in pixels, width × height */
  size = g_strdup_printf (_("%u × %u pixels"), self->image->width, self->image->height);
  gtk_image_set_from_paintable (self->picture, GDK_PAINTABLE (self->texture));
  gtk_label_set_label (self->name_label, self->name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->name_label), self->name);
  gtk_label_set_label (self->size_label, size);
  gtk_stack_set_visible_child_name (self->thumb_stack, "image");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->open_button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->name,
                                  -1);
}

static void
on_loaded (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  ImpImageWell *self = IMP_IMAGE_WELL (object);
  g_autoptr(GError) error = NULL;
  Loaded *loaded = g_task_propagate_pointer (G_TASK (result), &error);

  /* A newer load replaced this one: it reports for itself. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->load_cancellable);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  if (loaded == NULL)
    {
      show_current (self);
      g_signal_emit (self, signals[LOAD_FAILED], 0, error);
      return;
    }

  g_clear_pointer (&self->image, imp_image_free);
  self->image = g_steal_pointer (&loaded->image);
  g_set_object (&self->texture, loaded->texture);
  g_set_object (&self->file, loaded->file);
  g_free (self->name);
  self->name = g_steal_pointer (&loaded->name);
  loaded_free (loaded);

  show_current (self);
  g_signal_emit (self, signals[LOADED], 0);
}

static GTask *
begin_load (ImpImageWell *self)
{
  GTask *task;

  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();

  gtk_stack_set_visible_child_name (self->thumb_stack, "loading");
  gtk_spinner_start (self->spinner);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);

  task = g_task_new (self, self->load_cancellable, on_loaded, NULL);
  g_task_set_return_on_cancel (task, TRUE);
  return task;
}

void
imp_image_well_load_file (ImpImageWell *self,
                          GFile        *file)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (IMP_IS_IMAGE_WELL (self));
  g_return_if_fail (G_IS_FILE (file));

  task = begin_load (self);
  g_task_set_source_tag (task, imp_image_well_load_file);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, load_file_thread);
}

void
imp_image_well_load_texture (ImpImageWell *self,
                             GdkTexture   *texture,
                             const char   *name)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (IMP_IS_IMAGE_WELL (self));
  g_return_if_fail (GDK_IS_TEXTURE (texture));

  task = begin_load (self);
  g_task_set_source_tag (task, imp_image_well_load_texture);
  g_task_set_task_data (task, g_object_ref (texture), g_object_unref);
  g_object_set_data_full (G_OBJECT (task), "name", g_strdup (name), g_free);
  g_task_run_in_thread (task, load_texture_thread);
}

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         ImpImageWell  *self)
{
  GFile *file = g_value_get_object (value);

  if (file == NULL)
    return FALSE;
  imp_image_well_load_file (self, file);
  return TRUE;
}

static void
on_file_chosen (GFile    *file,
                gpointer  user_data)
{
  if (file != NULL)
    imp_image_well_load_file (IMP_IMAGE_WELL (user_data), file);
}

void
imp_image_well_open (ImpImageWell *self)
{
  static const ImpFileType types[] = {
    { N_("Images"), "image/*", NULL },
    { N_("All Files"), NULL, "*" },
  };
  g_autofree char *title = NULL;
  g_autoptr(GFile) parent = NULL;
  ImpFileChoice choice = {
    .action = GTK_FILE_CHOOSER_ACTION_OPEN,
    .types = types,
    .n_types = G_N_ELEMENTS (types),
  };

  g_return_if_fail (IMP_IS_IMAGE_WELL (self));

  /* Translators: %s is "Content" or "Style" */
  title = g_strdup_printf (_("Open %s Image"), gtk_label_get_label (self->title_label));
  choice.title = title;
  if (self->file != NULL)
    parent = g_file_get_parent (self->file);
  if (parent != NULL && g_file_is_native (parent))
    choice.folder = parent;
  imp_export_choose_file (GTK_WIDGET (self), &choice, on_file_chosen, self);
}

static void
on_clipboard_texture (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(ImpImageWell) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (object),
                                                                     result, &error);

  if (texture == NULL)
    {
      g_autoptr(GError) wrapped = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                               _("The clipboard holds no image."));

      g_signal_emit (self, signals[LOAD_FAILED], 0, wrapped);
      return;
    }
  imp_image_well_load_texture (self, texture, _("Pasted image"));
}

void
imp_image_well_paste (ImpImageWell *self)
{
  GdkClipboard *clipboard;

  g_return_if_fail (IMP_IS_IMAGE_WELL (self));

  clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  gdk_clipboard_read_texture_async (clipboard, NULL, on_clipboard_texture, g_object_ref (self));
}

/* Enter, Space or a click on a sample: the flow box child itself has the
 * keyboard focus, so its activation is what loads the picture. */
static void
on_sample_activated (GtkFlowBox      *box,
                     GtkFlowBoxChild *child,
                     ImpImageWell    *self)
{
  const ImpSample *sample = g_object_get_data (G_OBJECT (child), "sample");
  g_autoptr(GFile) file = sample != NULL ? imp_samples_get_file (sample) : NULL;

  gtk_menu_button_popdown (self->samples_button);
  if (file != NULL)
    imp_image_well_load_file (self, file);
}

static GtkWidget *
sample_child_new (const ImpSample *sample)
{
  g_autoptr(GFile) file = imp_samples_get_file (sample);
  GtkWidget *child = gtk_flow_box_child_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *picture = gtk_image_new_from_file (g_file_peek_path (file));

  gtk_image_set_pixel_size (GTK_IMAGE (picture), 88);
  gtk_box_append (GTK_BOX (box), picture);
  gtk_box_append (GTK_BOX (box), gtk_label_new (_(sample->title)));
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_flow_box_child_set_child (GTK_FLOW_BOX_CHILD (child), box);
  gtk_widget_set_tooltip_text (child, _(sample->title));
  gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _(sample->title), -1);
  g_object_set_data (G_OBJECT (child), "sample", (gpointer) sample);
  return child;
}

/* Filled on first show: decoding the thumbnails costs time nobody needs at startup. */
static void
on_samples_show (ImpImageWell *self)
{
  if (self->samples_filled || imp_samples_get_dir () == NULL)
    return;
  self->samples_filled = TRUE;
  for (const ImpSample *s = imp_samples_list (); s->file != NULL; s++)
    if (s->role == self->role)
      gtk_flow_box_append (self->samples_box, sample_child_new (s));
}

static void
imp_image_well_dispose (GObject *object)
{
  ImpImageWell *self = IMP_IMAGE_WELL (object);
  GtkWidget *child;

  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), IMP_TYPE_IMAGE_WELL);
  /* Unnamed template children are not cleared by dispose_template. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->texture);
  g_clear_object (&self->file);

  G_OBJECT_CLASS (imp_image_well_parent_class)->dispose (object);
}

static void
imp_image_well_finalize (GObject *object)
{
  ImpImageWell *self = IMP_IMAGE_WELL (object);

  g_clear_pointer (&self->image, imp_image_free);
  g_free (self->name);

  G_OBJECT_CLASS (imp_image_well_parent_class)->finalize (object);
}

static void
imp_image_well_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ImpImageWell *self = IMP_IMAGE_WELL (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, gtk_label_get_label (self->title_label));
      break;
    case PROP_ROLE:
      g_value_set_uint (value, self->role);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, imp_image_well_get_loading (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_title (ImpImageWell *self,
           const char   *title)
{
  g_autofree char *label = NULL;

  gtk_label_set_label (self->title_label, title);
  /* Translators: accessible name of the image button, %s is "Content" or "Style" */
  label = g_strdup_printf (_("%s image: open a file"), title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->open_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
imp_image_well_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ImpImageWell *self = IMP_IMAGE_WELL (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      set_title (self, g_value_get_string (value));
      break;
    case PROP_ROLE:
      self->role = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
imp_image_well_class_init (ImpImageWellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = imp_image_well_dispose;
  object_class->finalize = imp_image_well_finalize;
  object_class->get_property = imp_image_well_get_property;
  object_class->set_property = imp_image_well_set_property;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROLE] =
    g_param_spec_uint ("role", NULL, NULL, IMP_SAMPLE_CONTENT, IMP_SAMPLE_STYLE, IMP_SAMPLE_CONTENT,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[LOADED] =
    g_signal_new ("loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* const GError * saying what went wrong; the previous picture stays. */
  signals[LOAD_FAILED] =
    g_signal_new ("load-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/impasto/Impasto/imp-image-well.ui");
  gtk_widget_class_bind_template_child (widget_class, ImpImageWell, title_label);
  gtk_widget_class_bind_template_child (widget_class, ImpImageWell, samples_button);
  gtk_widget_class_bind_template_child (widget_class, ImpImageWell, samples_box);
  gtk_widget_class_bind_template_child (widget_class, ImpImageWell, open_button);
  gtk_widget_class_bind_template_child (widget_class, ImpImageWell, thumb_stack);
  gtk_widget_class_bind_template_child (widget_class, ImpImageWell, picture);
  gtk_widget_class_bind_template_child (widget_class, ImpImageWell, spinner);
  gtk_widget_class_bind_template_child (widget_class, ImpImageWell, name_label);
  gtk_widget_class_bind_template_child (widget_class, ImpImageWell, size_label);
  gtk_widget_class_bind_template_callback (widget_class, imp_image_well_open);
  gtk_widget_class_bind_template_callback (widget_class, imp_image_well_paste);
  gtk_widget_class_bind_template_callback (widget_class, on_samples_show);
  gtk_widget_class_set_css_name (widget_class, "imp-image-well");
}

static void
imp_image_well_init (ImpImageWell *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->drop_target = gtk_drop_target_new (G_TYPE_FILE, GDK_ACTION_COPY);
  g_signal_connect (self->drop_target, "drop", G_CALLBACK (on_drop), self);
  g_signal_connect (self->samples_box, "child-activated", G_CALLBACK (on_sample_activated), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (self->drop_target));
}

const ImpImage *
imp_image_well_get_image (ImpImageWell *self)
{
  g_return_val_if_fail (IMP_IS_IMAGE_WELL (self), NULL);
  return self->image;
}

GdkTexture *
imp_image_well_get_texture (ImpImageWell *self)
{
  g_return_val_if_fail (IMP_IS_IMAGE_WELL (self), NULL);
  return self->texture;
}

const char *
imp_image_well_get_name (ImpImageWell *self)
{
  g_return_val_if_fail (IMP_IS_IMAGE_WELL (self), NULL);
  return self->name;
}

GFile *
imp_image_well_get_file (ImpImageWell *self)
{
  g_return_val_if_fail (IMP_IS_IMAGE_WELL (self), NULL);
  return self->file;
}

gboolean
imp_image_well_get_loading (ImpImageWell *self)
{
  g_return_val_if_fail (IMP_IS_IMAGE_WELL (self), FALSE);
  return self->load_cancellable != NULL;
}

GtkDropTarget *
imp_image_well_get_drop_target (ImpImageWell *self)
{
  g_return_val_if_fail (IMP_IS_IMAGE_WELL (self), NULL);
  return self->drop_target;
}
