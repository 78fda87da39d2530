#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `gmail-oauth remove --revoke [--force]` and `gmail-oauth doctor` against the stand-in.
. "$top_srcdir/tests/tap.sh"
export G_DEBUG=fatal-criticals  # a GLib critical is a bug: make it fail the test

work=$GMO_SESSION_DIR/doctor-test
mkdir -p "$work"
valid_at_stand_in() { # valid_at_stand_in REFRESH-TOKEN -> 0 if the stand-in still honours it
  fake_stat valid_refresh_tokens | grep -qF "\"$1\""
}
revokes() { fake_stat revoke_requests; }

# --- remove --revoke: success ---
rt=$(setup_account rev1@example.com)
before=$(revokes)
gmail-oauth remove rev1@example.com --revoke 2>"$work/err.rev1"
is $? 0 "remove --revoke succeeds"
is "$(revokes)" $((before + 1)) "the revocation endpoint was called once"
valid_at_stand_in "$rt"
is $? 1 "the refresh token is now invalid at the stand-in"
gmail-oauth status rev1@example.com >/dev/null 2>&1
is $? 3 "the record is gone"
unlike "$(cat "$work/err.rev1")" "$rt" "no secret on stderr"

# --- remove --revoke: failure keeps the record ---
rt=$(setup_account rev2@example.com)
ctl POST /control/fault '{"kind":"503","count":3,"endpoint":"revoke"}' >/dev/null
gmail-oauth remove rev2@example.com --revoke 2>"$work/err.rev2"
is $? 6 "a revocation that keeps failing is a transient error"
like "$(cat "$work/err.rev2")" "revocation failed, the record is kept.*--force" "which says the record is kept"
gmail-oauth status rev2@example.com >/dev/null 2>&1
is $? 0 "the record is kept"
valid_at_stand_in "$rt"
ok $? "and the grant is still valid"
like "$(gmail-oauth token rev2@example.com 2>&1)" "^ya29\.fake-" "and still works"
ctl POST /control/clear-faults >/dev/null

ctl POST /control/fault '{"kind":"invalid_request","count":1,"endpoint":"revoke"}' >/dev/null
gmail-oauth remove rev2@example.com --revoke 2>/dev/null
status=$?
[ "$status" -ne 0 ] && [ "$status" -ne 3 ]
ok $? "a refused revocation fails too (status $status)"
gmail-oauth status rev2@example.com >/dev/null 2>&1
is $? 0 "and keeps the record"
ctl POST /control/clear-faults >/dev/null

# --- --force deletes anyway ---
ctl POST /control/fault '{"kind":"503","count":-1,"endpoint":"revoke"}' >/dev/null
gmail-oauth remove rev2@example.com --revoke --force 2>"$work/err.force"
is $? 0 "remove --revoke --force succeeds although revocation fails"
like "$(cat "$work/err.force")" "revocation failed, deleting anyway" "and says what happened"
gmail-oauth status rev2@example.com >/dev/null 2>&1
is $? 3 "the record is gone"
ctl POST /control/clear-faults >/dev/null

# --- a grant Google already refuses: the aim of --revoke holds, the record goes ---
rt=$(setup_account rev3@example.com)
is "$(curl -sS -d "token=$rt" "$GMAIL_OAUTH_REVOKE_URL")" "{}" "revoked behind our back"
before=$(revokes)
gmail-oauth remove rev3@example.com --revoke 2>"$work/err.rev3"
is $? 0 "remove --revoke of an already revoked grant succeeds"
is "$(revokes)" $((before + 1)) "after asking Google once"
like "$(cat "$work/err.rev3")" "already revoked or expired; deleting" "and says so"
is "$(wc -l <"$work/err.rev3")" 1 "in one line"
gmail-oauth status rev3@example.com >/dev/null 2>&1
is $? 3 "the record is gone"

gmail-oauth remove nobody@example.com --revoke 2>/dev/null
is $? 3 "remove --revoke of an unknown account is no-account"

