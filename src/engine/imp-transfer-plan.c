/* imp-transfer-plan.c: what a run needs, from the images' sizes alone: its
 * scales, its memory and its time
 *
 * The command line and the window ask these questions before any image is
 * decoded; imp_transfer_new() plans its scales with the same functions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "imp-transfer-plan.h"
#include "imp-transfer-plan-private.h"

#include <math.h>
#include <unistd.h>

#include "imp-lbfgs.h"
#include "imp-objective.h"
#include "imp-vgg-layers.h"

G_DEFINE_QUARK (imp-transfer-error-quark, imp_transfer_error)

#define MIB (1024.0 * 1024.0)

/* What a run holds besides its images and the objective's buffers: the weights
 * file as loaded, OpenBLAS's per-thread buffers, the C runtime. Sized from
 * measured peak RSS (docs/engine-tuning.md). */
#define RUNTIME_OVERHEAD ((guint64) 160 * 1024 * 1024)

/* Scales */

/* The style image's longer side at a scale whose longer side is @scale_long
 * (defaults to --size, 0 = own size; or --style-scale times the output's). */
guint
_imp_transfer_style_long_side (const ImpParams *p,
                               const ImpImage  *style,
                               guint            out_long,
                               guint            scale_long)
{
  guint own = _imp_longer_side (style->width, style->height);
  double final;

  if (p->style_scale > 0.0)
    final = p->style_scale * out_long;
  else if (p->style_size > 0)
    return (guint) p->style_size;        /* an explicit size holds at every scale */
  else if (p->style_size == 0 || p->size == 0)
    final = own;
  else
    final = p->size;
  return MAX (1, (guint) floor (final * scale_long / out_long + 0.5));
}

/* The scales of a run whose output is @out_width x @out_height, smallest first. */
ImpScale *
_imp_transfer_plan_scales (const ImpParams *p,
                           guint            out_width,
                           guint            out_height,
                           guint           *n_scales)
{
  guint out_long = _imp_longer_side (out_width, out_height);
  ImpScale *scales;
  GArray *sides = g_array_new (FALSE, FALSE, sizeof (guint));
  double first = p->first_scale_weight > 0.0 ? p->first_scale_weight : 2.0;
  double last = p->last_scale_weight > 0.0 ? p->last_scale_weight : 1.0;
  double total_weight;
  guint given = 0;

  if (p->start_size > 0 && p->start_size < out_long)
    for (double s = p->start_size; s < out_long - 0.5; s *= p->scale_factor)
      {
        guint side = (guint) floor (s + 0.5);
        g_array_append_val (sides, side);
      }
  g_array_append_val (sides, out_long);
  /* Each scale needs at least one iteration; with fewer, keep the last ones. */
  if (sides->len > p->iterations)
    g_array_remove_range (sides, 0, sides->len - p->iterations);

  *n_scales = sides->len;
  scales = g_new0 (ImpScale, *n_scales);
  /* The first scale starts from scratch and gets a larger share (double by
   * default, as crowsonkb/style-transfer-pytorch does); the middle ones
   * continue from the previous one and get one share each; the last, at the
   * output size, may get more (it alone makes the picture's fine detail) and
   * gets what rounding left. */
  if (*n_scales == 1)
    first = last = 1.0;
  total_weight = first + last + ((double) *n_scales - 2.0);
  for (guint k = 0; k < *n_scales; k++)
    {
      ImpScale *s = &scales[k];
      double weight = k == 0 ? first : k + 1 == *n_scales ? last : 1.0;
      /* (the nudge keeps 60 x 2 / (10 / 3) from rounding down to 35) */
      guint share = (guint) floor (p->iterations * weight / total_weight + 1e-9);

      imp_image_fit_size (out_width, out_height,
                          g_array_index (sides, guint, k), &s->width, &s->height);
      /* Never more than what is left for one iteration per later scale. */
      s->n_iterations = CLAMP (share, 1, p->iterations - given - (*n_scales - 1 - k));
      given += s->n_iterations;
    }
  scales[*n_scales - 1].n_iterations += p->iterations - given;
  g_array_unref (sides);
  return scales;
}

/* Memory */

