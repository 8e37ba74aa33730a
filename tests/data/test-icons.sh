#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-icons.sh ICONS-DIR: the application icon and the symbolic icon are
# well-formed SVG on their grids (128 and 16 px); xmllint rejects broken copies.
set -u
. "$(dirname "$0")/tap.sh"
require_tools xmllint

icons=$1
app_id=io.github.impasto.Impasto
scalable="$icons/hicolor/scalable/apps/$app_id.svg"
symbolic="$icons/hicolor/symbolic/apps/$app_id-symbolic.svg"

svg_attr ()
{
  xmllint --xpath "string(/*[local-name()='svg']/@$2)" "$1"
}

# Symbolic icons are recoloured by GTK: one fill colour, no gradients.
symbolic_colours ()
{
  ! grep -q -e 'Gradient' -e 'stroke=' "$1" &&
    test "$(grep -o 'fill="#[0-9a-fA-F]*"' "$1" | sort -u)" = 'fill="#2e3436"'
}

expect_pass "xmllint accepts the application icon" xmllint --noout "$scalable"
expect_pass "xmllint accepts the symbolic icon" xmllint --noout "$symbolic"
expect_pass "the application icon is drawn on a 128 px grid" \
  test "$(svg_attr "$scalable" viewBox)" = "0 0 128 128"
expect_pass "the symbolic icon is drawn on a 16 px grid" \
  test "$(svg_attr "$symbolic" viewBox)" = "0 0 16 16"
expect_pass "the symbolic icon uses one recolourable fill" symbolic_colours "$symbolic"

head -c 900 "$scalable" > "$tap_tmp/truncated.svg"
expect_fail "a truncated copy of the icon is rejected" "" xmllint --noout "$tap_tmp/truncated.svg"
sed 's|</g>|</group>|' "$symbolic" > "$tap_tmp/mismatched.svg"
expect_fail "a copy with mismatched tags is rejected" "mismatch" \
  xmllint --noout "$tap_tmp/mismatched.svg"
sed 's|fill="#2e3436"|fill="#ff0000"|; s|<circle |<circle fill="#00ff00" |' "$symbolic" > "$tap_tmp/colours.svg"
expect_fail "a symbolic copy with two colours fails the colour check" "" \
  symbolic_colours "$tap_tmp/colours.svg"

tap_done
