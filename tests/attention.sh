#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# AttentionNeeded: gmail-oauthd's Accounts property (with PropertiesChanged, seen
# by `gdbus monitor`), and the one desktop notification of a dead grant, on a
# notification server of the test bus (tests/fake-notifications): posted once
# however many callers fail, naming the account and the reason (the 7-day
# "Testing" rule recognised), its action starting `gmail-oauth login ACCOUNT`,
# withdrawn after a new login or a working refresh or when the account is
# removed. `gmail-oauth status` shows the state.
. "$top_srcdir/tests/tap.sh"

d=$GMO_SESSION_DIR
name=io.github.gmail_oauth.Broker
log=$d/notifications.log
bus() { # bus METHOD [ARG...]: a call to the bus daemon itself
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus."$@" 2>&1
}
call() { # call METHOD [ARG...]
  gdbus call --session --dest $name --object-path /io/github/gmail_oauth/Broker \
    --method io.github.gmail_oauth.Broker1."$@" 2>&1
}
accounts() {
  gdbus call --session --dest $name --object-path /io/github/gmail_oauth/Broker \
    --method org.freedesktop.DBus.Properties.Get io.github.gmail_oauth.Broker1 Accounts 2>&1
}
wait_for() { # wait_for REGEX FILE: up to 10 s for a line of FILE that matches
  local i
  for i in $(seq 1 200); do grep -qE -- "$1" "$2" 2>/dev/null && return 0; sleep 0.05; done
  return 1
}
wait_accounts() { # wait_accounts REGEX: up to 10 s for the Accounts property to match
  local i
  for i in $(seq 1 200); do accounts | grep -qE -- "$1" && return 0; sleep 0.05; done
  return 1
}
notifies() { grep -c "^Notify .*summary=Gmail account $1 needs" "$log"; }
id_of() { sed -n "s/^Notify id=\([0-9]*\) .*summary=Gmail account $1 needs.*/\1/p" "$log" | tail -n 1; }

