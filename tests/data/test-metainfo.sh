#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-metainfo.sh METAINFO-FILE DESKTOP-FILE: the built AppStream metainfo is
# valid offline and consistent with the desktop file; appstreamcli rejects
# broken copies of it.
set -u
. "$(dirname "$0")/tap.sh"
require_tools appstreamcli xmllint

metainfo=$1
desktop=$2
copy="$tap_tmp/io.github.impasto.Impasto.metainfo.xml"
shots=https://raw.githubusercontent.com/impasto/impasto/main/data/screenshots

expect_pass "appstreamcli validate --no-net accepts $(basename "$metainfo")" \
  appstreamcli validate --no-net "$metainfo"

launchable=$(xmllint --xpath 'string(/component/launchable[@type="desktop-id"])' "$metainfo")
expect_pass "the launchable ($launchable) is the desktop file's name" \
  test "$launchable" = "$(basename "$desktop")"

for name in main-window painting painting-800x600 finished; do
  expect_pass "screenshot $name is a web URL into data/screenshots" \
    grep -q "<image type=\"source\">$shots/$name.png</image>" "$metainfo"
done

expect_pass "the Korean summary is merged from po/ko.po" \
  grep -q '<summary xml:lang="ko">' "$metainfo"

sed "s|$shots/painting.png|data/screenshots/painting.png|" "$metainfo" > "$copy"
expect_fail "a copy with a local screenshot path is rejected" "screenshot|url" \
  appstreamcli validate --no-net "$copy"

sed '/<summary>/d' "$metainfo" > "$copy"
expect_fail "a copy without a summary is rejected" "summary" \
  appstreamcli validate --no-net "$copy"

sed 's|<project_license>GPL-3.0-or-later</project_license>|<project_license>GPL-3+</project_license>|' \
  "$metainfo" > "$copy"
expect_fail "a copy with a licence that is no SPDX expression is rejected" "spdx" \
  appstreamcli validate --no-net "$copy"

sed 's|<release version="0.1.0" date="[0-9-]*"|<release version="0.1.0" date="2026-13-45"|' \
  "$metainfo" > "$copy"
expect_fail "a copy with an impossible release date is rejected" "date" \
  appstreamcli validate --no-net "$copy"

head -c 600 "$metainfo" > "$copy"
expect_fail "a truncated copy is rejected" "" appstreamcli validate --no-net "$copy"

tap_done
