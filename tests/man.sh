#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The manual pages stay in step with the programs: every command, every long
# option and every exit status that --help shows is in them (and gmail-oauthd's
# options in gmail-oauthd(8)), and groff reads them without a warning. The translated
# pages (man/LANG/PAGE, made by po4a from man/po/LANG.po) are there, complete and clean.
. "$top_srcdir/tests/tap.sh"

page=$top_srcdir/data/gmail-oauth.1
git_page=$top_srcdir/data/git-credential-gmail-oauth.1
daemon_page=$top_srcdir/data/gmail-oauthd.8
man_has() { grep -qF -- "$2" "$1"; } # man_has PAGE ROFF-TEXT

commands=$(gmail-oauth --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p')
ok $([ "$(printf '%s\n' $commands | wc -l)" -ge 9 ]; echo $?) "gmail-oauth --help lists the commands"
for c in $commands; do
  man_has "$page" ".B gmail-oauth $c"; ok $? "$c: in the SYNOPSIS"
  grep -qE "^\.BI? $c( |$)" "$page"; ok $? "$c: described under COMMANDS"
  for opt in $(gmail-oauth "$c" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
    [ "$opt" = --help ] && continue
    roff=$(printf '%s' "$opt" | sed 's/-/\\-/g')
    man_has "$page" "$roff"; ok $? "$c $opt: documented"
  done
done
for status in $(gmail-oauth --help | sed -n '/^Exit status:/,/^$/s/^  \([0-9]\)  .*/\1/p'); do
  sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$page" | grep -qx ".B $status"
  ok $? "exit status $status: documented"
done
for var in $(gmail-oauth --help | grep -oE 'GMAIL_OAUTH_[A-Z_]+' | sort -u); do
  man_has "$page" "$var"; ok $? "$var: documented"
done

for verb in $(git-credential-gmail-oauth --help | sed -n 's/^usage: [^<]*<\(.*\)>$/\1/p' | tr '|' ' '); do
  man_has "$git_page" "$verb"; ok $? "git-credential-gmail-oauth $verb: documented"
done

for opt in $(gmail-oauthd --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
  [ "$opt" = --help ] && continue
  man_has "$daemon_page" "$(printf '%s' "$opt" | sed 's/-/\\-/g')"; ok $? "gmail-oauthd $opt: documented"
done

for p in "$page" "$git_page" "$daemon_page"; do
  is "$(groff -man -ww -z "$p" 2>&1)" "" "$(basename "$p"): groff finds nothing to warn about"
done

# The translations: every language of man/po4a.cfg has every page, made from a catalog that
# msgfmt passes and that translates every string of the English pages as they are now.
langs=$(sed -n 's/^\[po4a_langs\] *//p' "$top_srcdir/man/po4a.cfg")
ok $([ "$(printf '%s\n' $langs | wc -l)" -ge 3 ]; echo $?) "man/po4a.cfg translates into: $langs"
if command -v po4a >/dev/null; then
  # A copy, so that po4a updates the catalogs against the pages without writing to the tree.
  copy=$GMO_SESSION_DIR/man-l10n
  mkdir -p "$copy/data" && cp -R "$top_srcdir/man" "$copy/" && chmod -R u+w "$copy" &&
    cp "$page" "$git_page" "$daemon_page" "$copy/data/" &&
    (cd "$copy" && po4a --no-translations --quiet man/po4a.cfg)
  ok $? "po4a updates the catalogs against the English pages"
fi
l10n_page() { # l10n_page LANG PAGE: the translated page, made in the build tree or, in a tarball, shipped
  if [ -f "$top_builddir/man/$1/$2" ]; then echo "$top_builddir/man/$1/$2"; else echo "$top_srcdir/man/$1/$2"; fi
}
for lang in $langs; do
  po=$top_srcdir/man/po/$lang.po
  stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$po" 2>&1)
  ok $? "$lang: msgfmt --check man/po/$lang.po ($stats)"
  like "$stats" '^[0-9]+ translated messages\.$' "$lang: no string of man/po/$lang.po is untranslated or fuzzy"
  if command -v po4a >/dev/null; then
    merged=$copy/man/po/$lang.po
    is "$(msgattrib --untranslated --no-obsolete "$merged" | grep -c '^msgid ')" 0 \
      "$lang: every string of the English pages is translated"
    is "$(msgattrib --only-fuzzy --no-obsolete "$merged" | grep -c '^msgid ')" 0 \
      "$lang: no string is fuzzy against the English pages"
  else
    ok 0 "$lang: the catalog against the English pages # SKIP po4a is not installed"
  fi
  for p in gmail-oauth.1 git-credential-gmail-oauth.1 gmail-oauthd.8; do
    f=$(l10n_page "$lang" "$p")
    ok $([ -s "$f" ]; echo $?) "$lang/$p: made"
    is "$(groff -k -man -ww -z -Tutf8 "$f" 2>&1)" "" "$lang/$p: groff finds nothing to warn about"
    if command -v man >/dev/null; then # as lintian reads it
      is "$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$f" 2>&1 >/dev/null)" \
        "" "$lang/$p: man --warnings finds nothing to warn about"
    fi
  done
done
# The NAME lines that whatis shows, in each language: the section's lines, joined.
name_is() { # name_is LANG PAGE HEADING ROFF-LINE
  is "$(sed -n "/^\.SH $3\$/,/^\.SH /{/^\.SH /d;p}" "$(l10n_page "$1" "$2")" | tr '\n' ' ' | sed 's/ *$//')" \
    "$4" "$1/$2: its NAME section is the translated one"
}
name_is de gmail-oauth.1 BEZEICHNUNG \
  'gmail\-oauth \- frische OAuth\-2.0\-Zugriffs\-Token für Gmail aus Autorisierungen im Schlüsselbund'
name_is fr gmail-oauthd.8 NOM \
  'gmail\-oauthd \- service de session D\-Bus qui fournit des jetons d’accès Gmail'
name_is es git-credential-gmail-oauth.1 NOMBRE \
  'git\-credential\-gmail\-oauth \- asistente de credenciales de git: tokens de acceso de Gmail y un almacén en el depósito de claves'

done_testing
