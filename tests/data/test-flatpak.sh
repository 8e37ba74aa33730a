#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-flatpak.sh MANIFEST: the Flatpak manifest checked offline (Flathub is out
# of reach here, so it cannot be built): valid JSON, flatpak-builder knows every
# property, the modules Impasto builds against are there, and every remote source is
# pinned. Sources still lacking a sha256/sha512 or a commit are listed as TAP
# diagnostics so the gap stays visible; that alone does not fail. Broken copies
# must fail each check.
set -u
. "$(dirname "$0")/tap.sh"
require_tools jq flatpak-builder

manifest=$1

json_valid ()
{
  jq empty "$1"
}

# flatpak-builder only warns about unknown properties (exit status 0).
builder_knows_all ()
{
  local out rc=0
  out=$(cd "$tap_tmp" && flatpak-builder --show-manifest "$1" 2>&1 >/dev/null) || rc=$?
  echo "$out"
  [ $rc -eq 0 ] && ! grep -q 'Unknown property' <<<"$out"
}

has_content ()
{
  jq -e '
    .id == "io.github.impasto.Impasto" and .command == "impasto" and
    .runtime == "org.gnome.Platform" and .sdk == "org.gnome.Sdk" and
    ([.modules[].name] | contains(["openblas", "giflib", "libimagequant", "hdf5", "impasto"])) and
    ([.modules[] | select(.name == "impasto") | .buildsystem] == ["meson"]) and
    ([.modules[].sources[]? | select(.type == "file") | .url]
       | any(endswith("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"))) and
    ([.modules[]."build-commands"[]?]
       | any(test("impasto-weights convert --from keras-h5 .*vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"))) and
    ([.modules[]."build-commands"[]?]
       | any(test("/app/share/impasto/weights/vgg19-conv.safetensors")))
  ' "$1" >/dev/null
}

# Every remote source has some checksum (archive, file) or a tag/commit (git).
unpinned ()
{
  jq -r '.modules[] | .name as $m | .sources[]? |
    select((.type == "archive" or .type == "file") and .url != null and
           ((.sha256 // .sha512 // .md5 // .sha1) == null)
           or (.type == "git" and ((.tag // .commit) == null))) |
    "\($m): \(.url) is not pinned"' "$1"
}

all_pinned ()
{
  local list
  list=$(unpinned "$1")
  echo "$list"
  [ -z "$list" ]
}

gaps ()
{
  jq -r '.modules[] | .name as $m | .sources[]? |
    select(((.type == "archive" or .type == "file") and .url != null and
            ((.sha256 // .sha512) == null))
           or (.type == "git" and .commit == null)) |
    "gap: \($m): \(.url) has \(if .type == "git" then "tag \(.tag) but no commit"
                              elif .md5 then "md5 only, no sha256" else "no sha256" end)"' "$1"
}

expect_pass "the manifest is valid JSON" json_valid "$manifest"
expect_pass "flatpak-builder --show-manifest reports no unknown property" \
  builder_knows_all "$manifest"
expect_pass "it has the runtime, the library modules, impasto and the weights" \
  has_content "$manifest"
expect_pass "every remote source is pinned by a checksum or a tag" all_pinned "$manifest"

gap_list=$(gaps "$manifest")
tap_count=$((tap_count + 1))
echo "ok $tap_count - sources lacking a sha256 or a commit: $(grep -c . <<<"$gap_list")"
[ -n "$gap_list" ] && tap_diag "$gap_list"

# Broken copies.
copy="$tap_tmp/io.github.impasto.Impasto.json"
head -c 400 "$manifest" > "$copy"
expect_fail "a truncated copy is not valid JSON" "" json_valid "$copy"

jq '.modules[0].sources[0]."sha-256" = .modules[0].sources[0].sha256' "$manifest" > "$copy"
expect_fail "a copy with a misspelt property is reported" "Unknown property sha-256" \
  builder_knows_all "$copy"

jq '.modules |= map(select(.name != "giflib"))' "$manifest" > "$copy"
expect_fail "a copy without the giflib module fails the content check" "" has_content "$copy"

jq '(.modules[] | select(.name == "libimagequant") | .sources[0]) |= del(.sha256)' \
  "$manifest" > "$copy"
expect_fail "a copy with an unpinned archive is reported" "libimagequant: .* is not pinned" \
  all_pinned "$copy"

jq '(.modules[] | select(.name == "openblas") | .sources) =
      [{"type": "git", "url": "https://github.com/OpenMathLib/OpenBLAS.git", "tag": "v0.3.28"}]' \
  "$manifest" > "$copy"
listed_as_gap ()
{
  gaps "$copy" | grep -q 'gap: openblas: .* has tag v0.3.28 but no commit'
}
expect_pass "a git source pinned by tag only is listed as a gap" listed_as_gap
expect_pass "... while it still counts as pinned" all_pinned "$copy"

tap_done
