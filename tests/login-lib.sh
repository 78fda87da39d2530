# SPDX-License-Identifier: GPL-3.0-or-later
# What the shell tests of `gmail-oauth login` share (source it after tap.sh): a
# registered client and its client file, and the login run in the background
# while the test plays the browser (curl follows the printed address to the
# stand-in's /auth, whose redirect comes back to the login's listener).
# Sets work (a directory of LOGIN_WORK, default login-test), client, client_secret.

work=$GMO_SESSION_DIR/${LOGIN_WORK:-login-test}
mkdir -p "$work"
client=login-client.apps.googleusercontent.com
client_secret=GOCSPX-login-secret-42
ctl POST /control/client "{\"client_id\":\"$client\",\"client_secret\":\"$client_secret\"}" >/dev/null
printf '{"installed":{"client_id":"%s","project_id":"p","auth_uri":"https://accounts.google.com/o/oauth2/auth","token_uri":"https://oauth2.googleapis.com/token","client_secret":"%s","redirect_uris":["http://localhost"]}}\n' \
  "$client" "$client_secret" >"$work/client.json"

run=0
# start_login ARGS...: runs `gmail-oauth login ARGS` in the background (stdin
# from $login_stdin, default /dev/null); sets pid, err, out.
start_login() {
  run=$((run + 1))
  err=$work/err.$run out=$work/out.$run
  gmail-oauth login "$@" <"${login_stdin:-/dev/null}" >"$out" 2>"$err" &
  pid=$!
}
# wait_url: waits for the printed address; sets url and port.
wait_url() {
  url= port=
  for _ in $(seq 1 100); do
    url=$(grep -o "$GMO_FAKE_GOOGLE/auth?[^[:space:]]*" "$err" 2>/dev/null | head -n 1)
    [ -n "$url" ] && break
    sleep 0.1
  done
  port=$(printf '%s' "$url" | sed -n 's/.*redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A\([0-9]*\)%2F.*/\1/p')
  [ -n "$url" ] && [ -n "$port" ]
}
# finish: waits for the login; sets status.
finish() { wait "$pid"; status=$?; }
running() { kill -0 "$pid" 2>/dev/null; }
http() { curl -s -o "$work/page" -w '%{http_code}' --max-time 5 "$@"; }
