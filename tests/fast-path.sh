#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The fast path: `gmail-oauth token` and `refresh` and the git helper's minter
# ask gmail-oauthd (bus-activated) and do not touch the keyring themselves;
# without the service (tests/own-name holds its name) they read it directly,
# with the same stdout, stderr and exit status for every error class. The
# service's cache follows the keyring's changes, a service that stops
# answering is given up in seconds, and 50 processes plus 50 D-Bus callers on
# a stale token make one token request between them.
. "$top_srcdir/tests/tap.sh"

A=fast@example.com
d=$GMO_SESSION_DIR
name=io.github.gmail_oauth.Broker
bus() { # bus METHOD [ARG...]: a call to the bus daemon itself
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus."$@" 2>&1
}
owner_pid() { bus GetConnectionUnixProcessID "$1" | sed -n 's/^(uint32 \([0-9]*\),)$/\1/p'; }
call() { # call METHOD [ARG...]
  gdbus call --session --dest $name --object-path /io/github/gmail_oauth/Broker \
    --method io.github.gmail_oauth.Broker1."$@" 2>&1
}
git_get() { # git_get ACCOUNT: the helper's answer for Gmail's SMTP server
  printf 'protocol=smtp\nhost=smtp.gmail.com\nusername=%s\n' "$1" | git-credential-gmail-oauth get
}
git_get_stale() { GMAIL_OAUTH_MIN_VALID=86400 git_get "$1"; } # refreshes whatever is cached

rt=$(setup_account "$A")

# ---- the fast path needs no keyring read ----
run gmail-oauth token "$A"
like "$out" '^ya29\.' "the first token call activates gmail-oauthd and gets a token"
token=$out
dpid=$(owner_pid $name)
is "$(readlink "/proc/$dpid/exe")" "$top_builddir/gmail-oauthd" "gmail-oauthd answered it"
kpid=$(owner_pid org.freedesktop.secrets)
kill -STOP "$kpid"
run gmail-oauth token "$A"
is "$rc:$out" "0:$token" "with the Secret Service frozen, a cached token is still answered"
ok $(( ms < 2000 ? 0 : 1 )) "at once (${ms} ms): the command line made no keyring call"
run git_get "$A"
like "$out" "^username=$A
password=$token
password_expiry_utc=" "and so does the git helper"
kill -CONT "$kpid"

# ---- the service's cache follows the keyring ----
run gmail-oauth remove "$A"
is "$rc" 0 "the record is removed (directly, in the keyring)"
run gmail-oauth token "$A"
is "$rc" 3 "the next token call through gmail-oauthd at once says no-account"
requests=$(fake_stat token_requests)
rt=$(setup_account "$A")
run gmail-oauth token "$A"
like "$rc:$out" '^0:ya29\.' "after a new import, the new grant is used"
is "$(fake_stat token_requests)" $((requests + 1)) "with a refresh of its own"
token=$out

# ---- a caller with another endpoint, a stopped service: the direct path ----
nocurl=$(broken_library_dir libcurl.so.4)
run env LD_LIBRARY_PATH="$nocurl" gmail-oauth refresh "$A"
is "$rc" 0 "through gmail-oauthd a refresh needs no libcurl in the caller"
run env LD_LIBRARY_PATH="$nocurl" GMAIL_OAUTH_TOKEN_URL="$GMAIL_OAUTH_TOKEN_URL?other" \
  gmail-oauth refresh "$A"
is "$rc" 1 "a caller with another GMAIL_OAUTH_TOKEN_URL refreshes itself (and needs libcurl)"
token=$(gmail-oauth token "$A")
dpid=$(owner_pid $name)
kill -STOP "$dpid"
run gmail-oauth token "$A"
kill -CONT "$dpid"
is "$rc:$out" "0:$token" "a stopped gmail-oauthd: the command line answers from the keyring"
ok $(( ms < 5000 ? 0 : 1 )) "within a few seconds (${ms} ms)"
run env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR="$d/nobus" gmail-oauth token "$A"
is "$rc" 8 "without a session bus: keyring (the Secret Service is on the bus too)"
ok $(( ms < 2000 ? 0 : 1 )) "at once (${ms} ms)"

