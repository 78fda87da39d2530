#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# With G_MESSAGES_DEBUG=all, a full run of every door's ordinary and failing
# paths (the mail doors too: sendmail and the MCP mail tools) never shows a
# secret in argv, on stderr or in a log line: the command line and the git
# helper on their direct path, then through gmail-oauthd (started here with
# --verbose, so that its log is read too).
. "$top_srcdir/tests/tap.sh"

A=me@example.com
d=$GMO_SESSION_DIR
export G_MESSAGES_DEBUG=all
export GMAIL_OAUTH_GMAIL_URL="$GMO_FAKE_GOOGLE/gmail/v1/users/me/"
ctl POST /control/gmail/fixtures >/dev/null
secret_client=secret-of-leak-client
ctl POST /control/client "{\"client_id\":\"leak-client\",\"client_secret\":\"$secret_client\"}" >/dev/null
ctl POST /control/config '{"rotation": true}' >/dev/null
rt=$(json_get "$(ctl POST /control/grant '{"client_id":"leak-client"}')" refresh_token)
printf '{"type":"authorized_user","client_id":"leak-client","client_secret":"%s","refresh_token":"%s"}' \
  "$secret_client" "$rt" > "$d/grant.json"

# Watch argv of every process while the doors run.
( while :; do cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' ' '; echo; sleep 0.02; done ) > "$d/argv.log" &
watcher=$!

log=$d/stderr.log
doors() {
  gmail-oauth import "$A" "$d/grant.json"
  gmail-oauth token "$A" >/dev/null
  gmail-oauth refresh "$A" >/dev/null
  gmail-oauth token "$A" --format=xoauth2 >/dev/null
  gmail-oauth list --json; gmail-oauth status "$A"
  for fault in invalid_grant invalid_client 503 non_json; do
    ctl POST /control/fault "{\"kind\":\"$fault\",\"count\":-1}" >/dev/null
    gmail-oauth refresh "$A"
    ctl POST /control/clear-faults '{}' >/dev/null
  done
  gmail-oauth refresh "$A" >/dev/null
  # The other doors, when built.
  if command -v git-credential-gmail-oauth >/dev/null; then
    printf 'protocol=smtp\nhost=smtp.gmail.com\nusername=%s\n\n' "$A" | git-credential-gmail-oauth get >/dev/null
  fi
  if [ -x "$top_builddir/gmail-oauthd" ]; then
    gdbus call --session --dest io.github.gmail_oauth.Broker --object-path /io/github/gmail_oauth/Broker \
      --method io.github.gmail_oauth.Broker1.Refresh "$A" >/dev/null
  fi
  printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"gmail_refresh_token\",\"arguments\":{\"google_refresh_token\":\"wrong-$rt\",\"google_client_id\":\"leak-client\",\"google_client_secret\":\"$secret_client\"}}}" \
    | gmail-oauth mcp >/dev/null
  # The mail doors, with a token the Gmail API refuses once (refreshed and retried).
  ctl POST /control/gmail/expire-tokens >/dev/null
  printf 'From: %s\nTo: you@example.org\nSubject: leak?\n\nno\n' "$A" | gmail-oauth sendmail -t -v
  printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"gmail_search_messages","arguments":{}}}' \
    '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"gmail_send_message","arguments":{"to":"you@example.org","body":"no"}}}' \
    | gmail-oauth mcp >/dev/null
}
direct_path_begin
doors 2>"$log"
direct_path_end
"$top_builddir/gmail-oauthd" --replace --idle-timeout=0 --verbose 2>"$d/daemon.log" &
daemon=$!
for _ in $(seq 1 100); do
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.GetConnectionUnixProcessID io.github.gmail_oauth.Broker 2>/dev/null |
    grep -q "uint32 $daemon," && break
  sleep 0.05
done
# The first pass rotated the grant away from grant.json's refresh token: make it good again.
# (From standard input, not the command line: the argv watcher is still looking.)
printf '{"client_id":"leak-client","refresh_token":"%s"}' "$rt" |
  curl -sS --fail -X POST -H 'Content-Type: application/json' --data-binary @- \
    "$GMO_FAKE_GOOGLE/control/grant" >/dev/null
doors 2>>"$log"
kill -TERM "$daemon"; wait "$daemon"
kill "$watcher"; wait "$watcher" 2>/dev/null

stats=$(ctl GET /control/stats)
current_rt=$(json_get "$stats" current_refresh_token leak-client)
ok "$([ -s "$log" ]; echo $?)" "debug output was produced (G_MESSAGES_DEBUG=all)"
like "$(cat "$log")" 'Refresh' "the debug log traces refreshes"
like "$(cat "$log")" 'gmail_send_message' "the debug log traces the mail tools"
is "$(fake_stat gmail_sent)" 4 "sendmail and gmail_send_message each sent their message, on both paths"
like "$(cat "$d/daemon.log")" 'Refresh' "gmail-oauthd's debug log traces refreshes"
for name in secret_client rt current_rt; do
  value=${!name}
  unlike "$(cat "$log")" "$value" "no $name in stderr/log lines"
  unlike "$(cat "$d/daemon.log")" "$value" "no $name in gmail-oauthd's log lines"
  unlike "$(cat "$d/argv.log")" "$value" "no $name in any process's argv"
done
# Access tokens are handed out on stdout only, never logged.
unlike "$(cat "$log")" 'ya29\.' "no access token in stderr/log lines"
unlike "$(cat "$d/daemon.log")" 'ya29\.' "no access token in gmail-oauthd's log lines"

done_testing
