#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The MCP mail tools against the Gmail stand-in, in one MCP session as a host runs
# it, each beside a floor from the same run: one `curl` process GETting the same
# stand-in URLs with the same token (targets: at most 1.5x). A read fetches one URL
# (format=raw), so its floor is one GET per read; a session also asks gmail-oauthd
# for its token once (a bus connection of its own, one call), which the floor is
# handed: the second floor adds one `gdbus call` of RequestToken (own-use), the same work.
# Then reading a 1 MiB and a 10 MiB message: time and peak RSS (target: linear,
# and under 3x the message's size).
set -eu
runs=${GMO_BENCH_RUNS:-20}
A=me@example.com
export GMAIL_OAUTH_GMAIL_URL=${GMAIL_OAUTH_GMAIL_URL:-$GMO_FAKE_GOOGLE/gmail/v1/users/me/}
ctl() { "$top_srcdir/tests/fake-google-ctl" "$@"; }
ctl POST /control/client '{"client_id":"bench","client_secret":"bench-secret"}' >/dev/null
rt=$(ctl POST /control/grant '{"client_id":"bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])')
printf '{"type":"authorized_user","client_id":"bench","client_secret":"bench-secret","refresh_token":"%s"}' "$rt" \
  | gmail-oauth import "$A" 2>/dev/null
for i in $(seq 1 50); do
  ctl POST /control/gmail/message "$(printf '{"rfc822": "From: Ann <ann@example.com>\\r\\nTo: %s\\r\\nSubject: message %d\\r\\nDate: Tue, 1 Dec 2026 10:%02d:00 +0000\\r\\nMessage-ID: <m%d@example.com>\\r\\n\\r\\nBody of message %d.\\r\\n"}' "$A" "$i" "$i" "$i" "$i")" >/dev/null
done
token=$(gmail-oauth token "$A")
base=$GMAIL_OAUTH_GMAIL_URL
ids=$(curl -sS -H "Authorization: Bearer $token" "${base}messages?maxResults=50" |
  python3 -c 'import json,sys; print(" ".join(m["id"] for m in json.load(sys.stdin)["messages"]))')
meta=""
for id in $ids; do
  meta="$meta ${base}messages/$id?format=metadata&metadataHeaders=From&metadataHeaders=To&metadataHeaders=Subject&metadataHeaders=Date"
done
first=${ids%% *}
INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"0"}}}'
mcp_call() { # TOOL ARGUMENTS: a shell command running one MCP session with one call
  printf "printf '%%s\\n%%s\\n' '%s' '%s' | gmail-oauth mcp >/dev/null" "$INIT" \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"$1\",\"arguments\":$2}}"
}
# N calls of TOOL ARGUMENTS in one MCP session (a host keeps its server running), as a
# file of JSON-RPC lines; prints the shell command that runs it.
mcp_session() { # FILE N TOOL ARGUMENTS
  { printf '%s\n' "$INIT"
    for i in $(seq 1 "$2"); do
      printf '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"%s","arguments":%s}}\n' "$i" "$3" "$4"
    done; } >"$1"
  printf 'gmail-oauth mcp <%s >/dev/null' "$1"
}
# A figure of failing calls would say nothing: each session runs once first, and every call
# must be answered without an error. (The calls name the account: the benchmarks before
# this one leave others in the keyring.)
answers_ok() { # JSONL-FILE
  local bad
  bad=$(gmail-oauth mcp <"$1" | grep -m 1 '"isError":true\|"error":{' || true)
  [ -z "$bad" ] || { echo "bench-mail.sh: a call failed: $(printf '%s' "$bad" | cut -c1-300)" >&2; exit 1; }
}
# Each request on a connection of its own, as the client makes them (one curl handle
# per request); a kept-alive connection to the stand-in waits on delayed ACKs instead.
curl_get="curl -sS -H 'Authorization: Bearer $token' -H 'Connection: close'"
broker_call="gdbus call --session --dest io.github.gmail_oauth.Broker --object-path /io/github/gmail_oauth/Broker --method io.github.gmail_oauth.Broker1.RequestToken $A \"{'own-use': <true>}\""
calls=20

echo "Search of 50 messages, $calls in one MCP session ($runs runs, interleaved):"
search_session=$(mcp_session "$GMO_SESSION_DIR/search.jsonl" $calls gmail_search_messages \
  "{\"account\":\"$A\",\"query\":\"\",\"max_results\":50}")
answers_ok "$GMO_SESSION_DIR/search.jsonl"
# The floor's URLs in a curl config file: the command line would be too long.
{ for i in $(seq 1 $calls); do
    printf 'url = "%s"\noutput = "/dev/null"\n' "${base}messages?maxResults=50"
    for u in $meta; do printf 'url = "%s"\noutput = "/dev/null"\n' "$u"; done
  done; } >"$GMO_SESSION_DIR/search.curl"
