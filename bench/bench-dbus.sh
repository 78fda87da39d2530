#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Cached GetAccessToken of gmail-oauthd: p50/p99 latency and calls per second
# from one client, beside the floor (org.freedesktop.DBus.GetId, a round trip
# to the bus daemon) measured by the same program in the same run.
# Runs under tests/with-session (bench/run does that).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$PWD}"
export top_srcdir top_builddir PATH="$top_builddir:$PATH"
. "$top_srcdir/tests/tap.sh"
set -e

client=$top_builddir/bench/bench-dbus-client
[ -x "$client" ] || { echo "bench-dbus: build $client first (make bench)" >&2; exit 1; }
setup_account bench@example.com >/dev/null

"$top_builddir/gmail-oauthd" --replace --idle-timeout=0 &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null; wait $daemon 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.NameHasOwner io.github.gmail_oauth.Broker 2>/dev/null \
    | grep -q true && break
  sleep 0.05
done
# The first call refreshes; the client's warm-up calls then hit the cache.
"$client" bench@example.com "${BENCH_DBUS_CALLS:-2000}"
