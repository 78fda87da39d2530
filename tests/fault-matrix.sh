#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The fault matrix (issue #11): every fault the token endpoint's stand-in can inject, and
# the endpoint faults it cannot (connection refused, a self-signed TLS certificate, plain
# HTTP on a TLS port), through each of the four doors:
#   cli   `gmail-oauth refresh` on the direct path (tests/own-name holds the service's name)
#   git   git-credential-gmail-oauth get for smtp.gmail.com, on the direct path too, with a
#         margin (GMAIL_OAUTH_MIN_VALID) longer than a token's life, so that it refreshes
#   dbus  Refresh through a gmail-oauthd started for the cell with the cell's token endpoint
#   mcp   tools/call gmail_get_access_token in a new `gmail-oauth mcp`, with that margin too
# and cli-svc, git-svc, mcp-svc: the command line, the git helper and the MCP server as
# above, but with that gmail-oauthd on the bus, which they ask first (its D-Bus errors are
# their classes).
# Each cell asserts the error class (exit status, git's answer, the D-Bus error name, the
# MCP error_code), a bound on its wall time and on the peak RSS of the process that read
# the answer, that no secret is in what the door said, and that the keyring item (its
# secret, its attributes, its modification time) is byte-identical afterwards; and for each
# fault, how many token requests the doors made.
# Each door has its own account, so that the doors of one phase run a fault at once: cli,
# git and mcp together, then dbus, cli-svc, git-svc and mcp-svc. About 3 minutes on the 2-core
# test machine, a minute of which is the two phases' 30 s stalls. Runs under
# tests/with-session.
. "$top_srcdir/tests/tap.sh"

# ---- the matrix: what each fault must give, from DESIGN.md's error classes ----
# FAULT: a fault kind of tests/fake_google_faults.py, or a cell made by the endpoint URL.
# CLASS: ok (a success), or the error class. ATTEMPTS: token requests the stand-in sees per
# door (3: the transient fault was retried as often as allowed; 0: nothing reached it).
# SECONDS: the bound on a cell's wall time (the product's budget is 30 s in all); twice
# that in a sanitizer build, whose instrumented code runs the four doors of a phase at
# once on two cores about twice as slowly.
# Choices the classes do not spell out:
#   401_plain: a 401 without an OAuth error code says nothing of the client (a proxy can
#     answer it), so bad-response ("report it"), not bad-client ("fix your secret").
#   wrong_content_type: a good token answer labelled text/plain is used (as GNOME Online
#     Accounts does): the label is no reason to fail a valid answer.
#   huge_error: a 503 whose error page exceeds the cap is a 503: transient, and its page is
#     not read beyond the cap.
#   truncated, reset_mid_body: the connection broke, as a network does: transient.
#   429, 429_date: Retry-After (60 s, as seconds or as an HTTP-date) is beyond the budget,
#     so the doors give up at once instead of waiting.
MATRIX='
invalid_grant            reauthorize   1 10
invalid_rapt             reauthorize   1 10
invalid_client           bad-client    1 10
unauthorized_client      bad-client    1 10
401_plain                bad-response  1 10
invalid_request          bad-response  1 10
429                      transient     1 10
429_date                 transient     1 10
500                      transient     3 15
502_html                 transient     3 15
503                      transient     3 15
504                      transient     3 15
refused                  transient     0 15
reset                    transient     3 15
reset_mid_body           transient     3 15
truncated                transient     3 15
stall                    transient     2 35
tls_self_signed          transient     0 10
http_on_tls_port         transient     0 15
huge_error               transient     3 15
garbage                  bad-response  1 10
non_json                 bad-response  1 10
empty_200                bad-response  1 10
bad_json                 bad-response  1 10
wrong_types              bad-response  1 10
nul_token                bad-response  1 10
deep_json                bad-response  1 10
trailing                 bad-response  1 10
invalid_utf8             bad-response  1 10
overlong_utf8            bad-response  1 10
overlong_utf8_scope      bad-response  1 10
lone_surrogate           bad-response  1 10
oversized                bad-response  1 10
huge                     bad-response  1 10
huge_chunked             bad-response  1 10
redirect                 bad-response  1 10
redirect_other_host      bad-response  1 10
empty_refresh_token      bad-response  1 10
multiline_refresh_token  bad-response  1 10
long_refresh_token       bad-response  1 10
wrong_content_type       ok            1 10
'
MAX_RSS_KB=40960  # 40 MiB: the programs need about 17; a 64 MiB answer read whole needs more
# A sanitizer build keeps freed memory in quarantine and maps its shadow memory: its peak RSS
# says nothing about the programs', so the bound is checked in plain builds only.
OK_TOKEN=ya29.fake-ctype  # what wrong_content_type answers

