#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's demo: every door, end to end, in a private session (own bus, own
# unlocked keyring) against the loopback stand-in for Google. No Google account
# is needed and nothing outside the throwaway session is touched.
set -eu
A=demo@gmail.com
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
ctl() { "$top_srcdir/tests/fake-google-ctl" "$@" >/dev/null; }

echo "Stand-in for Google's endpoints: $GMO_FAKE_GOOGLE"
ctl POST /control/client '{"client_id":"demo.apps.googleusercontent.com","client_secret":"demo-secret"}'
rt=$("$top_srcdir/tests/fake-google-ctl" POST /control/grant '{"client_id":"demo.apps.googleusercontent.com"}' |
     python3 -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])')
printf '{"type":"authorized_user","client_id":"demo.apps.googleusercontent.com","client_secret":"demo-secret","refresh_token":"%s"}' \
  "$rt" > "$GMO_SESSION_DIR/authorized_user.json"

step "gmail-oauth import $A authorized_user.json"
gmail-oauth import "$A" "$GMO_SESSION_DIR/authorized_user.json"
rm -f "$GMO_SESSION_DIR/authorized_user.json"
step "gmail-oauth list"
gmail-oauth list
step "gmail-oauth token $A            # refreshed once, then cached in the keyring"
gmail-oauth token "$A"
gmail-oauth token "$A"
step "gmail-oauth token $A --format=json"
gmail-oauth token "$A" --format=json
step "gmail-oauth token $A --format=xoauth2   # SASL XOAUTH2 for IMAP/SMTP"
gmail-oauth token "$A" --format=xoauth2
step "gmail-oauth refresh $A"
gmail-oauth refresh "$A"
step "gmail-oauth status $A"
gmail-oauth status "$A"

if command -v git-credential-gmail-oauth >/dev/null; then
  step "git -c credential.helper=gmail-oauth credential fill   # smtp://$A@smtp.gmail.com"
  printf 'protocol=smtp\nhost=smtp.gmail.com\nusername=%s\n\n' "$A" |
    git -c credential.helper=gmail-oauth credential fill
fi
# The bus of tests/with-session activates whichever daemon this file names: the build
# tree's, or the installed one (debian/tests/installed-demo).
if [ -e "$top_builddir/tests/services/io.github.gmail_oauth.Broker.service" ]; then
  step "gdbus call ... io.github.gmail_oauth.Broker1.GetAccessToken '$A'   # bus-activated daemon"
  gdbus call --session --dest io.github.gmail_oauth.Broker --object-path /io/github/gmail_oauth/Broker \
    --method io.github.gmail_oauth.Broker1.GetAccessToken "$A"
fi
step "gmail-oauth mcp   # tools/call gmail_get_access_token over JSON-RPC on stdio"
printf '%s\n' \
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"demo","version":"1"}}}' \
  '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
  "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"gmail_get_access_token\",\"arguments\":{\"account\":\"$A\"}}}" |
  gmail-oauth mcp | tail -n 1
step "gmail-oauth token nobody@gmail.com   # errors: one line, documented exit status"
gmail-oauth token nobody@gmail.com || echo "(exit status $?)"
step "gmail-oauth remove $A"
gmail-oauth remove "$A"
echo
echo "Demo complete: $(python3 -c 'import json,sys; print(json.load(sys.stdin)["token_requests"])' \
  < <("$top_srcdir/tests/fake-google-ctl" GET /control/stats)) token requests were made."
