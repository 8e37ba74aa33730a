#!/bin/sh
# make-sheets.sh: the default preset's pictures, their three numbers, sheets
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/quality/make-sheets.sh BUILD_DIR [OUT_DIR] [SIZE]
#   env IMPASTO_WEIGHTS (the weights), IMPASTO_TEST_IMAGES (the images),
#   PAIRS ("content:style ..." file names in IMPASTO_TEST_IMAGES),
#   PRESETS ("best" by default; e.g. "fast best patient"),
#   REFERENCE (optional: a folder of other programs' pictures named
#   CONTENT_STYLE.png, e.g. tubingen_scream.png, with STYLE the style's name
#   without a leading "the_", up to its first "_" or "."), LOCAL_DIR (where the side-by-side sheets with
#   the reference pictures go; never into the repository), KEEP_DIR (keeps the
#   pictures).
#
# For each pair and preset: paints at SIZE px, notes the CPU time (all
# threads), the wall time and the peak RSS, and prints the three numbers of
# tests/quality/criterion.sh (neural-style's style and content loss, palette
# distance to the style) for the picture, for the photo itself and, when
# REFERENCE has one, for the reference picture. OUT_DIR gets a sheet
# content | style | each preset's picture per pair, and losses.txt.
set -eu

build=${1:?usage: make-sheets.sh BUILD_DIR [OUT_DIR] [SIZE]}
out=${2:-$(dirname "$0")/../../docs/sheets}
size=${3:-512}
images=${IMPASTO_TEST_IMAGES:?set IMPASTO_TEST_IMAGES}
: "${IMPASTO_WEIGHTS:?set IMPASTO_WEIGHTS}"
pairs=${PAIRS:-"tubingen.jpg:the_scream.jpg tubingen.jpg:starry_night.jpg tubingen.jpg:shipwreck.jpg turtle.jpg:wave.jpg tubingen.jpg:woman-with-hat-matisse.jpg"}
presets=${PRESETS:-best}
cli="$build/src/cli/impasto-cli"
criterion="$(dirname "$0")/criterion.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

mkdir -p "$out"
: > "$out/losses.txt.new"

for pair in $pairs; do
  c=${pair%%:*}
  s=${pair#*:}
  name="${c%.*}-${s%.*}"
  short=${s#the_}
  short=${short%%[_.]*}
  ref="${REFERENCE:-/nonexistent}/${c%.*}_$short.png"
  set --
  {
    echo "== $name ($size px)"
    echo "  photo: $("$criterion" "$cli" "$images/$c" "$images/$s" "$images/$c" "$size")"
    for p in $presets; do
      /usr/bin/time -f "%U %S %e %M" -o "$work/$p.time" "$cli" --preset "$p" --size "$size" \
        -q -c "$images/$c" -s "$images/$s" -o "$work/$p.png"
      spent=$(awk '{ printf "%.1f s CPU, %.1f s wall, %d MB peak", $1 + $2, $3, $4 / 1024 }' \
        "$work/$p.time")
      echo "  $p: $("$criterion" "$cli" "$images/$c" "$images/$s" "$work/$p.png" "$size") ($spent)"
    done
    if [ -f "$ref" ]; then
      echo "  reference $(basename "$ref"): $("$criterion" "$cli" "$images/$c" "$images/$s" "$ref" "$size")"
    fi
  } | tee -a "$out/losses.txt.new"

  for p in $presets; do
    set -- "$@" -label "$p" "$work/$p.png"
    if [ -n "${KEEP_DIR:-}" ]; then
      mkdir -p "$KEEP_DIR"
      cp "$work/$p.png" "$KEEP_DIR/$name-$p.png"
    fi
  done
  montage -font DejaVu-Sans -pointsize 18 -background white \
    -label "content" "$images/$c" -label "style" "$images/$s" "$@" \
    -tile "$(($# / 3 + 2))x1" -geometry 384x288+4+4 -quality 85 "$out/$name.jpg"
  if [ -f "$ref" ] && [ -n "${LOCAL_DIR:-}" ]; then
    mkdir -p "$LOCAL_DIR"
    montage -font DejaVu-Sans -pointsize 18 -background white \
      -label "reference" "$ref" "$@" \
      -tile "$(($# / 3 + 1))x1" -geometry 512x384+4+4 "$LOCAL_DIR/$name.png"
  fi
done
mv "$out/losses.txt.new" "$out/losses.txt"
