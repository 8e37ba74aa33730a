#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-desktop.sh DESKTOP-FILE: the built (translated) desktop file is valid,
# and desktop-file-validate rejects broken copies of it.
set -u
. "$(dirname "$0")/tap.sh"
require_tools desktop-file-validate

desktop=$1
app_id=io.github.impasto.Impasto
copy="$tap_tmp/$app_id.desktop"

expect_pass "desktop-file-validate accepts $(basename "$desktop")" \
  desktop-file-validate "$desktop"
expect_pass "the launcher runs impasto" \
  grep -qx -e "Exec=impasto" "$desktop"
expect_pass "Icon is the application id" grep -qx "Icon=$app_id" "$desktop"
expect_pass "the Korean name and comment are merged from po/ko.po" \
  grep -q '^Comment\[ko\]=' "$desktop"

grep -v '^Type=' "$desktop" > "$copy"
expect_fail "a copy without Type= is rejected" "Type" desktop-file-validate "$copy"

sed 's/^Categories=.*/Categories=Painting;/' "$desktop" > "$copy"
expect_fail "a copy with an unregistered category is rejected" "Painting" \
  desktop-file-validate "$copy"

sed 's/^Name=Impasto$/Name/' "$desktop" > "$copy"
expect_fail "a copy with a malformed line is rejected" "" desktop-file-validate "$copy"

tap_done