static guint64
physical_memory (void)
{
  long pages = sysconf (_SC_PHYS_PAGES);
  long page_size = sysconf (_SC_PAGE_SIZE);

  if (pages <= 0 || page_size <= 0)
    return G_GUINT64_CONSTANT (4) << 30;
  return (guint64) pages * (guint64) page_size;
}

guint64
imp_transfer_default_memory_limit (void)
{
  return physical_memory () / 4 * 3;
}

static guint64
memory_limit (const ImpParams *params)
{
  if (params->memory_limit > 0)
    return params->memory_limit;
  return imp_transfer_default_memory_limit ();
}

/* L-BFGS's pairs at the last scale, the largest: it starts them again at
 * each scale and adds at most one an iteration after the first. */
static guint
lbfgs_pairs (const ImpParams *params,
             guint            width,
             guint            height)
{
  g_autofree ImpScale *scales = NULL;
  guint n_scales = 0;

  if (params->iterations == 0)
    return 0;
  scales = _imp_transfer_plan_scales (params, width, height, &n_scales);
  return MIN (scales[n_scales - 1].n_iterations - 1, params->lbfgs_history);
}

/* Optimiser state, iterate and its previous value, gradient, best, average
 * and content at the output size, @width x @height. */
static guint64
session_memory (const ImpParams *params,
                guint            width,
                guint            height)
{
  gsize n = (gsize) 3 * width * height;
  guint64 bytes = (guint64) 6 * n * sizeof (float);

  if (params->optimizer == IMP_OPTIMIZER_LBFGS)
    bytes += imp_lbfgs_estimate_memory (n, lbfgs_pairs (params, width, height));
  else
    bytes += (guint64) 2 * n * sizeof (float);
  return bytes;
}

guint64
imp_transfer_estimate_memory (const ImpParams *params,
                              guint            content_width,
                              guint            content_height)
{
  guint w, h;

  imp_image_fit_size (content_width, content_height, params->size, &w, &h);
  /* Styles are assumed about as large as the output; imp_transfer_new() refines
   * this with their real sizes. Coarse to fine frees a scale's objective
   * before it makes the next one's: the last scale's is the largest. */
  return imp_objective_estimate_memory (params, w, h)
         + session_memory (params, w, h)
         + (guint64) 3 * w * h * sizeof (float)
         + RUNTIME_OVERHEAD;
}

/* An image of @width x @height, for _imp_transfer_style_long_side() on sizes alone. */
static ImpImage
sized_image (guint width,
             guint height)
{
  ImpImage image = { width, height, NULL };

  return image;
}

static gboolean
check_memory (const ImpParams *p,
              const guint     *sizes,
              guint            n_styles,
              guint64          extra_bytes,
              GError         **error)
{
  guint out_width, out_height, out_long;
  guint64 peak, need, limit = memory_limit (p);
  guint64 style_bytes = 0;

  imp_image_fit_size (sizes[0], sizes[1], p->size, &out_width, &out_height);
  out_long = _imp_longer_side (out_width, out_height);
  peak = imp_objective_estimate_memory (p, out_width, out_height);
  for (guint i = 0; i < n_styles; i++)
    {
      ImpImage s = sized_image (sizes[2 + 2 * i], sizes[3 + 2 * i]);
      guint w, h;

      imp_image_fit_size (s.width, s.height,
                          _imp_transfer_style_long_side (p, &s, out_long, out_long), &w, &h);
      /* Style targets are computed by a forward pass at the style's own size. */
      peak = MAX (peak, imp_objective_estimate_memory (p, w, h));
      style_bytes += (guint64) 3 * w * h * sizeof (float);
      /* The caller's images stay alive during the run too. */
      style_bytes += (guint64) 3 * s.width * s.height * sizeof (float);
    }
  need = peak + session_memory (p, out_width, out_height) + style_bytes
         + (guint64) 3 * sizes[0] * sizes[1] * sizeof (float) + RUNTIME_OVERHEAD + extra_bytes;
  if (need <= limit)
    return TRUE;

  g_set_error (error, IMP_TRANSFER_ERROR, IMP_TRANSFER_ERROR_TOO_LARGE,
               "This run needs about %.0f MB of memory at %u×%u, more than the limit of %.0f MB; "
               "choose a smaller size or raise the memory limit",
               need / MIB, out_width, out_height, limit / MIB);
  return FALSE;
}