# ---- the same answers both ways, for every error class ----
# compare WHAT CMD...: runs CMD through gmail-oauthd, then on the direct path, and
# compares stdout, stderr and exit status.
compare() {
  local what=$1 via
  shift
  run "$@"; via="$rc|$out|$err"
  direct_path_begin
  run "$@"
  direct_path_end
  is "$rc|$out|$err" "$via" "$what: the same stdout, stderr and exit status both ways"
  like "$via" "$expect" "$what: exit status ${expect:1:1}, with the expected answer"
}
B=class@example.com
setup_account "$B" >/dev/null
gmail-oauth token "$B" >/dev/null
expect='^2\|\|gmail-oauth: .*e-mail address'
compare "usage" gmail-oauth token "not an address"
expect='^3\|\|gmail-oauth: No account nobody@example.com'
compare "no-account" gmail-oauth token nobody@example.com
compare "no-account, refresh" gmail-oauth refresh nobody@example.com
expect='^0\|\|$'
compare "git get, not an account of ours" git_get nobody@example.com
while read -r fault status class; do
  ctl POST /control/fault "{\"kind\":\"$fault\",\"count\":-1}" >/dev/null
  expect="^$status\|\|gmail-oauth: $B: "
  compare "$class, refresh" gmail-oauth refresh "$B"
  compare "$class, token past its margin" env GMAIL_OAUTH_MIN_VALID=86400 gmail-oauth token "$B"
  [ "$class" = reauthorize ] || [ "$class" = bad-client ] && expect="^$status\|quit=1\|gmail-oauth: $B: "
  compare "$class, git get" git_get_stale "$B"
  ctl POST /control/clear-faults >/dev/null
done <<'CLASSES'
invalid_grant 4 reauthorize
invalid_client 5 bad-client
503 6 transient
non_json 7 bad-response
CLASSES
# Last, as it locks the keyring: an account gmail-oauthd holds no token for.
C=locked@example.com
setup_account "$C" >/dev/null
gdbus call --session --dest org.freedesktop.secrets --object-path /org/freedesktop/secrets \
  --method org.freedesktop.Secret.Service.Lock "['/org/freedesktop/secrets/collection/login']" >/dev/null
expect="^8\|\|gmail-oauth: The keyring holding $C is locked"
compare "keyring, token" gmail-oauth token "$C"
compare "keyring, refresh" gmail-oauth refresh "$C"
expect="^8\|\|gmail-oauth: The keyring holding $B is locked"
compare "keyring, a token gmail-oauthd held before the keyring was locked" gmail-oauth token "$B"
printf 'gmail-oauth-tests\n' | gnome-keyring-daemon --replace --unlock --components=secrets \
  >/dev/null 2>&1
for _ in $(seq 1 100); do gmail-oauth status "$B" >/dev/null 2>&1 && break; sleep 0.1; done

# ---- 50 command-line processes and 50 D-Bus callers on a stale token: one request ----
# Tokens that live 200 s are stale as soon as they are issued (the margin is 300 s), so a
# caller that did not share the one refresh would make another.
S=stale@example.com
setup_account "$S" >/dev/null
ctl POST /control/config '{"expires_in": 200}' >/dev/null
gmail-oauth token "$S" >/dev/null
ctl POST /control/reset >/dev/null
ctl POST /control/config '{"expires_in": 200, "delay": 5.0}' >/dev/null
mkdir -p "$d/many"
for i in $(seq 1 50); do
  gmail-oauth token "$S" >"$d/many/cli-$i" 2>&1 &
  call GetAccessToken "$S" >"$d/many/dbus-$i" &
done
wait
tokens=$( (cat "$d"/many/cli-*; sed -n "s/^('\([^']*\)', int64 [0-9]*)\$/\1/p" "$d"/many/dbus-*) )
is "$(printf '%s\n' "$tokens" | grep -c '^ya29\.')" 100 "50 processes and 50 D-Bus callers all got a token"
is "$(printf '%s\n' "$tokens" | sort -u | wc -l)" 1 "the same one"
is "$(fake_stat token_requests)" 1 "with one token request between them"

done_testing