# What each door says for each class (DESIGN.md; README's exit statuses).
cli_status() {
  case $1 in ok) echo 0 ;; reauthorize) echo 4 ;; bad-client) echo 5 ;; transient) echo 6 ;; bad-response) echo 7 ;; esac
}
dbus_name() {
  case $1 in reauthorize) echo Reauthorize ;; bad-client) echo BadClient ;; transient) echo Transient ;;
    bad-response) echo BadResponse ;; esac
}

helper=$top_builddir/git-credential-gmail-oauth
daemon=$top_builddir/gmail-oauthd
cells=$GMO_SESSION_DIR/matrix
mkdir -p "$cells"

# ---- the endpoints that are not the stand-in's faults ----
# A closed loopback port: bound, then closed.
closed_port=$("${PYTHON3:-python3}" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
# A TLS listener with a throwaway self-signed certificate, valid for 127.0.0.1 otherwise.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$cells/tls.key" -out "$cells/tls.crt" >/dev/null 2>&1
"${PYTHON3:-python3}" "$top_srcdir/tests/tls-listener.py" --cert "$cells/tls.crt" --key "$cells/tls.key" \
  --port-file "$cells/tls.port" 2>"$cells/tls.log" &
tls_pid=$!
for _ in $(seq 1 200); do [ -s "$cells/tls.port" ] && break; sleep 0.05; done
ok "$([ -s "$cells/tls.port" ]; echo $?)" "the TLS listener runs"
plain_port=${GMAIL_OAUTH_TOKEN_URL#http://127.0.0.1:}
plain_port=${plain_port%%/*}

fault_url() { # fault_url FAULT: the token endpoint of the cell
  case $1 in
    refused) echo "http://127.0.0.1:$closed_port/token" ;;
    tls_self_signed) echo "https://127.0.0.1:$(cat "$cells/tls.port")/token" ;;
    http_on_tls_port) echo "https://127.0.0.1:$plain_port/token" ;;
    *) echo "$GMAIL_OAUTH_TOKEN_URL" ;;
  esac
}
arm_fault() { # arm_fault FAULT: resets the stand-in's counters and injects FAULT at every request
  ctl POST /control/reset '{}' >/dev/null
  case $1 in
    refused | tls_self_signed | http_on_tls_port) ;;
    stall) ctl POST /control/fault '{"kind":"timeout","seconds":30,"count":-1}' >/dev/null ;;
    429 | 429_date) ctl POST /control/fault "{\"kind\":\"$1\",\"retry_after\":60,\"count\":-1}" >/dev/null ;;
    *) ctl POST /control/fault "{\"kind\":\"$1\",\"count\":-1}" >/dev/null ;;
  esac
}

# The keyring item of ACCOUNT as it is stored: its secret, then its label, attributes and
# times (the secret-tool search lines but the secret's).
record() {
  secret-tool lookup account "$1" version 1
  echo
  secret-tool search --all account "$1" 2>&1 | grep -v '^secret = '
}

# run_door DOOR URL: one cell's call; leaves DOOR.{rc,out,err,ms,rss} in $cells. A cell
# that hangs is ended after 120 s (and fails its time bound).
run_door() {
  local door=$1 url=$2 d=$cells/$1 account=$1@example.com start rc
  local timed=(timeout -k 5 120 /usr/bin/time -f %M -o "$d.rss")
  : >"$d.rss"
  start=$(date +%s%N)
  case $door in
    cli*) GMAIL_OAUTH_TOKEN_URL=$url "${timed[@]}" gmail-oauth refresh "$account" >"$d.out" 2>"$d.err" ;;
    git*) printf 'protocol=smtp\nhost=smtp.gmail.com:587\nusername=%s\n' "$account" |
           GMAIL_OAUTH_TOKEN_URL=$url GMAIL_OAUTH_MIN_VALID=86400 "${timed[@]}" "$helper" get >"$d.out" 2>"$d.err" ;;
    mcp*) printf '%s\n{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"gmail_get_access_token","arguments":{"account":"%s"}}}\n' \
           "$MCP_INIT" "$account" |
           GMAIL_OAUTH_TOKEN_URL=$url GMAIL_OAUTH_MIN_VALID=86400 "${timed[@]}" gmail-oauth mcp >"$d.all" 2>"$d.err"
         rc=$?; grep '"id":1,' "$d.all" >"$d.out"; (exit $rc) ;;
    dbus) timeout -k 5 120 gdbus call --timeout 120 --session --dest io.github.gmail_oauth.Broker \
            --object-path /io/github/gmail_oauth/Broker --method io.github.gmail_oauth.Broker1.Refresh \
            dbus@example.com >"$d.out" 2>"$d.err" ;;
  esac
  echo $? >"$d.rc"
  echo $(( ($(date +%s%N) - start) / 1000000 )) >"$d.ms"
}

# check_door DOOR FAULT CLASS SECONDS BEFORE: the assertions of one cell.
check_door() {
  local door=$1 fault=$2 class=$3 bound=$4 before=$5 d=$cells/$1 account=$1@example.com
  local rc out err got want ms rss after
  rc=$(cat "$d.rc"); out=$(cat "$d.out"); err=$(cat "$d.err"); ms=$(cat "$d.ms")
  rss=$(tail -n 1 "$d.rss")
  case $door in
    cli*) got=$rc; want=$(cli_status "$class") ;;
    git*) got=$(printf '%s' "$rc:$out" | sed 's/^password_expiry_utc=[0-9]*$/password_expiry_utc=/')
         case $class in
           ok) want="0:username=$account$nl""password=$OK_TOKEN$nl""password_expiry_utc=" ;;
           reauthorize | bad-client) want="$(cli_status "$class"):quit=1" ;;
           *) want="$(cli_status "$class"):" ;;
         esac ;;
    dbus) if [ "$class" = ok ]; then got=${out%%,*}; want="('$OK_TOKEN'"
          else got=$(printf '%s' "$err$out" | sed -n 's/.*GDBus\.Error:\(io\.[A-Za-z_.]*\): \([^ ]*\): .*/\1 \2/p')
               want="io.github.gmail_oauth.Error.$(dbus_name "$class") $account"; fi ;;
    mcp*) got=$("${PYTHON3:-python3}" -c 'import json,sys
r = json.loads(sys.argv[1])["result"]; t = json.loads(r["content"][0]["text"])
print("%s:%s" % (r["isError"], t.get("error_code") or t.get("access_token")))' "$out" 2>&1)
         if [ "$class" = ok ]; then want="False:$OK_TOKEN"; else want="True:$class"; fi ;;
  esac
  is "$got" "$want" "$fault via $door: $class"
  if [ "$class" != ok ] && [ "$door" != dbus ] && [ "${door#mcp}" = "$door" ]; then
    ok "$([ "$(printf '%s\n' "$err" | grep -c .)" = 1 ] && printf '%s' "$err" | grep -q "$account"; echo $?)" \
      "$fault via $door: one line on stderr, naming the account"
    [ "$rc" = 124 ] || [ "$(printf '%s\n' "$err" | grep -c .)" = 1 ] || diag "stderr: $err"
  fi
  unlike "$out$err" "secret-of-|1//" "$fault via $door: no refresh token or client secret in the answer"
  [ "$GMO_SANITIZED" = 0 ] || bound=$((bound * 2))
  ok $(( ms <= bound * 1000 ? 0 : 1 )) "$fault via $door: answered within $bound s ($ms ms)"
  [ "$GMO_SANITIZED" != 0 ] ||
    ok $(( ${rss:-999999} <= MAX_RSS_KB ? 0 : 1 )) "$fault via $door: peak RSS ${rss:-?} KiB <= $MAX_RSS_KB KiB"
  after=$(record "$account")
  if [ "$class" = ok ]; then
    # Only the access token and its expiry may change, and the token is the one answered.
    is "$(strip_token "$after")" "$(strip_token "$before")" "$fault via $door: the grant and the item's attributes are unchanged"
    is "$(json_get "$(secret-tool lookup account "$account" version 1)" access_token)" "$OK_TOKEN" \
      "$fault via $door: the answered token is cached"
  else
    ok "$([ "$after" = "$before" ]; echo $?)" "$fault via $door: the keyring item is byte-identical, not even rewritten"
    [ "$after" = "$before" ] || diag "$(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") |
      sed 's/"refresh_token":"[^"]*"/"refresh_token":…/g; s/"client_secret":"[^"]*"/"client_secret":…/g')"
  fi
}
# The record without what a successful refresh changes.
strip_token() {
  printf '%s\n' "$1" | sed 's/"access_token":"[^"]*",//; s/"expires_at":[0-9]*,//; /^modified = /d'
}
nl=$'\n'

