#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Every catalog of po/LINGUAS is well-formed (msgfmt --check: format directives,
# plural forms, header) and complete: every message of the sources translated,
# none fuzzy. (That the installed programs use them is debian/tests/translations.)
. "$top_srcdir/tests/tap.sh"

pot=$GMO_SESSION_DIR/gmail-oauth.pot
(cd "$top_srcdir" && xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=C_:1c,2 \
   --keyword=NC_:1c,2 --keyword=g_dngettext:2,3 --keyword=ngettext:1,2 \
   --add-comments=Translators: --files-from=po/POTFILES.in -o "$pot")
ok $? "xgettext reads every file of po/POTFILES.in"
total=$(msgattrib --no-obsolete "$pot" | grep -c '^msgid ')
total=$((total - 1)) # the header
ok $([ "$total" -gt 100 ]; echo $?) "the sources hold $total messages"
n=0
for lang in $(sed 's/#.*//' "$top_srcdir/po/LINGUAS"); do
  n=$((n + 1))
  po=$top_srcdir/po/$lang.po
  stats=$(msgfmt --check --statistics -o /dev/null "$po" 2>&1)
  ok $? "$lang: msgfmt --check ($stats)"
  merged=$GMO_SESSION_DIR/$lang.po
  msgmerge --quiet --no-fuzzy-matching -o "$merged" "$po" "$pot"
  untranslated=$(msgattrib --untranslated --no-obsolete "$merged" | grep -c '^msgid ')
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$merged" | grep -c '^msgid ')
  is "$untranslated" 0 "$lang: every message of the sources is translated"
  is "$fuzzy" 0 "$lang: no message is fuzzy"
done
ok $([ "$n" -ge 3 ]; echo $?) "po/LINGUAS lists $n languages"
done_testing
