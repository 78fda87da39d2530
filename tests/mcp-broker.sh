#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The MCP server asks gmail-oauthd first, as the command line does: its mail
# tools get their tokens with RequestToken ("own-use": the server refreshes
# after a refusal itself, so no tokeninfo check), gmail_get_access_token with a
# plain RequestToken, and a call without an account finds the only one with
# ListAccounts; it does not touch the keyring itself. Without the service
# (tests/own-name holds its name) it reads the keyring directly, with the same
# answers for every error class. A call for others never joins a task for the
# server's own use: it gets the check it is due.
. "$top_srcdir/tests/tap.sh"

A=broker@example.com
d=$GMO_SESSION_DIR
export GMAIL_OAUTH_GMAIL_URL=$GMO_FAKE_GOOGLE/gmail/v1/users/me/
# mcp TOOL ARGUMENTS: one server, one call; prints the call's answer line.
mcp() {
  printf '%s\n{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"%s","arguments":%s}}\n' \
    "$MCP_INIT" "$1" "$2" | gmail-oauth mcp | grep '"id":1,'
}
# text ANSWER KEY[.KEY...]: a field of the JSON text of a tools/call answer.
text() {
  "${PYTHON3:-python3}" -c 'import json,sys
t = json.loads(json.loads(sys.argv[1])["result"]["content"][0]["text"])
for k in sys.argv[2].split("."): t = t.get(k, "") if isinstance(t, dict) else ""
print(t)' "$1" "$2" 2>/dev/null
}
# The bus's method calls to gmail-oauthd, as dbus-monitor sees them, from here on.
dbus-monitor --session "type='method_call',interface='io.github.gmail_oauth.Broker1'" >"$d/monitor" 2>&1 &
monitor=$!
seen() { tail -n +"$((mark + 1))" "$d/monitor"; } # what the bus carried since the last mark
mark_monitor() { mark=$(wc -l <"$d/monitor"); }
# wait_seen REGEX [N]: waits (up to 10 s) until N calls (default 1) matching REGEX were
# carried since the mark.
wait_seen() {
  for _ in $(seq 1 100); do [ "$(seen | grep -Ec -- "$1")" -ge "${2:-1}" ] && return 0; sleep 0.1; done
  return 1
}
message() { # message SUBJECT: adds a message to the stand-in's mailbox; prints its id
  json_get "$(ctl POST /control/gmail/message "{\"rfc822\":\"From: Ann <ann@example.com>\\r\\nTo: $A\\r\\nSubject: $1\\r\\n\\r\\nBody of $1.\\r\\n\"}")" id
}

rt=$(setup_account "$A")
id=$(message "first")

# ---- through gmail-oauthd: no keyring call of its own ----
run gmail-oauth token "$A"
like "$out" '^ya29\.' "a token call activates gmail-oauthd"
token=$out
# gmail-oauthd answers before its keyring write of a new token: freezing the keyring
# during that write would leave its refresh running (and later calls waiting for it).
for _ in $(seq 1 100); do
  [ "$(json_get "$(secret-tool lookup account "$A" version 1)" access_token 2>/dev/null)" = "$token" ] && break
  sleep 0.1
done
kpid=$(bus_pid org.freedesktop.secrets)
kill -STOP "$kpid"
run mcp gmail_read_message "{\"account\":\"$A\",\"message_id\":\"$id\"}"
is "$(text "$out" headers.subject)" "first" "with the Secret Service frozen, the server reads a message"
ok $(( ms < 3000 ? 0 : 1 )) "at once (${ms} ms): the server made no keyring call"
run mcp gmail_get_access_token "{\"account\":\"$A\"}"
is "$(text "$out" access_token)" "$token" "and hands out gmail-oauthd's cached token"
kill -CONT "$kpid"

# ---- libsecret is loaded for the keyring alone ----
nosecret=$(broken_library_dir libsecret-1.so.0)
LD_LIBRARY_PATH=$nosecret run mcp gmail_read_message "{\"account\":\"$A\",\"message_id\":\"$id\"}"
is "$(text "$out" headers.subject)" "first" "with no loadable libsecret, the server reads through gmail-oauthd"
direct_path_begin
LD_LIBRARY_PATH=$nosecret run mcp gmail_read_message "{\"account\":\"$A\",\"message_id\":\"$id\"}"
like "$(text "$out" error)" '^Cannot load libsecret-1\.so\.0 \(.+\); install the Debian package libsecret-1-0$' \
  "without gmail-oauthd, the call says which library to install"
