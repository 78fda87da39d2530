#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The `gmail-oauth` command line: import, token formats, caching, refresh,
# list/status/remove, usage errors. Runs under tests/with-session.
. "$top_srcdir/tests/tap.sh"

A=me@example.com

# --help and --version
run gmail-oauth --help
is "$rc" 0 "--help exits 0"
like "$out" 'reauthorize' "--help documents the exit statuses"
run gmail-oauth --version
like "$out" '^gmail-oauth [0-9]+\.' "--version"
for c in token refresh import list status remove login doctor; do
  run gmail-oauth $c --help
  is "$rc" 0 "$c --help exits 0"
done

# Usage errors: exit 2, one line on stderr.
for args in "" "frobnicate" "token" "token a b" "token not-an-address" "token me@example.com --format=xml" \
            "token me@example.com --min-valid=99999" "list extra" "import" "status" "remove"; do
  # shellcheck disable=SC2086
  run gmail-oauth $args
  is "$rc" 2 "usage error: gmail-oauth $args"
  is "$(printf '%s\n' "$err" | grep -c .)" 1 "one line on stderr: gmail-oauth $args"
done

# No account: exit 3.
run gmail-oauth token nobody@example.com
is "$rc" 3 "token of an unknown account exits 3"
like "$err" 'nobody@example.com' "the message names the account"
run gmail-oauth status nobody@example.com
is "$rc" 3 "status of an unknown account exits 3"
run gmail-oauth remove nobody@example.com
is "$rc" 3 "remove of an unknown account exits 3"

# Import: from stdin and from a file; bad grant files are refused.
rt=$(setup_account "$A")
run gmail-oauth list
is "$out" "$A	no-token" "imported account listed without a token"
printf '{"type":"service_account","client_id":"x","client_secret":"y","refresh_token":"z"}' > "$GMO_SESSION_DIR/sa.json"
run gmail-oauth import other@example.com "$GMO_SESSION_DIR/sa.json"
is "$rc" 2 "a service_account file is refused"
refused() { # refused JSON DESCRIPTION: importing JSON from stdin exits 2
  out=$(printf '%s' "$1" | gmail-oauth import other@example.com 2>&1); is "$?" 2 "$2"
}
refused 'null' "the JSON document null is refused, not taken for success"
refused '{"type":false,"client_id":"x","client_secret":"y","refresh_token":"z"}' \
  "a type that is not a string is refused"
refused '{"type":"authorized_user","client_id":"x","client_secret":true,"refresh_token":"z"}' \
  "a client_secret that is not a string is refused"
refused '{"type":"authorized_user","client_id":"x","client_secret":"y","refresh_token":"z\u0000w"}' \
  "a refresh_token holding a NUL is refused, not cut short"
printf '{"type":"authorized_user","client_id":"x"' > "$GMO_SESSION_DIR/trunc.json"
run gmail-oauth import other@example.com "$GMO_SESSION_DIR/trunc.json"
is "$rc" 2 "a truncated file is refused"
run gmail-oauth import other@example.com /nonexistent/file.json
is "$rc" 2 "a missing file is refused"
head -c 100000 /dev/zero | tr '\0' ' ' > "$GMO_SESSION_DIR/big.json"
run gmail-oauth import other@example.com "$GMO_SESSION_DIR/big.json"
is "$rc" 2 "an oversized file is refused"
run gmail-oauth list
is "$out" "$A	no-token" "refused imports stored nothing"

# Token: raw, then cached.
run gmail-oauth token "$A"
is "$rc" 0 "token exits 0"
like "$out" '^ya29\.fake-' "raw format is the token"
token=$out
is "$(fake_stat token_requests)" 1 "first token call asked the endpoint once"
run gmail-oauth token ME@Example.COM
is "$out" "$token" "second call returns the cached token (account case-insensitive)"
is "$(fake_stat token_requests)" 1 "second call made no token request"

# libcurl (and its ~30 libraries) is loaded only when a request is to be made.
curl_loads() { LD_DEBUG=files "$@" 2>&1 >/dev/null | grep -c 'file=libcurl\.so.*dynamically loaded'; }
is "$(curl_loads gmail-oauth token "$A")" 0 "a cached token does not load libcurl"
is "$(curl_loads env GMAIL_OAUTH_TOKEN_URL=http://example.com/ gmail-oauth refresh "$A")" 1 \
  "a refresh loads it (and then refuses plain http to a remote host)"

# Without a loadable libcurl: a request fails in one line with status 1 and the record is untouched,
# while a cached token, which needs no request, is still served. Through gmail-oauthd, the
# command line needs no libcurl of its own; on the direct path, it does.
nocurl=$(broken_library_dir libcurl.so.4)
run env LD_LIBRARY_PATH="$nocurl" gmail-oauth refresh "$A"
is "$rc" 0 "through gmail-oauthd, a refresh needs no libcurl in the caller"
run gmail-oauth token "$A"
token=$out
direct_path_begin
record=$(secret-tool lookup account "$A" version 1)
run env LD_LIBRARY_PATH="$nocurl" gmail-oauth refresh "$A"
is "$rc" 1 "without a loadable libcurl a refresh exits 1"
like "$err" '^gmail-oauth: me@example\.com: Cannot load libcurl\.so\.4 \(.+\); install the Debian package libcurl4$' \
  "naming the library, why, and the package to install"
