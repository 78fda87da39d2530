#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# All processes of one user agree: the per-account lock and the re-read after
# locking, through gmail-oauthd (which coalesces) and on the direct path (where
# each process refreshes under the lock). Runs under tests/with-session.
. "$top_srcdir/tests/tap.sh"

A=me@example.com
d=$GMO_SESSION_DIR
setup_account "$A" client-c >/dev/null

# 20 processes at once for an account with no valid token: one token request.
ctl POST /control/config '{"delay": 0.5}' >/dev/null
for i in $(seq 1 20); do
  gmail-oauth token "$A" >"$d/out.$i" 2>"$d/err.$i" &
done
wait
fails=0
for i in $(seq 1 20); do [ -s "$d/err.$i" ] && fails=$((fails + 1)); done
is "$fails" 0 "20 concurrent token calls: no errors"
is "$(cat "$d"/out.* | sort -u | wc -l)" 1 "all 20 printed the same token"
is "$(cat "$d/out.1")" "$(fake_stat last_access_token)" "that token is the minted one"
is "$(fake_stat token_requests)" 1 "exactly one token request"
rm -f "$d"/out.* "$d"/err.*

# Rotation on, through gmail-oauthd: 4 processes x 25 forced refreshes, in which the
# service shares refreshes between concurrent calls; every one succeeds and the
# keyring holds the last rotation.
ctl POST /control/reset '{}' >/dev/null
ctl POST /control/config '{"rotation": true}' >/dev/null
for p in 1 2 3 4; do
  ( rc=0
    for i in $(seq 1 25); do gmail-oauth refresh "$A" >/dev/null 2>>"$d/rot-err.$p" || rc=1; done
    exit $rc ) &
done
failed=0
for job in $(jobs -p); do wait "$job" || failed=$((failed + 1)); done
is "$failed" 0 "gmail-oauthd: 100 forced refreshes in 4 processes all succeeded"
cat "$d"/rot-err.* 2>/dev/null | head -3 | sed 's/^/# /'
rm -f "$d"/rot-err.*
stats=$(ctl GET /control/stats)
n=$(json_get "$stats" successful_refreshes)
ok $(( n >= 25 && n <= 100 ? 0 : 1 )) "gmail-oauthd: between 25 and 100 refreshes ($n)"
stored=$(json_get "$(secret-tool lookup account "$A" version 1)" refresh_token)
is "$stored" "$(json_get "$stats" current_refresh_token client-c)" \
  "gmail-oauthd: stored refresh token equals the stand-in's current one"

# The same on the direct path: 4 processes x 25 forced refreshes. Each refresh invalidates the
# previous refresh token at the stand-in, so any lost update would fail later
# refreshes and leave a stale token in the keyring.
direct_path_begin
ctl POST /control/reset '{}' >/dev/null
ctl POST /control/config '{"rotation": true}' >/dev/null
for p in 1 2 3 4; do
  ( rc=0
    for i in $(seq 1 25); do gmail-oauth refresh "$A" >/dev/null 2>>"$d/rot-err.$p" || rc=1; done
    exit $rc ) &
done
failed=0
for job in $(jobs -p); do [ "$job" = "$own_name_pid" ] || wait "$job" || failed=$((failed + 1)); done
is "$failed" 0 "100 forced refreshes in 4 processes all succeeded"
cat "$d"/rot-err.* 2>/dev/null | head -3 | sed 's/^/# /'
stats=$(ctl GET /control/stats)
is "$(json_get "$stats" successful_refreshes)" 100 "the stand-in saw 100 successful refreshes"
stored=$(json_get "$(secret-tool lookup account "$A" version 1)" refresh_token)
is "$stored" "$(json_get "$stats" current_refresh_token client-c)" "stored refresh token equals the stand-in's current one"
out=$(gmail-oauth token "$A" 2>&1)
is "$out" "$(json_get "$stats" last_access_token)" "the stored access token is the last one minted"

# A signal in the middle of a refresh: the process dies, the kernel releases
# the lock, and the stored grant is what it was (one keyring write per update).
ctl POST /control/reset '{}' >/dev/null
ctl POST /control/config '{"delay": 20}' >/dev/null # never reached: each is killed
before=$(json_get "$(secret-tool lookup account "$A" version 1)" refresh_token)
# (Not INT: a non-interactive shell starts background jobs with SIGINT ignored.)
n=0
for sig in TERM HUP KILL; do
  gmail-oauth refresh "$A" >/dev/null 2>&1 &
  pid=$!
  n=$((n + 1))
  wait_stat token_requests $n # the refresh is in flight
  kill -"$sig" "$pid"
  wait "$pid"
  rc=$?
  ok $(( rc > 128 ? 0 : 1 )) "SIG$sig during a refresh ends the process (status $rc)"
done
ctl POST /control/config '{"delay": 0}' >/dev/null
start=$(date +%s)
out=$(gmail-oauth refresh "$A" 2>&1); rc=$?
is "$rc" 0 "the next refresh works: the lock was released"
ok $(( $(date +%s) - start < 5 ? 0 : 1 )) "and did not wait for a stale lock"
is "$(json_get "$(secret-tool lookup account "$A" version 1)" refresh_token)" "$before" "the stored refresh token is intact"
direct_path_end

done_testing
