#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-po.sh SOURCE-ROOT: po/POTFILES.in lists every file under src/ and ui/
# with translatable strings and every desktop,
# metainfo and schema file in data/; no translatable string is cut at a format
# macro; po/ko.po translates every message of a freshly extracted template (no
# untranslated, no fuzzy, formats matching). Then the same checks are run on
# broken copies and must fail.
set -u
. "$(dirname "$0")/tap.sh"
require_tools xgettext msgmerge msgfmt msgattrib

root=$1

# The keywords of meson's i18n.gettext(preset: 'glib').
xgettext_args=(
  --from-code=UTF-8 --add-comments
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format
  --flag=g_markup_printf_escaped:1:c-format --flag=g_printerr:1:c-format
  --flag=g_print:1:c-format --flag=g_printf:1:c-format
)

# A marker followed by a string (or the end of the line, for a string on the
# next one): _("…"), N_ ("…"), C_ ("ctx", "…"), translatable="yes".
marker='(^|[^A-Za-z0-9_])(N_|C_|NC_|_|g_dngettext|ngettext)[[:space:]]*\([[:space:]]*("|$)|translatable="yes"'

# Prints the files of ROOT's src/ and ui/ with strings, and its
# desktop, metainfo and schema files in data/, that POTFILES.in lacks.
missing_from_potfiles ()
{
  local r=$1 f missing=0
  while read -r f; do
    if ! grep -qx -- "$f" "$r/po/POTFILES.in"; then
      echo "$f has translatable strings but is not in po/POTFILES.in"
      missing=1
    fi
  done < <(cd "$r" && {
             grep -rlE --include='*.c' --include='*.h' --include='*.ui' -- "$marker" src ui
             # Data files translate by their format (its rules), not by a marker.
             find -L data -name '*.desktop.in' -o -name '*.metainfo.xml.in' -o -name '*.gschema.xml'
           } 2>/dev/null | sort)
  return $missing
}

potfiles_exist ()
{
  local r=$1 f bad=0
  while read -r f; do
    [ -f "$r/$f" ] || { echo "po/POTFILES.in lists $f, which does not exist"; bad=1; }
  done < <(grep -v -e '^#' -e '^[[:space:]]*$' "$r/po/POTFILES.in")
  return $bad
}

# no_cut_msgids ROOT: no translatable string holds a format macro such as
# G_GUINT64_FORMAT. xgettext cannot expand it, so it records the string cut at
# the "%" and the full string printed at run time is never found in the
# catalogue: it stays English whatever ko.po says.
no_cut_msgids ()
{
  local r=$1 warnings
  warnings=$(xgettext "${xgettext_args[@]}" --package-name=impasto -D "$r" \
               -f "$r/po/POTFILES.in" -o "$tap_tmp/cut.pot" 2>&1 >/dev/null |
             grep 'ends in the middle of a directive')
  [ -z "$warnings" ] && return 0
  echo "$warnings" |
    sed 's|: warning:.*|: translatable string cut at a format macro; print the number into a string first, as src/cli/imp-cli-options.c does|'
  return 1
}

# ko_complete ROOT PO: PO translates everything in ROOT's fresh template.
ko_complete ()
{
  local r=$1 po=$2 pot="$tap_tmp/fresh.pot" merged="$tap_tmp/merged.po" stats
  xgettext "${xgettext_args[@]}" --package-name=impasto -D "$r" \
    -f "$r/po/POTFILES.in" -o "$pot" || return 1
  msgmerge --quiet -o "$merged" "$po" "$pot" || return 1
  stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$merged" 2>&1)
  echo "$stats"
  msgattrib --untranslated --no-obsolete "$merged" | grep '^msgid' | sed 1d | sed 's/^/untranslated: /'
  msgattrib --only-fuzzy --no-obsolete "$merged" | grep '^msgid' | sed 1d | sed 's/^/fuzzy: /'
  ! grep -Eq 'untranslated|fuzzy' <<<"$stats"
}

expect_pass "every file under src/, ui/ and data/ with translatable strings is in POTFILES.in" \
  missing_from_potfiles "$root"
