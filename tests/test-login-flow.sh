#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `gmail-oauth login` against the stand-in: this script plays the browser
# (curl follows the printed address to the stand-in's /auth, whose redirect
# comes back to the login's listener), or the user pasting the final address.
. "$top_srcdir/tests/tap.sh"
export G_DEBUG=fatal-criticals  # a GLib critical is a bug: make it fail the test

. "$top_srcdir/tests/login-lib.sh"

# raw REQUEST-BYTES: sends them to the listener, prints the status line of the answer.
raw() {
  exec 9<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf '%b' "$1" >&9
  timeout 5 head -n 1 <&9 | tr -d '\r'
  exec 9<&- 9>&-
}

# --- the whole flow, browser style ---
start_login Me@Example.com --client-secrets "$work/client.json" --no-browser
wait_url
ok $? "the authorization address is printed"
like "$url" "response_type=code" "it asks for a code"
like "$url" "code_challenge_method=S256" "with PKCE S256"
like "$url" "code_challenge=[A-Za-z0-9_-]{43}(&|$)" "with a 43-character challenge"
like "$url" "access_type=offline" "for offline access"
like "$url" "prompt=consent" "with prompt=consent"
like "$url" "login_hint=me%40example.com" "with the account as login_hint, percent-encoded"
like "$url" "scope=https%3A%2F%2Fmail.google.com%2F%20openid%20email(&|$)" \
  "for the Gmail scope by default, with openid email to learn who consents"
like "$url" "state=[A-Za-z0-9._~-]{32}" "with a random state"
like "$(cat "$err")" "ssh -L $port:127.0.0.1:$port" "the headless hint names the port to forward"
page_status=$(http -L --max-redirs 1 "$url")
is "$page_status" 200 "the browser gets a page"
like "$(cat "$work/page")" "You can close this window" "saying it can be closed"
finish
is "$status" 0 "login succeeds"
like "$(cat "$err")" "Logged in as me@example.com" "and says so"
is "$(cat "$out")" "" "stdout stays clean"
unlike "$(cat "$err")" "$client_secret|fake-rt|ya29" "no secret on stderr"
token=$(gmail-oauth token me@example.com 2>&1)
like "$token" "^ya29\.fake-" "gmail-oauth token works with no other step"
stats=$(ctl GET /control/stats)
is "$(json_get "$stats" last_auth login_hint)" me@example.com "the stand-in saw login_hint"
is "$(json_get "$stats" last_auth code_challenge_method)" S256 "the stand-in saw S256"
is "$(json_get "$stats" last_auth access_type)" offline "the stand-in saw access_type=offline"
is "$(json_get "$stats" last_auth prompt)" consent "the stand-in saw prompt=consent"
is "$(json_get "$stats" successful_code_exchanges)" 1 "the code was exchanged with the right verifier"
is "$(json_get "$stats" token_requests_by_grant_type refresh_token)" 1 "login confirmed the grant by one refresh"
status_json=$(gmail-oauth status me@example.com --json)
is "$(json_get "$status_json" client_id)" "$client" "the client is stored with the grant"
like "$(json_get "$status_json" granted_at)" "^20[0-9]{2}-" "with the grant time"
state1=$(printf '%s' "$url" | sed 's/.*[?&]state=\([^&]*\).*/\1/')

# --- a later login reuses the stored client ---
start_login me@example.com --no-browser --scope "https://mail.google.com/ openid"
wait_url
ok $? "login without client options starts for a known account"
state2=$(printf '%s' "$url" | sed 's/.*[?&]state=\([^&]*\).*/\1/')
[ "$state1" != "$state2" ]
ok $? "each login has a fresh state"
like "$url" "scope=https%3A%2F%2Fmail.google.com%2F%20openid%20email(&|$)" \
  "--scope is sent, percent-encoded, with email added (openid was there)"
http -L --max-redirs 1 "$url" >/dev/null
finish
is "$status" 0 "and completes with the stored client"
is "$(fake_stat last_auth client_id)" "$client" "using the stored client id"

gmail-oauth login nobody@example.com --no-browser 2>"$work/err.noclient"
is $? 2 "login without client options for an unknown account is a usage error"
like "$(cat "$work/err.noclient")" "--client-secrets" "which says what to give"

