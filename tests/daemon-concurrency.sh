#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# gmail-oauthd coalesces concurrent requests: 100 GetAccessToken calls from
# four client processes (each running 25 `gdbus call`s at once) on an expired
# account cause one token request, and every caller gets the same token. The
# service and command-line processes agree through the core's lock.
. "$top_srcdir/tests/tap.sh"

name=io.github.gmail_oauth.Broker
call() {
  gdbus call --session --dest $name --object-path /io/github/gmail_oauth/Broker \
    --method io.github.gmail_oauth.Broker1."$@" 2>&1
}
token_of() { sed -n "s/^('\([^']*\)', int64 [0-9]*)\$/\1/p"; }
out=$GMO_SESSION_DIR/out
mkdir -p "$out"

gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
  --method org.freedesktop.DBus.UpdateActivationEnvironment \
  "{'GMAIL_OAUTH_TOKEN_URL': '$GMAIL_OAUTH_TOKEN_URL'}" >/dev/null

# Tokens that live 200 s are expired as soon as they are issued (the margin is
# 300 s), so every request that is not coalesced with another refreshes again:
# only the service's coalescing can keep this to one token request.
setup_account busy@example.com >/dev/null
ctl POST /control/config '{"expires_in": 200}' >/dev/null
old=$(call GetAccessToken busy@example.com | token_of)
like "$old" "^ya29\." "the account has a token that is already expired"

ctl POST /control/reset >/dev/null
# A slow endpoint keeps the refresh in flight while all the calls arrive.
ctl POST /control/config '{"expires_in": 200, "delay": 3.0}' >/dev/null
for client in 1 2 3 4; do
  (
    for i in $(seq 1 25); do call GetAccessToken busy@example.com >"$out/$client-$i" & done
    wait
  ) &
done
wait
is "$(ls "$out" | wc -l)" 100 "100 calls from 4 client processes answered"
is "$(cat "$out"/* | token_of | wc -l)" 100 "all 100 got a token"
is "$(cat "$out"/* | token_of | sort -u | wc -l)" 1 "all got the same token"
ok $([ "$(cat "$out"/1-1 | token_of)" != "$old" ]; echo $?) "a new one"
is "$(fake_stat token_requests)" 1 "exactly one token request"

# The command line and the service at once, on an account neither has a token for.
rm -f "$out"/*
setup_account shared@example.com >/dev/null
ctl POST /control/reset >/dev/null
ctl POST /control/config '{"delay": 2.0}' >/dev/null
for i in $(seq 1 10); do
  call GetAccessToken shared@example.com >"$out/dbus-$i" &
  gmail-oauth token shared@example.com >"$out/cli-$i" 2>&1 &
done
wait
is "$( (cat "$out"/dbus-* | token_of; cat "$out"/cli-*) | grep -c '^ya29\.')" 20 \
  "10 D-Bus calls and 10 gmail-oauth processes got a token"
is "$( (cat "$out"/dbus-* | token_of; cat "$out"/cli-*) | sort -u | wc -l)" 1 "the same one"
is "$(fake_stat token_requests)" 1 "with one token request between them"

done_testing