python3 "$top_srcdir/bench/timeit.py" "$runs" -- \
  "floor: curl, $calls x (list + 50 metadata)=$curl_get -K '$GMO_SESSION_DIR/search.curl'" \
  "gmail_search_messages x $calls=$search_session"

echo
echo "Reading one message, $calls in one MCP session ($runs runs, interleaved):"
urls=""
for i in $(seq 1 $calls); do urls="$urls -o /dev/null '${base}messages/$first?format=raw'"; done
read_session=$(mcp_session "$GMO_SESSION_DIR/read.jsonl" $calls gmail_read_message \
  "{\"account\":\"$A\",\"message_id\":\"$first\"}")
answers_ok "$GMO_SESSION_DIR/read.jsonl"
python3 "$top_srcdir/bench/timeit.py" "$runs" -- \
  "floor: curl, $calls GETs of the raw message=$curl_get $urls" \
  "gmail_read_message x $calls (target 1.5x)=$read_session" \
  "floor: gdbus RequestToken + the same curl=$broker_call >/dev/null; $curl_get $urls" \
  "gmail_read_message x $calls=$read_session"

echo
echo "What each read adds in a running session (hosts keep their server running), beside what"
echo "each GET adds in one curl process: the difference of 100 and 20, per call ($runs runs):"
urls100=""
for i in $(seq 1 100); do urls100="$urls100 -o /dev/null '${base}messages/$first?format=raw'"; done
read100=$(mcp_session "$GMO_SESSION_DIR/read100.jsonl" 100 gmail_read_message \
  "{\"account\":\"$A\",\"message_id\":\"$first\"}")
answers_ok "$GMO_SESSION_DIR/read100.jsonl"
python3 - "$runs" "$curl_get $urls" "$curl_get $urls100" "$read_session" "$read100" <<'PY'
import statistics, subprocess, sys, time
runs, commands = int(sys.argv[1]), sys.argv[2:]
samples = [[] for _ in commands]
for _ in range(runs):
    for i, command in enumerate(commands):
        start = time.perf_counter()
        subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL)
        samples[i].append((time.perf_counter() - start) * 1000)
c20, c100, m20, m100 = (statistics.median(s) for s in samples)
curl, mcp = (c100 - c20) / 80, (m100 - m20) / 80
print(f"{'floor: curl, one more GET':52} {curl:8.3f}ms")
print(f"{'gmail_read_message, one more read':52} {mcp:8.3f}ms {mcp / curl:6.2f}x")
print(f"{'a session of 20 reads beyond its 20 reads':52} {m20 - 20 * mcp:8.2f}ms"
      f" (curl's process beyond its 20 GETs: {c20 - 20 * curl:.2f} ms)")
PY

echo
echo "Reading a large message (gmail_read_message), time and peak RSS:"
printf '%-36s %10s %12s %12s %8s\n' "" "size" "time" "peak RSS" "RSS/size"
for mib in 1 10; do
  id=$(ctl POST /control/gmail/message "{\"generate\":{\"size\":$((mib * 1048576)),\"kind\":\"text\"}}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  for who in curl mcp; do
    if [ "$who" = curl ]; then
      cmd="$curl_get -o /dev/null '${base}messages/$id?format=raw'"
    else
      mcp_session "$GMO_SESSION_DIR/large.jsonl" 1 gmail_read_message \
        "{\"account\":\"$A\",\"message_id\":\"$id\"}" >/dev/null
      answers_ok "$GMO_SESSION_DIR/large.jsonl"
      cmd=$(mcp_call gmail_read_message "{\"account\":\"$A\",\"message_id\":\"$id\"}")
    fi
    # The median of 5 runs of time and of peak RSS (KiB, from GNU time).
    python3 - "$who" "$mib" "$cmd" "$GMO_SESSION_DIR/rss-$who" <<'PY'
import os, statistics, subprocess, sys, time
who, mib, cmd, seen = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
times, rss = [], []
for _ in range(5):
    start = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "%M", "sh", "-c", cmd],
                         capture_output=True, text=True, check=True)
    times.append((time.perf_counter() - start) * 1000)
    rss.append(int(out.stderr.strip().splitlines()[-1]))
t, r = statistics.median(times), statistics.median(rss) / 1024
label = ("floor: curl GET of the raw" if who == "curl" else "gmail_read_message") + f", {mib} MiB"
print(f"{label:36} {mib:7d} MiB {t:9.1f} ms {r:8.1f} MiB {r / mib:7.2f}x")
# Linear: what each MiB of message adds to the peak, from the 1 MiB row to this one.
if who == "mcp" and os.path.exists(seen):
    mib0, r0 = map(float, open(seen).read().split())
    print(f"{'':36} {(r - r0) / (mib - mib0):+.2f} MiB of peak RSS per MiB of message")
with open(seen, "w") as f:
    f.write(f"{mib} {r}")
PY
  done
done
