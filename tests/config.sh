#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `gmail-oauth config CLIENT ACCOUNT`: the README's snippets are what it prints for
# me@gmail.com (each between <!-- config CLIENT --> and <!-- /config -->), each output carries
# the notes its client needs, and bad calls are usage errors. The clients themselves run with
# these outputs in tests/mail-clients.sh.
. "$top_srcdir/tests/tap.sh"

readme=$top_srcdir/README.md
# snippet CLIENT: the fenced block between the README's markers for CLIENT
snippet() {
  awk -v start="<!-- config $1 -->" '
    $0 == start { inside = 1; next }
    inside && $0 == "<!-- /config -->" { exit }
    inside && /^```/ { fence = !fence; next }
    inside && fence { print }' "$readme"
}

clients=$(gmail-oauth config --help | sed -n '/^Clients:/,/^$/s/^  \([a-z]*\) .*/\1/p')
is "$(printf '%s ' $clients)" "msmtp mbsync neomutt aerc offlineimap git " "config --help lists the clients"
for c in $clients; do
  run gmail-oauth config "$c" me@gmail.com
  is "$rc $err" "0 " "config $c: exit 0, nothing on stderr"
  ok "$([ "$(printf '%s\n' "$out" | wc -l)" -ge 10 ]; echo $?)" "config $c: prints a configuration"
  is "$out" "$(snippet "$c")" "config $c: README.md shows exactly what it prints"
  is "$(gmail-oauth config "$c" Me@Gmail.COM)" "$out" "config $c: the account is normalised"
  if [ "$c" != git ]; then
    token_lines=$(printf '%s\n' "$out" | grep 'gmail-oauth.*token')
    # (no such line at all is one line without the account)
    is "$(printf '%s\n' "$token_lines" | grep -vc 'me@gmail\.com')" 0 \
      "config $c: it runs gmail-oauth token, always for the account"
  fi
done
is "$(grep -c '^<!-- config [a-z]* -->$' "$readme")" "$(printf '%s\n' $clients | wc -l)" \
  "README.md has one snippet per client, no other"
like "$(sed -n '/^## Mail clients/,/^## /p' "$readme")" 'gmail-oauth config CLIENT ACCOUNT' \
  "README.md's Mail clients section points to gmail-oauth config"

# What each client needs to know (issue 13), in its own comment syntax.
has() { printf '%s\n' "$(gmail-oauth config "$1" me@gmail.com)" | grep -qE -- "$2"; ok $? "config $1: $3"; }
has msmtp '^auth oauthbearer$' "OAUTHBEARER, the mechanism Gmail documents"
has msmtp '^# .*"auth xoauth2" works' "says XOAUTH2 works too"
for section in IMAPAccount IMAPStore MaildirStore Channel; do
  has mbsync "^$section gmail" "complete: $section"
done
has mbsync '^# .*libsasl2-modules-kdexoauth2' "names Debian's Cyrus SASL XOAUTH2 module"
has mbsync '^# .*TLSType' "says isync 1.5 spells SSLType TLSType"
has mbsync '^AuthMechs XOAUTH2$' "XOAUTH2"
has neomutt '^set spool_file = "\+INBOX"$' "spool_file is the IMAP inbox"
has neomutt '^# Without spool_file, neomutt opens /var/mail' "says why spool_file"
has aerc '^#   chmod 600 ~/.config/aerc/accounts.conf$' "says accounts.conf must be chmod 600"
has offlineimap '^auth_mechanisms = XOAUTH2$' "auth_mechanisms = XOAUTH2"
has offlineimap '^oauth2_access_token_eval = .*"gmail-oauth", "token", "me@gmail.com"' \
  "oauth2_access_token_eval runs gmail-oauth token"
expr=$(gmail-oauth config offlineimap me@gmail.com | sed -n 's/^oauth2_access_token_eval = //p')
is "$("${PYTHON3:-python3}" -c 'import sys; compile(sys.argv[1], "rc", "eval"); print("ok")' "$expr" 2>&1)" ok \
  "config offlineimap: oauth2_access_token_eval is a Python expression, as offlineimap evaluates it"
has git '^git config --global credential.helper gmail-oauth$' "the credential helper"
has git '^git config --global sendemail.sendmailCmd "gmail-oauth sendmail"$' "send-email the sendmail way"
has git '^# .*Debian 12' "the sendmail way is Debian 12's"
has git '^#git config --global sendemail.smtpAuth XOAUTH2$' "send-email the SMTP way"
has git '^# XOAUTH2 needs Perl.s Authen::SASL 2\.1800 or later' "Authen::SASL 2.1800 for XOAUTH2"
has git '^# .*\(2\.16\)' "Debian 12's Authen::SASL is 2.16"
has git '^# .*git-email, which needs.*' "git-email"
has git '^# libmailtools-perl' "libmailtools-perl"
is "$(gmail-oauth config git me@gmail.com | sh -n 2>&1; echo $?)" 0 "config git: the output is a shell script"

# It reads nothing from the keyring: no session bus, same answer.
is "$(DBUS_SESSION_BUS_ADDRESS=unix:path=$GMO_SESSION_DIR/no-bus gmail-oauth config msmtp new@gmail.com 2>&1)" \
  "$(gmail-oauth config msmtp me@gmail.com | sed 's/me@gmail.com/new@gmail.com/g')" \
  "config: an account that is not stored, without a session bus: the same text"

# Usage errors: exit 2 and one line.
usage() { # usage DESCRIPTION REGEX ARG...
  local what=$1 regex=$2
  shift 2
  run gmail-oauth config "$@"
  is "$rc $(printf '%s\n' "$err" | grep -c .)" "2 1" "usage error, one line: $what"
  like "$err" "$regex" "usage error: $what: the message"
  is "$out" "" "usage error: $what: nothing on stdout"
}
usage "unknown client" 'Unknown client “thunderbird”; the clients are msmtp, mbsync, neomutt, aerc, offlineimap, git$' \
  thunderbird me@gmail.com
usage "no account" 'Wrong number of arguments' msmtp
usage "no arguments" 'Wrong number of arguments'
usage "one argument too many" 'Wrong number of arguments' msmtp me@gmail.com extra
usage "not an address" 'is not an e-mail address' msmtp not-an-address
for bad in 'a$(id)@gmail.com' "o'brien@example.com" 'a"b@gmail.com' 'a;b@gmail.com' 'a%b@gmail.com' \
           '.a@gmail.com' 'a@gmail.com#x' 'é@gmail.com'; do
  usage "an account with quoting trouble ($bad)" 'does not write into a configuration file' msmtp "$bad"
done
usage "an option for an account" 'Unknown option' msmtp -x@gmail.com
usage "an unknown client with an escape" 'Unknown client “a\\nb”' "$(printf 'a\nb')" me@gmail.com

done_testing
