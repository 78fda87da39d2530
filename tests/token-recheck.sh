#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A refused token is not served again (issue #11): a cached access token
# handed out again soon, as to a mail client retrying after Gmail refused it,
# is checked once with Google's tokeninfo endpoint first. A revoked grant then
# gives the reauthorize message, on the direct path and through gmail-oauthd
# alike; a revoked access token gives a new one; a token handed out in a loop,
# or to ten callers at once, costs one check; an outage of tokeninfo still
# serves the cached token; and `doctor` tells a cached token Google no longer
# accepts.
. "$top_srcdir/tests/tap.sh"

d=$GMO_SESSION_DIR
n=0
fresh_account() { # fresh_account ACCOUNT: a grant of its own client, so that revoking it hits no other
  n=$((n + 1))
  client="client-recheck-$n.apps.googleusercontent.com"
  rt=$(setup_account "$1" "$client")
}
revoke_grant() { ctl POST /control/revoke-grant "{\"client_id\":\"$client\"}" >/dev/null; }
valid_at_google() { json_get "$(ctl POST /control/token-valid "{\"token\":\"$1\"}")" valid; }

for path in direct daemon; do
  [ $path = direct ] && direct_path_begin

  # ---- a revoked grant surfaces on the next run ----
  A=revoked@example.com
  fresh_account "$A"
  run gmail-oauth token "$A"
  like "$rc:$out" '^0:ya29\.' "$path: a token is handed out"
  checks=$(fake_stat tokeninfo_requests)
  revoke_grant
  run gmail-oauth token "$A"
  first="$rc|$out|$err"
  run gmail-oauth token "$A"
  is "$rc" 4 "$path: after the grant is revoked, the next runs exit with the reauthorize status"
  like "$err" "^gmail-oauth: $A: The grant was revoked or has expired .*gmail-oauth login $A" \
    "$path: with the reauthorize message"
  is "$out" "" "$path: and no token"
  is "$first" "$rc|$out|$err" "$path: the first run after the revocation says so already"
  is "$(fake_stat tokeninfo_requests)" $((checks + 1)) "$path: after one tokeninfo check"
  is "$(fake_stat last_tokeninfo_query)" "" "$path: which carried the token in its body, not its URL"
  eval "answer_$path=\$rc\\|\$out\\|\$err"
  is "$(stored_refresh_token "$A")" "$rt" "$path: the stored refresh token is unchanged"

  # ---- a token handed out in a loop: one check ----
  B=loop-$path@example.com
  fresh_account "$B"
  token=$(gmail-oauth token "$B")
  checks=$(fake_stat tokeninfo_requests)
  refreshes=$(fake_stat successful_refreshes)
  same=0
  for _ in 1 2 3 4 5 6; do [ "$(gmail-oauth token "$B")" = "$token" ] || same=1; done
  ok $same "$path: the cached token is handed out six times more"
  is "$(fake_stat tokeninfo_requests)" $((checks + 1)) "$path: with one tokeninfo check between them"
  is "$(fake_stat successful_refreshes)" "$refreshes" "$path: and no refresh"
  if [ $path = direct ]; then
    records=$(cat "$XDG_RUNTIME_DIR"/gmail-oauth/*.handout 2>/dev/null)
    like "$records" '^1 [0-9a-f]{16} [0-9]+ [0-9]+$' "the handout records are kept beside the lock files"
    ok "$(grep -rqF -- "$token" "$XDG_RUNTIME_DIR" ; [ $? -eq 1 ]; echo $?)" \
      "and hold no token"
    record=$XDG_RUNTIME_DIR/gmail-oauth/$(printf '%s' "$B" | sha256sum | cut -d' ' -f1).handout
    inode=$(stat -c %i "$record")
    gmail-oauth token "$B" >/dev/null
    is "$(stat -c %i "$record")" "$inode" "a handout of the same token a moment later writes no record"
  fi

  # ---- callers at once share one check ----
  G=crowd-$path@example.com
  fresh_account "$G"
  token=$(gmail-oauth token "$G")
  checks=$(fake_stat tokeninfo_requests)
  pids=()
  for i in $(seq 1 10); do gmail-oauth token "$G" >"$d/crowd.$i" 2>&1 & pids+=($!); done
  wait "${pids[@]}"
  same=0
  for i in $(seq 1 10); do [ "$(cat "$d/crowd.$i")" = "$token" ] || same=1; done
  ok $same "$path: ten callers at once get the cached token"
  is "$(fake_stat tokeninfo_requests)" $((checks + 1)) "$path: after one tokeninfo check between them"

  # ---- a revoked access token: a new one, the grant lives on ----
  C=access-$path@example.com
  fresh_account "$C"
  token=$(gmail-oauth token "$C")
  ctl POST /control/revoke-access "{\"token\":\"$token\"}" >/dev/null
  run gmail-oauth token "$C"
  ok "$([ "$rc" = 0 ] && [ -n "$out" ] && [ "$out" != "$token" ]; echo $?)" \
    "$path: a cached token Google refuses is replaced by a new one"
  is "$(valid_at_google "$out")" true "$path: which Google accepts"
  new=$out
  run gmail-oauth token "$C"
  is "$rc:$out" "0:$new" "$path: and which is handed out from then on"

  # ---- an outage of tokeninfo serves the cached token ----
  D=outage-$path@example.com
  fresh_account "$D"
  token=$(gmail-oauth token "$D")
  ctl POST /control/fault '{"endpoint":"tokeninfo","kind":"503","count":-1}' >/dev/null
  checks=$(fake_stat tokeninfo_requests)
  run gmail-oauth token "$D"
  is "$rc:$out:$err" "0:$token:" "$path: tokeninfo failing, the cached token is still handed out"
  is "$(fake_stat tokeninfo_requests)" $((checks + 1)) "$path: after one try"
  run gmail-oauth token "$D"
  is "$(fake_stat tokeninfo_requests)" $((checks + 1)) "$path: which is not repeated at once"
  ctl POST /control/clear-faults >/dev/null
  E=hang-$path@example.com
  fresh_account "$E"
  token=$(gmail-oauth token "$E")
  ctl POST /control/fault '{"endpoint":"tokeninfo","kind":"timeout","seconds":30}' >/dev/null
  run gmail-oauth token "$E"
  is "$rc:$out" "0:$token" "$path: tokeninfo hanging, the cached token is handed out"
  ok $(( ms < 10000 ? 0 : 1 )) "$path: within a short bound (${ms} ms)"
  ctl POST /control/clear-faults >/dev/null

  # ---- the record outlives gmail-oauthd, which exits when idle; the paths share it ----
  F=restart-$path@example.com
  fresh_account "$F"
  token=$(gmail-oauth token "$F")
  if [ $path = daemon ]; then
    dpid=$(bus_pid io.github.gmail_oauth.Broker)
    kill "$dpid"
    for _ in $(seq 1 100); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
  else
    direct_path_end # and through gmail-oauthd from here on
  fi
  checks=$(fake_stat tokeninfo_requests)
  run gmail-oauth token "$F"
  is "$rc:$out" "0:$token" "$path: handed out again by a new gmail-oauthd"
  is "$(fake_stat tokeninfo_requests)" $((checks + 1)) "$path: which knew of the last handout, and checked the token"
done
is "$answer_daemon" "$answer_direct" \
  "a revoked grant: the same stdout, stderr and exit status through gmail-oauthd as directly"

# ---- doctor checks the cached token ----
F=doctor@example.com
fresh_account "$F"
token=$(gmail-oauth token "$F")
run gmail-oauth doctor "$F"
like "$out" "ok +$F: Google accepts the cached access token" "doctor: a cached token Google accepts"
token=$(gmail-oauth token "$F") # the one doctor's refresh stored
ctl POST /control/revoke-access "{\"token\":\"$token\"}" >/dev/null
run gmail-oauth doctor "$F"
like "$out" "warn +$F: Google no longer accepts the cached access token \([^)]*invalid_token[^)]*\); the refresh below replaced it" \
  "doctor: a cached token Google refuses, and that the refresh replaced it"
is "$rc" 0 "doctor: which is no failure"
revoke_grant
run gmail-oauth doctor "$F"
like "$out" "FAIL +$F: Google no longer accepts the cached access token .*grant is dead too.*gmail-oauth login $F" \
  "doctor: a dead cached token of a dead grant, and what to do"
is "$rc" 4 "doctor: exits with the reauthorize status"

done_testing
