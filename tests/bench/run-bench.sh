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
#                                                    as installed and with huge-page malloc
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
fi
