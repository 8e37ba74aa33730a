#!/bin/sh
# make-sheets.sh: side-by-side sheets content | style | tutorial | best, at equal time
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/quality/make-sheets.sh BUILD_DIR [OUT_DIR] [SIZE]
#   env IMPASTO_WEIGHTS (the weights), IMPASTO_TEST_IMAGES (the images),
#   PAIRS ("content:style ..." file names in IMPASTO_TEST_IMAGES).
#
# For each pair: runs --preset best and notes its CPU time T (all threads);
# runs --preset tutorial until it has used the same CPU time (its 1000
# iterations are stopped with SIGINT and --save-on-interrupt saves its result
# so far): on a machine shared with other work, equal CPU time is equal time
# on a quiet one, where wall times vary with the load. Then it measures both pictures
# with the same loss definitions at SIZE px (impasto-cli --evaluate), each
# applied to both: "tutorial" (its own loss: content conv5_2, style layers
# equally weighted), "neural-style" (jcjohnson/neural-style's: content conv4_2,
# Gram divided by C*H*W, i.e. style layers weighted 1/C^2 = 64:16:4:1:1 in our
# units) and "best" (best's own loss, TV included), and writes a labelled JPEG
# sheet labelled with CPU time / 2 (the time on a quiet 2-core machine) plus
# lines of losses to OUT_DIR/losses.txt. KEEP_DIR, when set, keeps the
# pictures.
set -eu

build=${1:?usage: make-sheets.sh BUILD_DIR [OUT_DIR] [SIZE]}
out=${2:-$(dirname "$0")/../../docs/sheets}
size=${3:-512}
images=${IMPASTO_TEST_IMAGES:?set IMPASTO_TEST_IMAGES}
: "${IMPASTO_WEIGHTS:?set IMPASTO_WEIGHTS}"
pairs=${PAIRS:-"turtle.jpg:wave.jpg tubingen.jpg:starry_night.jpg tubingen.jpg:the_scream.jpg turtle.jpg:shipwreck.jpg tubingen.jpg:woman-with-hat-matisse.jpg"}
cli="$build/src/cli/impasto-cli"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

mkdir -p "$out"
: > "$out/losses.txt.new"

neural_style="--preset tutorial --content-layers conv4_2 --style-layers conv1_1:64,conv2_1:16,conv3_1:4,conv4_1:1,conv5_1:1"
evaluate ()
{
  for def in tutorial neural-style best; do
    case $def in
      tutorial) args="--preset tutorial" ;;
      neural-style) args=$neural_style ;;
      best) args="--preset best" ;;
    esac
    # shellcheck disable=SC2086
    echo "  $def: $("$cli" $args --size "$size" -c "$1" -s "$2" --evaluate "$3")"
  done
}

for pair in $pairs; do
  c=${pair%%:*}
  s=${pair#*:}
  name="${c%.*}-${s%.*}"
  echo "== $name"

  /usr/bin/time -f "%U %S" -o "$work/best.time" "$cli" --preset best --size "$size" -q \
    -c "$images/$c" -s "$images/$s" -o "$work/best.png"
  cpu_best=$(awk '{ printf "%.1f", $1 + $2 }' "$work/best.time")

  # The same CPU time for the tutorial recipe: stopped by SIGINT, saved.
  "$cli" --preset tutorial --size "$size" --save-on-interrupt \
    --log-json "$work/tutorial.jsonl" -q -c "$images/$c" -s "$images/$s" \
    -o "$work/tutorial.png" &
  pid=$!
  budget=$(awk -v s="$cpu_best" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%d", s * hz }')
  while kill -0 "$pid" 2>/dev/null; do
    used=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
    if [ "${used:-0}" -ge "$budget" ]; then
      kill -INT "$pid"
      break
    fi
    sleep 0.2
  done
  status=0
  wait "$pid" || status=$?
  case $status in 0|130) ;; *) exit 1 ;; esac
  n_tut=$(wc -l < "$work/tutorial.jsonl")
  t_best=$(awk -v s="$cpu_best" 'BEGIN { printf "%.0f", s / 2 }')
  t_tut=$t_best

  { echo "$name best (${cpu_best} s CPU):"
    evaluate "$images/$c" "$images/$s" "$work/best.png"
    echo "$name tutorial (same CPU time, $n_tut it.):"
    evaluate "$images/$c" "$images/$s" "$work/tutorial.png"
  } | tee -a "$out/losses.txt.new"
  if [ -n "${KEEP_DIR:-}" ]; then
    mkdir -p "$KEEP_DIR"
    cp "$work/best.png" "$KEEP_DIR/$name-best.png"
    cp "$work/tutorial.png" "$KEEP_DIR/$name-tutorial.png"
  fi

  montage -font DejaVu-Sans -pointsize 18 -background white \
    -label "content" "$images/$c" \
    -label "style" "$images/$s" \
    -label "tutorial, ${t_tut} s ($n_tut it.)" "$work/tutorial.png" \
    -label "best, ${t_best} s" "$work/best.png" \
    -tile 4x1 -geometry 384x288+4+4 -quality 85 "$out/$name.jpg"
done
mv "$out/losses.txt.new" "$out/losses.txt"
