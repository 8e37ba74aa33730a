#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Renders the real window under Xvfb into data/screenshots/: main-window.png
# (samples loaded, before a run), painting.png (a run at 30 %), painting-800x600.png
# (the same run in an 800 x 600 window) and finished.png.
# The window is drawn by GTK itself (GtkWidgetPaintable -> GskRenderer), so the
# images show exactly the window, without a desktop around it.
#
#   tests/gui/make-screenshots.sh [BUILD-DIR] [SIZE] [ITERATIONS] [PRESET]
#
# BUILD-DIR defaults to ./build (configured and built if needed); SIZE and
# ITERATIONS of the run default to 256 and 100, PRESET to the default one. Needs the VGG19 weights where
# Impasto finds them or in $IMPASTO_WEIGHTS (weights/README.md).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
size=${2:-256}
iterations=${3:-100}
preset=${4:-}
out="$top/data/screenshots"

[ -f "$build/build.ninja" ] || meson setup "$build"
ninja -C "$build" tests/gui/impasto-screenshots data/gschemas.compiled
mkdir -p "$out"

if [ -z "${IMPASTO_WEIGHTS:-}" ] && [ -f "$top/../shared/weights/vgg19-conv.safetensors" ]; then
  export IMPASTO_WEIGHTS="$top/../shared/weights/vgg19-conv.safetensors"
fi

export GSETTINGS_SCHEMA_DIR="$build/data" GSETTINGS_BACKEND=memory
export GDK_BACKEND=x11 GSK_RENDERER=cairo GTK_A11Y=none NO_AT_BRIDGE=1
# Latin text in English; the screenshots are referenced by the metainfo.
export LANGUAGE=C LANG=C.UTF-8
xvfb-run -a -s '-screen 0 1280x800x24' \
  "$build/tests/gui/impasto-screenshots" "$out" "$size" "$iterations" $preset

for f in main-window painting painting-800x600 finished; do
  [ -s "$out/$f.png" ] || { echo "make-screenshots: $f.png is missing" >&2; exit 1; }
done
echo "make-screenshots: wrote $out/{main-window,painting,painting-800x600,finished}.png"
