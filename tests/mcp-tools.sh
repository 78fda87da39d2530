#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The tools of `gmail-oauth mcp` against the stand-in and the test keyring:
# gmail_refresh_token (every failure class, rotation, time zones, no session
# bus), gmail_get_access_token and gmail_list_accounts; secrets stay off
# stderr; a signal during a slow call ends the server at once.
. "$top_srcdir/tests/tap.sh"

INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mcp-tools","version":"0"}}}'
errlog=$GMO_SESSION_DIR/mcp.err
: >"$errlog"

# call TOOL ARGUMENTS-JSON: one tools/call in a new server, with debug logging
# on. Sets $text (the result's JSON text), $iserror and $code (error_code).
call() {
  started_at=$(date +%s)
  resp=$(printf '%s\n{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"%s","arguments":%s}}\n' \
           "$INIT" "$1" "$2" | G_MESSAGES_DEBUG=all gmail-oauth mcp 2>>"$errlog" | tail -n 1)
  ended_at=$(date +%s)
  # One python3 for the three values: the machine may be slow.
  fields=$("${PYTHON3:-python3}" -c 'import json,sys
r=json.loads(sys.argv[1])["result"]; t=r["content"][0]["text"]
print(json.dumps(r["isError"])); print(json.loads(t).get("error_code","")); print(t)' "$resp" 2>/dev/null)
  iserror=$(printf '%s\n' "$fields" | sed -n 1p)
  code=$(printf '%s\n' "$fields" | sed -n 2p)
  text=$(printf '%s\n' "$fields" | sed -n 3p)
}
field() { json_get "$text" "$1" 2>/dev/null; }

ctl POST /control/client '{"client_id":"c1","client_secret":"secret-of-c1"}' >/dev/null
rt=$(json_get "$(ctl POST /control/grant '{"client_id":"c1"}')" refresh_token)
args() { # args REFRESH-TOKEN CLIENT-SECRET
  printf '{"google_refresh_token":"%s","google_client_id":"c1","google_client_secret":"%s"}' "$1" "$2"
}

# --- gmail_refresh_token ---
call gmail_refresh_token "$(args "$rt" secret-of-c1)"
is "$iserror" false "refresh: success"
is "$(field status)" success "refresh: status success"
like "$(field access_token)" '^ya29\.' "refresh: an access token"
like "$(field expires_at)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' "refresh: expires_at is RFC 3339 UTC"
is "$(field token_type)" Bearer "refresh: token_type kept"
is "$(field scope)" "https://mail.google.com/" "refresh: scope kept"
is "$(field refresh_token)" "" "refresh: no refresh_token when not rotated"
access=$(field access_token)
for tz in UTC America/Los_Angeles Asia/Shanghai; do
  export TZ=$tz
  call gmail_refresh_token "$(args "$rt" secret-of-c1)"
  unset TZ
  secs=$(field expires_in)
  ok $(( secs >= 3599 - (ended_at - started_at) - 1 && secs <= 3599 ? 0 : 1 )) \
    "refresh under TZ=$tz: expires_in $secs is about 3599"
  # expires_at and expires_in tell the same time: expires_in is counted from a moment
  # within the call.
  at=$(date -u -d "$(field expires_at)" +%s)
  ok $(( at - secs >= started_at && at - secs <= ended_at ? 0 : 1 )) \
    "refresh under TZ=$tz: expires_at agrees with expires_in"
  [ $(( at - secs )) -ge "$started_at" ] && [ $(( at - secs )) -le "$ended_at" ] ||
    diag "call from $started_at to $ended_at; $text"
done

# Without a loadable libcurl: an "internal" failure that says why.
nocurl=$(broken_library_dir libcurl.so.4)
export LD_LIBRARY_PATH="$nocurl"
call gmail_refresh_token "$(args "$rt" secret-of-c1)"
unset LD_LIBRARY_PATH
is "$iserror:$code" "true:internal" "refresh without a loadable libcurl: error_code internal"
like "$(field error)" '^Cannot load libcurl\.so\.4 \(.+\); install the Debian package libcurl4$' \
  "saying why"

ctl POST /control/config '{"rotation":true}' >/dev/null
call gmail_refresh_token "$(args "$rt" secret-of-c1)"
new_rt=$(field refresh_token)
ok $([ -n "$new_rt" ] && [ "$new_rt" != "$rt" ]; echo $?) "refresh: a rotated refresh token comes back"
ctl POST /control/config '{"rotation":false}' >/dev/null
call gmail_refresh_token "$(args "$new_rt" secret-of-c1)"
is "$iserror" false "refresh: the rotated refresh token works"
rt=$new_rt

# The real cause, each with its error class.
call gmail_refresh_token "$(args "$rt" wrong-secret)"
is "$iserror" true "wrong client secret: isError"
is "$code" bad-client "wrong client secret: error_code bad-client"
like "$(field details)" 'invalid_client' "wrong client secret: details say invalid_client"
call gmail_refresh_token "$(args 1//revoked-or-unknown secret-of-c1)"
is "$code" reauthorize "revoked grant: error_code reauthorize"
like "$(field error)" 'revoked|expired' "revoked grant: the error says so"
unlike "$(field error)" 'client ID and client secret' "revoked grant: the client is not blamed"
ctl POST /control/fault '{"kind":"invalid_rapt"}' >/dev/null
call gmail_refresh_token "$(args "$rt" secret-of-c1)"
is "$code" reauthorize "invalid_rapt: error_code reauthorize"
ctl POST /control/fault '{"kind":"non_json"}' >/dev/null
call gmail_refresh_token "$(args "$rt" secret-of-c1)"
is "$code" bad-response "non-JSON answer: error_code bad-response"
# UTF-8 that json-c lets through would make the answer invalid JSON text.
for kind in overlong_utf8 overlong_utf8_scope lone_surrogate; do
  ctl POST /control/fault "{\"kind\":\"$kind\"}" >/dev/null
  call gmail_refresh_token "$(args "$rt" secret-of-c1)"
  is "$code" bad-response "$kind in the answer: error_code bad-response"
done
ctl POST /control/fault '{"kind":"503","count":-1,"retry_after":0}' >/dev/null
call gmail_refresh_token "$(args "$rt" secret-of-c1)"
is "$code" transient "503 every time: error_code transient"
ctl POST /control/clear-faults '{}' >/dev/null
saved_url=$GMAIL_OAUTH_TOKEN_URL
export GMAIL_OAUTH_TOKEN_URL=http://127.0.0.1:9/token
call gmail_refresh_token "$(args "$rt" secret-of-c1)"
is "$code" transient "endpoint down: error_code transient"
export GMAIL_OAUTH_TOKEN_URL=$saved_url

# No keyring, no session bus: a headless container.
saved_bus=$DBUS_SESSION_BUS_ADDRESS
export DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent
call gmail_refresh_token "$(args "$rt" secret-of-c1)"
is "$iserror" false "refresh with a dead session bus address: success"
unset DBUS_SESSION_BUS_ADDRESS
call gmail_refresh_token "$(args "$rt" secret-of-c1)"
is "$iserror" false "refresh with no session bus at all: success"
call gmail_list_accounts '{}'
is "$code" keyring "list with no session bus: error_code keyring"
export DBUS_SESSION_BUS_ADDRESS=$saved_bus

# --- gmail_get_access_token and gmail_list_accounts ---
call gmail_get_access_token '{}'
is "$code" no-account "get, nothing stored: error_code no-account"
call gmail_list_accounts '{}'
is "$text" '{"accounts":[],"status":"success"}' "list, nothing stored: empty"

A=me@example.com
stored_rt=$(setup_account "$A" c2)
# A 200 whose refresh_token would destroy the grant: bad-response, and nothing is written
# (a margin above a token's life makes every get refresh).
export GMAIL_OAUTH_MIN_VALID=3600
for kind in empty_refresh_token multiline_refresh_token long_refresh_token; do
  ctl POST /control/fault "{\"kind\":\"$kind\",\"count\":1}" >/dev/null
  call gmail_get_access_token "{\"account\":\"$A\"}"
  is "$iserror:$code" "true:bad-response" "get, $kind: error_code bad-response"
  like "$(field error)" "refresh_token" "get, $kind: the error names the field"
  grant_intact "$A" "$stored_rt" "get, $kind"
done
unset GMAIL_OAUTH_MIN_VALID
call gmail_get_access_token '{}'
is "$iserror" false "get, one account, none named: success"
is "$(field account)" "$A" "get: names the account"
like "$(field access_token)" '^ya29\.' "get: an access token"
like "$(field expires_at)" 'Z$' "get: expires_at in UTC"
secs=$(field expires_in)
ok $(( secs > 300 && secs <= 3599 ? 0 : 1 )) "get: expires_in $secs"
unlike "$text" "$stored_rt|secret-of-c2" "get: neither refresh token nor client secret"
first=$(field access_token)
call gmail_get_access_token '{"account":"ME@Example.com"}'
is "$(field access_token)" "$first" "get, account named in capitals: the cached token"
call gmail_get_access_token '{"account":"other@example.com"}'
is "$code" no-account "get, unknown account: error_code no-account"
like "$(field error)" 'other@example.com' "get, unknown account: named"
call gmail_get_access_token '{"account":7}'
is "$code" usage "get, account not a string: error_code usage"

call gmail_list_accounts '{}'
is "$(json_get "$text" accounts 0 account)" "$A" "list: the account"
is "$(json_get "$text" accounts 0 state)" valid "list: its token is valid"
like "$(json_get "$text" accounts 0 expires_at)" 'Z$' "list: its expiry"
unlike "$text" "$stored_rt|secret-of-c2|$first" "list: no secret"

setup_account you@example.com c3 >/dev/null
call gmail_get_access_token '{}'
is "$code" usage "get, two accounts, none named: error_code usage"
like "$(field error)" 'me@example.com, you@example.com' "get, two accounts: both listed"
call gmail_get_access_token '{"account":"you@example.com"}'
is "$(field account)" you@example.com "get, two accounts, one named: success"

# Secrets never reach stderr, even with debug logging.
unlike "$(cat "$errlog")" "$rt|$stored_rt|secret-of-c|$access|$first" "no secret on stderr"
like "$(cat "$errlog")" 'tools/call' "debug logging was on"

# A signal in the middle of a slow call ends the server at once, status 0.
ctl POST /control/config '{"delay":20.0}' >/dev/null
requests=$(fake_stat token_requests)
fifo=$GMO_SESSION_DIR/mcp.in
mkfifo "$fifo"
gmail-oauth mcp <"$fifo" >"$GMO_SESSION_DIR/mcp.out" 2>/dev/null &
pid=$!
exec 9>"$fifo"
printf '%s\n{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"gmail_refresh_token","arguments":%s}}\n' \
  "$INIT" "$(args "$rt" secret-of-c1)" >&9
wait_stat token_requests $((requests + 1))
start=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"
rc=$?
took=$(( ($(date +%s%N) - start) / 1000000 ))
exec 9>&-
is "$rc" 0 "SIGTERM during a tool call: exit status 0"
ok $(( took < 2500 ? 0 : 1 )) "SIGTERM during a tool call: gone in $took ms (the call had seconds to go)"
ctl POST /control/config '{"delay":0.0}' >/dev/null

# Unreadable standard input: one line on stderr and the usage status, not 1.
gmail-oauth mcp < / >/dev/null 2>"$GMO_SESSION_DIR/mcp.err"
is "$?:$(wc -l < "$GMO_SESSION_DIR/mcp.err")" "2:1" "stdin a directory: exit status 2, one line"

done_testing