# run_phase DOOR...: every fault of the matrix through DOORS at once.
run_phase() {
  local fault class attempts bound door url pids
  local -A before
  while read -r fault class attempts bound; do
    [ -n "$fault" ] || continue
    url=$(fault_url "$fault")
    for door in "$@"; do before[$door]=$(record "$door@example.com"); done
    arm_fault "$fault"
    if [ "$1" = dbus ]; then start_daemon "$url" || continue; fi
    pids=()
    for door in "$@"; do run_door "$door" "$url" & pids+=($!); done
    wait "${pids[@]}"
    if [ "$1" = dbus ]; then
      sed -n 's/^VmHWM:[^0-9]*\([0-9]*\) kB/\1/p' "/proc/$daemon_pid/status" >"$cells/dbus.rss"
      stop_daemon
    fi
    for door in "$@"; do check_door "$door" "$fault" "$class" "$bound" "${before[$door]}"; done
    is "$(fake_stat token_requests)" "$((attempts * $#))" "$fault: $attempts token request(s) per door ($*)"
    ctl POST /control/clear-faults '{}' >/dev/null
  done <<<"$MATRIX"
}

# A gmail-oauthd of our own for each D-Bus cell, with the cell's token endpoint, so that
# its peak RSS is the cell's.
start_daemon() {
  local i
  GMAIL_OAUTH_TOKEN_URL=$1 "$daemon" --replace --idle-timeout=0 2>>"$cells/daemon.log" &
  daemon_pid=$!
  for i in $(seq 1 200); do [ "$(bus_pid io.github.gmail_oauth.Broker)" = "$daemon_pid" ] && return 0; sleep 0.05; done
  ok 1 "gmail-oauthd $daemon_pid owns the name"; return 1
}
stop_daemon() { kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; daemon_pid=; }

# Each door's account, with a cached token in its record (which no failure may drop).
for door in cli git mcp dbus cli-svc git-svc mcp-svc; do
  setup_account "$door@example.com" >/dev/null
  gmail-oauth refresh "$door@example.com" >/dev/null 2>&1
  ok $? "$door@example.com holds a cached token"
done

started=$(date +%s)
direct_path_begin
run_phase cli git mcp
direct_path_end
run_phase dbus cli-svc git-svc mcp-svc
diag "the matrix took $(( $(date +%s) - started )) s"
is "$(grep -c answered "$cells/tls.log")" 0 "the TLS listener with the untrusted certificate answered nobody"
kill "$tls_pid"; wait "$tls_pid" 2>/dev/null

if [ "$GMO_SANITIZED" != 0 ]; then
  tap_n=$((tap_n + 1))
  echo "ok $tap_n # SKIP peak RSS bounds: not measured in a sanitizer build"
fi
done_testing
