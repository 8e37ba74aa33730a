#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-schema.sh SCHEMA-XML ENUMS-XML COMPILED-SCHEMA-DIR: the GSettings schema
# compiles with --strict beside the enums generated from the engine's header,
# holds exactly the keys (and types) the window codes against, the build tree's
# compiled copy is up to date; broken copies are rejected.
set -u
. "$(dirname "$0")/tap.sh"
require_tools glib-compile-schemas xmllint gsettings

schema=$1
enums=$2
compiled_dir=$3
schema_id=io.github.impasto.Impasto

# name:type of every key (an enum key's type is its enum); the window's
# settings glue uses these.
expected_keys="
preset:s style-strength:d content-strength:d smoothing-strength:d iterations:u size:u
style-size:i style-scale:d content-layers:s style-layers:s optimizer:ImpOptimizerKind
learning-rate:d beta1:d beta2:d epsilon:d lbfgs-history:u init:ImpInitKind seed:t
pool:ImpPoolKind preserve-colors:ImpPreserveColors start-size:u scale-factor:d
average-decay:d threads:u memory-limit:u animation-frames:u animation-delay:u
animation-final-delay:u animation-size:u animation-content-frame:b
default-folder:s last-save-folder:s last-content:s last-styles:as style-blend:ad window-width:i
window-height:i window-maximized:b autosave-interval:u
"

compile_copy ()
{
  local dir="$tap_tmp/compile"
  rm -rf "$dir" && mkdir -p "$dir" && cp "$1" "$dir/$schema_id.gschema.xml" \
    && cp "$enums" "$dir/$schema_id.enums.xml"
  glib-compile-schemas --strict --dry-run "$dir"
}

keys_of ()
{
  local n i
  n=$(xmllint --xpath 'count(/schemalist/schema/key)' "$1")
  for ((i = 1; i <= n; i++)); do
    # (some xmllint versions end a string result with a newline, some don't)
    printf '%s\n' "$(xmllint --xpath "concat(/schemalist/schema/key[$i]/@name, ':', /schemalist/schema/key[$i]/@type, substring-after(/schemalist/schema/key[$i]/@enum, '$schema_id.'))" "$1")"
  done | sort
}

same_keys ()
{
  diff <(tr -s ' \n' '\n\n' <<<"$expected_keys" | sed '/^$/d' | sort) <(keys_of "$1")
}

expect_pass "glib-compile-schemas --strict accepts the schema" compile_copy "$schema"
expect_pass "the schema has exactly the agreed keys and types" same_keys "$schema"

compiled_keys=$(GSETTINGS_SCHEMA_DIR=$compiled_dir gsettings list-keys $schema_id 2>&1 | sort)
source_keys=$(keys_of "$schema" | cut -d: -f1)
expect_pass "the compiled schema in the build tree is up to date" \
  test "$compiled_keys" = "$source_keys"
expect_pass "a compiled default reads back (size = 512)" \
  test "$(GSETTINGS_SCHEMA_DIR=$compiled_dir gsettings get $schema_id size 2>&1)" = "uint32 512"

# Broken copies.
sed '/<key name="size"/,/<\/key>/s|<default>512</default>|<default>9000</default>|' \
  "$schema" > "$tap_tmp/range.xml"
expect_fail "a default outside its range is rejected" "range" compile_copy "$tap_tmp/range.xml"

sed "s|<default>'best'</default>|<default>'turbo'</default>|" "$schema" > "$tap_tmp/choice.xml"
expect_fail "a default outside its choices is rejected" "choice|turbo" \
  compile_copy "$tap_tmp/choice.xml"

sed "/<key name=\"optimizer\"/,/<\/key>/s|<default>'lbfgs'</default>|<default>'sgd'</default>|" \
  "$schema" > "$tap_tmp/enum.xml"
expect_fail "an enum key's default outside its enum is rejected" "sgd|enum" \
  compile_copy "$tap_tmp/enum.xml"

sed 's|<key name="beta2" type="d">|<key name="beta1" type="d">|' "$schema" > "$tap_tmp/dup.xml"
expect_fail "a duplicate key is rejected" "beta1" compile_copy "$tap_tmp/dup.xml"

sed '/<key name="style-blend"/,/<\/key>/d' "$schema" > "$tap_tmp/missing.xml"
expect_fail "a copy missing a key fails the key list" "style-blend" same_keys "$tap_tmp/missing.xml"

tap_done
