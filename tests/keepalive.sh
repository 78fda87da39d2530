#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The keep-alive: `gmail-oauth refresh --all` refreshes every stored account through
# gmail-oauthd, one line each and never a token, and a dead grant goes the
# AttentionNeeded way (needs-login, one notification); the systemd user timer
# and its service, which run it weekly, pass `systemd-analyze verify`.
. "$top_srcdir/tests/tap.sh"

d=$GMO_SESSION_DIR
log=$d/notifications.log

: >"$log"
"$top_builddir/tests/fake-notifications" "$log" >"$d/fake-notifications.out" &
server=$!
for _ in $(seq 1 200); do grep -q owned "$d/fake-notifications.out" && break; sleep 0.05; done

A=a@example.com
B=b@example.com
D=dead@example.com
setup_account "$A" >/dev/null
setup_account "$B" >/dev/null
# A grant the stand-in does not know: Google's answer for a revoked one.
printf '{"type":"authorized_user","client_id":"client-1.apps.googleusercontent.com","client_secret":"secret-of-client-1.apps.googleusercontent.com","refresh_token":"1//revoked"}' |
  gmail-oauth import "$D" 2>/dev/null
requests=$(fake_stat token_requests)

run gmail-oauth refresh --all
is "$rc" 4 "refresh --all: the status of the failure (reauthorize)"
is "$(printf '%s\n' "$out" | sed 's/until .*/until/')" \
  "$A	refreshed, valid until
$B	refreshed, valid until" "one line per working account, in order"
like "$out" "until [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z" "with the expiry"
like "$err" "^gmail-oauth: $D: The grant was revoked or has expired" "one line for the dead grant"
is "$(printf '%s\n' "$err" | grep -c .)" 1 "only that one"
unlike "$out$err" "ya29|1//" "no token printed"
is "$(fake_stat token_requests)" $((requests + 3)) "one refresh per account"
for _ in $(seq 1 200); do grep -q "^Notify .*$D" "$log" && break; sleep 0.05; done
is "$(grep -c "^Notify .*summary=Gmail account $D needs a new login" "$log")" 1 \
  "the dead grant went the AttentionNeeded way: one notification"
is "$(json_get "$(gmail-oauth status "$D" --json)" state)" needs-login "and status says needs-login"

run gmail-oauth refresh --all
is "$rc" 4 "a second keep-alive run fails the same way"
sleep 0.5
is "$(grep -c "^Notify .*$D" "$log")" 1 "without a second notification"

run gmail-oauth remove "$D"
run gmail-oauth refresh --all
is "$rc" 0 "all accounts working: status 0"
run gmail-oauth refresh --all "$A"
is "$rc:$(printf '%s\n' "$err" | grep -c .)" "2:1" "--all with an account: usage, one line"
run gmail-oauth refresh
is "$rc" 2 "neither an account nor --all: usage"

# ---- the units ----
service=$top_builddir/data/gmail-oauth-keepalive.service
timer=$top_srcdir/data/gmail-oauth-keepalive.timer
like "$(grep '^ExecStart=' "$service")" "^ExecStart=/.*/gmail-oauth refresh --all$" \
  "the service runs gmail-oauth refresh --all"
is "$(grep -c '^\[Install\]' "$service")" 0 "the service has no [Install]: the timer starts it"
is "$(sed -n '/^\[Install\]/,$p' "$timer" | grep -v '^\[')" "WantedBy=timers.target" \
  "the timer can be enabled, for timers.target"
is "$(grep '^OnCalendar=' "$timer")" "OnCalendar=weekly" "weekly"
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$d/units"
  # Verified as installed, with the gmail-oauth of this build (verify looks for it).
  sed "s|^ExecStart=.*/gmail-oauth |ExecStart=$top_builddir/gmail-oauth |" "$service" \
    >"$d/units/gmail-oauth-keepalive.service"
  cp "$timer" "$d/units/"
  out=$(XDG_RUNTIME_DIR=$d/units systemd-analyze verify --user \
    "$d/units/gmail-oauth-keepalive.timer" "$d/units/gmail-oauth-keepalive.service" 2>&1)
  is "$?:$out" "0:" "systemd-analyze verify --user passes both units, without a word"
else
  ok 0 "# SKIP systemd-analyze is not installed"
fi

kill "$server"; wait "$server" 2>/dev/null
done_testing