# The notification server, and a `gmail-oauth` first in the service's PATH that records how
# it was started and "logs in" by importing a new grant from the stand-in.
: >"$log"
"$top_builddir/tests/fake-notifications" "$log" >"$d/fake-notifications.out" &
server=$!
wait_for owned "$d/fake-notifications.out"
ok $? "the notification server owns org.freedesktop.Notifications"
mkdir -p "$d/bin"
cat >"$d/bin/gmail-oauth" <<EOF
#!/bin/sh
echo "\$*" >>"$d/login.log"
[ "\$1" = login ] && [ \$# -eq 2 ] || exit 2
rt=\$("$top_srcdir/tests/fake-google-ctl" POST /control/grant '{"client_id":"client-1.apps.googleusercontent.com"}' |
  sed 's/.*"refresh_token": "\\([^"]*\\)".*/\\1/')
printf '{"type":"authorized_user","client_id":"client-1.apps.googleusercontent.com","client_secret":"secret-of-client-1.apps.googleusercontent.com","refresh_token":"%s"}' "\$rt" |
  "$top_builddir/gmail-oauth" import "\$2"
EOF
chmod +x "$d/bin/gmail-oauth"
bus UpdateActivationEnvironment "{'PATH': '$d/bin:$PATH'}" >/dev/null

A=dead@example.com
B=fine@example.com
setup_account "$A" >/dev/null
setup_account "$B" >/dev/null
gmail-oauth token "$A" >/dev/null
gmail-oauth token "$B" >/dev/null
gdbus monitor --session --dest $name >"$d/monitor.out" 2>&1 &
monitor=$!
wait_for "is owned by" "$d/monitor.out"

# ---- the property ----
out=$(accounts)
like "$out" "'$A': \{'state': <'valid'>, 'expires_at': <int64 [0-9]+>\}" "Accounts: a valid account with its expiry"
like "$out" "'$B': \{'state': <'valid'>" "Accounts: every account"
unlike "$out" "ya29|1//|secret" "Accounts holds no secret"

# ---- a dead grant: one notification, however many callers fail ----
ctl POST /control/fault '{"kind":"invalid_grant","count":-1}' >/dev/null
statuses=
for i in 1 2 3; do gmail-oauth refresh "$A" >/dev/null 2>&1; statuses="$statuses$?"; done
is "$statuses" 444 "three refreshes of a dead grant fail with reauthorize"
for i in 1 2 3 4 5; do gmail-oauth refresh "$A" >/dev/null 2>&1 & call Refresh "$A" >/dev/null & done
for job in $(jobs -p); do [ "$job" = "$server" ] || [ "$job" = "$monitor" ] || wait "$job"; done
wait_for "^Notify .*$A" "$log"
sleep 1 # time for a second notification, if there were one
is "$(notifies "$A")" 1 "13 failing callers: exactly one notification"
line=$(grep "^Notify .*$A" "$log")
like "$line" "app=gmail-oauth summary=Gmail account $A needs a new login body=$A: The grant was revoked or has expired" \
  "it names the account and the reason"
like "$line" "actions=default,Log in,login,Log in$" "with a login action"
wait_accounts "'$A': \{'state': <'needs-login'>, 'reason': <[\"']$A: The grant was revoked"
ok $? "Accounts: needs-login with the reason"
like "$(accounts)" "'$B': \{'state': <'valid'>" "the other account is still valid"
out=$(gmail-oauth status "$A")
like "$out" "state +needs-login" "gmail-oauth status shows needs-login"
like "$out" "reason +$A: The grant was revoked or has expired" "and the reason"
out=$(gmail-oauth status "$A" --json)
is "$(json_get "$out" state)" needs-login "status --json: state needs-login"
like "$(json_get "$out" reason)" "gmail-oauth login $A" "status --json: the reason says what to do"
is "$(json_get "$(gmail-oauth status "$B" --json)" state)" valid "status of a working account: its token state"

# ---- the action starts a login; the new grant withdraws the notification ----
ctl POST /control/clear-faults >/dev/null
id=$(id_of "$A")
gdbus call --session --dest org.freedesktop.Notifications --object-path /org/freedesktop/Notifications \
  --method io.github.gmail_oauth.Test.Notifications.Invoke "$id" login >/dev/null
wait_for "^login $A$" "$d/login.log"
ok $? "the login action starts “gmail-oauth login $A”"
wait_for "^Close id=$id$" "$log"
ok $? "the new grant withdraws the notification"
wait_accounts "'$A': \{'state': <'no-token'>\}"
ok $? "Accounts: the new grant, without a token yet"
like "$(gmail-oauth token "$A" 2>&1)" "^ya29\." "and it works"
wait_accounts "'$A': \{'state': <'valid'>"
ok $? "Accounts: valid again"
is "$(json_get "$(gmail-oauth status "$A" --json)" state)" valid "status: valid again"

# ---- a working refresh withdraws it too, and a second death of a new grant notifies again ----
ctl POST /control/fault '{"kind":"invalid_grant","count":1}' >/dev/null
gmail-oauth refresh "$A" >/dev/null 2>&1
for _ in $(seq 1 200); do [ "$(notifies "$A")" -ge 2 ] && break; sleep 0.05; done
is "$(notifies "$A")" 2 "the new grant's death: its own notification"
id=$(id_of "$A")
gmail-oauth refresh "$A" >/dev/null 2>&1
is "$?" 0 "Google takes the grant again"
wait_for "^Close id=$id$" "$log"
ok $? "a working refresh withdraws the notification"

# ---- the 7-day "Testing" rule ----
T=testing@example.com
setup_account "$T" >/dev/null
record=$(secret-tool lookup account "$T" version 1)
printf '%s' "$record" | "${PYTHON3:-python3}" -c 'import json,sys,time
r=json.load(sys.stdin); r["granted_at"]=int(time.time())-7*86400-3600; sys.stdout.write(json.dumps(r))' |
  secret-tool store --label="Gmail OAuth: $T" xdg:schema io.github.gmail_oauth.Grant account "$T" version 1
ctl POST /control/fault '{"kind":"invalid_grant","count":1}' >/dev/null
gmail-oauth refresh "$T" >/dev/null 2>&1
is "$?" 4 "a grant 7 days old dies"
wait_for "^Notify .*$T" "$log"
like "$(grep "^Notify .*$T" "$log")" "body=$T: the grant ended 7 days after consent, as Google ends the grants of apps in “Testing” publishing status" \
  "the notification names the 7-day Testing rule"
wait_accounts "'$T': \{'state': <'needs-login'>, 'reason': <[\"']$T: the grant ended 7 days"
ok $? "and so does Accounts"
id=$(id_of "$T")
gmail-oauth remove "$T" >/dev/null 2>&1
wait_for "^Close id=$id$" "$log"
ok $? "removing the account withdraws its notification"
wait_accounts "^\(<\{'$A': [^}]*\}, '$B': [^}]*\}\}>,\)$"
ok $? "and Accounts no longer lists it"

# ---- PropertiesChanged ----
sleep 0.5
kill "$monitor"; wait "$monitor" 2>/dev/null
mon=$(cat "$d/monitor.out")
like "$mon" "org.freedesktop.DBus.Properties.PropertiesChanged \('io.github.gmail_oauth.Broker1', \{'Accounts': <\{'$A': \{'state': <'needs-login'>" \
  "gdbus monitor sees PropertiesChanged with needs-login"
like "$mon" "PropertiesChanged .*'$T': \{'state': <'needs-login'>, 'reason': <[\"']$T: the grant ended 7 days" \
  "and with the Testing reason"
unlike "$mon" "ya29|1//" "no token in any signal"

kill "$server"; wait "$server" 2>/dev/null
done_testing