# --- bad answers to the listener never complete the flow, never crash it ---
start_login wrong@example.com --client-secrets "$work/client.json" --no-browser
wait_url
exec 8<>"/dev/tcp/127.0.0.1/$port"  # an idle connection (a browser's preconnect) blocks nothing
is "$(http "http://127.0.0.1:$port/?code=4/0stolen&state=wrong-state")" 400 "a wrong state is refused (400)"
is "$(http "http://127.0.0.1:$port/?code=4/0stolen")" 400 "a missing state is refused"
is "$(http "http://127.0.0.1:$port/favicon.ico")" 400 "another path is refused"
is "$(http "http://127.0.0.1:$port/other?code=x&state=$state2")" 400 "another path with a query is refused"
is "$(raw 'GARBAGE\r\n\r\n')" "HTTP/1.1 400 Bad Request" "a malformed request line is refused"
is "$(raw 'GET / HTTP/1.1 extra\r\n\r\n')" "HTTP/1.1 400 Bad Request" "a request line with extra fields is refused"
is "$(raw 'POST /?code=x HTTP/1.1\r\nContent-Length: 0\r\n\r\n')" "HTTP/1.1 400 Bad Request" "POST is refused"
is "$(raw "GET / HTTP/1.1\r\nX-Big: $(head -c 9000 /dev/zero | tr '\0' a)\r\n\r\n")" \
  "HTTP/1.1 431 Request Header Fields Too Large" "an oversized request head is refused (bounded read)"
# Not text: answered at once (raw waits 5 s for an answer; the listener's deadline is 10 s).
is "$(raw 'GET /?code=4/0x\0 HTTP/1.1\r\n\r\n')" "HTTP/1.1 400 Bad Request" \
  "a request head with a NUL byte is refused at once"
is "$(raw '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03')" "HTTP/1.1 400 Bad Request" \
  "binary garbage (a TLS hello) is refused at once"
is "$(raw 'GET /?code=4/0\xc3\xa9 HTTP/1.1\r\n')" "HTTP/1.1 400 Bad Request" \
  "a request line that is not ASCII is refused at once"
exec 9<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /?state=x' >&9 && exec 9>&-  # hangs up mid-request
running
ok $? "the flow is still waiting after all that"
http -L --max-redirs 1 "$url" >/dev/null
finish
is "$status" 0 "and then completes with the real answer"
exec 8<&- 8>&-
like "$(cat "$err")" "ignored an answer" "the refused answers were reported on stderr"

# --- after the answer, the listener is closed: a second request is not processed ---
ctl POST /control/config '{"delay": 1.5}' >/dev/null  # a slow code exchange keeps the login alive
start_login second@example.com --client-secrets "$work/client.json" --no-browser
wait_url
http -L --max-redirs 1 "$url" >/dev/null
sleep 0.3
running
ok $? "the login is busy exchanging the code"
curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$port/?code=x&state=y"
is $? 7 "a second request finds no listener (connection refused)"
finish
ctl POST /control/config '{"delay": 0.0}' >/dev/null
is "$status" 0 "and the first answer completes the login"

# --- access_denied ---
ctl POST /control/config '{"auth_deny": true}' >/dev/null
start_login denied@example.com --client-secrets "$work/client.json" --no-browser
wait_url
http -L --max-redirs 1 "$url" >/dev/null
finish
ctl POST /control/config '{"auth_deny": false}' >/dev/null
is "$status" 4 "a denied authorization fails with the reauthorize status"
like "$(cat "$err")" "refused the authorization \(access_denied\).*run it again and allow access" \
  "with a clear message"
gmail-oauth status denied@example.com >/dev/null 2>&1
is $? 3 "and nothing is stored"

# --- paste mode: the user pastes the final address ---
mkfifo "$work/paste"
login_stdin=$work/paste start_login paste@example.com --client-secrets "$work/client.json" --no-browser
exec 7>"$work/paste"
wait_url
location=$(curl -s -o /dev/null -w '%{redirect_url}' "$url")
like "$location" "^http://127\.0\.0\.1:$port/\?code=" "the stand-in redirects to the listener"
printf 'not a url\n\nhttp://127.0.0.1:%s/?code=x&state=forged\n' "$port" >&7
sleep 0.3
running
ok $? "pasted garbage and a forged state do not end the flow"
printf '  %s  \n' "$location" >&7
finish
exec 7>&-
is "$status" 0 "the pasted address completes the login"
like "$(cat "$err")" "not an answer to this login|does not carry the state" "the bad pastes were explained"
like "$(gmail-oauth token paste@example.com 2>&1)" "^ya29\.fake-" "and the token works"

