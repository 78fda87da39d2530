#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# `gmail-oauth mcp`, each figure beside a floor measured in the same run
# (run by `make bench` under tests/with-session, against the loopback stand-in):
# - start-up: spawn to the `initialize` answer, beside spawning `cat` to echo one line;
# - tools/call gmail_refresh_token in a running server, beside a bare `curl` POST
#   of the same refresh to the same endpoint;
# - peak RSS of a whole session, of one that makes no request, and of one with
#   a 4 MiB message; and how much of a running server's RSS is its own (anonymous).
# Targets: start-up < 20 ms, call within 1.5x of curl, the server's own memory < 10 MiB:
# its anonymous pages. The rest of its RSS is the shared libraries' pages (GLib, GMime,
# libsecret, libcurl and its tree), which a bare curl maps as well: its peak RSS is shown
# beside ours, as the floor.
set -eu
runs=${GMO_BENCH_RUNS:-40}
ctl() { "$top_srcdir/tests/fake-google-ctl" "$@"; }
ctl POST /control/client '{"client_id":"bench-mcp","client_secret":"bench-mcp-secret"}' >/dev/null
GMO_BENCH_RT=$(ctl POST /control/grant '{"client_id":"bench-mcp"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])')
printf '{"type":"authorized_user","client_id":"bench-mcp","client_secret":"bench-mcp-secret","refresh_token":"%s"}' \
  "$GMO_BENCH_RT" | gmail-oauth import bench-mcp@example.com 2>/dev/null
export GMO_BENCH_RT GMO_BENCH_RUNS=$runs
exec python3 - <<'EOF'
import json, os, re, statistics, subprocess, time

runs = int(os.environ["GMO_BENCH_RUNS"])
rt = os.environ["GMO_BENCH_RT"]
url = os.environ["GMAIL_OAUTH_TOKEN_URL"]
INIT = json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                   "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                              "clientInfo": {"name": "bench", "version": "0"}}}) + "\n"
ACCOUNT = "bench-mcp@example.com"
ARGS = {"google_refresh_token": rt, "google_client_id": "bench-mcp", "google_client_secret": "bench-mcp-secret"}

def call(i, name, args):
    return json.dumps({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                       "params": {"name": name, "arguments": args}}) + "\n"

def row(label, samples, floor):
    s = sorted(samples)
    med = statistics.median(s)
    print(f"{label:52} {med:8.2f}ms {s[len(s) // 10]:7.2f}ms {s[len(s) * 9 // 10]:7.2f}ms"
          f" {med / floor if floor else 1:6.2f}x")
    return med

def header(title):
    print(title)
    print(f"{'':52} {'median':>9} {'p10':>8} {'p90':>8} {'ratio':>7}")

def spawn_first_line(argv, line):
    start = time.perf_counter()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p.stdin.write(line.encode())
    p.stdin.flush()
    answer = p.stdout.readline()
    took = (time.perf_counter() - start) * 1000
    p.stdin.close()
    p.wait()
    assert answer, argv
    return took

# Start-up, interleaved with its floor.
# libcurl is loaded by the first request, not at start-up (src/core/gmo-curl.c):
# `curl --version` shows what mapping its tree of libraries costs.
floor, floor_curl, ours = [], [], []
for _ in range(runs):
    floor.append(spawn_first_line(["cat"], INIT))
    floor_curl.append(spawn_first_line(["curl", "--version"], ""))
    ours.append(spawn_first_line(["gmail-oauth", "mcp"], INIT))
header(f"Start-up to the initialize answer ({runs} runs, interleaved):")
f = row("floor: spawn cat, echo one line", floor, 0)
row("floor: spawn curl --version (same libcurl)", floor_curl, f)
startup = row("gmail-oauth mcp: initialize answered", ours, f)

