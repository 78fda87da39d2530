# SPDX-License-Identifier: GPL-3.0-or-later
# A small TAP library for the shell tests; source it, call ok/is/..., end with done_testing.
# Tests run under tests/with-session, which provides the session and the stand-in.
set -u
tap_n=0
tap_failed=0
ok() { # ok CONDITION-STATUS DESCRIPTION
  tap_n=$((tap_n + 1))
  if [ "$1" -eq 0 ]; then echo "ok $tap_n - $2"; else echo "not ok $tap_n - $2"; tap_failed=$((tap_failed + 1)); fi
}
is() { # is GOT EXPECTED DESCRIPTION
  if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; diag "  got:      '$1'"; diag "  expected: '$2'"; fi
}
like() { # like GOT REGEX DESCRIPTION
  if printf '%s' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else ok 1 "$3"; diag "  got: '$1'"; diag "  not matching: '$2'"; fi
}
unlike() { # unlike GOT REGEX DESCRIPTION
  if printf '%s' "$1" | grep -Eq -- "$2"; then ok 1 "$3"; diag "  got: '$1'"; diag "  matching: '$2'"; else ok 0 "$3"; fi
}
diag() { printf '%s\n' "$*" | sed 's/^/# /'; } # every line a comment, whatever GOT holds
done_testing() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; exit $?; }
# run CMD...: runs CMD, setting $out (its standard output), $err (its standard error),
# $rc (its exit status) and $ms (its wall time in milliseconds).
run() {
  tap_started=$(date +%s%N)
  out=$("$@" 2>"$GMO_SESSION_DIR/run.err"); rc=$?
  ms=$(( ($(date +%s%N) - tap_started) / 1000000 ))
  err=$(cat "$GMO_SESSION_DIR/run.err")
}
# The stand-in's control API (see tests/fake-google.py).
ctl() { "$top_srcdir/tests/fake-google-ctl" "$@"; }
fake_stat() { json_get "$(ctl GET /control/stats)" "$@"; } # fake_stat KEY...: what the stand-in counted or saw
json_get() { # json_get JSON KEY... -> value (python3 reads it; keys walk objects)
  "${PYTHON3:-python3}" -c 'import json,sys
v=json.loads(sys.argv[1])
for k in sys.argv[2:]: v=v[int(k)] if isinstance(v,list) else v[k]
print(v if not isinstance(v,(dict,list,bool)) else json.dumps(v))' "$@"
}
# Waits (up to 10 s) until the stand-in's counter KEY reaches AT-LEAST: e.g. until a request
# is in flight (it counts a request before any configured delay). Usage: wait_stat KEY AT-LEAST
wait_stat() {
  local i
  for i in $(seq 1 200); do
    # (sed, not python3: this polls, and python3 starts slowly on a loaded machine)
    [ "$(ctl GET /control/stats | sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p")" -ge "$2" ] && return 0
    sleep 0.05
  done
  diag "the stand-in's $1 did not reach $2"; return 1
}
# broken_library_dir SONAME: a directory holding a SONAME (libcurl.so.4, libsecret-1.so.0)
# that is no library: with it first in LD_LIBRARY_PATH, loading that library fails as on a
# broken installation. Prints the directory.
broken_library_dir() {
  mkdir -p "$GMO_SESSION_DIR/broken-$1"
  echo "not a shared library" > "$GMO_SESSION_DIR/broken-$1/$1"
  echo "$GMO_SESSION_DIR/broken-$1"
}
# The refresh token in ACCOUNT's keyring record, read straight from the keyring.
stored_refresh_token() { json_get "$(secret-tool lookup account "$1" version 1)" refresh_token 2>/dev/null; }
# After a failure: ACCOUNT's record still holds REFRESH-TOKEN, and a refresh with it works
# (the stand-in takes only a grant's current token). Two tests; never prints the token.
# Usage: grant_intact ACCOUNT REFRESH-TOKEN WHAT
grant_intact() {
  ok "$([ -n "$2" ] && [ "$(stored_refresh_token "$1")" = "$2" ]; echo $?)" \
    "$3: the stored refresh token is unchanged"
  gmail-oauth refresh "$1" >/dev/null 2>&1
  ok $? "$3: a following refresh with it works"
}
# Registers a client and a grant at the stand-in and imports it for ACCOUNT.
# Usage: setup_account ACCOUNT [CLIENT_ID]; prints the refresh token.
setup_account() {
  local account=$1 client=${2:-client-1.apps.googleusercontent.com} rt
  ctl POST /control/client "{\"client_id\":\"$client\",\"client_secret\":\"secret-of-$client\"}" >/dev/null
  rt=$(json_get "$(ctl POST /control/grant "{\"client_id\":\"$client\"}")" refresh_token)
  printf '{"type":"authorized_user","client_id":"%s","client_secret":"secret-of-%s","refresh_token":"%s"}' \
    "$client" "$client" "$rt" | gmail-oauth import "$account" 2>/dev/null
  echo "$rt"
}
# The pid of the process owning the bus NAME (the daemon, the Secret Service).
bus_pid() {
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.GetConnectionUnixProcessID "$1" | sed -n 's/^(uint32 \([0-9]*\),)$/\1/p'
}
MCP_INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"tap","version":"0"}}}'
# Starts one long-running `gmail-oauth mcp` reading file descriptor 3 of the calling
# shell, answering into $mcp_out, already initialized; its pid is $mcp_pid. End it
# with `exec 3>&-; wait "$mcp_pid"`. Usage: mcp_start [ENVIRONMENT...]
mcp_start() {
  local fifo=$GMO_SESSION_DIR/mcp-$$.in
  mcp_out=$GMO_SESSION_DIR/mcp-$$.out
  rm -f "$fifo"; mkfifo "$fifo"
  env "$@" gmail-oauth mcp <"$fifo" >"$mcp_out" 2>/dev/null &
  mcp_pid=$!
  exec 3>"$fifo"
  printf '%s\n' "$MCP_INIT" >&3
}
# mcp_answer ID: waits (up to 10 s) for the answer to request ID and prints it.
mcp_answer() {
  for _ in $(seq 1 100); do grep -q "\"id\":$1," "$mcp_out" && break; sleep 0.1; done
  grep "\"id\":$1," "$mcp_out"
}
# The direct path: tests/own-name holds gmail-oauthd's bus name and answers nothing, so the
# command line and the git helper read the keyring themselves (as without the service) until
# direct_path_end, after which the next call activates a new gmail-oauthd.
direct_path_begin() {
  local i
  : >"$GMO_SESSION_DIR/own-name.out"
  "$top_builddir/tests/own-name" io.github.gmail_oauth.Broker >"$GMO_SESSION_DIR/own-name.out" &
  own_name_pid=$!
  for i in $(seq 1 200); do grep -q owned "$GMO_SESSION_DIR/own-name.out" && return 0; sleep 0.05; done
  diag "own-name did not take the name"; return 1
}
direct_path_end() { kill "$own_name_pid"; wait "$own_name_pid" 2>/dev/null; return 0; }
