#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# A session bus that accepts connections and never answers (a socket server
# here, in place of the real bus of tests/with-session): every door that
# needs the keyring says so within a few seconds instead of waiting for ever.
. "$top_srcdir/tests/tap.sh"

sock=$GMO_SESSION_DIR/silent-bus
"${PYTHON3:-python3}" - "$sock" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
held = []
deadline = time.monotonic() + 120  # bounded: it stops by itself
s.settimeout(1)
while time.monotonic() < deadline:
    try:
        held.append(s.accept()[0])  # accepted, never read, never answered
    except socket.timeout:
        pass
PY
server=$!
for _ in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.05; done
export DBUS_SESSION_BUS_ADDRESS="unix:path=$sock"
A=silent@example.com

# run CMD...: sets $rc, $err and $secs (whole seconds, rounded up)
run() {
  start=$(date +%s%N)
  "$@" >"$GMO_SESSION_DIR/out" 2>"$GMO_SESSION_DIR/err" </dev/null; rc=$?
  secs=$(( ($(date +%s%N) - start + 999999999) / 1000000000 ))
  err=$(cat "$GMO_SESSION_DIR/err")
}
check() { # WHAT EXPECTED-STATUS
  is "$rc" "$2" "$1: exit status $2 (keyring)"
  like "$err" 'session bus did not answer' "$1: says the bus does not answer"
  ok $([ "$secs" -le 8 ]; echo $?) "$1: within 8 s ($secs s)"
}

for cmd in "token $A" "status $A" "list" "remove $A"; do
  # shellcheck disable=SC2086
  run gmail-oauth $cmd
  check "gmail-oauth $cmd" 8
done
run sh -c "printf '{\"type\":\"authorized_user\",\"client_id\":\"c\",\"client_secret\":\"s\",\"refresh_token\":\"1//r\"}' | gmail-oauth import $A"
check "gmail-oauth import" 8
run sh -c "printf 'protocol=smtp\nhost=smtp.gmail.com\nusername=$A\n' | git-credential-gmail-oauth get"
check "git get (Gmail)" 8
run sh -c "printf 'protocol=https\nhost=git.example.com\nusername=u\npassword=p\n' | git-credential-gmail-oauth store"
check "git store" 8

INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}'
run sh -c "printf '%s\n%s\n' '$INIT' '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"gmail_list_accounts\",\"arguments\":{}}}' | gmail-oauth mcp"
is "$rc" 0 "MCP: the server ends normally"
like "$(tail -n 1 "$GMO_SESSION_DIR/out")" '\\"error_code\\":\\"keyring\\"' "MCP gmail_list_accounts: error_code keyring"
ok $([ "$secs" -le 8 ]; echo $?) "MCP gmail_list_accounts: within 8 s ($secs s)"

kill "$server" 2>/dev/null
done_testing
