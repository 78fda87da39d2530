#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The Secret Service replaced under the long-running doors (gmail-oauthd and
# `gmail-oauth mcp`): their next calls reach the new gnome-keyring-daemon
# instead of failing for good against the one that went away.
. "$top_srcdir/tests/tap.sh"

A=restart@example.com
setup_account "$A" >/dev/null
replace_keyring() {
  # 3>&-: the new daemon must not keep the MCP server's input open.
  printf 'gmail-oauth-tests\n' | gnome-keyring-daemon --replace --unlock --components=secrets 3>&- \
    >/dev/null 2>&1
  for _ in $(seq 1 100); do
    secret-tool search --all account "$A" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
}
broker() {
  gdbus call --session --dest io.github.gmail_oauth.Broker --object-path /io/github/gmail_oauth/Broker \
    --method "io.github.gmail_oauth.Broker1.$1" ${2:+"$2"} 2>&1
}

# --- gmail-oauthd ---
like "$(broker ListAccounts)" "'$A'" "D-Bus: ListAccounts before"
replace_keyring
like "$(broker ListAccounts)" "'$A'" "D-Bus: ListAccounts after the keyring was replaced"
like "$(broker Refresh "$A")" "^\('ya29\." "D-Bus: Refresh (a read and a write) after the keyring was replaced"

# --- gmail-oauth mcp, one server across the replacement ---
mcp_start
list() { # ID
  printf '{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"gmail_list_accounts","arguments":{}}}\n' "$1" >&3
  mcp_answer "$1"
}
like "$(list 1)" "$A" "MCP: gmail_list_accounts before"
replace_keyring
like "$(list 2)" "$A" "MCP: gmail_list_accounts after the keyring was replaced"
replace_keyring
printf '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"gmail_get_access_token","arguments":{}}}\n' >&3
like "$(mcp_answer 3)" '"isError":false' "MCP: gmail_get_access_token (a read and a write) after another replacement"
exec 3>&-
wait "$mcp_pid"
is $? 0 "MCP: the server ends normally"
done_testing
