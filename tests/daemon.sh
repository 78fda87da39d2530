#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# gmail-oauthd driven by `gdbus call` on the real session bus of tests/with-session:
# activation, every method, every error class by its D-Bus name, malformed
# calls, and the life cycle (--replace, idle exit, SIGTERM, the 40 s watchdog, system bus).
. "$top_srcdir/tests/tap.sh"

daemon=$top_builddir/gmail-oauthd
name=io.github.gmail_oauth.Broker
err=io.github.gmail_oauth.Error
call() { # call METHOD [ARG...]: prints the answer, or the error on stdout too
  gdbus call --session --dest $name --object-path /io/github/gmail_oauth/Broker \
    --method io.github.gmail_oauth.Broker1."$@" 2>&1
}
bus() { # bus METHOD [ARG...]: a call to the bus daemon itself
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus."$@" 2>&1
}
owner_pid() { bus GetConnectionUnixProcessID $name | sed -n 's/^(uint32 \([0-9]*\),)$/\1/p'; }
token_of() { sed -n "s/^('\([^']*\)', int64 [0-9]*)\$/\1/p"; }
token_of_rq() { sed -n "s/^('\([^']*\)', int64 [0-9]*, .*)\$/\1/p"; }
# wait_exit PID SECONDS: waits for our child PID to exit; sets $exit_status
# to its status, or to "alive" if it is still running after SECONDS.
wait_exit() {
  local i
  exit_status=alive
  for i in $(seq 1 $(($2 * 20))); do
    if ! kill -0 "$1" 2>/dev/null; then wait "$1"; exit_status=$?; return; fi
    sleep 0.05
  done
}
wait_owner() { # wait_owner PID: until PID owns the name
  local i
  for i in $(seq 1 100); do [ "$(owner_pid)" = "$1" ] && return 0; sleep 0.05; done
  return 1
}

# An activated service inherits the bus's environment, which predates the stand-in.
bus UpdateActivationEnvironment "{'GMAIL_OAUTH_TOKEN_URL': '$GMAIL_OAUTH_TOKEN_URL',
  'GMAIL_OAUTH_REVOKE_URL': '$GMAIL_OAUTH_REVOKE_URL'}" >/dev/null

me_rt=$(setup_account me@example.com)
setup_account other@example.com >/dev/null

# ---- activation and methods ----
is "$(bus NameHasOwner $name)" "(false,)" "nothing owns $name before the first call"
out=$(call GetAccessToken Me@Example.com)
like "$out" "^\('ya29\.[^']+', int64 [0-9]+\)$" "GetAccessToken answers (s token, x expires_at)"
first=$(printf '%s' "$out" | token_of)
pid=$(owner_pid)
is "$(readlink "/proc/$pid/exe")" "$daemon" "the first call activated the build tree's gmail-oauthd"
expires=$(printf '%s' "$out" | sed -n 's/.*int64 \([0-9]*\))$/\1/p')
now=$(date +%s)
ok $(( expires > now + 3000 && expires <= now + 3600 ? 0 : 1 )) "expires_at is unix seconds, an hour ahead"
is "$(call GetAccessToken me@example.com | token_of)" "$first" "a second call gets the cached token"
is "$(fake_stat token_requests)" 1 "one token request for both"

out=$(call Refresh me@example.com)
second=$(printf '%s' "$out" | token_of)
like "$second" "^ya29\." "Refresh answers a token"
ok $([ "$second" != "$first" ]; echo $?) "Refresh gets a new token although the cached one is fresh"
is "$(fake_stat token_requests)" 2 "Refresh made a token request"
is "$(call GetAccessToken me@example.com | token_of)" "$second" "GetAccessToken then serves the refreshed token"

# RequestToken: the caller's margin, a forced refresh, its endpoint, and the scope.
rq() { call RequestToken "$1" "$2"; }
url=$GMAIL_OAUTH_TOKEN_URL
out=$(rq me@example.com "{'min-valid': <uint32 300>, 'token-url': <'$url'>}")
like "$out" "^\('$second', int64 [0-9]+, \{'scope': <'https://mail.google.com/'>\}\)$" \
  "RequestToken answers (s token, x expires_at, a{sv} details) with the scope, from the cache"