is "$(text "$out" error_code)" internal "as an internal error"
direct_path_end

# ---- what the server asks: ListAccounts, RequestToken with own-use ----
mark=0
for _ in $(seq 1 100); do # the monitor is in place once it sees a call of ours
  gdbus call --session --dest io.github.gmail_oauth.Broker --object-path /io/github/gmail_oauth/Broker \
    --method io.github.gmail_oauth.Broker1.ListAccounts >/dev/null 2>&1
  grep -q 'member=ListAccounts' "$d/monitor" && break
  sleep 0.1
done
mark_monitor
run mcp gmail_search_messages '{"max_results":1}'
is "$(text "$out" account)" "$A" "a call without an account uses the only one stored"
is "$err" "" "with nothing on stderr"
ok "$(wait_seen 'member=ListAccounts'; echo $?)" "found with ListAccounts"
ok "$(wait_seen 'member=RequestToken'; seen | grep -A 30 'member=RequestToken' | grep -A 1 '"own-use"' |
      grep -q 'boolean true'; echo $?)" "its token asked with RequestToken, own-use true"

# ---- one running server is one caller of gmail-oauthd, and follows the keyring ----
mcp_start
mark_monitor
printf '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"gmail_get_access_token","arguments":{"account":"%s"}}}\n' "$A" >&3
mcp_answer 1 >/dev/null
printf '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"gmail_get_access_token","arguments":{"account":"%s"}}}\n' "$A" >&3
mcp_answer 2 >/dev/null
wait_seen 'member=RequestToken' 2
is "$(seen | sed -n 's/.* sender=\([^ ]*\) .*member=RequestToken.*/\1/p' | sort -u | wc -l)" 1 \
  "two token calls of one server come from one bus connection"
printf '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"gmail_read_message","arguments":{"account":"%s","message_id":"%s"}}}\n' "$A" "$id" >&3
like "$(mcp_answer 3)" '"isError":false' "a running server reads a message (its token now in its memory)"
gmail-oauth remove "$A" 2>/dev/null
printf '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"gmail_read_message","arguments":{"account":"%s","message_id":"%s"}}}\n' "$A" "$id" >&3
is "$(text "$(mcp_answer 4)" error_code)" no-account \
  "the account removed by another process: the next read says no-account, not from memory"
printf '%s' "{\"type\":\"authorized_user\",\"client_id\":\"client-1.apps.googleusercontent.com\",\"client_secret\":\"secret-of-client-1.apps.googleusercontent.com\",\"refresh_token\":\"$rt\"}" |
  gmail-oauth import "$A" 2>/dev/null
printf '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"gmail_read_message","arguments":{"account":"%s","message_id":"%s"}}}\n' "$A" "$id" >&3
like "$(mcp_answer 5)" '"isError":false' "imported again: read again"
exec 3>&-; wait "$mcp_pid"

# ---- own use: no tokeninfo check; a handout for others still gets its check ----
for path in daemon direct; do
  [ $path = direct ] && direct_path_begin
  O=own-$path@example.com
  setup_account "$O" >/dev/null
  gmail-oauth token "$O" >/dev/null
  checks=$(fake_stat tokeninfo_requests)
  run mcp gmail_read_message "{\"account\":\"$O\",\"message_id\":\"$id\"}"
  is "$(text "$out" headers.subject)" "first" "$path: a read right after a handout"
  is "$(fake_stat tokeninfo_requests)" "$checks" "$path: needs no tokeninfo check (the server refreshes after a 401)"
  printf 'x' | secret-tool store --label=other other item # gmail-oauthd drops its cache
  run mcp gmail_read_message "{\"account\":\"$O\",\"message_id\":\"$id\"}"
  is "$(text "$out" headers.subject)" "first" "$path: a read after a change in the keyring"
  is "$(fake_stat tokeninfo_requests)" "$checks" "$path: the record's token needs no check either"
  run mcp gmail_get_access_token "{\"account\":\"$O\"}"
  like "$(text "$out" access_token)" '^ya29\.' "$path: gmail_get_access_token hands out a token"
  is "$(fake_stat tokeninfo_requests)" $((checks + 1)) "$path: handed out again soon, it is checked first"
  [ $path = direct ] && direct_path_end
