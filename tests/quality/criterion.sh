#!/bin/sh
# criterion.sh: the three numbers a picture is judged by
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/quality/criterion.sh CLI CONTENT STYLE PICTURE [SIZE]
#   env IMPASTO_WEIGHTS (the weights).
#
# Prints "style S content C palette P" for PICTURE: neural-style's style and
# content loss (jcjohnson/neural-style's definition in our units: content
# conv4_2, style conv1_1..conv5_1 weighted 64:16:4:1:1, i.e. its Gram
# divided by C*H*W) at SIZE px (512), one thread, and the palette distance of
# PICTURE to STYLE (sliced Wasserstein on RGB, both reduced to 256 px).
# Lower is better for all three.
set -eu

cli=${1:?usage: criterion.sh CLI CONTENT STYLE PICTURE [SIZE]}
content=${2:?missing CONTENT}
style=${3:?missing STYLE}
picture=${4:?missing PICTURE}
size=${5:-512}

"$cli" --preset tutorial --content-layers conv4_2 \
  --style-layers conv1_1:64,conv2_1:16,conv3_1:4,conv4_1:1,conv5_1:1 \
  --size "$size" --threads 1 -c "$content" -s "$style" --evaluate "$picture" |
  awk 'NR == 1 { json = $0 }
       /^style / { style = $2; content = $4 }
       END {
         if (match (json, /"distance":[-+0-9.eE]+/) == 0) exit 1
         palette = substr (json, RSTART + 11, RLENGTH - 11)
         printf "style %.3g content %.3g palette %.1f\n", style, content, palette
       }'
