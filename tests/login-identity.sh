#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `gmail-oauth login ACCOUNT` stores a grant only when the Google account that
# consented is ACCOUNT: the email of the ID token, or of the userinfo endpoint
# when there is none. Otherwise nothing is stored and the new grant is revoked.
# The stand-in's POST /control/identity chooses who consents and what the ID
# token and userinfo answers are (tests/fake_google_identity.py).
. "$top_srcdir/tests/tap.sh"
export G_DEBUG=fatal-criticals  # a GLib critical is a bug: make it fail the test

LOGIN_WORK=login-identity
. "$top_srcdir/tests/login-lib.sh"
# A second client, of which no grant is ever stored: revoking a grant of it can
# end no stored one (Google ends a user's consent to a client whole, and so
# does the stand-in for the grants of code exchanges).
client2=login-client-2.apps.googleusercontent.com
ctl POST /control/client "{\"client_id\":\"$client2\",\"client_secret\":\"$client_secret\"}" >/dev/null
sed "s/$client/$client2/" "$work/client.json" >"$work/client2.json"

# login_as ACCOUNT CONSENTING [ID-TOKEN-KIND [USERINFO-KIND]]: one login of
# ACCOUNT in which CONSENTING consents, with the client of $client_file (default
# the first); sets status, err and last (the last line on stderr, the error).
login_as() {
  ctl POST /control/identity "{\"consent_email\": \"$2\", \"id_token\": \"${3:-good}\", \"userinfo\": \"${4:-ok}\"}" >/dev/null
  start_login "$1" --client-secrets "${client_file:-$work/client.json}" --no-browser
  wait_url && http -L --max-redirs 1 "$url" >/dev/null
  finish
  last=$(tail -n 1 "$err")
}
# The access token the last code exchange minted is still good at the stand-in.
exchange_token_valid() {
  json_get "$(ctl POST /control/token-valid "{\"token\": \"$(fake_stat last_access_token)\"}")" valid
}
valid_grants() { fake_stat valid_refresh_tokens | grep -o 'fake-rt' | wc -l; }
record() { secret-tool lookup account "$1" version 1; }
# refused ACCOUNT WHAT: nothing is stored for the new ACCOUNT, and its grant was revoked.
refused() {
  gmail-oauth status "$1" >/dev/null 2>&1
  is $? 3 "$2: nothing is stored"
  is "$(exchange_token_valid)" false "$2: the new grant is revoked at Google"
}

# --- the consent comes from ACCOUNT ---
login_as me@example.com me@example.com
is "$status" 0 "the account that consented is ACCOUNT: logged in"
like "$(cat "$err")" "Logged in as me@example.com" "and says so"
like "$(fake_stat last_auth scope)" "^https://mail.google.com/ openid email$" \
  "openid email are asked beside the mail scope"
is "$(fake_stat last_auth login_hint)" me@example.com "login_hint preselects ACCOUNT"
is "$(json_get "$(gmail-oauth status me@example.com --json)" scopes)" \
  "https://mail.google.com/ openid email" "the stored scopes are the ones Google granted"
is "$(fake_stat userinfo_requests)" 0 "the ID token sufficed: userinfo is not asked"

login_as Case@Example.com cASE@EXAMPLE.com
is "$status" 0 "the case of the addresses does not matter"
login_as first.last@gmail.com FirstLast@googlemail.com
is "$status" 0 "googlemail.com is gmail.com, and dots in its local part do not count"
like "$(gmail-oauth list 2>&1)" "first\.last@gmail\.com" "the grant is stored under ACCOUNT as given"
login_as me@example.com me@example.com string_verified
is "$status" 0 "email_verified as the string \"true\" (as Google's documentation shows it) is taken"

# --- another account consented ---
before=$(record me@example.com)
rt=$(stored_refresh_token me@example.com)
grants=$(valid_grants)
revokes=$(fake_stat revoke_requests)
login_as me@example.com other@example.com
is "$status" 4 "another account consented: the reauthorize status"
is "$last" "gmail-oauth: You consented as other@example.com, not me@example.com, so nothing was stored: log in again and choose me@example.com in Google's account chooser" \
  "a one-line message naming both addresses and what to do"
unlike "$(cat "$err")" "$client_secret|fake-rt|ya29|eyJ" "no secret on stderr"
is "$(record me@example.com)" "$before" "the stored record is left as it was"
is "$(fake_stat revoke_requests)" $((revokes + 1)) "the new grant is revoked"
is "$(valid_grants)" "$grants" "so Google holds no new grant"
grant_intact me@example.com "$rt" "after another account consented"

