#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `gmail-oauth sendmail` against the Gmail stand-in: recipients from -t and
# from arguments (added as Bcc), the end of input with and without -i, a
# message with non-ASCII headers sent as it came, every exit status with one
# line on stderr and nothing sent, and real `git send-email
# --sendmail-cmd="gmail-oauth sendmail"` sending a 3-patch series that the
# stand-in receives as valid, threaded messages that `git am` applies.
. "$top_srcdir/tests/tap.sh"
# `... | sm ...` runs sm in this shell, so that its TAP lines are counted.
shopt -s lastpipe

export GMAIL_OAUTH_GMAIL_URL="$GMO_FAKE_GOOGLE/gmail/v1/users/me/"
d=$GMO_SESSION_DIR
PY=${PYTHON3:-python3}
A=me@example.com
rt=$(setup_account "$A" sendmail-client)
setup_account readonly@example.com readonly-client >/dev/null
# A read-only grant: the stand-in refuses it messages.send.
ctl POST /control/client '{"client_id":"ro-client","client_secret":"secret-of-ro-client"}' >/dev/null
ro_rt=$(json_get "$(ctl POST /control/grant \
  '{"client_id":"ro-client","scope":"https://www.googleapis.com/auth/gmail.readonly"}')" refresh_token)
printf '{"type":"authorized_user","client_id":"ro-client","client_secret":"secret-of-ro-client","refresh_token":"%s"}' \
  "$ro_rt" | gmail-oauth import ro@example.com 2>/dev/null
printf '{"type":"authorized_user","client_id":"sendmail-client","client_secret":"secret-of-sendmail-client","refresh_token":"1//revoked"}' \
  | gmail-oauth import revoked@example.com 2>/dev/null

n_sent() { json_get "$(ctl GET /control/gmail/sent)" sent | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
# sent_field EXPR: a Python expression over s (the last message sent, as the stand-in keeps it)
# and m (its RFC 5322 text parsed by Python's email package).
sent_field() {
  ctl GET /control/gmail/sent | "$PY" -c 'import email, email.policy, json, sys
s = json.load(sys.stdin)["sent"][-1]
m = email.message_from_bytes(s["rfc822"].encode(), policy=email.policy.default)
v = eval(sys.argv[1])
print(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)' "$1"
}
# sm EXPECTED-STATUS DESCRIPTION ARGS... < input: runs sendmail, checks the status and that a
# failure says one line on stderr and sends nothing.
sm() {
  local want=$1 what=$2 before after
  shift 2
  before=$(n_sent)
  started=$(date +%s)
  gmail-oauth sendmail "$@" >"$d/sm.out" 2>"$d/sm.err"
  status=$?
  took=$(( $(date +%s) - started ))
  after=$(n_sent)
  is "$status" "$want" "$what: exit status $want"
  if [ "$want" != 0 ]; then
    is "$(wc -l < "$d/sm.err"):$((after - before))" "1:0" "$what: one line on stderr, nothing sent"
    [ "$(wc -l < "$d/sm.err")" = 1 ] || diag "$(cat "$d/sm.err")"
  else
    is "$((after - before))" 1 "$what: one message sent"
    [ -s "$d/sm.err" ] && diag "$(cat "$d/sm.err")"
  fi
  cat "$d/sm.err" >>"$d/sm.all.err"
}

message() { # message FROM TO [EXTRA-HEADER]
  printf 'From: %s\nTo: %s\n%sSubject: test\n\nHello.\n' "$1" "$2" "${3:+$3
}"
}

# --- --help ---
gmail-oauth sendmail --help >"$d/help" 2>&1
is "$?" 0 "--help: status 0"
for status in 64 65 67 69 70 74 75 76 77; do
  grep -qE "^  $status " "$d/help"; ok $? "--help documents exit status $status"
done
grep -q -- '--sendmail-cmd="gmail-oauth sendmail"' "$d/help"; ok $? "--help shows the git send-email use"

# --- Recipients from -t, from arguments ---
printf 'From: Me <me@example.com>\nTo: Ann <ann@example.org>\nCc: bob@example.org\nBcc: hidden@example.org\nSubject: t\n\nbody\n' \
  | sm 0 "-t"  -t
is "$(sent_field 'sorted(s["recipients"])')" '["ann@example.org", "bob@example.org", "hidden@example.org"]' \
  "-t: To, Cc and Bcc are the recipients"
is "$(sent_field 's["bcc"]')" '["hidden@example.org"]' "-t: Bcc stays Bcc"

body=$'Line one\n\n  indented  \n-- \nsignature\n'
{ printf 'From: me@example.com\nTo: ann@example.org\nSubject: args\n\n'; printf '%s' "$body"; } \
  | sm 0 "recipients as arguments" -oi ann@example.org 'Carl <carl@example.org>'
is "$(sent_field 'sorted(s["recipients"])')" '["ann@example.org", "carl@example.org"]' \
  "arguments: the recipients"
is "$(sent_field 's["bcc"]')" '["carl@example.org"]' "arguments: the one no header names goes as Bcc"
# ($(...) drops the last newline of both.)
is "$(sent_field 'm.get_content().replace("\r\n", "\n")')" "${body%$'\n'}" "arguments: the body byte for byte"
printf 'From: me@example.com\nTo: ann@example.org\nCc: bob@example.org\nSubject: x\n\nx\n' \
  | sm 65 "a header recipient not given" ann@example.org
like "$(cat "$d/sm.err")" 'bob@example.org' "...names them"
printf 'From: me@example.com\nTo: ann@example.org\nSubject: x\n\nx\n' | sm 0 "-t and arguments" -t -i carl@example.org
is "$(sent_field 'sorted(s["recipients"])')" '["ann@example.org", "carl@example.org"]' "-t plus an argument"

# --- Where the input ends ---
printf 'From: me@example.com\nTo: ann@example.org\nSubject: dots\n\nbefore\n.\nafter\n' | sm 0 "without -i" -t
is "$(sent_field 'm.get_content().strip()')" "before" "without -i: a lone . ends the message"
printf 'From: me@example.com\nTo: ann@example.org\nSubject: dots\n\nbefore\n.\nafter\n' | sm 0 "with -i" -t -i
is "$(sent_field 'm.get_content().replace("\r\n", "\n")')" $'before\n.\nafter' "with -i: the . line is text"
{ printf 'From 3f2a1b Mon Sep 17 00:00:00 2001\n'; message me@example.com ann@example.org; } | sm 0 "an mbox From line" -t
is "$(sent_field 'str(m["Subject"])')" test "an mbox From line is dropped"

# --- Non-ASCII headers ---
printf 'From: =?UTF-8?Q?J=C3=B6rg?= <me@example.com>\nTo: =?ISO-8859-1?Q?B=E4rbel?= <b@example.org>\nSubject: =?UTF-8?B?5pel5pys6Kqe44Gu5Lu25ZCN?= =?UTF-8?Q?_und_Gr=C3=BC=C3=9Fe?=\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\nGrüße ☃\n' \
  | sm 0 "RFC 2047 headers" -t
is "$(sent_field 'str(m["Subject"])')" "日本語の件名 und Grüße" "RFC 2047 subject arrives intact"
is "$(sent_field 's["recipients"]')" '["b@example.org"]' "RFC 2047 To: the address"
is "$(sent_field 'm.get_content().strip()')" "Grüße ☃" "8-bit UTF-8 body"
printf 'From: Jörg <me@example.com>\nTo: b@example.org\nSubject: Grüße aus Köln\nContent-Type: text/plain; charset=UTF-8\n\nx\n' \
  | sm 0 "raw UTF-8 headers" -t
is "$(sent_field 'str(m["Subject"])')" "Grüße aus Köln" "raw UTF-8 subject arrives intact"

# --- Every exit status ---
sm 64 "an unknown option" -x </dev/null
sm 64 "-bs (SMTP on stdin)" -bs </dev/null
sm 64 "no recipient and no -t" </dev/null
sm 64 "a recipient without a domain" root </dev/null
: | sm 65 "empty input" -t
printf '\n\nno headers at all\n' | sm 65 "no header" -t
printf 'From: me@example.com\nTo: ann@example.org\nSubject: x\n\nx\0y\n' | sm 65 "a NUL byte" -t
printf 'From: me@example.com\nSubject: x\n\nx\n' | sm 65 "-t and no recipient" -t
printf 'To: ann@example.org\nSubject: x\n\nx\n' | sm 65 "no From and no -f" -t
{ message me@example.com ann@example.org; head -c 36000000 /dev/zero | tr '\0' 'a'; } | sm 65 "36 MB" -t -i
message nobody@example.com ann@example.org | sm 67 "an account not stored" -t
message me@example.com ann@example.org | sm 67 "-f names the account, not From" -t -f other@example.com
message ro@example.com ann@example.org | sm 77 "a read-only grant (scope)" -t
like "$(cat "$d/sm.err")" 'login.*--scope' "scope: says how to add it"
message revoked@example.com ann@example.org | sm 77 "a revoked grant" -t
ctl POST /control/fault '{"kind":"503","count":-1,"endpoint":"gmail:messages.send","retry_after":0}' >/dev/null
message me@example.com ann@example.org | sm 75 "Gmail 503" -t
ok $(( took < 30 ? 0 : 1 )) "Gmail 503: given up in bounded time ($took s)"
ctl POST /control/clear-faults '{}' >/dev/null
ctl POST /control/fault '{"kind":"non_json","count":-1,"endpoint":"gmail:messages.send"}' >/dev/null
message me@example.com ann@example.org | sm 76 "Gmail answers no JSON" -t
ctl POST /control/clear-faults '{}' >/dev/null
saved_bus=$DBUS_SESSION_BUS_ADDRESS
export DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent
message me@example.com ann@example.org | sm 69 "no keyring" -t
export DBUS_SESSION_BUS_ADDRESS=$saved_bus
export LD_LIBRARY_PATH=$(broken_library_dir libcurl.so.4)
message me@example.com ann@example.org | sm 70 "libcurl cannot be loaded" -t
unset LD_LIBRARY_PATH
sm 74 "stdin a directory" -t </
message me@example.com ann@example.org | sm 0 "after all that, a message" -t
json_get "$(ctl GET /control/stats)" current_refresh_token sendmail-client >/dev/null 2>&1
ok $? "the grant is still stored and current"
unlike "$(cat "$d/sm.all.err")" "$rt|$ro_rt|secret-of-|ya29\." "no secret in any error line"

# --- git send-email, with real git ---
missing=
if [ ! -x "$(git --exec-path)/git-send-email" ]; then
  missing="git send-email is not installed (Debian package git-email)"
elif ! perl -MMail::Address -e 1 2>/dev/null; then
  missing="git send-email needs Perl's Mail::Address (Debian package libmailtools-perl)"
fi
if [ -n "$missing" ]; then
  ok 0 "git send-email # SKIP $missing"
else
  repo=$d/repo
  export GIT_AUTHOR_NAME="Me Müller" GIT_AUTHOR_EMAIL=$A GIT_COMMITTER_NAME="Me Müller" GIT_COMMITTER_EMAIL=$A
  git init -q "$repo"
  git -C "$repo" commit -q --allow-empty -m base
  for i in 1 2 3; do
    printf 'line %s\n\ttab and trailing space \n' "$i" > "$repo/file$i"
    git -C "$repo" add "file$i"
    git -C "$repo" commit -q -m "Patch $i: grüße ✓" -m "Body of patch $i."
  done
  git -C "$repo" format-patch -q -3 -o "$d/patches"
  before=$(n_sent)
  # git passes -i and every recipient, Bcc included, as arguments; it keeps
  # Bcc out of the headers, so gmail-oauth sendmail adds it back as Bcc.
  (cd "$repo" && git send-email --sendmail-cmd="gmail-oauth sendmail" --to="You <you@example.org>" \
     --cc="Carl <carl@example.org>" --bcc=hidden@example.org --suppress-cc=all \
     --from="Me Müller <$A>" --confirm=never --quiet "$d"/patches/*.patch) >"$d/gse.out" 2>"$d/gse.err"
  is "$?" 0 "git send-email --sendmail-cmd=\"gmail-oauth sendmail\": status 0"
  [ -s "$d/gse.err" ] && diag "$(cat "$d/gse.err")"
  is "$(( $(n_sent) - before ))" 3 "git send-email: the stand-in received 3 messages"
  ctl GET /control/gmail/sent > "$d/sent.json"
  "$PY" - "$d/sent.json" "$d/am" >"$d/check.tap" <<'PYCHECK'
import email, email.policy, json, os, sys
sent = json.load(open(sys.argv[1]))["sent"][-3:]
def t(cond, desc, got=None):
    print(("0 " if cond else "1 ") + desc + ("" if cond or got is None else f" (got {got!r})"))
msgs = [email.message_from_bytes(s["rfc822"].encode(), policy=email.policy.default) for s in sent]
os.makedirs(sys.argv[2], exist_ok=True)
for i, m in enumerate(msgs, 1):
    t(str(m["Subject"]) == f"[PATCH {i}/3] Patch {i}: grüße ✓", f"patch {i}: its subject", str(m["Subject"]))
    t((m["Message-Id"] or "").startswith("<"), f"patch {i}: a Message-Id")
    t(sorted(sent[i - 1]["recipients"]) == ["carl@example.org", "hidden@example.org", "you@example.org"],
      f"patch {i}: to you, cc carl, bcc hidden", sent[i - 1]["recipients"])
    t(sent[i - 1]["bcc"] == ["hidden@example.org"], f"patch {i}: hidden as Bcc", sent[i - 1]["bcc"])
    t("diff --git a/file%d b/file%d" % (i, i) in m.get_content(), f"patch {i}: the diff")
    open(os.path.join(sys.argv[2], f"{i}.eml"), "w", encoding="utf-8").write(sent[i - 1]["rfc822"])
first = msgs[0]["Message-Id"]
for i in (2, 3):
    t(msgs[i - 1]["In-Reply-To"] == first, f"patch {i}: In-Reply-To the first", msgs[i - 1]["In-Reply-To"])
    t(first in (msgs[i - 1]["References"] or ""), f"patch {i}: References the first")
PYCHECK
  while read -r result desc; do ok "$result" "git send-email $desc"; done < "$d/check.tap"
  # The messages as received apply: the series arrived whole.
  git clone -q "$repo" "$d/clone" && git -C "$d/clone" reset -q --hard HEAD~3
  git -C "$d/clone" am -q --whitespace=nowarn "$d"/am/1.eml "$d"/am/2.eml "$d"/am/3.eml 2>"$d/am.err"
  ok $? "git am applies the three messages as received"
  [ -s "$d/am.err" ] && diag "$(cat "$d/am.err")"
  is "$(git -C "$d/clone" rev-parse 'HEAD^{tree}')" "$(git -C "$repo" rev-parse 'HEAD^{tree}')" \
    "git am: the same tree as the sender's"
fi

done_testing
