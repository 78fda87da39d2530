#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Real mail clients, each with the configuration `gmail-oauth config` prints (changed only to
# reach the loopback stand-ins and to trust the test CA, by the sed shown with each), against
# loopback SMTP and IMAP stand-ins (tests/fake-mail-servers.py) that take a login only with an
# access token the Google stand-in minted and that has neither expired nor been revoked.
# msmtp (OAUTHBEARER and XOAUTH2) sends, mbsync and offlineimap sync INBOX into a Maildir,
# neomutt sends and reads, aerc lists INBOX and sends, the printed git commands set up the credential helper and git
# send-email (through gmail-oauth sendmail, to the Gmail API stand-in); all of them on one token
# request. Then a token that expired early and a revoked one get Gmail's refusal. Last, msmtp
# while Google kills the access token (the next send is refused, the retry sent with a new one),
# then the grant (the reauthorize message), on the direct path and through gmail-oauthd.
# A client that is not installed is skipped, with the Debian package that has it.
. "$top_srcdir/tests/tap.sh"

A=me@gmail.com
d=$GMO_SESSION_DIR/mail
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $*"; }
run() { out=$(timeout 60 "$@" 2>"$d/err"); rc=$?; err=$(cat "$d/err"); }
# config CLIENT SED-SCRIPT FILE N [ACCOUNT]: the printed configuration (for $A unless ACCOUNT),
# through the sed, into FILE, and a test that the sed changed N lines (one per expression), so
# that a change of the printed text cannot leave a client talking to Google's real servers.
config() {
  gmail-oauth config "$1" "${5:-$A}" > "$d/$1.printed" && sed -e "$2" "$d/$1.printed" > "$3"
  is "$(diff "$d/$1.printed" "$3" | grep -c '^>')" "$4" "$1: the printed configuration, $4 lines changed"
}
# count EVENT-JSON-FRAGMENT: how many logged events of the stand-ins hold it
count() { grep -cF -- "$1" "$d/events.log"; }
# accepted|refused SERVER MECHANISM [ACCOUNT]: how many logins of ACCOUNT (else $A) the
# stand-in SERVER took or refused
login_count() { count "\"server\": \"$1\", \"event\": \"auth\", \"mechanism\": \"$2\", \"user\": \"$4\", \"accepted\": $3"; }
accepted() { login_count "$1" "$2" true "${3:-$A}"; }
refused() { login_count "$1" "$2" false "${3:-$A}"; }
received() { grep -l -- "$1" "$d"/spool/*.eml 2>/dev/null | wc -l; }
maildir_count() { find "$1"/cur "$1"/new -type f 2>/dev/null | wc -l; }

command -v openssl >/dev/null 2>&1 || { echo "1..0 # SKIP openssl is not installed (apt-get install openssl)"; exit 0; }
mkdir -p "$d/inbox" "$d/spool"

# A test CA and a certificate for 127.0.0.1 that it signed, made now.
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
# shellcheck disable=SC2086
openssl req -x509 $ec -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 -subj "/CN=gmail-oauth test CA" \
  >/dev/null 2>&1 &&
  openssl req $ec -keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=127.0.0.1" >/dev/null 2>&1 &&
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    > "$d/server.ext" &&
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -out "$d/server.pem" -days 2 -extfile "$d/server.ext" >/dev/null 2>&1
ok $? "openssl made a test CA and a server certificate"

# INBOX: two messages now, a third later.
inbox_message() { # inbox_message N SUBJECT
  printf 'From: Friend <friend@example.com>\nTo: %s\nSubject: %s\n' "$A" "$2" > "$d/inbox/00000$1.eml"
  printf 'Date: Mon, 1 Jan 2024 00:00:0%s +0000\nMessage-ID: <%s@example.com>\n\nBody of message %s.\n' \
    "$1" "$1" "$1" >> "$d/inbox/00000$1.eml"
}
inbox_message 1 "First message"
inbox_message 2 "Second message"

"${PYTHON3:-python3}" "$top_srcdir/tests/fake-mail-servers.py" --google "$GMO_FAKE_GOOGLE" \
  --cert "$d/server.pem" --key "$d/server.key" --inbox "$d/inbox" --spool "$d/spool" \
  --log "$d/events.log" --ports-file "$d/ports" 2>"$d/servers.log" &
servers=$!
trap 'kill $servers 2>/dev/null; wait $servers 2>/dev/null' EXIT
for _ in $(seq 1 200); do [ -s "$d/ports" ] && break; sleep 0.05; done
ok "$([ -s "$d/ports" ]; echo $?)" "the SMTP and IMAP stand-ins listen on 127.0.0.1"
smtp=$(json_get "$(cat "$d/ports")" smtp)
imaps=$(json_get "$(cat "$d/ports")" imaps)
smtps=$(json_get "$(cat "$d/ports")" smtps)
: > "$d/events.log"

# ---- the stand-ins themselves: what they refuse, with Python's own clients ----
rt=$(setup_account "$A")
# probe smtp|imaps MECHANISM USER TOKEN: "accepted", or the server's refusal
probe() {
  "${PYTHON3:-python3}" - "$@" "${!1}" "$d/ca.pem" <<'PY'
import base64, imaplib, smtplib, ssl, sys
kind, mech, user, token, port, ca = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
sasl = (f"user={user}\1auth=Bearer {token}\1\1" if mech == "XOAUTH2"
        else f"n,a={user},\1host=127.0.0.1\1port={port}\1auth=Bearer {token}\1\1")
try:
    if kind == "imaps":
        c = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=ctx)
        c.authenticate(mech, lambda challenge: sasl.encode() if challenge == b"" else b"")
    else:
        c = smtplib.SMTP("127.0.0.1", int(port))
        c.starttls(context=ctx)
        c.ehlo()
        code, text = c.docmd("AUTH", mech + " " + base64.b64encode(sasl.encode()).decode())
        if code == 334:
            print("challenge", base64.b64decode(text).decode())
            code, text = c.docmd("")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, text)
    print("accepted")
except (imaplib.IMAP4.error, smtplib.SMTPException) as e:
    print(" ".join(str(a.decode() if isinstance(a, bytes) else a) for a in e.args))
PY
}
token=$(gmail-oauth token "$A")
is "$(probe smtp XOAUTH2 "$A" "$token")" accepted \
  "SMTP stand-in: a token the Google stand-in minted is accepted (XOAUTH2)"
is "$(probe smtp OAUTHBEARER "$A" "$token")" accepted "SMTP stand-in: ... and by OAUTHBEARER"
is "$(probe imaps XOAUTH2 "$A" "$token")" accepted "IMAP stand-in: a minted token is accepted (XOAUTH2)"
is "$(probe imaps OAUTHBEARER "$A" "$token")" accepted "IMAP stand-in: ... and by OAUTHBEARER"
like "$(probe smtp XOAUTH2 "$A" "ya29.made-up" | tr '\n' ' ')" \
  '^challenge \{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"\} 535 5\.7\.8 Username and Password' \
  "SMTP stand-in: a token nobody minted gets Gmail's challenge, then 535 5.7.8"
is "$(probe imaps XOAUTH2 "$A" "ya29.made-up")" "[AUTHENTICATIONFAILED] Invalid credentials (Failure)" \
  "IMAP stand-in: a token nobody minted: NO [AUTHENTICATIONFAILED]"
# A token that expired: minted for 1 second, straight from the Google stand-in.
ctl POST /control/config '{"expires_in": 1}' >/dev/null
short=$(json_get "$(curl -sS -d grant_type=refresh_token -d client_id=client-1.apps.googleusercontent.com \
  -d client_secret=secret-of-client-1.apps.googleusercontent.com --data-urlencode "refresh_token=$rt" \
  "$GMAIL_OAUTH_TOKEN_URL")" access_token)
ctl POST /control/config '{"expires_in": 3599}' >/dev/null
sleep 1.5
like "$(probe smtp OAUTHBEARER "$A" "$short" | tr '\n' ' ')" '^challenge .*535 5\.7\.8' \
  "SMTP stand-in: an expired token is refused"
like "$(probe imaps XOAUTH2 "$A" "$short")" 'AUTHENTICATIONFAILED' "IMAP stand-in: an expired token is refused"
like "$("${PYTHON3:-python3}" -c 'import imaplib, ssl, sys
c = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ssl.create_default_context(cafile=sys.argv[2]))
try: c.login(sys.argv[3], sys.argv[4])
except imaplib.IMAP4.error as e: print(e)' "$imaps" "$d/ca.pem" "$A" "$token")" 'AUTHENTICATIONFAILED' \
  "IMAP stand-in: LOGIN with the token as a password is refused"
grant_intact "$A" "$rt" "after the probes"

# From here on, every login uses the token gmail-oauth hands out: count the requests for it.
gmail-oauth refresh "$A" >/dev/null
requests=$(fake_stat token_requests)
: > "$d/events.log"

# ---- msmtp ----
msmtp_sed="s/^host smtp.gmail.com\$/host 127.0.0.1/; s/^port 587\$/port $smtp/;
  s|^tls_trust_file system\$|tls_trust_file $d/ca.pem|"
if ! command -v msmtp >/dev/null 2>&1; then
  skip "msmtp is not installed (apt-get install msmtp)"
else
  config msmtp "$msmtp_sed" "$d/msmtprc" 3
  for auth in oauthbearer xoauth2 oauthbearer; do
    [ "$auth" = xoauth2 ] && sed -i 's/^auth oauthbearer$/auth xoauth2/' "$d/msmtprc"
    [ "$auth" = oauthbearer ] && sed -i 's/^auth xoauth2$/auth oauthbearer/' "$d/msmtprc"
    printf 'To: you@example.com\nSubject: msmtp %s\n\nSent by msmtp with %s.\n' "$auth" "$auth" > "$d/msg"
    run msmtp -C "$d/msmtprc" you@example.com < "$d/msg"
    is "$rc $err" "0 " "msmtp (auth $auth): sent, nothing on stderr"
  done
  is "$(received 'Subject: msmtp oauthbearer')" 2 "msmtp: both OAUTHBEARER messages arrived"
  is "$(received 'Sent by msmtp with xoauth2.')" 1 "msmtp: the XOAUTH2 message arrived"
  is "$(accepted smtp OAUTHBEARER) $(accepted smtp XOAUTH2)" "2 1" \
    "msmtp: the stand-in took $A's token by OAUTHBEARER twice and by XOAUTH2 once"
  is "$(count '"mail_from": "me@gmail.com", "rcpts": ["you@example.com"]')" 3 \
    "msmtp: the envelope is $A to you@example.com"
fi

# ---- mbsync ----
sasl_module=$(find /usr/lib /usr/lib64 -path '*sasl2/*xoauth2*.so*' 2>/dev/null | head -n 1)
if ! command -v mbsync >/dev/null 2>&1; then
  skip "mbsync is not installed (apt-get install isync)"
elif [ -z "$sasl_module" ]; then
  skip "mbsync: no Cyrus SASL XOAUTH2 module (apt-get install libsasl2-modules-kdexoauth2)"
else
  config mbsync "s/^Host imap.gmail.com\$/Host 127.0.0.1/; s/^Port 993\$/Port $imaps/;
    s|^CertificateFile .*|CertificateFile $d/ca.pem|" "$d/mbsyncrc" 3
  mkdir -p ~/Mail/gmail # as the printed comment says
  run mbsync -c "$d/mbsyncrc" gmail
  is "$rc" 0 "mbsync: synced"
  [ "$rc" = 0 ] || diag "$err"
  is "$(maildir_count ~/Mail/gmail/INBOX)" 2 "mbsync: INBOX's two messages are in the Maildir ~/Mail/gmail/INBOX"
  ok "$(grep -rqx 'Body of message 2.' ~/Mail/gmail/INBOX; echo $?)" "mbsync: ... whole"
  inbox_message 3 "Third message"
  run mbsync -c "$d/mbsyncrc" gmail
  is "$rc $(maildir_count ~/Mail/gmail/INBOX)" "0 3" "mbsync: a second run brings the new message"
  is "$(accepted imaps XOAUTH2)" 2 "mbsync: the stand-in took $A's token by XOAUTH2, each run"
fi

# ---- neomutt: sends in batch mode; reads INBOX in a pseudo-terminal (script) ----
if ! command -v neomutt >/dev/null 2>&1; then
  skip "neomutt is not installed (apt-get install neomutt)"
else
  config neomutt "s|imaps://imap.gmail.com:993/|imaps://127.0.0.1:$imaps/|;
    s|@smtp.gmail.com:587/|@127.0.0.1:$smtp/|; \$a set ssl_ca_certificates_file = \"$d/ca.pem\"" \
    "$d/neomuttrc" 3
  smtp_before=$(accepted smtp OAUTHBEARER)
  printf 'Sent by neomutt.\n' > "$d/msg"
  run neomutt -n -F "$d/neomuttrc" -s "neomutt batch" -- you@example.com < "$d/msg"
  is "$rc $(received 'Subject: neomutt batch')" "0 1" "neomutt: sent in batch mode over SMTP"
  [ "$rc" = 0 ] || diag "$err"
  # Opens INBOX (spool_file) over IMAP in a pseudo-terminal (script(1), of the essential
  # bsdutils), pipes the first message to a file, quits.
  rm -f "$d/neomutt-read"
  TERM=vt100 timeout 60 script -qec "neomutt -n -F '$d/neomuttrc' -e 'set wait_key = no' \
    -e 'push \"<pipe-message>cat > $d/neomutt-read<enter><quit>\"'" /dev/null </dev/null >/dev/null 2>&1
  ok "$(grep -qx 'Body of message 1.' "$d/neomutt-read" 2>/dev/null; echo $?)" \
    "neomutt: read INBOX's first message over IMAP"
  is "$(($(accepted smtp OAUTHBEARER) - smtp_before)) $(accepted imaps OAUTHBEARER)" "1 1" \
    "neomutt: the stand-ins took $A's token by OAUTHBEARER, for SMTP and for IMAP"
fi

# ---- aerc: reads INBOX and sends, in a pseudo-terminal (tests/pty-keys.py) ----
if ! command -v aerc >/dev/null 2>&1; then
  skip "aerc is not installed (apt-get install aerc)"
else
  aerc_home=$d/aerc-config
  mkdir -p "$aerc_home/aerc"
  config aerc "s|@imap.gmail.com:993\$|@127.0.0.1:$imaps|; s|@smtp.gmail.com:465\$|@127.0.0.1:$smtps|" \
    "$aerc_home/aerc/accounts.conf" 2
  chmod 600 "$aerc_home/aerc/accounts.conf"
  # The message comes from a mailto: link handed to the running aerc; its editor has nothing
  # to add. Go's TLS trusts the test CA through SSL_CERT_FILE.
  printf '[compose]\neditor = true\n' > "$aerc_home/aerc/aerc.conf"
  imap_before=$(accepted imaps OAUTHBEARER)
  printf '%s\n' "expect First message" \
    "run aerc mailto:you@example.com?subject=aerc%20test&body=Sent%20by%20aerc." \
    "expect Send this email?" "type y" \
    "run timeout 30 sh -c \"until grep -qs 'Subject: aerc test' '$d'/spool/*.eml; do sleep 0.1; done\"" \
    "type :quit\r" |
    XDG_CONFIG_HOME=$aerc_home SSL_CERT_FILE=$d/ca.pem TERM=xterm-256color \
      "${PYTHON3:-python3}" "$top_srcdir/tests/pty-keys.py" --timeout 30 --screen "$d/aerc.screen" \
      -- aerc >"$d/aerc.out" 2>&1
  is "$?" 0 "aerc: listed INBOX over IMAP, then sent a message over SMTP"
  [ -s "$d/aerc.out" ] && diag "$(cat "$d/aerc.out")"
  is "$(received 'Subject: aerc test') $(grep -l 'Sent by aerc.' "$d"/spool/*.eml 2>/dev/null | wc -l)" "1 1" \
    "aerc: the message arrived, with its body"
  # (aerc opens more than one IMAP connection)
  ok "$(( $(accepted imaps OAUTHBEARER) > imap_before && $(accepted smtps OAUTHBEARER) == 1 ? 0 : 1 ))" \
    "aerc: the stand-ins took $A's token by OAUTHBEARER, for IMAP and for SMTP (implicit TLS)"
fi

# ---- offlineimap (its own HOME: the printed ~/Mail/gmail would be mbsync's) ----
if ! command -v offlineimap >/dev/null 2>&1; then
  skip "offlineimap is not installed (apt-get install offlineimap3)"
else
  config offlineimap "s/^remotehost = imap.gmail.com\$/remotehost = 127.0.0.1/;
    s/^remoteport = 993\$/remoteport = $imaps/; s|^sslcacertfile = OS-DEFAULT\$|sslcacertfile = $d/ca.pem|" \
    "$d/offlineimaprc" 3
  oi_home=$d/offlineimap-home
  mkdir -p "$oi_home"
  before=$(accepted imaps XOAUTH2)
  for n in 1 2; do
    run env HOME="$oi_home" offlineimap -c "$d/offlineimaprc" -o -u basic
    is "$rc" 0 "offlineimap: synced (run $n)"
    [ "$rc" = 0 ] || diag "$err"
  done
  is "$(maildir_count "$oi_home/Mail/gmail/INBOX")" 3 "offlineimap: INBOX's messages are in ~/Mail/gmail/INBOX"
  is "$(($(accepted imaps XOAUTH2) - before))" 2 "offlineimap: the stand-in took $A's token by XOAUTH2, each run"
fi

# ---- git: the printed commands, run by sh ----
gmail-oauth config git "$A" | sh
ok $? "git: the printed commands run"
is "$(git config --global sendemail.sendmailCmd) $(git config --global sendemail.envelopeSender)" \
  "gmail-oauth sendmail $A" "git: send-email goes through gmail-oauth sendmail, with -f $A"
answer=$(printf 'protocol=smtp\nhost=smtp.gmail.com:587\nusername=%s\n\n' "$A" | git credential fill 2>&1)
is "$(printf '%s\n' "$answer" | sed -n 's/^password=//p')" "$(gmail-oauth token "$A")" \
  "git: git credential fill answers Gmail's SMTP server with the token"
# git send-email the printed way: gmail-oauth sendmail, to the Gmail API stand-in.
if [ ! -x "$(git --exec-path)/git-send-email" ] || ! perl -MMail::Address -e 1 2>/dev/null; then
  skip "git send-email is not installed (apt-get install git-email libmailtools-perl)"
else
  ctl POST /control/gmail/config "{\"address\": \"$A\"}" >/dev/null # the stand-in's mailbox is $A's
  (
    export GIT_AUTHOR_NAME="Me Myself" GIT_AUTHOR_EMAIL=$A GIT_COMMITTER_NAME="Me Myself" GIT_COMMITTER_EMAIL=$A
    git init -q "$d/repo" && cd "$d/repo" && echo change > file && git add file &&
      git commit -q -m "A change" -m "Sent by git send-email." && git format-patch -q -1 -o "$d/patches" &&
      timeout 60 git send-email --to=you@example.org --confirm=never --quiet "$d"/patches/*.patch </dev/null
  ) >"$d/gse.out" 2>"$d/err"
  is "$? $(cat "$d/err")" "0 " "git send-email: sent, with no option but --to"
  ctl GET /control/gmail/sent > "$d/sent.json"
  is "$("${PYTHON3:-python3}" - "$d/sent.json" <<'PY'
import email, email.policy, json, sys
sent = json.load(open(sys.argv[1]))["sent"]
m = email.message_from_string(sent[-1]["rfc822"], policy=email.policy.default)
body = m.get_content()
print(len(sent), m["From"], m["Subject"], "from-line" if body.startswith("From:") else "no-from-line",
      "Sent by git send-email." in body)
PY
)" "1 Me Myself <me@gmail.com> [PATCH] A change no-from-line True" \
    "git send-email: the Gmail API stand-in got the patch, From its author, no From: line in the body"
fi
smtp_way=$(gmail-oauth config git "$A" | sed -n 's/^#git /git /p')
GIT_CONFIG_GLOBAL=$d/smtp.gitconfig sh -c "$smtp_way"
is "$(GIT_CONFIG_GLOBAL=$d/smtp.gitconfig git config --global sendemail.smtpAuth)" XOAUTH2 \
  "git: the SMTP way's commands, uncommented, run too"

is "$(($(fake_stat token_requests) - requests))" 0 \
  "one token request (before the clients) served every run of every client"

# ---- a token that expired early (gmail-oauth's cache cannot know), then a revoked one ----
# msmtp_refused WHAT: msmtp with the printed configuration is refused with Gmail's error
msmtp_refused() {
  local before
  before=$(refused smtp OAUTHBEARER)
  printf 'To: you@example.com\nSubject: refused\n\nNot sent.\n' > "$d/msg"
  run msmtp -C "$d/msmtprc" you@example.com < "$d/msg"
  ok "$([ "$rc" -ne 0 ]; echo $?)" "msmtp, $1: fails (status $rc)"
  like "$err" '535.5\.7\.8 Username and Password not accepted' "msmtp, $1: shows Gmail's refusal"
  is "$(($(refused smtp OAUTHBEARER) - before)) $(received 'Subject: refused')" "1 0" "msmtp, $1: refused, nothing sent"
}
if command -v msmtp >/dev/null 2>&1; then
  ctl POST /control/gmail/expire-tokens '{}' >/dev/null
  msmtp_refused "expired token"
  gmail-oauth refresh "$A" >/dev/null
  printf 'To: you@example.com\nSubject: after refresh\n\nSent again.\n' > "$d/msg"
  run msmtp -C "$d/msmtprc" you@example.com < "$d/msg"
  is "$rc $(received 'Subject: after refresh')" "0 1" "msmtp: after gmail-oauth refresh, sent again"
else
  skip "msmtp is not installed (apt-get install msmtp)"
fi
ctl POST "/revoke?token=$(gmail-oauth token "$A")" >/dev/null
if command -v msmtp >/dev/null 2>&1; then
  msmtp_refused "revoked token"
else
  skip "msmtp is not installed (apt-get install msmtp)"
fi
if command -v mbsync >/dev/null 2>&1 && [ -n "$sasl_module" ]; then
  run mbsync -c "$d/mbsyncrc" gmail
  ok "$([ "$rc" -ne 0 ]; echo $?)" "mbsync, revoked token: fails (status $rc)"
  # isync 1.4 does not answer Gmail's error challenge: it says this, and waits until the server
  # drops the connection (Gmail does so after a while; the stand-in after 5 seconds).
  like "$err" 'IMAP wants more steps despite successful SASL authentication' \
    "mbsync, revoked token: stops at Gmail's error challenge"
  is "$(refused imaps XOAUTH2)" 1 "mbsync, revoked token: refused"
else
  skip "mbsync or its SASL XOAUTH2 module is not installed (apt-get install isync libsasl2-modules-kdexoauth2)"
fi
if command -v neomutt >/dev/null 2>&1; then
  before=$(refused smtp OAUTHBEARER)
  printf 'Not sent.\n' > "$d/msg"
  run neomutt -n -F "$d/neomuttrc" -s "neomutt refused" -- you@example.com < "$d/msg"
  is "$(test "$rc" -ne 0; echo $?) $(($(refused smtp OAUTHBEARER) - before)) $(received 'Subject: neomutt refused')" \
    "0 1 0" \
    "neomutt, revoked token: fails (status $rc), refused, nothing sent"
  like "$err" 'SMTP session failed: 535 5\.7\.8' "neomutt, revoked token: shows Gmail's refusal"
else
  skip "neomutt is not installed (apt-get install neomutt)"
fi
if command -v offlineimap >/dev/null 2>&1; then
  before=$(refused imaps XOAUTH2)
  run env HOME="$oi_home" offlineimap -c "$d/offlineimaprc" -o -u basic
  is "$(test "$rc" -ne 0; echo $?) $(($(refused imaps XOAUTH2) - before))" "0 1" \
    "offlineimap, revoked token: fails (status $rc), refused"
  like "$out $err" 'AUTHENTICATIONFAILED\] Invalid credentials' "offlineimap, revoked token: shows Gmail's refusal"
else
  skip "offlineimap is not installed (apt-get install offlineimap3)"
fi
ok "$(grep -q '"event": "challenge_answer", "empty": true' "$d/events.log"; echo $?)" \
  "a client answered Gmail's error challenge as Gmail expects, with an empty response"

# ---- msmtp while Google kills the access token, then the grant: what the user lives through ----
# An account of its own client (revoking its grant hits no other), on the direct path and
# through gmail-oauthd. Its last send was a while ago: its handout record is moved 11 minutes
# back (gmail-oauthd, which keeps it in memory too, exits first, as it does after 2 idle
# minutes, and a new one reads it). So the next send gets the cached token unchecked, and Gmail refuses it;
# the user's retry is a handout again soon: checked with tokeninfo, found dead, refreshed.
# msmtp does not look at passwordeval's exit status (only at whether it printed a line): a
# gmail-oauth first in msmtp's PATH keeps the status of the real one, in $d/passwordeval.status.
mkdir -p "$d/shim"
cat > "$d/shim/gmail-oauth" <<SHIM
#!/bin/sh
"$(command -v gmail-oauth)" "\$@"
s=\$?
echo "\$s" > "$d/passwordeval.status"
exit "\$s"
SHIM
chmod +x "$d/shim/gmail-oauth"
# recovery_send WHAT SUBJECT: msmtp sends a message with SUBJECT for $R ($rc, $err, $status:
# the exit status of msmtp's gmail-oauth token)
recovery_send() {
  printf 'To: you@example.com\nSubject: %s\n\nSent by msmtp for %s.\n' "$2" "$R" > "$d/msg"
  rm -f "$d/passwordeval.status"
  run env PATH="$d/shim:$PATH" msmtp -C "$d/recovery.msmtprc" you@example.com < "$d/msg"
  status=$(cat "$d/passwordeval.status" 2>/dev/null)
  [ "$rc" = 0 ] || diag "msmtp, $1: $err"
}
stored_access_token() { json_get "$(secret-tool lookup account "$1" version 1)" access_token 2>/dev/null; }
broker_gone() { # the running gmail-oauthd has released its name (within 10 s)
  for _ in $(seq 1 200); do [ -z "$(bus_pid io.github.gmail_oauth.Broker 2>/dev/null)" ] && return 0; sleep 0.05; done
  return 1
}
if ! command -v msmtp >/dev/null 2>&1; then
  skip "msmtp is not installed (apt-get install msmtp)"
else
  declare -A grant_err # PATH -> msmtp's stderr, the path's name made PATH
  for path in direct daemon; do
    [ $path = direct ] && direct_path_begin
    R=recovery-$path@gmail.com
    client=client-recovery-$path.apps.googleusercontent.com
    rt=$(setup_account "$R" "$client")
    config msmtp "$msmtp_sed; s/^auth oauthbearer\$/auth xoauth2/" "$d/recovery.msmtprc" 4 "$R"

    # 1. a working send
    recovery_send "$path, working" "$path: before"
    is "$rc $err" "0 " "msmtp, $path: sent, nothing on stderr"
    is "$(accepted smtp XOAUTH2 "$R") $(received "Subject: $path: before")" "1 1" \
      "msmtp, $path: the stand-in took $R's token and the message"
    # ... a while ago
    if [ $path = daemon ]; then
      pid=$(bus_pid io.github.gmail_oauth.Broker)
      [ -n "$pid" ] && kill "$pid" && broker_gone
      ok $? "msmtp, $path: gmail-oauthd exits"
    fi
    record=$XDG_RUNTIME_DIR/gmail-oauth/$(printf %s "$R" | sha256sum | cut -d' ' -f1).handout
    read -r v tag handed checked < "$record" &&
      printf '%s %s %s %s\n' "$v" "$tag" $((handed - 660)) "$checked" > "$record"
    ok $? "msmtp, $path: the send's handout record, 11 minutes back"
    token=$(stored_access_token "$R") # (read once gmail-oauthd has written it)

    # 2. Google kills the access token (not the grant)
    ctl POST /control/revoke-access "{\"token\":\"$token\"}" >/dev/null
    checks=$(fake_stat tokeninfo_requests)
    refreshes=$(fake_stat successful_refreshes)
    recovery_send "$path, token killed" "$path: retried"
    ok "$([ "$rc" -ne 0 ] && [ "$status" = 0 ]; echo $?)" \
      "msmtp, $path, access token killed: the next send fails (status $rc), its token handed out"
    like "$err" '535.5\.7\.8 Username and Password not accepted' \
      "msmtp, $path, access token killed: with Gmail's refusal"
    is "$(refused smtp XOAUTH2 "$R") $(received "Subject: $path: retried")" "1 0" \
      "msmtp, $path, access token killed: the token was refused, nothing delivered"
    is "$(fake_stat tokeninfo_requests) $(fake_stat successful_refreshes)" "$checks $refreshes" \
      "msmtp, $path, access token killed: that send's token was handed out unchecked"
    recovery_send "$path, retry" "$path: retried"
    is "$rc $err" "0 " "msmtp, $path, access token killed: the user's retry is sent"
    is "$(fake_stat tokeninfo_requests) $(fake_stat successful_refreshes)" \
      "$((checks + 1)) $((refreshes + 1))" \
      "msmtp, $path, access token killed: after one tokeninfo check and one refresh"
    is "$(accepted smtp XOAUTH2 "$R") $(received "Subject: $path: retried")" "2 1" \
      "msmtp, $path, access token killed: the new token taken, the message delivered once"
    ok "$([ "$(stored_refresh_token "$R")" = "$rt" ] && [ "$(stored_access_token "$R")" != "$token" ]; echo $?)" \
      "msmtp, $path, access token killed: a new access token stored, the refresh token unchanged"
    if [ $path = daemon ]; then
      new_pid=$(bus_pid io.github.gmail_oauth.Broker)
      ok "$([ -n "$new_pid" ] && [ "$new_pid" != "$pid" ]; echo $?)" \
        "msmtp, $path, access token killed: a new gmail-oauthd, started by the send, served them"
    fi

    # 3. the grant is revoked (the refresh token is dead)
    ctl POST /control/revoke-grant "{\"client_id\":\"$client\"}" >/dev/null
    logins=$(count "\"user\": \"$R\"")
    recovery_send "$path, grant revoked" "$path: grant revoked"
    ok "$([ "$rc" -ne 0 ]; echo $?)" "msmtp, $path, grant revoked: the send fails (status $rc)"
    like "$(printf '%s' "$err" | tr '\n' '|')" \
      "^gmail-oauth: $R: The grant was revoked or has expired [^|]*gmail-oauth login ${R}[^|]*\\|msmtp: cannot read output of 'gmail-oauth token $R'\$" \
      "msmtp, $path, grant revoked: shows gmail-oauth token's reauthorize message, then its own"
    is "$status" 4 "msmtp, $path, grant revoked: its gmail-oauth token exited with the reauthorize status"
    grant_err[$path]=${err//$path/PATH}
    is "$(($(count "\"user\": \"$R\"") - logins)) $(received "Subject: $path: grant revoked")" "0 0" \
      "msmtp, $path, grant revoked: no login tried, nothing delivered"
    run gmail-oauth token "$R"
    like "$rc $err" "^4 gmail-oauth: $R: The grant was revoked or has expired .*gmail-oauth login $R" \
      "$path, grant revoked: so does the next gmail-oauth token, with that message"
    is "$(stored_refresh_token "$R")" "$rt" "$path, grant revoked: the keyring record is kept"

    [ $path = direct ] && direct_path_end
  done
  is "${grant_err[daemon]}" "${grant_err[direct]}" \
    "msmtp, grant revoked: the same message through gmail-oauthd as directly"
fi

done_testing