like "$(rq me@example.com '{}')" "^\('$second', " "RequestToken without options: the cached token"
requests=$(fake_stat token_requests)
third=$(rq me@example.com "{'min-valid': <uint32 3599>}" | token_of_rq)
ok $([ -n "$third" ] && [ "$third" != "$second" ]; echo $?) "a margin larger than the token's life refreshes"
is "$(fake_stat token_requests)" $((requests + 1)) "with one token request"
fourth=$(rq me@example.com "{'refresh': <true>}" | token_of_rq)
ok $([ -n "$fourth" ] && [ "$fourth" != "$third" ]; echo $?) "'refresh' refreshes a fresh token"
like "$(rq me@example.com "{'token-url': <'$url/other'>}")" \
  "GDBus.Error:org.freedesktop.DBus.Error.NotSupported: " "another token endpoint is NotSupported"
like "$(rq me@example.com "{'token-url': <''>}")" "NotSupported" "so is Google's, when the service uses another"
for bad in "{'min-valid': <'300'>}" "{'min-valid': <uint32 86401>}" "{'refresh': <1>}" "{'token-url': <1>}"; do
  like "$(rq me@example.com "$bad")" "GDBus.Error:$err.Usage: The option" "option $bad: Usage"
done
is "$(fake_stat token_requests)" $((requests + 2)) "and no other token request"
like "$(rq me@example.com "{'frobnicate': <1>}")" "^\('$fourth', " "unknown options are ignored"
like "$(rq nobody@example.com '{}')" "GDBus.Error:$err.NoAccount: No account nobody@example.com" \
  "RequestToken errors are the classes too"

out=$(call ListAccounts)
like "$out" "\{'account': <'me@example.com'>, 'state': <'valid'>, 'expires_at': <int64 [1-9][0-9]*>\}" \
  "ListAccounts lists account, state and expiry"
like "$out" "'account': <'other@example.com'>, 'state': <'no-token'>, 'expires_at': <int64 0>" \
  "an account without a token is listed as no-token"
unlike "$out" "ya29|1//|secret" "ListAccounts shows no secret"

is "$(call RemoveAccount other@example.com)" "()" "RemoveAccount answers ()"
unlike "$(call ListAccounts)" "other@example.com" "the removed account is no longer listed"
is "$(gmail-oauth status other@example.com 2>/dev/null; echo $?)" 3 "its keyring record is gone"

# ---- each error class by its D-Bus name ----
like "$(call GetAccessToken nobody@example.com)" "GDBus.Error:$err.NoAccount: No account nobody@example.com" \
  "an unknown account is $err.NoAccount"
like "$(call RemoveAccount nobody@example.com)" "GDBus.Error:$err.NoAccount:" \
  "RemoveAccount of an unknown account is NoAccount"
like "$(call GetAccessToken '')" "GDBus.Error:$err.Usage:" "an empty account is $err.Usage"
like "$(call GetAccessToken 'not an address')" "GDBus.Error:$err.Usage:" "a malformed account is Usage"
like "$(call Refresh "$(head -c 102400 /dev/zero | tr '\0' a)@example.com")" "GDBus.Error:$err.Usage:" \
  "a 100 KiB account name is Usage"
while read -r fault count class; do
  ctl POST /control/reset >/dev/null
  ctl POST /control/fault "{\"kind\":\"$fault\",\"count\":$count}" >/dev/null
  out=$(call Refresh me@example.com)
  like "$out" "^Error: GDBus.Error:$err.$class: me@example.com: " "fault $fault: $err.$class naming the account"
  is "$(fake_stat token_requests)" "$count" "fault $fault: $count token request(s)"
done <<'FAULTS'
invalid_grant 1 Reauthorize
invalid_client 1 BadClient
503 3 Transient
non_json 1 BadResponse
FAULTS
# A 200 whose refresh_token would destroy the grant: BadResponse, and nothing is written.
for fault in empty_refresh_token multiline_refresh_token long_refresh_token; do
  ctl POST /control/reset >/dev/null
  ctl POST /control/fault "{\"kind\":\"$fault\",\"count\":1}" >/dev/null
  like "$(call Refresh me@example.com)" "^Error: GDBus.Error:$err.BadResponse: me@example.com: .*refresh_token" \
    "fault $fault: $err.BadResponse naming the account and the field"
  grant_intact me@example.com "$me_rt" "fault $fault"
done