expect_pass "every file POTFILES.in lists exists" potfiles_exist "$root"
expect_pass "no translatable string is cut at a format macro" no_cut_msgids "$root"
expect_pass "ko.po translates every message of a fresh template" \
  ko_complete "$root" "$root/po/ko.po"
expect_pass "msgfmt --check accepts ko.po (formats, header)" \
  msgfmt --check -o /dev/null "$root/po/ko.po"

# Broken copies. A copy of the tree whose sources can be changed: src/ and ui/
# are copied (they are small), data/ is linked.
broken="$tap_tmp/tree"
mkdir -p "$broken/po"
cp -r "$root/src" "$broken/src"
[ -d "$root/ui" ] && cp -r "$root/ui" "$broken/ui" || mkdir "$broken/ui"
ln -s "$root/data" "$broken/data"
cp "$root/po/POTFILES.in" "$broken/po/POTFILES.in"

cat > "$broken/src/imp-untranslated.c" <<'C'
/* added by test-po.sh */
static const char *a = N_("A string no translator has seen yet");
C
expect_fail "a new source file with strings missing from POTFILES.in is found" \
  "imp-untranslated.c" missing_from_potfiles "$broken"

echo src/imp-untranslated.c >> "$broken/po/POTFILES.in"
expect_fail "once listed, its new string is reported untranslated in ko.po" \
  "untranslated: msgid \"A string no translator" ko_complete "$broken" "$root/po/ko.po"
rm "$broken/src/imp-untranslated.c"
expect_fail "a POTFILES.in entry naming a missing file is reported" \
  "imp-untranslated.c" potfiles_exist "$broken"

cat > "$broken/src/imp-untranslated.c" <<'C'
/* added by test-po.sh */
static void f (guint64 n) { g_print (_("Read %" G_GUINT64_FORMAT " bytes"), n); }
C
expect_fail "a translatable string cut at G_GUINT64_FORMAT is reported" \
  "imp-untranslated.c:2: translatable string cut" no_cut_msgids "$broken"
rm "$broken/src/imp-untranslated.c"

# The converter is scanned too: a POTFILES.in without its main file is caught.
grep -vx src/weights/impasto-weights.c "$root/po/POTFILES.in" > "$broken/po/POTFILES.in"
expect_fail "a converter file with strings missing from POTFILES.in is found" \
  "src/weights/impasto-weights.c has translatable" missing_from_potfiles "$broken"
grep -vx data/io.github.impasto.Impasto.gschema.xml "$root/po/POTFILES.in" > "$broken/po/POTFILES.in"
expect_fail "a schema missing from POTFILES.in is found" \
  "data/io.github.impasto.Impasto.gschema.xml has translatable" missing_from_potfiles "$broken"
cp "$root/po/POTFILES.in" "$broken/po/POTFILES.in"

# ko.po with the first real translation emptied, then marked fuzzy.
awk 'BEGIN { done = 0 }
     !done && /^msgstr "..*"$/ && seen { print "msgstr \"\""; done = 1; next }
     /^msgid "..*"$/ { seen = 1 }
     { print }' "$root/po/ko.po" > "$tap_tmp/empty.po"
expect_fail "a ko.po with an emptied translation is reported" "untranslated" \
  ko_complete "$root" "$tap_tmp/empty.po"

awk 'BEGIN { done = 0 }
     !done && /^msgid "..*"$/ { print "#, fuzzy"; done = 1 }
     { print }' "$root/po/ko.po" > "$tap_tmp/fuzzy.po"
expect_fail "a ko.po with a fuzzy translation is reported" "fuzzy" \
  ko_complete "$root" "$tap_tmp/fuzzy.po"

cat > "$tap_tmp/format.po" <<'PO'
msgid ""
msgstr "Content-Type: text/plain; charset=UTF-8\n"

#, c-format
msgid "Could not load “%s”"
msgstr "“%d”을(를) 불러올 수 없습니다"
PO
expect_fail "msgfmt --check rejects a translation whose format differs" "format" \
  msgfmt --check -o /dev/null "$tap_tmp/format.po"

tap_done