login_as new@example.com other@example.com
is "$status" 4 "another account consented for a new ACCOUNT"
refused new@example.com "another account, new ACCOUNT"
login_as me+tag@gmail.com me@gmail.com
is "$status" 4 "a +tag is not the account"
login_as m.e@example.com me@example.com
is "$status" 4 "outside gmail.com dots count"

ctl POST /control/fault '{"endpoint": "revoke", "kind": "invalid_request"}' >/dev/null
login_as new@example.com other@example.com
is "$status" 4 "when the revocation fails, the login fails as before"
like "$(cat "$err")" "the new grant could not be revoked; remove it under https://myaccount\.google\.com/connections" \
  "and says where to remove the grant"
gmail-oauth status new@example.com >/dev/null 2>&1
is $? 3 "and stores nothing"

# --- ID tokens that prove nothing (the client of no stored grant: revoked) ---
client_file=$work/client2.json
for case in "wrong_aud 7 issued to another client" "wrong_iss 7 issuer is not accounts\.google\.com" \
  "expired 7 has expired" "bad_base64 7 payload is not base64url-encoded JSON" \
  "bad_json 7 payload is not base64url-encoded JSON" "two_parts 7 not three parts" \
  "unverified 4 has not verified the address bad@example\.com" \
  "no_email 4 did not say which address consented"; do
  read -r kind want reason <<<"$case"
  login_as bad@example.com bad@example.com "$kind"
  is "$status" "$want" "ID token $kind: refused with status $want"
  like "$last" "^gmail-oauth: Cannot confirm that bad@example\.com consented, so nothing was stored: .*$reason" \
    "ID token $kind: the message says why"
  refused bad@example.com "ID token $kind"
done
is "$(fake_stat userinfo_requests)" 0 "a bad ID token is never a reason to ask userinfo instead"

# --- no ID token: the userinfo endpoint ---
client_file=
login_as ui@example.com UI@example.com none
is "$status" 0 "without an ID token, userinfo confirms the account"
is "$(fake_stat userinfo_requests)" 1 "userinfo was asked once"
is "$(fake_stat last_userinfo_authorization)" Bearer "with the new access token as a Bearer header"
login_as ui2@example.com other@example.com none
is "$status" 4 "userinfo naming another account: refused"
like "$last" "You consented as other@example\.com, not ui2@example\.com" "with the same message"
refused ui2@example.com "userinfo, another account"

# --- userinfo failing: nothing is stored ---
client_file=$work/client2.json
for case in "500 6 temporarily unavailable" "401 7 refused the new access token" \
  "bad_json 7 answer is not valid" "unverified 4 has not verified" "no_email 4 did not say"; do
  read -r kind want reason <<<"$case"
  login_as ui3@example.com ui3@example.com none "$kind"
  is "$status" "$want" "userinfo $kind: refused with status $want"
  like "$last" "^gmail-oauth: Cannot confirm that ui3@example\.com consented, so nothing was stored: .*$reason" \
    "userinfo $kind: the message says why"
  refused ui3@example.com "userinfo $kind"
done

ctl POST /control/identity '{"userinfo": "ok"}' >/dev/null
GMAIL_OAUTH_USERINFO_URL=http://example.com/userinfo login_as ui4@example.com ui4@example.com none
is "$status" 2 "an http:// userinfo URL to another host is refused"
like "$last" "GMAIL_OAUTH_USERINFO_URL: http:// is allowed only to a loopback address" "naming the variable"
refused ui4@example.com "userinfo URL refused"
client_file=

# --- never revoked when that could end a stored grant ---
login_as other@example.com other@example.com
is "$status" 0 "(other@example.com logs in with the first client)"
rt=$(stored_refresh_token other@example.com)
revokes=$(fake_stat revoke_requests)
login_as me@example.com other@example.com
is "$status" 4 "other@example.com consents for me@example.com, with the client of its stored grant"
like "$(cat "$err")" "the new grant is not revoked: Google could end the stored grant of other@example\.com with it" \
  "the new grant is not revoked, and the user is told why"
is "$(fake_stat revoke_requests)" "$revokes" "no revocation is sent"
grant_intact other@example.com "$rt" "the consenting account's stored grant"
rt=$(stored_refresh_token me@example.com)
login_as me@example.com me@example.com wrong_aud
is "$status" 7 "an identity that cannot be confirmed, with the client of stored grants"
like "$(cat "$err")" "the new grant is not revoked: Google could end the stored grant of [^ ]+@[^ ]+ with it" \
  "is not revoked either"
is "$(fake_stat revoke_requests)" "$revokes" "(no revocation)"
grant_intact me@example.com "$rt" "ACCOUNT's stored grant, after an unconfirmed consent"

done_testing