# --- timeout ---
start=$(date +%s)
DISPLAY=:99 gmail-oauth login slow@example.com --client-secrets "$work/client.json" --no-browser \
  --timeout 2 </dev/null 2>"$work/err.timeout"
is $? 6 "no answer within --timeout is a transient failure"
unlike "$(cat "$work/err.timeout")" "browser:|opened" "--no-browser opens no browser, even with a display"
like "$(cat "$work/err.timeout")" "No answer from the browser within 2 s" "with a clear message"
[ $(($(date +%s) - start)) -lt 10 ]
ok $? "it gives up on time"

# --- --client-id with the secret on stdin ---
run=$((run + 1)); err=$work/err.$run
printf '%s\n' "$client_secret" | gmail-oauth login stdin@example.com --client-id "$client" --no-browser 2>"$err" &
pid=$!
wait_url
http -L --max-redirs 1 "$url" >/dev/null
finish
is "$status" 0 "--client-id with the secret on stdin logs in"
like "$(gmail-oauth token stdin@example.com 2>&1)" "^ya29\.fake-" "and the token works"
unlike "$(cat "$err")" "$client_secret" "the secret is not echoed"

run=$((run + 1)); err=$work/err.$run
printf 'wrong-secret\n' | gmail-oauth login badsecret@example.com --client-id "$client" --no-browser 2>"$err" &
pid=$!
wait_url
http -L --max-redirs 1 "$url" >/dev/null
finish
is "$status" 5 "a wrong client secret fails as bad-client"
unlike "$(cat "$err")" "wrong-secret" "without showing the secret"

gmail-oauth login empty@example.com --client-id "$client" </dev/null 2>"$work/err.empty"
is $? 2 "an empty client secret is refused"

# --- client files of the wrong kind ---
printf '{"web":{"client_id":"x","client_secret":"y"}}' >"$work/web.json"
gmail-oauth login me@example.com --client-secrets "$work/web.json" 2>"$work/err.web"
is $? 2 "a Web-application client file is refused"
like "$(cat "$work/err.web")" "Desktop app" "saying a Desktop app client is needed"
printf '{"installed":{"client_id":"x"}}' >"$work/partial.json"
gmail-oauth login me@example.com --client-secrets "$work/partial.json" 2>/dev/null
is $? 2 "a client file without a secret is refused"
printf '{"type":"authorized_user"}' >"$work/other.json"
gmail-oauth login me@example.com --client-secrets "$work/other.json" 2>/dev/null
is $? 2 "another kind of JSON is refused"
printf '{"installed":{"client_id":"x","client_secret":"y"}} trailing' >"$work/trailing.json"
gmail-oauth login me@example.com --client-secrets "$work/trailing.json" 2>/dev/null
is $? 2 "a client file with trailing bytes is refused (strict parser)"
gmail-oauth login me@example.com --client-secrets "$work/missing.json" 2>/dev/null
is $? 2 "a missing client file is refused"
gmail-oauth login me@example.com --client-secrets "$work/client.json" --client-id x 2>/dev/null
is $? 2 "--client-secrets and --client-id together are refused"
gmail-oauth login me@example.com --client-secrets "$work/client.json" --timeout 0 2>/dev/null
is $? 2 "--timeout 0 is refused"
gmail-oauth login 'not an address' --client-secrets "$work/client.json" 2>/dev/null
is $? 2 "a bad account is refused"

# --- --port, and a busy port ---
start_login port@example.com --client-secrets "$work/client.json" --no-browser
wait_url
busy=$port
gmail-oauth login port2@example.com --client-secrets "$work/client.json" --port "$busy" \
  </dev/null 2>"$work/err.busy"
is $? 2 "a busy --port is refused"
like "$(cat "$work/err.busy")" "Cannot listen on 127.0.0.1 port $busy" "naming the port"
http -L --max-redirs 1 "$url" >/dev/null
finish
is "$status" 0 "(the first login completes)"
start_login port3@example.com --client-secrets "$work/client.json" --no-browser --port "$busy"
wait_url
is "$port" "$busy" "--port sets the listener's port"
http -L --max-redirs 1 "$url" >/dev/null
finish
is "$status" 0 "and the login completes there"

done_testing