# --- doctor: healthy ---
rt=$(setup_account doc1@example.com)
out=$(gmail-oauth doctor doc1@example.com)
is $? 0 "doctor on a healthy account exits 0"
is "$(printf '%s\n' "$out" | grep -c '^ok ')" 5 "five checks, all ok"
unlike "$out" "^(warn|FAIL)" "no warning or failure"
like "$out" "keyring: Secret Service reachable" "the keyring is checked"
like "$out" "doc1@example.com: record present" "the record is checked"
like "$out" "doc1@example.com: refresh works" "the refresh is checked"
like "$out" "doc1@example.com: grant age" "the grant age is shown"
like "$out" "clock: within" "the clock is checked"
unlike "$out" "$rt|ya29|secret-of" "no secret in the report"

setup_account doc2@example.com >/dev/null
out=$(gmail-oauth doctor)
is $? 0 "doctor without an account checks every account"
like "$out" "doc1@example.com: refresh works" "the first"
like "$out" "doc2@example.com: refresh works" "and the second"

# --- doctor: clock skew ---
ctl POST /control/config '{"clock_skew": 600}' >/dev/null
out=$(gmail-oauth doctor doc1@example.com)
is $? 0 "clock skew is a warning, not a failure"
# The Date header has whole seconds and the answer takes time to arrive: allow a second or two.
like "$out" "^warn  clock: .*(59[89]|600) s behind" "the skew is reported"
ctl POST /control/config '{"clock_skew": -120}' >/dev/null
like "$(gmail-oauth doctor doc1@example.com)" "^warn  clock: .*1(19|20|21|22) s ahead" "in both directions"
ctl POST /control/config '{"clock_skew": 30}' >/dev/null
like "$(gmail-oauth doctor doc1@example.com)" "^ok    clock" "a small skew is fine"
ctl POST /control/config '{"clock_skew": 0}' >/dev/null

# --- doctor: revoked grant ---
curl -s -o /dev/null -d "token=$rt" "$GMAIL_OAUTH_REVOKE_URL"
out=$(gmail-oauth doctor doc1@example.com)
is $? 4 "doctor on a revoked grant exits with the reauthorize status"
like "$out" "^FAIL  doc1@example.com: .*gmail-oauth login doc1@example.com" "the refresh fails, saying to log in"
like "$out" "^FAIL  doc1@example.com: the grant died at [0-9]+ min, before the 7-day limit of apps in “Testing” status" \
  "the grant age rules out the Testing rule and names the causes"
like "$out" "^ok    doc1@example.com: record present" "the record is still there"
out=$(gmail-oauth doctor)
is $? 4 "doctor over all accounts reports the first failure's status"
like "$out" "^ok    doc2@example.com: refresh works" "and still checks the others"

# --- doctor: other failures ---
gmail-oauth doctor nobody@example.com >"$work/out.none"
is $? 3 "doctor on an unknown account exits no-account"
like "$(cat "$work/out.none")" "^FAIL  nobody@example.com: no record" "saying there is no record"
ctl POST /control/fault '{"kind":"invalid_client","count":1}' >/dev/null
gmail-oauth doctor doc2@example.com >"$work/out.client"
is $? 5 "a refused client is bad-client"
ctl POST /control/clear-faults >/dev/null
gmail-oauth doctor a@b@c 2>/dev/null >/dev/null
is $? 2 "a malformed account is a usage error"
gmail-oauth doctor a@example.com b@example.com 2>/dev/null
is $? 2 "two accounts are a usage error"

# --- doctor: no Secret Service ---
out=$(DBUS_SESSION_BUS_ADDRESS=unix:path=$work/no-bus gmail-oauth doctor 2>&1)
is $? 8 "without a Secret Service doctor exits keyring"
like "$out" "^FAIL  keyring" "and says so"

# --- doctor: a locked collection (last: unlocking needs a prompt) ---
gdbus call --session --dest org.freedesktop.secrets --object-path /org/freedesktop/secrets \
  --method org.freedesktop.Secret.Service.Lock "['/org/freedesktop/secrets/collection/login']" >/dev/null
out=$(gmail-oauth doctor doc2@example.com)
is $? 8 "with the default collection locked doctor exits keyring"
like "$out" "^FAIL  keyring: the default collection is locked" "and says so"

done_testing
