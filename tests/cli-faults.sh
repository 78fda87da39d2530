#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every fault of the token endpoint gives its error class's exit status and a
# one-line message naming the account within 35 s, and leaves the stored grant
# unchanged. Runs under tests/with-session.
. "$top_srcdir/tests/tap.sh"

A=me@example.com
# The record as stored (read straight from the keyring, as a test may).
record() { secret-tool lookup account "$A" version 1; }

check_fault() { # check_fault KIND COUNT EXIT MESSAGE-REGEX
  local kind=$1 count=$2 want=$3 regex=$4 before after start elapsed
  ctl POST /control/reset '{}' >/dev/null
  gmail-oauth import "$A" < "$GMO_SESSION_DIR/grant.json" 2>/dev/null
  before=$(record)
  ctl POST /control/fault "{\"kind\":\"$kind\",\"count\":$count}" >/dev/null
  start=$(date +%s)
  out=$(gmail-oauth token "$A" 2>"$GMO_SESSION_DIR/err"); rc=$?
  elapsed=$(( $(date +%s) - start ))
  err=$(cat "$GMO_SESSION_DIR/err")
  after=$(record)
  is "$rc" "$want" "$kind x$count: exit status $want"
  is "$(printf '%s\n' "$err" | grep -c .)" 1 "$kind: one line on stderr"
  like "$err" "$A" "$kind: the message names the account"
  like "$err" "$regex" "$kind: the message says the cause"
  is "$out" "" "$kind: nothing on stdout"
  ok $(( elapsed <= 35 ? 0 : 1 )) "$kind: answered within 35 s ($elapsed s)"
  is "$(json_get "$after" refresh_token)" "$(json_get "$before" refresh_token)" "$kind: refresh token unchanged"
  is "$(json_get "$after" client_secret)" "$(json_get "$before" client_secret)" "$kind: client secret unchanged"
  unlike "$err" "secret-of|1//" "$kind: no secret in the message"
}

ctl POST /control/client '{"client_id":"c1","client_secret":"secret-of-c1"}' >/dev/null
rt=$(json_get "$(ctl POST /control/grant '{"client_id":"c1"}')" refresh_token)
printf '{"type":"authorized_user","client_id":"c1","client_secret":"secret-of-c1","refresh_token":"%s"}' "$rt" \
  > "$GMO_SESSION_DIR/grant.json"

check_fault invalid_grant 1 4 'revoked|expired'
like "$err" 'Testing' "invalid_grant: mentions the Testing status"
like "$err" '7 days' "invalid_grant: mentions the 7-day expiry"
like "$err" "gmail-oauth login $A" "invalid_grant: says how to log in again"
check_fault invalid_rapt 1 4 'Workspace|re-?authenticat'
check_fault invalid_client 1 5 'client'
check_fault unauthorized_client 1 5 'client'
check_fault 429 -1 6 '.'
check_fault 500 -1 6 '.'
is "$(fake_stat token_requests)" 3 "500: three attempts, no more"
check_fault 503 -1 6 '.'
check_fault reset -1 6 '.'
check_fault non_json 1 7 '.'
is "$(fake_stat token_requests)" 1 "non_json: not retried"
check_fault bad_json 1 7 '.'
check_fault wrong_types 1 7 '.'
check_fault trailing 1 7 '.'
check_fault oversized 1 7 '.'
check_fault deep_json 1 7 '.'
check_fault redirect 1 7 '.'
check_fault timeout -1 6 '.'

# A 200 whose refresh_token would replace the grant by nothing or by garbage: bad-response,
# and nothing is written.
for kind in empty_refresh_token multiline_refresh_token long_refresh_token; do
  ctl POST /control/reset '{}' >/dev/null
  gmail-oauth import "$A" < "$GMO_SESSION_DIR/grant.json" 2>/dev/null
  ctl POST /control/fault "{\"kind\":\"$kind\",\"count\":1}" >/dev/null
  out=$(gmail-oauth refresh "$A" 2>"$GMO_SESSION_DIR/err"); rc=$?
  is "$rc:$out" "7:" "$kind: refresh exits 7 (bad-response), nothing on stdout"
  is "$(grep -c . "$GMO_SESSION_DIR/err")" 1 "$kind: one line on stderr"
  like "$(cat "$GMO_SESSION_DIR/err")" "$A: .*refresh_token" "$kind: naming the account and the field"
  grant_intact "$A" "$rt" "$kind"
done

# Transient faults that clear are retried to success.
ctl POST /control/reset '{}' >/dev/null
gmail-oauth import "$A" < "$GMO_SESSION_DIR/grant.json" 2>/dev/null
ctl POST /control/fault '{"kind":"429","count":1,"retry_after":1}' >/dev/null
ctl POST /control/fault '{"kind":"503","count":1}' >/dev/null
out=$(gmail-oauth token "$A" 2>/dev/null); rc=$?
is "$rc" 0 "429 then 503 then success: exit 0"
is "$(fake_stat token_requests)" 3 "three attempts"

# The keyring missing: exit 8, one line.
out=$(DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent gmail-oauth token "$A" 2>"$GMO_SESSION_DIR/err"); rc=$?
is "$rc" 8 "no Secret Service: exit 8"
is "$(grep -c . "$GMO_SESSION_DIR/err")" 1 "no Secret Service: one line"
like "$(cat "$GMO_SESSION_DIR/err")" 'keyring' "no Secret Service: says keyring"

# Bad endpoint overrides are usage errors, and nothing is sent anywhere.
for url in "ftp://127.0.0.1/token" "http://example.com/token" "not a url"; do
  out=$(GMAIL_OAUTH_TOKEN_URL=$url gmail-oauth refresh "$A" 2>"$GMO_SESSION_DIR/err"); rc=$?
  is "$rc" 2 "GMAIL_OAUTH_TOKEN_URL=$url is refused"
done

done_testing
