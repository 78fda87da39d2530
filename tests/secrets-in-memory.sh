#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The long-running doors keep no copy of a refresh token or a client secret in
# their memory after using them (read through /proc/PID/mem, as root or as the
# same user could), and are not dumpable (asked with gdb, in the process).
. "$top_srcdir/tests/tap.sh"

A=memory@example.com
client=client-1.apps.googleusercontent.com
rt=$(setup_account "$A")
escaped_rt=$(printf '%s' "$rt" | sed 's|/|%2F|g')
# scan PID: how many copies of the secrets its writable memory holds
scan() {
  "${PYTHON3:-python3}" - "$1" "$rt" "$escaped_rt" "secret-of-$client" <<'PY'
import re, sys
pid, needles = int(sys.argv[1]), [n.encode() for n in sys.argv[2:]]
count = 0
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
        start, end = int(m[1], 16), int(m[2], 16)
        # Writable mappings, but not AddressSanitizer's shadow and reservations
        # (terabytes of unbacked pages): the heap of these programs is small.
        if "w" not in m[3] or end - start > (1 << 30):
            continue
        for chunk in range(start, end, 1 << 24):
            try:
                mem.seek(chunk)
                data = mem.read(min(1 << 24, end - chunk) + 4096)
            except (OSError, OverflowError, ValueError):
                continue
            count += sum(data.count(n) for n in needles)
print(count)
PY
}
dumpable() { # PID -> what prctl(PR_GET_DUMPABLE) answers inside it
  timeout 60 gdb -p "$1" -batch -nx -ex 'print (int) prctl (3, 0, 0, 0, 0)' 2>/dev/null |
    sed -n 's/^\$1 = //p'
}

# --- gmail-oauthd, after two refreshes ---
for _ in 1 2; do
  gdbus call --session --dest io.github.gmail_oauth.Broker --object-path /io/github/gmail_oauth/Broker \
    --method io.github.gmail_oauth.Broker1.Refresh "$A" >/dev/null
done
pid=$(bus_pid io.github.gmail_oauth.Broker)
is "$(scan "$pid")" 0 "gmail-oauthd: no copy of the refresh token or client secret in memory"

# --- gmail-oauth mcp, after a refresh of the keyring grant and a gmail_refresh_token call ---
mcp_start
printf '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"gmail_refresh_token","arguments":{"google_refresh_token":"%s","google_client_id":"%s","google_client_secret":"secret-of-%s"}}}\n' \
  "$rt" "$client" "$client" >&3
server=$mcp_pid
like "$(mcp_answer 1)" '"isError":false' "MCP: gmail_refresh_token answered"
is "$(scan "$server")" 0 "gmail-oauth mcp: no copy of the refresh token or client secret in memory"

if command -v gdb >/dev/null 2>&1; then
  is "$(dumpable "$pid")" 0 "gmail-oauthd is not dumpable"
  is "$(dumpable "$server")" 0 "gmail-oauth mcp is not dumpable"
else
  echo "ok $((tap_n + 1)) # SKIP gdb is not installed"; tap_n=$((tap_n + 1))
fi
exec 3>&-
wait "$server"
done_testing