static ImpVggLayer
deepest_layer (const ImpParams *p)
{
  guint deepest = 0;

  for (guint i = 0; i < p->content_layers.n_layers; i++)
    deepest = MAX (deepest, p->content_layers.layers[i]);
  for (guint i = 0; i < p->style_layers.n_layers; i++)
    deepest = MAX (deepest, p->style_layers.layers[i]);
  return deepest;
}

/* Each pooling halves an image: the network's deepest layer needs a side of
 * at least 2^pools pixels, at the first (smallest) scale as well. */
static gboolean
check_large_enough (const ImpParams *p,
                    const guint     *sizes,
                    guint            n_styles,
                    guint           *which,
                    GError         **error)
{
  ImpVggLayer deepest = deepest_layer (p);
  guint need = 1u << imp_vgg_layer_block (deepest);
  guint out_width, out_height, n_scales;
  g_autofree ImpScale *scales = NULL;

  imp_image_fit_size (sizes[0], sizes[1], p->size, &out_width, &out_height);
  scales = _imp_transfer_plan_scales (p, out_width, out_height, &n_scales);
  for (guint i = 0; i <= n_styles; i++)
    {
      guint w = scales[0].width, h = scales[0].height;
      g_autofree char *image = i == 0 ? g_strdup ("content image")
                               : n_styles == 1 ? g_strdup ("style image")
                               : g_strdup_printf ("style image %u", i);

      if (i > 0)
        {
          ImpImage s = sized_image (sizes[2 * i], sizes[2 * i + 1]);

          guint out_long = _imp_longer_side (out_width, out_height);

          imp_image_fit_size (s.width, s.height,
                              _imp_transfer_style_long_side (p, &s, out_long,
                                                             _imp_longer_side (w, h)), &w, &h);
        }
      if (w >= need && h >= need)
        continue;
      *which = i;
      g_set_error (error, IMP_TRANSFER_ERROR, IMP_TRANSFER_ERROR_TOO_SMALL,
                   "The %s is too small: the run would give it %u×%u pixels, and layer %s "
                   "needs at least %u×%u", image, w, h, imp_vgg_layer_name (deepest), need, need);
      return FALSE;
    }
  return TRUE;
}

gboolean
imp_transfer_check_sizes (const ImpParams  *params,
                          const guint      *sizes,
                          guint             n_styles,
                          guint64           extra_bytes,
                          guint            *which,
                          GError          **error)
{
  guint unused;

  g_return_val_if_fail (params != NULL && sizes != NULL, FALSE);

  if (which == NULL)
    which = &unused;
  *which = G_MAXUINT;
  return check_large_enough (params, sizes, n_styles, which, error)
         && check_memory (params, sizes, n_styles, extra_bytes, error);
}

/* Time */

/* An iteration costs about its pixel count plus a fixed part (thread
 * hand-offs, the optimiser, the deep layers' small products) worth about a
 * 128 x 128 image; counting pixels alone would overestimate the time left
 * while a coarse-to-fine run is still on its small scales. */
#define ITERATION_OVERHEAD_PIXELS (128.0 * 128.0)

double
_imp_transfer_scale_work (const ImpScale *s)
{
  return (double) s->width * s->height + ITERATION_OVERHEAD_PIXELS;
}

/* CPU seconds per unit of _imp_transfer_scale_work () (one pixel of one iteration), the
 * total of both threads of a two-thread run (docs/estimates.md); the wall time
 * divides it among the threads. */
#define CPU_SECONDS_PER_WORK_UNIT 6.8e-6

double
imp_transfer_estimate_seconds (const ImpParams *params,
                               guint            width,
                               guint            height,
                               guint            n_threads)
{
  g_autofree ImpScale *scales = NULL;
  double work = 0.0;
  guint threads = n_threads > 0 ? n_threads : g_get_num_processors ();
  guint n_scales = 0;

  g_return_val_if_fail (params != NULL && width > 0 && height > 0, 0.0);

  if (params->iterations == 0)
    return 0.0;
  scales = _imp_transfer_plan_scales (params, width, height, &n_scales);
  for (guint k = 0; k < n_scales; k++)
    work += scales[k].n_iterations * _imp_transfer_scale_work (&scales[k]);
  return work * CPU_SECONDS_PER_WORK_UNIT / threads;
}