is "$(printf '%s\n' "$err" | grep -c .)" 1 "in one line"
is "$(secret-tool lookup account "$A" version 1)" "$record" "the record is untouched"
run env LD_LIBRARY_PATH="$nocurl" gmail-oauth token "$A"
is "$rc:$out" "0:$token" "a cached token is still served"
direct_path_end
# So is libsecret, loaded for the keyring only: a token from gmail-oauthd needs none.
nosecret=$(broken_library_dir libsecret-1.so.0)
run env LD_LIBRARY_PATH="$nosecret" gmail-oauth token "$A"
is "$rc:$out" "0:$token" "through gmail-oauthd, a token needs no libsecret in the caller"
direct_path_begin
run env LD_LIBRARY_PATH="$nosecret" gmail-oauth token "$A"
is "$rc:$out" "1:" "without gmail-oauthd and a loadable libsecret, token exits 1"
like "$err" '^gmail-oauth: (me@example\.com: )?Cannot load libsecret-1\.so\.0 \(.+\); install the Debian package libsecret-1-0$' \
  "naming the library, why, and the package to install"
is "$(printf '%s\n' "$err" | grep -c .)" 1 "in one line"
run env LD_LIBRARY_PATH="$nosecret" gmail-oauth list
is "$rc" 1 "so does list"
is "$(secret-tool lookup account "$A" version 1)" "$record" "the record is untouched"
direct_path_end

# Formats.
run gmail-oauth token "$A" --format=json
is "$(json_get "$out" access_token)" "$token" "json format: access_token"
like "$(json_get "$out" expires_at)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' "json format: expires_at is RFC 3339 UTC"
in=$(json_get "$out" expires_in)
ok $(( in > 3500 && in <= 3599 ? 0 : 1 )) "json format: expires_in ($in)"
run env TZ=America/Los_Angeles gmail-oauth token "$A" --format=json
in2=$(json_get "$out" expires_in)
ok $(( in2 > 3500 && in2 <= 3599 ? 0 : 1 )) "expires_in does not depend on TZ ($in2)"
run gmail-oauth token "$A" --format=header
is "$out" "Authorization: Bearer $token" "header format"
run gmail-oauth token "$A" -f xoauth2
is "$(printf '%s' "$out" | base64 -d | tr '\001' '|')" "user=$A|auth=Bearer $token||" "xoauth2 format"

# The margin: a token with less life left than --min-valid is refreshed.
requests=$(fake_stat token_requests)
run gmail-oauth token "$A" --min-valid=3599
ok "$([ "$out" != "$token" ]; echo $?)" "--min-valid larger than the remaining life refreshes"
is "$(fake_stat token_requests)" $((requests + 1)) "that was one more token request"
run env GMAIL_OAUTH_MIN_VALID=3599 gmail-oauth token "$A"
is "$(fake_stat token_requests)" $((requests + 2)) "GMAIL_OAUTH_MIN_VALID is honoured"

# Forced refresh: the reference's success JSON, with the flaws fixed.
ctl POST /control/config '{"rotation": true}' >/dev/null
run gmail-oauth refresh "$A"
is "$rc" 0 "refresh exits 0"
is "$(json_get "$out" status)" success "refresh: status success"
is "$(json_get "$out" token_type)" Bearer "refresh: token_type kept"
is "$(json_get "$out" scope)" "https://mail.google.com/" "refresh: scope kept"
like "$(json_get "$out" expires_at)" 'Z$' "refresh: expires_at has a time zone"
unlike "$out" 'refresh_token|1//' "refresh never prints the refresh token"
run gmail-oauth token "$A"
is "$out" "$(fake_stat last_access_token)" "token after refresh is the newest minted"
run gmail-oauth refresh "$A"
is "$rc" 0 "a second refresh works with the rotated refresh token"

# status and list never print secrets.
run gmail-oauth status "$A" --json
is "$(json_get "$out" state)" valid "status: state valid"
is "$(json_get "$out" client_id)" client-1.apps.googleusercontent.com "status: client id"
unlike "$out" "secret-of|ya29|1//" "status prints no secret"
run gmail-oauth status "$A"
like "$out" "account +$A" "status text"
unlike "$out" "secret-of|ya29|1//" "status text prints no secret"
run gmail-oauth list --json
is "$(json_get "$out" 0 account)" "$A" "list --json"
unlike "$out" "secret-of|ya29|1//" "list prints no secret"

# Import again replaces the record (one record per account).
setup_account "$A" >/dev/null
run gmail-oauth list
is "$out" "$A	no-token" "re-import replaces the record"

# Remove.
run gmail-oauth remove "$A"
is "$rc" 0 "remove exits 0"
run gmail-oauth list
is "$out" "" "nothing left after remove"

done_testing