done

# ---- a call for others does not join a task for the server's own use ----
# The cache is dropped (a change in the keyring), the keyring is frozen, and the server's
# request starts a task that waits for the record; a command line's request comes
# meanwhile, and Google is told the token is dead. The server gets that token (and its
# 401, and refreshes); the command line must not: it is due for a check.
# (It needs a gmail-oauthd that has not checked A's token in the last minute: the one
# started after the direct path above.)
dead=$(gmail-oauth token "$A")
printf 'x' | secret-tool store --label=other other item
refused=$(fake_stat gmail_auth_failures)
kill -STOP "$kpid"
mark_monitor
mcp gmail_read_message "{\"account\":\"$A\",\"message_id\":\"$id\"}" >"$d/own.out" &
own=$!
wait_seen 'member=RequestToken'
sleep 0.5 # and gmail-oauthd has started its task
gmail-oauth token "$A" >"$d/others.out" 2>&1 &
others=$!
mark_monitor
wait_seen 'member=RequestToken'
sleep 0.5
ctl POST /control/gmail/expire-tokens '{}' >/dev/null
kill -CONT "$kpid"
wait "$own" "$others"
is "$(text "$(cat "$d/own.out")" headers.subject)" "first" "the server's read succeeds (after a refresh of its own)"
is "$(fake_stat gmail_auth_failures)" $((refused + 1)) "its task handed it the stored token unchecked: one 401"
like "$(cat "$d/others.out")" '^ya29\.' "the command line gets a token"
ok "$([ "$(cat "$d/others.out")" != "$dead" ]; echo $?)" "not the dead one the server's task handed out unchecked"

# ---- a refused token is not handed to others while the server's refresh runs ----
# (Handed out twice, so checked once: a handout to others in the next minute is not checked.)
gmail-oauth token "$A" >/dev/null
refused_token=$(gmail-oauth token "$A")
ctl POST /control/config '{"delay": 2}' >/dev/null
requests=$(fake_stat token_requests)
gdbus call --session --dest io.github.gmail_oauth.Broker --object-path /io/github/gmail_oauth/Broker \
  --method io.github.gmail_oauth.Broker1.RequestToken "$A" "{'own-use': <true>, 'refresh': <true>}" \
  >"$d/forced.out" 2>&1 &
forced=$!
wait_stat token_requests $((requests + 1)) # the refresh is at the token endpoint
run gmail-oauth token "$A"
wait "$forced"
ctl POST /control/config '{"delay": 0}' >/dev/null
ok "$([ "$rc" = 0 ] && [ "$out" != "$refused_token" ] && grep -qF "'$out'" "$d/forced.out"; echo $?)" \
  "during the server's refresh after a refusal, others wait for its new token, not the refused one"

# ---- the same answers both ways, for every error class ----
B=two@example.com
C=revoked@example.com
compare() { # compare WHAT TOOL ARGUMENTS: the answer through gmail-oauthd, then directly
  local via
  run mcp "$2" "$3"; via=$out
  direct_path_begin
  run mcp "$2" "$3"
  direct_path_end
  is "$out" "$via" "$1: the same answer both ways"
  is "$(text "$via" error_code)" "$expect" "$1: error_code $expect"
}
expect=no-account
compare "no such account" gmail_search_messages '{"account":"nobody@example.com"}'
expect=usage
compare "not an address" gmail_search_messages '{"account":"not an address"}'
setup_account "$B" >/dev/null
compare "two accounts, none named" gmail_search_messages '{}'
setup_account "$C" client-revoked >/dev/null
ctl POST /control/revoke-grant '{"client_id":"client-revoked"}' >/dev/null
expect=reauthorize
compare "a revoked grant" gmail_search_messages "{\"account\":\"$C\"}"
compare "a revoked grant, gmail_get_access_token" gmail_get_access_token "{\"account\":\"$C\"}"
is "$(stored_refresh_token "$A")" "$rt" "the stored refresh token is unchanged"
kill "$monitor"; wait "$monitor" 2>/dev/null
done_testing
