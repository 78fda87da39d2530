#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The manual pages stay in step with the programs: every command, every long
# option and every exit status that --help shows is in them (and gmail-oauthd's
# options in gmail-oauthd(8)), and groff reads them without a warning.
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

done_testing
