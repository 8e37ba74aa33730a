#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Impasto's performance benchmark (HACKING.md): prints one JSON object
# per case, each from its own process so that its peak RSS is its own.
#
#   tests/bench/run-bench.sh [BUILD_DIR]            default set, < 3 minutes
#   tests/bench/run-bench.sh [BUILD_DIR] --full     adds 1024 px and 2048 px
#   tests/bench/run-bench.sh [BUILD_DIR] --long     1000 iterations at 512 px, RSS flat
#   tests/bench/run-bench.sh [BUILD_DIR] --profile  where one iteration's time goes, layer
#                                                    by layer (PROFILE_SIZE, default 512 px)
#   ... --torch (after the mode, or alone)            adds the PyTorch reference at 512 px,
#                                                    as installed and with huge-page malloc,
#                                                    then at 512x384 and 512x512 ROUNDS (3)
#                                                    alternate runs of both and the ratio
#                                                    of their medians
#
# Needs IMPASTO_WEIGHTS (the VGG19 weights); .ci/run's default is used when unset.
# Other load on the machine shows in sgemm_gflops: compare ratios, not seconds.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build="$top/build"
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
  build=$1
  shift
fi
bench="$build/tests/bench/bench-iteration"
[ -x "$bench" ] || { echo "error: $bench not built (ninja -C $build)" >&2; exit 1; }

export IMPASTO_WEIGHTS="${IMPASTO_WEIGHTS:-$top/../shared/weights/vgg19-conv.safetensors}"
# The OpenBLAS environment the figures are quoted with (HACKING.md, "Benchmarking").
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
export OPENBLAS_L2_SIZE="${OPENBLAS_L2_SIZE:-512}"

mode=
torch=
for arg in "$@"; do
  case "$arg" in
    --torch) torch=1 ;;
    *) mode=$arg ;;
  esac
done

# PyTorch (python3-torch) on the same images and layers, in the same run so
# the machine's load is comparable; skipped (exit 77) where torch is missing.
run_torch () {
  local script="$top/tests/bench/torch-iteration.py" rc=0
  # Debian's python3-torch is for the system interpreter
  local python=${PYTHON:-/usr/bin/python3}
  "$python" "$script" --size 512 --threads 2 --iterations 3 || rc=$?
  [ "$rc" = 0 ] || [ "$rc" = 77 ] || return "$rc"
  [ "$rc" = 77 ] && return 0
  GLIBC_TUNABLES=glibc.malloc.hugetlb=1 "$python" "$script" --size 512 --threads 2 --iterations 3
}

# Impasto at WIDTH x HEIGHT on 2 threads and PyTorch with huge-page malloc,
# one after the other ROUNDS times (default 3), then the medians and their
# ratio: on a shared machine only a ratio taken in the same run means
# something.
compare_torch () {
  local width=$1 height=$2 python=${PYTHON:-/usr/bin/python3} rounds=${ROUNDS:-3} log
  "$python" -c 'import torch' 2>/dev/null || return 0
  log=$(mktemp)
  for _ in $(seq "$rounds"); do
    "$bench" --size "$width" --height "$height" --threads 2 --iterations 3 | tee -a "$log"
    GLIBC_TUNABLES=glibc.malloc.hugetlb=1 "$python" "$top/tests/bench/torch-iteration.py" \
      --size "$width" --height "$height" --threads 2 --iterations 3 | tee -a "$log"
  done
  awk -v rounds="$rounds" -v size="${width}x$height" '
    function median(list, n,    i, j, t) {
      for (i = 1; i <= n; i++)
        for (j = i + 1; j <= n; j++)
          if (list[j] < list[i]) { t = list[i]; list[i] = list[j]; list[j] = t }
      return n % 2 ? list[(n + 1) / 2] : (list[n / 2] + list[n / 2 + 1]) / 2
    }
    match ($0, /"median_s": [0-9.]+/) {
      value = substr ($0, RSTART + 12, RLENGTH - 12)
      if ($0 ~ /"mode": "torch"/) torch[++nt] = value; else ours[++no] = value
    }
    END {
      if (no == 0 || nt == 0) exit
      a = median(ours, no); b = median(torch, nt)
      printf "# %s, 2 threads, %d rounds alternately: Impasto %.3f s, PyTorch (huge-page malloc) %.3f s per iteration (medians): %.2fx\n", size, rounds, a, b, b / a
    }' "$log"
  rm -f "$log"
}

case "$mode" in
  --long)
    "$bench" --long --warmup 1
    ;;
  --profile)
    "$bench" --profile --size "${PROFILE_SIZE:-512}" --threads 2 --iterations 3
    ;;
  ""|--full)
    # The session's step at 512 px, both cores and one (scaling), then the plain
    # im2col network against Winograd in the same conditions.
    "$bench" --size 512 --threads 2 --iterations 5
    "$bench" --size 512 --threads 1 --iterations 3
    "$bench" --size 256 --threads 2 --iterations 3
    "$bench" --mode network --algorithm winograd --size 512 --threads 2 --iterations 3
    "$bench" --mode network --algorithm im2col --size 512 --threads 2 --iterations 2
    if [ "$mode" = --full ]; then
      "$bench" --size 1024 --threads 2 --iterations 3
      "$bench" --size 2048 --threads 2 --iterations 1 --warmup 0
    fi
    ;;
  *)
    echo "usage: $0 [BUILD_DIR] [--full|--long|--profile] [--torch]" >&2
    exit 2
    ;;
esac
if [ -n "$torch" ]; then
  run_torch
  compare_torch 512 384
  compare_torch 512 512
fi
