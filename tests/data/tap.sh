# SPDX-License-Identifier: GPL-3.0-or-later
#
# tap.sh: small TAP helpers for the data tests (sourced, not run).
# Each check of a real file is paired with the same check of a deliberately
# broken copy, so a validator that accepts everything cannot pass the suite.

tap_count=0
tap_failures=0
tap_tmp=$(mktemp -d "${TMPDIR:-/tmp}/impasto-data-test.XXXXXX")
trap 'rm -rf "$tap_tmp"' EXIT

tap_diag ()
{
  sed 's/^/# /' <<<"$1"
}

tap_result ()
{
  local good=$1 desc=$2 output=$3
  tap_count=$((tap_count + 1))
  if [ "$good" = yes ]; then
    echo "ok $tap_count - $desc"
  else
    echo "not ok $tap_count - $desc"
    tap_failures=$((tap_failures + 1))
    [ -n "$output" ] && tap_diag "$output"
  fi
}

# expect_pass DESC CMD...: CMD must exit 0.
expect_pass ()
{
  local desc=$1 output rc=0
  shift
  output=$("$@" 2>&1) || rc=$?
  if [ $rc -eq 0 ]; then
    tap_result yes "$desc" ""
  else
    tap_result no "$desc" "exit status $rc: $output"
  fi
}

# expect_fail DESC PATTERN CMD...: CMD must exit non-zero and, when PATTERN is
# not empty, say something matching it (so it fails for the reason we broke).
expect_fail ()
{
  local desc=$1 pattern=$2 output rc=0
  shift 2
  output=$("$@" 2>&1) || rc=$?
  if [ $rc -eq 0 ]; then
    tap_result no "$desc" "accepted a broken file: $output"
  elif [ -n "$pattern" ] && ! grep -Eq -- "$pattern" <<<"$output"; then
    tap_result no "$desc" "failed, but not with /$pattern/: $output"
  else
    tap_result yes "$desc" ""
  fi
}

# require_tools TOOL...: skip the whole script when a tool is missing.
require_tools ()
{
  local t
  for t in "$@"; do
    if ! command -v "$t" >/dev/null 2>&1; then
      echo "1..0 # SKIP $t is not installed (.ci/run installs it)"
      exit 0
    fi
  done
}

tap_done ()
{
  echo "1..$tap_count"
  [ "$tap_failures" -eq 0 ]
}
