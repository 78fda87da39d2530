#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The CLI as whole processes, each beside floors measured in the same run:
# - cached `gmail-oauth token` vs `secret-tool lookup` of one item and a bare `gdbus call`;
# - forced `gmail-oauth refresh` vs a bare `curl` POST to the same endpoint and the
#   reference tool's refresh path (google-auth's Credentials.refresh), against the stand-in.
set -eu
runs=${GMO_BENCH_RUNS:-40}
A=bench@example.com
ctl() { "$top_srcdir/tests/fake-google-ctl" "$@"; }
ctl POST /control/client '{"client_id":"bench","client_secret":"bench-secret"}' >/dev/null
rt=$(ctl POST /control/grant '{"client_id":"bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])')
printf '{"type":"authorized_user","client_id":"bench","client_secret":"bench-secret","refresh_token":"%s"}' "$rt" \
  | gmail-oauth import "$A" 2>/dev/null
gmail-oauth token "$A" >/dev/null
printf 'bench' | secret-tool store --label=bench bench item
export GMO_BENCH_RT=$rt

echo "Cached token, whole process ($runs runs, interleaved):"
python3 "$top_srcdir/bench/timeit.py" "$runs" -- \
  "floor: secret-tool lookup (one item)=secret-tool lookup bench item" \
  "floor: gdbus call org.freedesktop.DBus.GetId=gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus --method org.freedesktop.DBus.GetId" \
  "gmail-oauth token (cached)=gmail-oauth token $A"

echo
echo "Forced refresh against the loopback stand-in ($runs runs, interleaved):"
reference='/usr/bin/python3 -c "
import os, google.auth.transport.requests as r
from google.oauth2.credentials import Credentials
c = Credentials(None, refresh_token=os.environ[\"GMO_BENCH_RT\"], client_id=\"bench\",
                client_secret=\"bench-secret\", token_uri=os.environ[\"GMAIL_OAUTH_TOKEN_URL\"])
c.refresh(r.Request())"'
python3 "$top_srcdir/bench/timeit.py" "$runs" -- \
  "floor: curl POST /token=curl -sS --fail -d grant_type=refresh_token -d client_id=bench -d client_secret=bench-secret -d refresh_token=$rt $GMAIL_OAUTH_TOKEN_URL" \
  "gmail-oauth refresh=gmail-oauth refresh $A" \
  "reference: google-auth Credentials.refresh=$reference"