# ---- signals ----
ctl POST /control/reset >/dev/null
monitor=$GMO_SESSION_DIR/monitor.out
gdbus monitor --session --dest $name >"$monitor" 2>&1 &
monitor_pid=$!
# The monitor has subscribed once it has been told who owns the name.
wait_for() { # wait_for REGEX FILE: up to 10 s for a line of FILE that matches
  local i
  for i in $(seq 1 200); do grep -qE "$1" "$2" && return 0; sleep 0.05; done
  return 1
}
wait_for "is owned by" "$monitor"
call Refresh me@example.com >/dev/null
ctl POST /control/fault '{"kind":"invalid_grant"}' >/dev/null
call Refresh me@example.com >/dev/null
wait_for "AuthorizationRequired" "$monitor"
kill $monitor_pid; wait $monitor_pid 2>/dev/null
like "$(cat "$monitor")" "io.github.gmail_oauth.Broker1.TokenRefreshed \('me@example.com', int64 [0-9]+\)" \
  "TokenRefreshed is emitted"
like "$(cat "$monitor")" "io.github.gmail_oauth.Broker1.AuthorizationRequired \('me@example.com', [\"']me@example.com: .+[\"']\)" \
  "AuthorizationRequired is emitted on invalid_grant"
unlike "$(cat "$monitor")" "ya29|1//" "no token in the signals"

# ---- malformed calls ----
like "$(call GetAccessToken)" "GDBus.Error:org.freedesktop.DBus.Error.InvalidArgs" "a missing argument is InvalidArgs"
like "$(call ListAccounts extra)" "GDBus.Error:org.freedesktop.DBus.Error.InvalidArgs" "an extra argument is InvalidArgs"
like "$(call Frobnicate me@example.com)" "GDBus.Error:org.freedesktop.DBus.Error.UnknownMethod" \
  "an unknown method is UnknownMethod"
like "$(call GetAccessToken me@example.com)" "^\('ya29\." "the service keeps serving"
is "$(owner_pid)" "$pid" "it is still the same process"

# ---- life cycle ----
out=$("$daemon" --idle-timeout=1 2>&1); status=$?
is "$status" 1 "a second instance without --replace exits 1"
like "$out" "owned by another process; use --replace" "and says why"

"$daemon" --replace --idle-timeout=0 &
new=$!
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
ok $(kill -0 "$pid" 2>/dev/null; [ $? -ne 0 ]; echo $?) "--replace: the activated instance exits when it loses the name"
wait_owner $new; ok $? "--replace: the new instance owns the name"
like "$(call GetAccessToken me@example.com)" "^\('ya29\." "and serves"
kill -TERM $new
wait_exit $new 5; is "$exit_status" 0 "SIGTERM: exits with status 0"
is "$(bus NameHasOwner $name)" "(false,)" "and releases the name"

"$daemon" --idle-timeout=4 &
idle=$!
wait_owner $idle
# The first call fills the cache; the next ones are answered from it. Calls
# come a second apart (plus gdbus's start-up, slow on a loaded machine): less
# than the idle timeout, and together longer than it.
for _ in 1 2 3 4 5 6; do call GetAccessToken me@example.com >/dev/null; sleep 1; done
ok $(kill -0 $idle 2>/dev/null; echo $?) "--idle-timeout=4: calls every second keep it alive"
wait_exit $idle 10; is "$exit_status" 0 "it exits with status 0 after four idle seconds"

# The watchdog, with its real 40 s: a refresh that hangs past every inner bound (here,
# waiting for the account's lock, which another process holds for longer than the
# 60 s the lock wait allows) is answered Transient after 40 s and cancelled.
dog_log=$HOME/watchdog.log
G_MESSAGES_DEBUG=all "$daemon" --replace --idle-timeout=0 2>"$dog_log" &
dog=$!
wait_owner $dog
ctl POST /control/reset >/dev/null
mkdir -p -m 700 "$XDG_RUNTIME_DIR/gmail-oauth"
lock=$XDG_RUNTIME_DIR/gmail-oauth/$(printf %s me@example.com | sha256sum | cut -d' ' -f1).lock
# (one process holds the lock and sleeps, so that killing it frees the lock)
( exec 9>"$lock" && flock 9 && exec sleep 120 ) &
holder=$!
for _ in $(seq 1 100); do flock -n "$lock" true || break; sleep 0.05; done
start=$(date +%s%N)
out=$(gdbus call --session --timeout 90 --dest $name --object-path /io/github/gmail_oauth/Broker \
  --method io.github.gmail_oauth.Broker1.Refresh me@example.com 2>&1)
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
like "$out" "GDBus.Error:$err.Transient: me@example.com: .*longer than 40 seconds" \
  "a refresh hung on the account's lock is answered by the watchdog: Transient"