# Refresh: tools/call in one running server vs. curl, interleaved.
server = subprocess.Popen(["gmail-oauth", "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True)
server.stdin.write(INIT)
server.stdin.flush()
server.stdout.readline()
curl = ["curl", "-sS", "--fail", "-o", "/dev/null", "-d", "grant_type=refresh_token", "-d", "client_id=bench-mcp",
        "-d", "client_secret=bench-mcp-secret", "-d", "refresh_token=" + rt, url]
floor, ours = [], []
for i in range(runs + 1):
    start = time.perf_counter()
    subprocess.run(curl, check=True)
    c = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    server.stdin.write(call(i + 1, "gmail_refresh_token", ARGS))
    server.stdin.flush()
    answer = json.loads(server.stdout.readline())
    o = (time.perf_counter() - start) * 1000
    assert answer["result"]["isError"] is False, answer
    if i:  # the first pair warms up
        floor.append(c)
        ours.append(o)
# What the resident pages of that server are, once it has used every kind of tool (the
# keyring's too) and libcurl is loaded: most are the shared libraries' (read-only, shared
# with every process that maps them).
# (The account is named: the benchmarks before this one leave others in the keyring.)
for i, (name, args) in enumerate([("gmail_get_access_token", {"account": ACCOUNT}),
                                  ("gmail_list_accounts", {})]):
    server.stdin.write(call(1000 + i, name, args))
    server.stdin.flush()
    assert json.loads(server.stdout.readline())["result"]["isError"] is False
with open(f"/proc/{server.pid}/smaps_rollup") as rollup:
    mem = {k: int(v.split()[0]) / 1024 for k, v in
           (line.split(":", 1) for line in rollup if re.match(r"^[A-Za-z_]+:\s", line))}
server.stdin.close()
server.wait()
print()
header(f"Refresh against the loopback stand-in ({runs} runs, interleaved):")
f = row("floor: curl POST /token (whole process)", floor, 0)
refresh = row("tools/call gmail_refresh_token (running server)", ours, f)
ratio = refresh / f

# Peak RSS: a whole session, one without a request, one with a 4 MiB message.
def peak_rss(data):
    p = subprocess.run(["/usr/bin/time", "-v", "gmail-oauth", "mcp"], input=data.encode(),
                       capture_output=True)
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr.decode()).group(1)) / 1024

session = INIT + json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}) + "\n"
session += "".join(call(10 + i, "gmail_refresh_token", ARGS) for i in range(5))
session += call(20, "gmail_get_access_token", {"account": ACCOUNT}) + call(21, "gmail_list_accounts", {})
rss = peak_rss(session)
refresh_only = INIT + "".join(call(10 + i, "gmail_refresh_token", ARGS) for i in range(5))
rss_keyless = peak_rss(refresh_only)
rss_idle = peak_rss(INIT + json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}) + "\n")
big = INIT + json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"pad": "x" * (4 * 1024 * 1024 - 100)}}) + "\n"
rss_big = peak_rss(big)
floor_rss = float(re.search(r"Maximum resident set size \(kbytes\): (\d+)",
                            subprocess.run(["/usr/bin/time", "-v", "curl", "-sS", "-o", "/dev/null", "-d", "x=1", url],
                                           capture_output=True).stderr.decode()).group(1)) / 1024
print()
print("Peak RSS (VmHWM, /usr/bin/time -v):")
print(f"{'floor: curl POST':52} {floor_rss:8.2f} MiB")
print(f"{'gmail-oauth mcp: 9 requests, all tools (keyring)':52} {rss:8.2f} MiB")
print(f"{'gmail-oauth mcp: 5 x gmail_refresh_token (no keyring)':52} {rss_keyless:8.2f} MiB")
print(f"{'gmail-oauth mcp: initialize, tools/list (no libcurl)':52} {rss_idle:8.2f} MiB")
print(f"{'gmail-oauth mcp: one 4 MiB message':52} {rss_big:8.2f} MiB")
print(f"The server after {runs + 1} refreshes and the keyring's tools (/proc/PID/smaps_rollup): RSS {mem['Rss']:.2f} MiB,"
      f" of which anonymous {mem['Anonymous']:.2f} MiB and file-backed (libraries) "
      f"{mem['Rss'] - mem['Anonymous']:.2f} MiB; PSS {mem['Pss']:.2f} MiB")

print()
def verdict(ok):
    return "met" if ok else "MISSED"
print(f"targets: start-up {startup:.2f} ms < 20 ms: {verdict(startup < 20)}; "
      f"call {ratio:.2f}x curl <= 1.5x: {verdict(ratio <= 1.5)}; "
      f"own (anonymous) memory {mem['Anonymous']:.2f} MiB < 10 MiB: {verdict(mem['Anonymous'] < 10)}")
EOF
