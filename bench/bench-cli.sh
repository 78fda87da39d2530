#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The CLI and the git helper as whole processes, each beside floors measured in the same run:
# - through gmail-oauthd: cached `gmail-oauth token` and the git helper's `get` for a Gmail
#   server vs a bare `gdbus call` of org.freedesktop.DBus.GetId (targets: 1.5x); forced
#   `gmail-oauth refresh` vs a bare `curl` POST to the same endpoint (target: 1.3x) and the
#   reference tool's refresh path (google-auth's Credentials.refresh), against the stand-in;
# - on the direct path (tests/own-name holds gmail-oauthd's name): cached `gmail-oauth token`
#   vs `secret-tool lookup` of one item (target: 1.1x), and a forced refresh vs `curl`.
set -eu
. "$top_srcdir/tests/tap.sh"
set -e
runs=${GMO_BENCH_RUNS:-40}
A=bench@example.com
ctl POST /control/client '{"client_id":"bench","client_secret":"bench-secret"}' >/dev/null
rt=$(ctl POST /control/grant '{"client_id":"bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])')
printf '{"type":"authorized_user","client_id":"bench","client_secret":"bench-secret","refresh_token":"%s"}' "$rt" \
  | gmail-oauth import "$A" 2>/dev/null
gmail-oauth token "$A" >/dev/null
printf 'bench' | secret-tool store --label=bench bench item
export GMO_BENCH_RT=$rt
getid="gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus --method org.freedesktop.DBus.GetId"
curl_post="curl -sS --fail -d grant_type=refresh_token -d client_id=bench -d client_secret=bench-secret -d refresh_token=$rt $GMAIL_OAUTH_TOKEN_URL"
git_get="printf 'protocol=smtp\\nhost=smtp.gmail.com\\nusername=$A\\n' | git-credential-gmail-oauth get"

echo "Through gmail-oauthd, whole processes ($runs runs, interleaved):"
reference='/usr/bin/python3 -c "
import os, google.auth.transport.requests as r
from google.oauth2.credentials import Credentials
c = Credentials(None, refresh_token=os.environ[\"GMO_BENCH_RT\"], client_id=\"bench\",
                client_secret=\"bench-secret\", token_uri=os.environ[\"GMAIL_OAUTH_TOKEN_URL\"])
c.refresh(r.Request())"'
python3 "$top_srcdir/bench/timeit.py" "$runs" -- \
  "floor: gdbus call org.freedesktop.DBus.GetId=$getid" \
  "gmail-oauth token (cached; target 1.5x)=gmail-oauth token $A" \
  "git helper get, Gmail (cached; target 1.5x)=$git_get" \
  "floor: curl POST /token=$curl_post" \
  "gmail-oauth refresh (target 1.3x)=gmail-oauth refresh $A" \
  "reference: google-auth Credentials.refresh=$reference"

echo
echo "The direct path, without gmail-oauthd ($runs runs, interleaved):"
direct_path_begin
python3 "$top_srcdir/bench/timeit.py" "$runs" -- \
  "floor: secret-tool lookup (one item)=secret-tool lookup bench item" \
  "gmail-oauth token (cached; target 1.1x)=gmail-oauth token $A" \
  "floor: curl POST /token=$curl_post" \
  "gmail-oauth refresh=gmail-oauth refresh $A"
direct_path_end