ok $(( elapsed >= 39000 && elapsed < 50000 ? 0 : 1 )) "the watchdog answered after 40 s (${elapsed} ms)"
# The cancelled task notices the cancellation in its lock wait and ends.
wait_for "A timed-out request for me@example.com finished" "$dog_log"
like "$(cat "$dog_log")" "A timed-out request for me@example.com finished after all" "the cancelled task ends"
kill $holder; wait $holder 2>/dev/null
is "$(fake_stat token_requests)" 0 "and made no token request"
like "$(call Refresh me@example.com)" "^\('ya29\." "once the lock is free, the next refresh succeeds"
kill -TERM $dog
wait_exit $dog 5; is "$exit_status" 0 "exits 0"

# Without a loadable libcurl, a refresh fails with a plain Failed error that says why; cached tokens are still served.
nocurl=$(broken_library_dir libcurl.so.4)
LD_LIBRARY_PATH=$nocurl "$daemon" --replace --idle-timeout=0 &
nc=$!
wait_owner $nc
like "$(call Refresh me@example.com)" \
  "GDBus.Error:org.freedesktop.DBus.Error.Failed: me@example.com: Cannot load libcurl\.so\.4 .*libcurl4$" \
  "without a loadable libcurl, Refresh fails with Failed, saying why"
like "$(call GetAccessToken me@example.com)" "^\('ya29\." "and cached tokens are still served"
kill -TERM $nc
wait_exit $nc 5; is "$exit_status" 0 "exits 0"

# A token answer with UTF-8 that json-c lets through: BadResponse, rather than a success
# whose token GLib mangles into "[Invalid UTF-8]" with a critical.
utf8_log=$GMO_SESSION_DIR/daemon-utf8.log
G_DEBUG=fatal-criticals "$daemon" --replace --idle-timeout=0 2>"$utf8_log" &
u8=$!
wait_owner $u8
for fault in overlong_utf8 overlong_utf8_scope lone_surrogate; do
  ctl POST /control/reset >/dev/null
  ctl POST /control/fault "{\"kind\":\"$fault\",\"count\":1}" >/dev/null
  out=$(call Refresh me@example.com)
  like "$out" "^Error: GDBus.Error:$err.BadResponse: me@example.com: .*(UTF-8|surrogate)" \
    "fault $fault: $err.BadResponse, saying why"
done
like "$(call Refresh me@example.com)" "^\('ya29\." "the next refresh succeeds"
kill -TERM $u8
wait_exit $u8 5; is "$exit_status" 0 "exits 0: no critical made it abort"
unlike "$(cat "$utf8_log")" "CRITICAL|Invalid UTF-8" "and none was logged"

out=$(DBUS_STARTER_BUS_TYPE=system "$daemon" 2>&1); status=$?
is "$status" 2 "started by the system bus: refuses to run (status 2)"
like "$out" "system bus" "and says why"
out=$(DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS "$daemon" 2>&1); status=$?
is "$status" 2 "a session bus address that is the system bus's: refuses to run"
is "$(bus NameHasOwner $name)" "(false,)" "neither took the name"

# Last, as it takes the keyring away: a keyring failure is its own named error.
setup_account nokeyring@example.com >/dev/null
keyring_pid=$(bus GetConnectionUnixProcessID org.freedesktop.secrets | sed -n 's/^(uint32 \([0-9]*\),)$/\1/p')
kill -TERM "$keyring_pid"
for _ in $(seq 1 100); do kill -0 "$keyring_pid" 2>/dev/null || break; sleep 0.05; done
like "$(call GetAccessToken nokeyring@example.com)" "GDBus.Error:$err.Keyring:" \
  "without a Secret Service: $err.Keyring"
like "$(call ListAccounts)" "GDBus.Error:$err.Keyring:" "ListAccounts too"

"$daemon" --idle-timeout=soon >/dev/null 2>&1
is $? 2 "a bad option value exits 2"
"$daemon" extra >/dev/null 2>&1
is $? 2 "an argument exits 2"
# No test-only switch (the watchdog is tested above with its real 40 s).
"$daemon" --watchdog-timeout=1 >/dev/null 2>&1
is $? 2 "there is no hidden --watchdog-timeout"

done_testing
