#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# A locked keyring (the real gnome-keyring-daemon of tests/with-session, its
# login collection locked over D-Bus) at every door: the answer is the class
# keyring with the unlock hint, at once, never "no account" nor a silent miss,
# and nothing stored is lost (checked after gnome-keyring-daemon is replaced and
# unlocked again).
. "$top_srcdir/tests/tap.sh"

A=locked@example.com
rt=$(setup_account "$A")
gmail-oauth token "$A" >/dev/null
printf 'protocol=https\nhost=git.example.com\nusername=u\npassword=pw-1\n' |
  git-credential-gmail-oauth store
lock() {
  gdbus call --session --dest org.freedesktop.secrets --object-path /org/freedesktop/secrets \
    --method org.freedesktop.Secret.Service.Lock "['/org/freedesktop/secrets/collection/login']" \
    >/dev/null
}
# run CMD...: sets $out, $err, $rc and $secs (whole seconds, rounded up)
run() {
  start=$(date +%s%N)
  out=$("$@" 2>"$GMO_SESSION_DIR/err"); rc=$?
  secs=$(( ($(date +%s%N) - start + 999999999) / 1000000000 ))
  err=$(cat "$GMO_SESSION_DIR/err")
}
lock
ok $? "the login collection is locked"

# --- command line ---
for cmd in "token $A" "refresh $A" "status $A" "list" "remove $A"; do
  # shellcheck disable=SC2086
  run gmail-oauth $cmd
  is "$rc" 8 "gmail-oauth $cmd: exit status 8 (keyring)"
  like "$err" 'locked: unlock it' "gmail-oauth $cmd: says the keyring is locked"
  is "$(printf '%s\n' "$err" | wc -l)" 1 "gmail-oauth $cmd: one line"
  ok $([ "$secs" -le 3 ]; echo $?) "gmail-oauth $cmd: at once ($secs s)"
done
# Attributes are searchable while locked: an account never stored is absent.
run gmail-oauth token nobody@example.com
is "$rc" 3 "an account that is not stored is still no-account"

# --- git helper ---
run sh -c "printf 'protocol=smtp\nhost=smtp.gmail.com\nusername=$A\n' | git-credential-gmail-oauth get"
is "$rc" 8 "git get (Gmail): exit status 8"
like "$err" 'locked' "git get (Gmail): says the keyring is locked"
run sh -c "printf 'protocol=https\nhost=git.example.com\nusername=u\n' | git-credential-gmail-oauth get"
is "$rc" 8 "git get (stored credential): exit status 8, not a silent miss"
like "$err" 'locked' "git get (stored credential): says the keyring is locked"
is "$out" "" "git get (stored credential): no answer"

# --- D-Bus service ---
broker() {
  gdbus call --session --dest io.github.gmail_oauth.Broker --object-path /io/github/gmail_oauth/Broker \
    --method "io.github.gmail_oauth.Broker1.$1" ${2:+"$2"}
}
run broker GetAccessToken "$A"
like "$err" 'io\.github\.gmail_oauth\.Error\.Keyring' "D-Bus GetAccessToken: Error.Keyring"
like "$err" 'locked' "D-Bus GetAccessToken: says the keyring is locked"
run broker ListAccounts
like "$err" 'io\.github\.gmail_oauth\.Error\.Keyring' "D-Bus ListAccounts: Error.Keyring, not an empty list"

# --- MCP server ---
INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}'
mcp_code() { # TOOL ARGS -> error_code of the result
  printf '%s\n{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"%s","arguments":%s}}\n' \
    "$INIT" "$1" "$2" | gmail-oauth mcp 2>/dev/null | tail -n 1 |
    "${PYTHON3:-python3}" -c 'import json,sys
r=json.load(sys.stdin)["result"]; print(r["isError"], json.loads(r["content"][0]["text"]).get("error_code"))'
}
is "$(mcp_code gmail_get_access_token "{\"account\":\"$A\"}")" "True keyring" "MCP gmail_get_access_token: keyring"
is "$(mcp_code gmail_list_accounts '{}')" "True keyring" "MCP gmail_list_accounts: keyring, not []"

# --- four callers at once, headless: none waits on a prompt ---
start=$(date +%s)
for i in 1 2 3 4; do gmail-oauth token "$A" >/dev/null 2>&1 & done
wait
ok $([ $(( $(date +%s) - start )) -le 3 ]; echo $?) "four callers at once all answer within 3 s"

# --- nothing was lost: a new gnome-keyring-daemon, unlocked, has it all ---
printf 'gmail-oauth-tests\n' | gnome-keyring-daemon --replace --unlock --components=secrets \
  >/dev/null 2>&1
for _ in $(seq 1 100); do gmail-oauth status "$A" >/dev/null 2>&1 && break; sleep 0.1; done
run gmail-oauth status "$A" --json
is "$rc" 0 "after unlocking: the record is there"
run gmail-oauth refresh "$A"
is "$rc" 0 "after unlocking: the stored refresh token still works"
run sh -c "printf 'protocol=https\nhost=git.example.com\nusername=u\n' | git-credential-gmail-oauth get"
like "$out" 'password=pw-1' "after unlocking: the git credential is there"
done_testing
