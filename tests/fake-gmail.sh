#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The Gmail API stand-in (tests/fake_gmail_api.py) driven with curl: authentication with the tokens
# the token stand-in minted (unknown, expired, revoked), scopes, list/query/pagination, the formats
# against the fixtures in tests/mail, send (JSON and upload), drafts, labels, modify, every fault
# kind, a 10 MiB generated message, and the control interface. Runs under tests/with-session.
. "$top_srcdir/tests/tap.sh"

PY=${PYTHON3:-python3}
D=$GMO_SESSION_DIR
G=$GMO_FAKE_GOOGLE/gmail/v1/users/me
U=$GMO_FAKE_GOOGLE/upload/gmail/v1/users/me
client=client-gmail.apps.googleusercontent.com
S=https://www.googleapis.com/auth/gmail.
ctl POST /control/client "{\"client_id\":\"$client\",\"client_secret\":\"s3cret\"}" >/dev/null

grant() { json_get "$(ctl POST /control/grant "{\"client_id\":\"$client\",\"scope\":\"$1\"}")" refresh_token; }
mint() { # mint REFRESH-TOKEN: a new access token from the token endpoint
  curl -sS "$GMAIL_OAUTH_TOKEN_URL" -d grant_type=refresh_token -d client_id=$client -d client_secret=s3cret \
    --data-urlencode "refresh_token=$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
# api METHOD URL [CURL-ARGS...]: a request with "Authorization: Bearer $tok" (none when tok is -);
# sets $code (the status) and $rc (curl's exit status); the body is in $D/b, the headers in $D/h.
api() {
  local m=$1 u=$2 auth=(); shift 2
  [ "$tok" = - ] || auth=(-H "Authorization: Bearer $tok")
  : >"$D/h"; : >"$D/b"
  code=$(curl -sS -X "$m" -o "$D/b" -D "$D/h" -w '%{http_code}' "${auth[@]}" "$@" "$u" 2>"$D/curl.err"); rc=$?
}
header() { sed -n "s/^$1: *//Ip" "$D/h" | tr -d '\r' | tail -n 1; }
send_json() { # send_json URL RFC822-TEXT [JSON-EXTRA]: POST {"raw": base64url(TEXT), ...}
  "$PY" -c 'import base64,json,sys
o={"raw": base64.urlsafe_b64encode(sys.argv[1].encode()).decode()}; o.update(json.loads(sys.argv[2]))
print(json.dumps(o))' "$2" "${3:-{\}}" >"$D/req.json"
  api POST "$1" -H 'Content-Type: application/json' --data-binary @"$D/req.json"
}

# check <<'PY' ... PY: Python (3.11, standard library) run on the last answer, where t(COND, DESC[, GOT])
# is one TAP check. Names: body (bytes), j (its JSON or None), code, header(name), fixture(file)
# (its bytes, CRLF line ends), fx (fixture file -> id), b64 (base64url decoding), env (os.environ).
cat >"$D/check.py" <<'PY'
import base64, hashlib, json, os, re, sys, traceback
body = open(sys.argv[1], "rb").read()
heads = open(sys.argv[2], "rb").read().decode("latin-1").replace("\r", "")
code, env = int(sys.argv[3]), os.environ
try:
    j = json.loads(body)
except ValueError:
    j = None
fx = json.load(open(env["D"] + "/fixtures.json")) if os.path.exists(env["D"] + "/fixtures.json") else {}
def header(name):
    v = [l.split(":", 1)[1].strip() for l in heads.split("\n") if l.lower().startswith(name.lower() + ":")]
    return v[-1] if v else None
def t(cond, desc, got=None):
    print(("ok " if cond else "not ok ") + desc)
    if not cond and got is not None:
        for line in json.dumps(got, ensure_ascii=False, indent=1).split("\n")[:40]:
            print("  " + line)
def b64(s):
    return base64.urlsafe_b64decode(s)
def fixture(name):
    return re.sub(rb"\r?\n", b"\r\n", open(env["top_srcdir"] + "/tests/mail/" + name, "rb").read())
def fbody(name):
    return fixture(name).split(b"\r\n\r\n", 1)[1]
try:
    exec(sys.stdin.read())
except Exception:
    print("not ok the checks ran to their end")
    for line in traceback.format_exc().split("\n"):
        print(line)
PY
export D top_srcdir
: >"$D/h"
check() {
  local line out st n=0
  out=$("$PY" "$D/check.py" "$D/b" "$D/h" "$code" 2>&1); st=$?
  while IFS= read -r line; do
    case $line in
      "ok "*) ok 0 "${line#ok }"; n=$((n + 1)) ;;
      "not ok "*) ok 1 "${line#not ok }"; n=$((n + 1)) ;;
      *) diag "$line" ;;
    esac
  done <<<"$out"
  [ "$st" -eq 0 ] && [ "$n" -gt 0 ] || ok 1 "the checks ran (status $st, $n checks)"
}

# ---- the fixtures, and a token minted by the token endpoint ----
ctl POST /control/gmail/fixtures > "$D/b"; code=200
"$PY" -c 'import json,sys; print(json.dumps({m["file"]: m["id"] for m in json.load(open(sys.argv[1]))["messages"]}))' \
  "$D/b" > "$D/fixtures.json"
check <<'PY'
m = j["messages"]
t(len(m) == 10 and all(re.fullmatch(r"[0-9a-f]{16}", x["id"]) for x in m), "fixtures: ten messages with 16-hex-digit ids")
t(m[1]["file"] == "reply.eml" and m[1]["threadId"] == m[0]["id"], "fixtures: the reply is in its original's thread")
t(all(x["threadId"] == x["id"] for x in m if x["file"] != "reply.eml"), "fixtures: every other message starts a thread")
PY
full=$(grant https://mail.google.com/)
tok=$(mint "$full")
api GET "$G/messages"
is "$code" 200 "a token minted by the token endpoint is accepted"
is "$(fake_stat last_gmail_auth_valid)" true "stats: the last Authorization was valid"

# ---- authentication failures, exactly as Google answers them ----
saved=$tok
tok=-; api GET "$G/messages"
check <<'PY'
t(code == 401, "no Authorization: 401", code)
want = {"error": {"code": 401, "message": "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        "errors": [{"message": "Login Required.", "domain": "global", "reason": "required", "location": "Authorization", "locationType": "header"}],
        "status": "UNAUTHENTICATED", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "CREDENTIALS_MISSING",
        "domain": "googleapis.com", "metadata": {"service": "gmail.googleapis.com", "method": "caribou.api.proto.MailboxService.ListMessages"}}]}}
t(j == want, "no Authorization: Google's answer", j)
t(header("WWW-Authenticate") == 'Bearer realm="https://accounts.google.com/"', "no Authorization: WWW-Authenticate", header("WWW-Authenticate"))
PY
INVALID='t(code == 401, "401", code)
want = {"error": {"code": 401, "message": "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        "errors": [{"message": "Invalid Credentials", "domain": "global", "reason": "authError", "location": "Authorization", "locationType": "header"}],
        "status": "UNAUTHENTICATED"}}
t(j == want, "the invalid-credentials answer", j)
t(header("WWW-Authenticate") == "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"", "WWW-Authenticate invalid_token", header("WWW-Authenticate"))
t(header("Content-Type") == "application/json; charset=UTF-8", "JSON content type", header("Content-Type"))'
tok=ya29.never-minted-by-anyone-0123456789; api GET "$G/messages"
check <<<"$INVALID"
unlike "$(ctl GET /control/stats)" 'never-minted' "stats keep no Authorization text"
is "$(fake_stat last_gmail_auth_valid)" false "stats: the last Authorization was not valid"
tok=-; api GET "$G/messages" -H "Authorization: Basic dXNlcjpwYXNz"
is "$code" 401 "a Basic Authorization header gets 401"
ctl POST /control/config '{"expires_in": 0}' >/dev/null
tok=$(mint "$full"); api GET "$G/messages"
check <<<"$INVALID"
ctl POST /control/config '{"expires_in": 3599}' >/dev/null
tok=$(mint "$full"); api GET "$G/profile"
is "$code" 200 "a fresh token works"
is "$(json_get "$(ctl POST /control/gmail/expire-tokens)" expired)" 2 "expire-tokens expires the two live tokens"
api GET "$G/profile"
is "$code" 401 "an expired token gets 401"
tok=$saved; api GET "$G/profile"
is "$code" 401 "so does the first one"
other=$(grant https://mail.google.com/); tok=$(mint "$other"); tok2=$(mint "$other")
api GET "$G/profile"
is "$code" 200 "before revocation: 200"
curl -sS "$GMAIL_OAUTH_REVOKE_URL" -d "token=$tok" >/dev/null
api GET "$G/profile"
check <<<"$INVALID"
tok=$tok2; api GET "$G/profile"
is "$code" 401 "revoking one access token revokes the grant's other tokens"
tok=$(mint "$full"); api GET "$G/profile"
is "$code" 200 "another grant's token still works"
before=$(fake_stat gmail_auth_failures)
tok=-; api GET "$G/profile"; tok=nope; api GET "$G/labels"
is "$(fake_stat gmail_auth_failures)" $((before + 2)) "stats count authentication failures"
tok=$(mint "$full")

# The CLI's token, imported and refreshed the normal way, works too.
setup_account me@example.com >/dev/null
cli_tok=$(gmail-oauth token me@example.com 2>/dev/null)
saved=$tok; tok=$cli_tok; api GET "$G/profile"
is "$code" 200 "a token from gmail-oauth token is accepted"
tok=$saved

# ---- scopes ----
scope_case() { # scope_case SCOPE METHOD PATH WANT [CURL-ARGS]
  local scope=$1 m=$2 p=$3 want=$4; shift 4
  tok=$(mint "$(grant "$scope")"); api "$m" "$G/$p" "$@"
  is "$code" "$want" "scope ${scope#$S}: $m $p -> $want"
}
DRAFT_JSON='{"message":{"raw":"VG86IGFAZXhhbXBsZS5vcmcNClN1YmplY3Q6IGQNCg0KYm9keQ0K"}}'
SEND_ARGS=(-H 'Content-Type: application/json' --data '{"raw":"VG86IGFAZXhhbXBsZS5vcmcNClN1YmplY3Q6IHgNCg0KYm9keQ0K"}')
pid=$(json_get "$(cat "$D/fixtures.json")" plain-utf8.eml)
scope_case "${S}readonly" GET messages 200
scope_case "${S}readonly" GET "messages/$pid" 200
scope_case "${S}readonly" GET labels 200
scope_case "${S}readonly" POST "messages/$pid/modify" 403 -H 'Content-Type: application/json' --data '{"addLabelIds":["STARRED"]}'
scope_case "${S}readonly" POST drafts 403 -H 'Content-Type: application/json' --data "$DRAFT_JSON"
scope_case "${S}readonly" POST messages/send 403 "${SEND_ARGS[@]}"
check <<'PY'
want = {"error": {"code": 403, "message": "Request had insufficient authentication scopes.",
        "errors": [{"message": "Insufficient Permission", "domain": "global", "reason": "insufficientPermissions"}],
        "status": "PERMISSION_DENIED", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT", "domain": "googleapis.com",
        "metadata": {"service": "gmail.googleapis.com", "method": "caribou.api.proto.MailboxService.SendMessage"}}]}}
t(j == want, "readonly send: Google's insufficient-scope answer", j)
w = header("WWW-Authenticate") or ""
t(w.startswith('Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="') and
  "https://mail.google.com/" in w and "https://www.googleapis.com/auth/gmail.send" in w, "readonly send: WWW-Authenticate names the scopes", w)
PY
is "$(json_get "$(ctl GET /control/gmail/sent)" sent)" "[]" "a refused send sent nothing"
scope_case "${S}send" POST messages/send 200 "${SEND_ARGS[@]}"
scope_case "${S}send" GET messages 403
scope_case "${S}send" POST drafts 403 -H 'Content-Type: application/json' --data "$DRAFT_JSON"
scope_case "${S}compose" POST drafts 200 -H 'Content-Type: application/json' --data "$DRAFT_JSON"
scope_case "${S}compose" GET drafts 200
scope_case "${S}compose" POST messages/send 200 "${SEND_ARGS[@]}"
scope_case "${S}compose" GET "messages/$pid" 403
scope_case "${S}modify" GET messages 200
scope_case "${S}modify" POST "messages/$pid/modify" 200 -H 'Content-Type: application/json' --data '{"addLabelIds":["IMPORTANT"]}'
scope_case "${S}labels" GET labels 200
scope_case "${S}labels" GET messages 403
scope_case "${S}metadata" GET messages 200
scope_case "${S}metadata" GET 'messages?q=is:unread' 403
is "$(json_get "$(cat "$D/b")" error message)" "Metadata scope does not support 'q' parameter" "metadata scope: no q"
scope_case "${S}metadata" GET "messages/$pid?format=metadata" 200
scope_case "${S}metadata" GET "messages/$pid?format=full" 403
scope_case "openid ${S}readonly email" GET messages 200
scope_case "openid email" GET labels 403
tok=$(mint "$full")
api POST "$G/messages/$pid/modify" -H 'Content-Type: application/json' --data '{"removeLabelIds":["IMPORTANT"]}'
: >"$D/sent-baseline"
ctl POST /control/gmail/reset >/dev/null
ctl POST /control/gmail/fixtures >/dev/null  # same ids again: the mailbox starts over

# ---- list, query, pagination ----
api GET "$G/messages"
check <<'PY'
order = ["body-1001.eml", "body-1000.eml", "attachment.eml", "shift-jis.eml", "latin1-qp.eml", "html-only.eml",
         "alternative.eml", "reply.eml", "plain-utf8.eml"]
t(list(j) == ["messages", "resultSizeEstimate"], "list: messages and resultSizeEstimate, no nextPageToken", list(j))
t([m["id"] for m in j["messages"]] == [fx[f] for f in order], "list: newest first, spam left out", j["messages"])
t(all(set(m) == {"id", "threadId"} for m in j["messages"]), "list: each entry has id and threadId only")
t(j["resultSizeEstimate"] == 9, "list: resultSizeEstimate", j["resultSizeEstimate"])
PY
q() { # q QUERY-STRING WANT-FILES...: the list answer holds exactly these fixtures
  local qs=$1; shift
  api GET "$G/messages?$qs"
  WANT="$*" QS=$qs check <<'PY'
want = env["WANT"].split()
got = [m["id"] for m in (j or {}).get("messages", [])]
names = {v: k for k, v in fx.items()}
t(code == 200 and sorted(got) == sorted(fx.get(f, f) for f in want), "query " + env["QS"], [names.get(i, i) for i in got])
PY
}
q 'includeSpamTrash=true' body-1001.eml body-1000.eml attachment.eml shift-jis.eml latin1-qp.eml html-only.eml \
  alternative.eml reply.eml plain-utf8.eml spam.eml
q 'labelIds=INBOX&labelIds=UNREAD' body-1001.eml attachment.eml shift-jis.eml html-only.eml plain-utf8.eml
q 'q=is:unread' body-1001.eml attachment.eml shift-jis.eml html-only.eml plain-utf8.eml
q 'q=is:starred' alternative.eml
q 'q=in:inbox%20-is:unread' body-1000.eml latin1-qp.eml alternative.eml
q 'q=in:sent' reply.eml
q 'q=in:spam' spam.eml
q 'q=label:Work' html-only.eml
q 'q=label:receipts-2024' attachment.eml
q 'q=from:joerg' plain-utf8.eml
q 'q=from:J%C3%B6rg' plain-utf8.eml
q 'q=to:joerg@example.org' reply.eml
q 'q=subject:rechnung' attachment.eml
q 'q=caf%C3%A9' html-only.eml reply.eml plain-utf8.eml
q 'q=SPRING24' alternative.eml
q 'q=%E4%BC%9A%E8%AD%B0' shift-jis.eml
q 'q=Z%C3%BCrich' latin1-qp.eml
q 'q=has:attachment' attachment.eml
q 'q=is:starred%20OR%20label:work' alternative.eml html-only.eml
q 'q=%22genau%20tausend%22' body-1000.eml
q 'q=frobnicate:yes%20subject:exactly' body-1000.eml body-1001.eml
q 'labelIds=Label_99'
api GET "$G/messages?q=nosuchwordanywhere"
check <<'PY'
t(j == {"resultSizeEstimate": 0}, "an empty list has no messages key", j)
PY
api GET "$G/messages?maxResults=4"; p1=$(cat "$D/b")
tokn=$(json_get "$p1" nextPageToken)
api GET "$G/messages?maxResults=4&pageToken=$tokn"; p2=$(cat "$D/b")
api GET "$G/messages?maxResults=4&pageToken=$(json_get "$p2" nextPageToken)"
P1=$p1 P2=$p2 check <<'PY'
a, b, c = json.loads(env["P1"]), json.loads(env["P2"]), j
ids = [m["id"] for p in (a, b, c) for m in p["messages"]]
t(len(a["messages"]) == 4 and len(b["messages"]) == 4 and len(c["messages"]) == 1, "pages of 4, 4 and 1")
t(re.fullmatch(r"\d+", a["nextPageToken"]) is not None and "nextPageToken" not in c, "nextPageToken until the last page")
t(len(set(ids)) == 9 and a["resultSizeEstimate"] == 9, "the pages hold every message once")
PY
api GET "$G/messages?maxResults=0"
check <<'PY'
t(code == 400 and j["error"]["status"] == "INVALID_ARGUMENT" and j["error"]["errors"][0]["reason"] == "invalidArgument",
  "maxResults=0: 400 invalidArgument", j)
PY
api GET "$G/messages?maxResults=ten"
is "$code" 400 "maxResults=ten: 400"
api GET "$G/messages?maxResults=501&includeSpamTrash=true"
is "$code:$(json_get "$(cat "$D/b")" resultSizeEstimate)" 200:10 "maxResults above 500 is cut to 500, as Google does"
api GET "$G/messages?pageToken=bogus"
is "$code" 400 "a bogus pageToken: 400"

# ---- messages.get: the formats against the fixtures ----
api GET "$G/messages/$pid"
check <<'PY'
m, p = j, j["payload"]
t(list(m) == ["id", "threadId", "labelIds", "snippet", "payload", "sizeEstimate", "historyId", "internalDate"], "full: the keys in Gmail's order", list(m))
t(m["labelIds"] == ["UNREAD", "CATEGORY_PERSONAL", "INBOX"], "full: labelIds", m["labelIds"])
t(m["internalDate"] == "1709540100000", "full: internalDate is the Date header in ms, as a string", m["internalDate"])
t(isinstance(m["historyId"], str) and m["historyId"].isdigit() and isinstance(m["sizeEstimate"], int), "full: historyId string, sizeEstimate number")
t(m["sizeEstimate"] == len(fixture("plain-utf8.eml")), "full: sizeEstimate is the stored size", m["sizeEstimate"])
t(p["partId"] == "" and p["mimeType"] == "text/plain" and p["filename"] == "", "full: a single-part payload", {k: p[k] for k in ("partId", "mimeType", "filename")})
h = {x["name"]: x["value"] for x in p["headers"]}
t(h.get("Subject") == "=?utf-8?b?R3LDvMOfZSBhdXMgS8O2bG4g4oCTIFRyZWZmZW4gYW0gRnJlaXRh?= =?utf-8?b?ZyBpbSBDYWbDqSDigJ5adXIgQnLDvGNrZeKAnD8=?=", "full: Subject raw (encoded words) and unfolded", h.get("Subject"))
t(h.get("From") == "=?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@example.org>", "full: From raw", h.get("From"))
t(h.get("Received", "").startswith("from mail.example.org") and "\n" not in h.get("Received", "x"), "full: a folded Received unfolded", h.get("Received"))
t([x["name"] for x in p["headers"]][:3] == ["Return-Path", "Received", "Message-ID"], "full: headers in message order")
t(p["body"]["size"] == len(fbody("plain-utf8.eml")) and b64(p["body"]["data"]) == fbody("plain-utf8.eml"), "full: body.data is the body, CRLF", p["body"]["size"])
t(m["snippet"].startswith("Hallo, wie geht&#39;s? Treffen wir uns am Freitag um 18 Uhr im Café &quot;Zur Brücke&quot;?"), "snippet: HTML-escaped, whitespace collapsed", m["snippet"])
t(len(m["snippet"]) <= 130, "snippet: about 100 characters", len(m["snippet"]))
PY
api GET "$G/messages/$pid?format=raw"
check <<'PY'
t(set(j) == {"id", "threadId", "labelIds", "snippet", "sizeEstimate", "raw", "historyId", "internalDate"} and "payload" not in j, "raw: the keys", list(j))
t(b64(j["raw"]) == fixture("plain-utf8.eml"), "raw: the whole message, CRLF line ends")
t(re.fullmatch(r"[A-Za-z0-9_-]*={0,2}", j["raw"]) is not None and len(j["raw"]) % 4 == 0, "raw: URL-safe base64 with padding")
PY
api GET "$G/messages/$pid?format=metadata&metadataHeaders=subject&metadataHeaders=From"
check <<'PY'
t([x["name"] for x in j["payload"]["headers"]] == ["From", "Subject"], "metadata: only the asked headers, case-insensitive, in message order", j["payload"])
t("parts" not in j["payload"] and "body" not in j["payload"] and "raw" not in j, "metadata: no body")
PY
api GET "$G/messages/$pid?format=minimal"
check <<'PY'
t(list(j) == ["id", "threadId", "labelIds", "snippet", "sizeEstimate", "historyId", "internalDate"], "minimal: the keys", list(j))
PY
aid=$(json_get "$(cat "$D/fixtures.json")" attachment.eml)
api GET "$G/messages/$aid"
check <<'PY'
p = j["payload"]
def shape(x):
    return [x["partId"], x["mimeType"], [shape(c) for c in x.get("parts", [])]]
t(shape(p) == ["", "multipart/mixed", [["0", "multipart/alternative", [["0.0", "text/plain", []], ["0.1", "text/html", []]]],
                                    ["1", "application/pdf", []], ["2", "image/png", []]]], "full: the nested tree with partIds", shape(p))
t(p["body"] == {"size": 0} and p["parts"][0]["body"] == {"size": 0}, "full: multiparts have body size 0")
pdf, png = p["parts"][1], p["parts"][2]
t(pdf["filename"] == "Rechnung_März_€.pdf", "full: the RFC 2231 filename decoded", pdf["filename"])
t(set(pdf["body"]) == {"attachmentId", "size"} and pdf["body"]["size"] == 548, "full: an attachment has attachmentId and size, no data", pdf["body"])
t(png["filename"] == "pixel.png" and "attachmentId" in png["body"], "full: an inline image with a filename is an attachment too")
text = b64(p["parts"][0]["parts"][0]["body"]["data"])
t(text == "Hallo,\r\n\r\nanbei die Rechnung für März (PDF) und das Logo.\r\n\r\nGruß\r\nAnna\r\n".encode(), "full: quoted-printable decoded", text.decode("utf-8", "replace"))
ct = {x["name"]: x["value"] for x in pdf["headers"]}["Content-Type"]
t(ct == "application/pdf; name*=UTF-8''Rechnung_M%C3%A4rz_%E2%82%AC.pdf", "full: part headers raw and unfolded", ct)
open(env["D"] + "/att", "w").write(pdf["body"]["attachmentId"] + "\n" + png["body"]["attachmentId"])
PY
att_pdf=$(sed -n 1p "$D/att"); att_png=$(sed -n 2p "$D/att")
api GET "$G/messages/$aid/attachments/$att_pdf"
check <<'PY'
raw = fixture("attachment.eml").decode()
b = re.search(r"filename\*=UTF-8''Rechnung_M%C3%A4rz_%E2%82%AC.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n(.*?)\r\n\r\n", raw, re.S)[1]
want = base64.b64decode(b)
t(set(j) == {"size", "data"} and j["size"] == len(want) and b64(j["data"]) == want and want.startswith(b"%PDF-1.4"), "attachment: the PDF's bytes", j.get("size"))
PY
api GET "$G/messages/$aid/attachments/$att_png"
check <<'PY'
t(b64(j["data"]).startswith(b"\x89PNG\r\n\x1a\n") and j["size"] == 69, "attachment: the PNG's bytes")
PY
api GET "$G/messages/$pid/attachments/$att_pdf"
is "$code" 400 "an attachment id of another message: 400"
fix_get() { api GET "$G/messages/$(json_get "$(cat "$D/fixtures.json")" "$1")"; }
fix_get latin1-qp.eml
check <<'PY'
data = b64(j["payload"]["body"]["data"])
t(b"Liebe Gr\xfc\xdfe aus Z\xfcrich!" in data, "ISO-8859-1 quoted-printable: decoded, still ISO-8859-1 bytes", data[:40].decode("latin-1"))
t(j["snippet"].startswith("Liebe Grüße aus Zürich!"), "ISO-8859-1: the snippet is decoded text", j["snippet"])
t({x["name"]: x["value"] for x in j["payload"]["headers"]}["Subject"] == "=?iso-8859-1?q?Sch=F6ne_Gr=FC=DFe_aus_Z=FCrich?=", "ISO-8859-1: Subject raw")
PY
fix_get shift-jis.eml
check <<'PY'
data = b64(j["payload"]["body"]["data"])
t(data == base64.b64decode(fbody("shift-jis.eml")), "Shift_JIS base64: body.data is the decoded bytes")
t(data.decode("shift_jis").startswith("山田です。\nこんにちは。\n来週の会議の資料をお送りします。"), "Shift_JIS: they are Japanese text in Shift_JIS (base64 keeps LF)", data.decode("shift_jis", "replace")[:30])
t(j["snippet"].startswith("山田です。 こんにちは。"), "Shift_JIS: the snippet", j["snippet"])
h = {x["name"]: x["value"] for x in j["payload"]["headers"]}
t(h["Subject"] == "=?Shift_JIS?B?l4iPVILMie+LY4LJgsKCooLE?=" and h["From"].startswith("=?iso-2022-jp?b?"), "Shift_JIS: Subject and From raw", h)
PY
fix_get html-only.eml
check <<'PY'
s = j["snippet"]
t(s.startswith("Dear customer, your invoice #42 for £12.50 is ready. Terms &amp; conditions apply &lt;see website&gt;. Café €"), "HTML-only: the snippet is the text, entities decoded then escaped", s)
t("tracking" not in s and "font-family" not in s and "Invoice 42" not in s, "HTML-only: no style, script or title in the snippet", s)
t(b"<script>" in b64(j["payload"]["body"]["data"]), "HTML-only: body.data is the HTML as sent")
PY
for n in 1000 1001; do
  fix_get body-$n.eml
  N=$n check <<'PY'
data = b64(j["payload"]["body"]["data"])
n = int(env["N"])
t(len(data.decode("utf-8")) == n and len(data) > n and j["payload"]["body"]["size"] == len(data), f"a text body of exactly {n} characters ({len(data)} bytes)")
t(data.decode()[-3:] == ("€😀ü" if n == 1000 else "€😀é"), f"{n}: multi-byte characters at the end", data.decode()[-5:])
PY
done
api GET "$G/messages/ffffffffffffffff"
check <<'PY'
t(code == 404 and j == {"error": {"code": 404, "message": "Requested entity was not found.", "errors": [{"message": "Requested entity was not found.", "domain": "global", "reason": "notFound"}], "status": "NOT_FOUND"}}, "an unknown id: 404, Google's answer", j)
PY
api GET "$G/messages/not-an-id"
is "$code:$(json_get "$(cat "$D/b")" error message)" "400:Invalid id value" "a malformed id: 400 Invalid id value"
api GET "$G/messages/$pid?format=html"
is "$code" 400 "an unknown format: 400"
api GET "$G/messages/$pid?prettyPrint=false"
is "$(wc -l < "$D/b")" 1 "prettyPrint=false: one line"

# ---- threads, profile, labels ----
api GET "$G/threads/$pid"
check <<'PY'
t(list(j) == ["id", "historyId", "messages"] and j["id"] == fx["plain-utf8.eml"], "thread: id, historyId, messages", list(j))
t([m["id"] for m in j["messages"]] == [fx["plain-utf8.eml"], fx["reply.eml"]], "thread: its messages, oldest first")
t(all("payload" in m for m in j["messages"]), "thread: format full by default")
PY
api GET "$G/threads/$pid?format=minimal"
check <<'PY'
t(all("payload" not in m and "snippet" in m for m in j["messages"]), "thread: format minimal")
PY
api GET "$G/threads/ffffffffffffffff"
is "$code" 404 "an unknown thread: 404"
api GET "$G/threads?q=caf%C3%A9"
check <<'PY'
t(sorted(x["id"] for x in j["threads"]) == sorted([fx["plain-utf8.eml"], fx["html-only.eml"]]) and all("snippet" in x for x in j["threads"]), "threads.list: one entry per thread", j)
PY
api GET "$G/profile"
check <<'PY'
t(j["emailAddress"] == "me@example.com" and j["messagesTotal"] == 10 and j["threadsTotal"] == 9 and j["historyId"].isdigit(), "profile", j)
PY
api GET "$GMO_FAKE_GOOGLE/gmail/v1/users/me@example.com/profile"
is "$code" 200 "the address works in place of me"
api GET "$GMO_FAKE_GOOGLE/gmail/v1/users/someone@example.org/messages"
is "$code:$(json_get "$(cat "$D/b")" error message)" "403:Delegation denied for me@example.com" "another user's mailbox: 403"
api GET "$G/labels"
check <<'PY'
ids = {l["id"]: l for l in j["labels"]}
sysl = ["INBOX", "SENT", "DRAFT", "UNREAD", "STARRED", "IMPORTANT", "SPAM", "TRASH", "CATEGORY_PERSONAL"]
t(all(ids.get(x, {}).get("type") == "system" and ids[x]["name"] == x for x in sysl), "labels: the system labels", sorted(ids))
t(ids.get("Label_1", {}).get("name") == "Work" and ids.get("Label_2", {}).get("type") == "user", "labels: the user labels", ids.get("Label_1"))
PY
api GET "$G/labels/INBOX"
check <<'PY'
t(j["messagesTotal"] == 8 and j["messagesUnread"] == 5 and j["threadsTotal"] == 8, "labels.get: counts", j)
PY
api GET "$G/labels/Label_99"
is "$code" 404 "an unknown label: 404"

# ---- modify ----
modify() { api POST "$G/messages/$1/modify" -H 'Content-Type: application/json' --data "$2"; }
hist=$(json_get "$(curl -sS -H "Authorization: Bearer $tok" "$G/messages/$pid?format=minimal")" historyId)
modify "$pid" '{"addLabelIds":["STARRED","Label_1"],"removeLabelIds":["UNREAD"]}'
check <<'PY'
t(code == 200 and j == {"id": fx["plain-utf8.eml"], "threadId": fx["plain-utf8.eml"], "labelIds": ["CATEGORY_PERSONAL", "INBOX", "STARRED", "Label_1"]}, "modify: the message's id, threadId, labelIds", j)
PY
api GET "$G/messages/$pid?format=minimal"
H0=$hist check <<'PY'
t(j["labelIds"] == ["CATEGORY_PERSONAL", "INBOX", "STARRED", "Label_1"] and int(j["historyId"]) > int(env["H0"]), "modify: stored, historyId grown", j)
PY
q 'q=is:starred' alternative.eml plain-utf8.eml
modify "$pid" '{"addLabelIds":["Label_99"]}'
check <<'PY'
t(code == 400 and j["error"]["message"] == "Invalid label: Label_99" and j["error"]["errors"][0]["reason"] == "invalidArgument", "modify: an unknown label: 400 Invalid label", j)
PY
modify "$pid" '{"removeLabelIds":["SENT"]}'
is "$code:$(json_get "$(cat "$D/b")" error message)" "400:Invalid label: SENT" "modify: SENT cannot be removed"
modify "$pid" '{}'
is "$code:$(json_get "$(cat "$D/b")" error message)" "400:No label add or removes specified" "modify: nothing to do: 400"
modify "$pid" '{"removeLabelIds":["CATEGORY_PERSONAL","INBOX","STARRED","Label_1"]}'
api GET "$G/messages/$pid?format=minimal"
check <<'PY'
t("labelIds" not in j and j["id"] == fx["plain-utf8.eml"], "a message without labels has no labelIds key", j)
PY
modify "$pid" '{"addLabelIds":["UNREAD","CATEGORY_PERSONAL","INBOX"]}'

# ---- send ----
MSG=$'To: Alice <alice@example.org>\nCc: bob@example.org\nBcc: Secret <carol@example.org>\nSubject: Hello\nContent-Type: text/plain; charset=utf-8\n\nHi Alice, =?not-a-word?= caf\xc3\xa9\n'
send_json "$G/messages/send" "$MSG"
check <<'PY'
t(code == 200 and list(j) == ["id", "threadId", "labelIds"] and j["labelIds"] == ["SENT"], "send: id, threadId, labelIds [SENT]", j)
t(re.fullmatch(r"[0-9a-f]{16}", j["id"]) is not None and j["threadId"] == j["id"], "send: a new message starts a thread")
open(env["D"] + "/sent-id", "w").write(j["id"])
PY
sid=$(cat "$D/sent-id")
ctl GET /control/gmail/sent > "$D/b"
check <<'PY'
s = j["sent"][-1]
t(s["id"] == open(env["D"] + "/sent-id").read() and s["via"] == "json", "control sent: the message, sent as JSON", s)
t(s["recipients"] == ["alice@example.org", "bob@example.org", "carol@example.org"] and s["bcc"] == ["carol@example.org"], "control sent: envelope recipients include Bcc", s["recipients"])
r = s["rfc822"]
t("Bcc" not in r and "carol" not in r, "control sent: no Bcc in the message", r)
t("\r\nFrom: me@example.com\r\n" in "\r\n" + r and re.search(r"\r\nMessage-ID: <[^>]+>\r\n", r) and re.search(r"\r\nDate: ", r), "control sent: From, Message-ID and Date added", r)
t("\n" not in r.replace("\r\n", "") and r.endswith("Hi Alice, =?not-a-word?= café\r\n"), "control sent: CRLF line ends, body as sent")
PY
api GET "$G/messages/$sid?format=raw"
check <<'PY'
raw = b64(j["raw"])
t(b"Bcc:" not in raw and b"carol" not in raw and j["labelIds"] == ["SENT"], "the stored copy has no Bcc", raw.decode())
PY
q 'q=in:sent%20subject:hello' "$sid"  # (an id: the fixture map has no name for it)
REPLY=$'From: Me <me@example.com>\nTo: joerg@example.org\nSubject: Re: Re: =?utf-8?b?R3LDvMOfZSBhdXMgS8O2bG4g4oCTIFRyZWZmZW4gYW0gRnJlaXRh?=\n =?utf-8?b?ZyBpbSBDYWbDqSDigJ5adXIgQnLDvGNrZeKAnD8=?=\nIn-Reply-To: <CAfake0reply0001@mail.gmail.com>\nReferences: <20240304091500.4711@mail.example.org> <CAfake0reply0001@mail.gmail.com>\n\nSee you!\n'
send_json "$G/messages/send" "$REPLY" "{\"threadId\":\"$pid\"}"
is "$code:$(json_get "$(cat "$D/b")" threadId)" "200:$pid" "send: a reply with threadId, In-Reply-To and the subject joins the thread"
api GET "$G/threads/$pid?format=minimal"
is "$(json_get "$(cat "$D/b")" messages 2 labelIds)" '["SENT"]' "the thread now has three messages"
send_json "$G/messages/send" $'To: joerg@example.org\nSubject: Something else\n\nx\n' "{\"threadId\":\"$pid\"}"
ok "$([ "$(json_get "$(cat "$D/b")" threadId)" != "$pid" ]; echo $?)" "send: threadId without References and subject starts a new thread (Gmail's rule)"
send_json "$G/messages/send" $'From: "Mallory" <mallory@evil.example>\nTo: a@example.org\nSubject: x\n\nx\n'
ctl GET /control/gmail/sent > "$D/b"
like "$(json_get "$(cat "$D/b")" sent -1 rfc822)" $'From: Mallory <me@example.com>\r' "send: a From that is no address of the account becomes the account's"
ctl POST /control/gmail/config '{"send_as":["alias@example.net"]}' >/dev/null
send_json "$G/messages/send" $'From: Alias <alias@example.net>\nTo: a@example.org\nSubject: x\n\nx\n'
ctl GET /control/gmail/sent > "$D/b"
like "$(json_get "$(cat "$D/b")" sent -1 rfc822)" $'From: Alias <alias@example.net>\r' "send: a send-as alias is kept"
ctl POST /control/gmail/config '{"send_as":[]}' >/dev/null
send_json "$G/messages/send" $'To: Me <ME@example.com>\nSubject: note to self\n\nx\n'
is "$(json_get "$(cat "$D/b")" labelIds)" '["UNREAD", "SENT", "INBOX"]' "send to oneself: also in the inbox, as in Gmail"
send_json "$G/messages/send" $'To: undisclosed-recipients:;\nBcc: dave@example.org\nSubject: x\n\nx\n'
ctl GET /control/gmail/sent > "$D/b"
is "$(json_get "$(cat "$D/b")" sent -1 recipients)" '["dave@example.org"]' "send: an empty group and a Bcc"
send_json "$G/messages/send" 'To: frank@example.org'
ctl GET /control/gmail/sent > "$D/b"
check <<'PY'
r = j["sent"][-1]["rfc822"]
t(r.startswith("From: me@example.com\r\nTo: frank@example.org\r\nDate: ") and "\r\nMessage-ID: <" in r, "send: a message of one header line without a line end", r)
PY
bad_send() { # bad_send RFC822 WANT-MESSAGE DESCRIPTION
  send_json "$G/messages/send" "$1"
  WANT=$2 DESC=$3 check <<'PY'
t(code == 400 and j == {"error": {"code": 400, "message": env["WANT"], "errors": [{"message": env["WANT"], "domain": "global", "reason": "invalidArgument"}], "status": "INVALID_ARGUMENT"}}, env["DESC"], j)
PY
}
nsent=$(fake_stat gmail_sent)
bad_send $'Subject: nobody\n\nx\n' "Recipient address required" "send without a recipient: 400 Recipient address required"
bad_send $'To: not an address\nSubject: x\n\nx\n' "Invalid To header" "send with a bad To: 400 Invalid To header"
bad_send $'To: a@example.org\nCc: ,,@@\nSubject: x\n\nx\n' "Invalid Cc header" "send with a bad Cc: 400 Invalid Cc header"
api POST "$G/messages/send" -H 'Content-Type: application/json' --data '{"raw":"***"}'
like "$code:$(json_get "$(cat "$D/b")" error message)" "^400:Invalid value at 'message.raw' \(TYPE_BYTES\), Base64 decoding failed" "send: raw that is not base64: 400"
api POST "$G/messages/send" -H 'Content-Type: application/json' --data '{"threadId":"x"}'
is "$code:$(json_get "$(cat "$D/b")" error message)" "400:'raw' RFC822 payload message string or uploading message via /upload/* URL required" "send without raw: 400"
api POST "$G/messages/send" -H 'Content-Type: application/json' --data '{"raw":"","to":"x"}'
like "$code:$(json_get "$(cat "$D/b")" error message)" '^400:Invalid JSON payload received. Unknown name "to"' "send with an unknown field: 400"
api POST "$G/messages/send" --data '{"raw":"VG86IGFAZXhhbXBsZS5vcmcNCg0KeA0K"}'
is "$code" 400 "send with libcurl's default form content type: 400"
api POST "$G/messages/send" -H 'Content-Type: application/json' --data '{not json'
is "$code" 400 "send with a body that is no JSON: 400"
is "$(fake_stat gmail_sent)" "$nsent" "refused sends sent nothing"
api POST "$G/messages/send" -H 'Content-Type: application/json' --data '{"raw":"VG86IGFAZXhhbXBsZS5vcmcNClN1YmplY3Q6IHN0ZCsvDQoNCj8/Pz4+Pg"}'
is "$code" 200 "send: standard base64 without padding is accepted too"
nsent=$(fake_stat gmail_sent)
"$PY" - "$D/big.json" <<'PY'
import base64, json, sys
body = b"To: a@example.org\r\nSubject: big\r\n\r\n" + b"x" * (4 << 20)
json.dump({"raw": base64.urlsafe_b64encode(body).decode()}, open(sys.argv[1], "w"))
PY
api POST "$G/messages/send" -H 'Content-Type: application/json' --data-binary @"$D/big.json"
check <<'PY'
t(code == 400 and j["error"]["message"] == "Request payload size exceeds the limit: 5242880 bytes.", "send: a JSON body over 5 MiB is refused", j)
PY
is "$(fake_stat gmail_sent)" "$nsent" "the oversized send sent nothing"

# The upload endpoint: message/rfc822 as it is, up to 35 MiB, also chunked.
"$PY" -c 'import sys; open(sys.argv[1], "wb").write(b"To: a@example.org\r\nSubject: upload\r\n\r\n" + b"y" * (6 << 20))' "$D/up.eml"
api POST "$U/messages/send?uploadType=media" -H 'Content-Type: message/rfc822' --data-binary @"$D/up.eml"
check <<'PY'
t(code == 200 and j["labelIds"] == ["SENT"], "upload: a 6 MiB message is sent", j)
open(env["D"] + "/up-id", "w").write(j["id"])
PY
ctl GET /control/gmail/sent > "$D/b"
check <<'PY'
s = j["sent"][-1]
t(s["via"] == "upload" and s["size"] > 6 << 20 and s["id"] == open(env["D"] + "/up-id").read(), "upload: recorded as sent by upload", {k: s[k] for k in ("via", "size")})
PY
api POST "$U/messages/send?uploadType=media" -H 'Content-Type: message/rfc822' -H 'Transfer-Encoding: chunked' --data-binary @"$D/up.eml"
is "$code" 200 "upload: a chunked request body"
api POST "$U/messages/send?uploadType=media" -H 'Content-Type: text/plain' --data-binary @"$D/up.eml"
is "$code:$(json_get "$(cat "$D/b")" error message)" "400:Media type 'text/plain' is not supported. Valid media types: [message/*]" "upload: another media type: 400"
api POST "$U/messages/send" -H 'Content-Type: message/rfc822' --data-binary $'To: a@example.org\r\n\r\nx\r\n'
is "$code" 400 "upload without uploadType=media: 400"
head -c $((36 << 20)) /dev/zero > "$D/huge.eml"
api POST "$U/messages/send?uploadType=media" -H 'Content-Type: message/rfc822' --data-binary @"$D/huge.eml"
is "$code:$(header Content-Type)" "413:text/html; charset=UTF-8" "upload over 35 MiB: 413"
rm -f "$D/huge.eml" "$D/up.eml" "$D/big.json"

# ---- drafts ----
"$PY" -c 'import base64,json,sys; print(json.dumps({"message": {"raw": base64.urlsafe_b64encode(b"Bcc: eve@example.org\nSubject: draft\n\nnot yet\n").decode()}}))' > "$D/req.json"
api POST "$G/drafts" -H 'Content-Type: application/json' --data-binary @"$D/req.json"
check <<'PY'
t(code == 200 and list(j) == ["id", "message"] and re.fullmatch(r"r\d+", j["id"]) and list(j["message"]) == ["id", "threadId", "labelIds"] and j["message"]["labelIds"] == ["DRAFT"], "drafts.create: id r…, message labelled DRAFT", j)
open(env["D"] + "/draft", "w").write(j["id"] + " " + j["message"]["id"])
PY
read -r did dmid < "$D/draft"
ctl GET /control/gmail/drafts > "$D/b"
check <<'PY'
d = j["drafts"][-1]
did, dmid = open(env["D"] + "/draft").read().split()
t(d["id"] == did and d["messageId"] == dmid and "Bcc: eve@example.org\r\n" in d["rfc822"] and d["bcc"] == ["eve@example.org"], "control drafts: the draft, Bcc kept", d)
PY
api GET "$G/drafts"
is "$(json_get "$(cat "$D/b")" drafts 0 id)" "$did" "drafts.list"
api GET "$G/drafts/$did?format=metadata"
is "$(json_get "$(cat "$D/b")" message labelIds)" '["DRAFT"]' "drafts.get"
q 'q=in:drafts' "$dmid"
api POST "$G/drafts" -H 'Content-Type: application/json' --data '{"raw":"eA"}'
is "$code" 400 "drafts.create without message: 400"
api POST "$G/drafts/send" -H 'Content-Type: application/json' --data "{\"id\":\"$did\"}"
is "$code:$(json_get "$(cat "$D/b")" labelIds)" '200:["SENT"]' "drafts.send"
api GET "$G/drafts/$did"
is "$code" 404 "a sent draft is gone"

# ---- faults ----
fault() { ctl POST /control/fault "$1" >/dev/null; }
FERR='t(code == int(env["CODE"]) and j["error"]["code"] == int(env["CODE"]) and j["error"]["errors"][0]["reason"] == env["REASON"] and j["error"]["status"] == env["STATUS"], "fault " + env["KIND"] + ": " + env["CODE"] + " " + env["REASON"], j)'
for f in "401 authError UNAUTHENTICATED" "rateLimitExceeded rateLimitExceeded PERMISSION_DENIED" \
         "userRateLimitExceeded userRateLimitExceeded PERMISSION_DENIED" "429 rateLimitExceeded RESOURCE_EXHAUSTED" \
         "500 backendError INTERNAL" "503 backendError UNAVAILABLE"; do
  set -- $f
  fault "{\"kind\":\"$1\",\"endpoint\":\"gmail\"}"
  api GET "$G/messages"
  case $1 in 401) c=401 ;; *RateLimit*|rateLimit*) c=403 ;; *) c=$1 ;; esac
  KIND=$1 CODE=$c REASON=$2 STATUS=$3 check <<<"$FERR"
done
api GET "$G/messages"
is "$code" 200 "after one fault of count 1, the next request is answered"
fault '{"kind":"429","endpoint":"gmail","retry_after":7}'
api GET "$G/messages"
is "$code:$(header Retry-After)" "429:7" "429 with Retry-After in seconds"
fault '{"kind":"429","endpoint":"gmail","retry_after":"Wed, 21 Oct 2026 07:28:00 GMT"}'
api GET "$G/messages"
is "$code:$(header Retry-After)" "429:Wed, 21 Oct 2026 07:28:00 GMT" "429 with Retry-After as an HTTP date"
fault '{"kind":"502","endpoint":"gmail"}'
api GET "$G/messages"
like "$code:$(header Content-Type):$(head -c 300 "$D/b" | tr -d '\n')" '^502:text/html; charset=UTF-8:.*<b>502\.</b>' "502: Google's HTML page"
fault '{"kind":"non_json","endpoint":"gmail"}'
api GET "$G/messages"
like "$code:$(header Content-Type)" '^200:text/html' "non_json: 200 with HTML"
fault '{"kind":"timeout","endpoint":"gmail","seconds":3}'
api GET "$G/messages" --max-time 1
is "$rc" 28 "timeout: the answer does not come (curl times out)"
fault '{"kind":"reset","endpoint":"gmail"}'
api GET "$G/messages"
is "$rc" 56 "reset: the connection is reset"
fault '{"kind":"truncated","endpoint":"gmail"}'
api GET "$G/messages"
is "$rc" 18 "truncated: the body ends early"
fault '{"kind":"oversized","endpoint":"gmail"}'
size=$(curl -sS -o /dev/null -w '%{size_download}' -H "Authorization: Bearer $tok" "$G/messages")
ok $(( size > 64 << 20 ? 0 : 1 )) "oversized: a body over 64 MiB ($size bytes)"
fault '{"kind":"bad_utf8","endpoint":"gmail"}'
api GET "$G/messages/$pid?format=minimal"
check <<'PY'
try:
    body.decode("utf-8"); valid = True
except UnicodeDecodeError:
    valid = False
t(code == 200 and not valid and b'"id": "' in body, "bad_utf8: 200, an invalid UTF-8 sequence in a field", body[:60].decode("latin-1"))
PY
fault '{"kind":"503","endpoint":"gmail:messages.send","count":2}'
api GET "$G/messages"
is "$code" 200 "a fault for messages.send leaves messages.list alone"
nsent=$(fake_stat gmail_sent)
send_json "$G/messages/send" $'To: a@example.org\n\nx\n'; c1=$code
send_json "$G/messages/send" $'To: a@example.org\n\nx\n'; c2=$code
send_json "$G/messages/send" $'To: a@example.org\n\nx\n'; c3=$code
is "$c1 $c2 $c3" "503 503 200" "a fault of count 2 answers twice"
is "$(fake_stat gmail_sent)" $((nsent + 1)) "a faulted send sent nothing"
fault '{"kind":"truncated","endpoint":"gmail:messages.send"}'
send_json "$G/messages/send" $'To: a@example.org\n\nx\n'
is "$rc:$(fake_stat gmail_sent)" "18:$((nsent + 2))" "a truncated answer to a send: the message was sent all the same"
fault '{"kind":"500","endpoint":"gmail","count":-1}'
curl -sS -o /dev/null "$GMAIL_OAUTH_TOKEN_URL" -d grant_type=refresh_token -d client_id=$client -d client_secret=s3cret \
  --data-urlencode "refresh_token=$full" -w '%{http_code}' > "$D/b"
is "$(cat "$D/b")" 200 "a Gmail fault leaves the token endpoint alone"
ctl POST /control/clear-faults >/dev/null
out=$(curl -sS -X POST -H 'Content-Type: application/json' --data '{"kind":"invalid_grant","endpoint":"gmail"}' "$GMO_FAKE_GOOGLE/control/fault")
like "$out" 'unknown fault kind for gmail' "a token fault kind is refused for gmail"
out=$(curl -sS -X POST -H 'Content-Type: application/json' --data '{"kind":"500","endpoint":"gmail:nope"}' "$GMO_FAKE_GOOGLE/control/fault")
like "$out" 'unknown endpoint' "an unknown endpoint is refused"

# ---- big messages ----
ctl POST /control/gmail/message '{"generate":{"size":10485760},"labelIds":["INBOX"]}' > "$D/gen.json"
bid=$(json_get "$(cat "$D/gen.json")" id)
api GET "$G/messages/$bid?format=raw"
check <<'PY'
g = json.load(open(env["D"] + "/gen.json"))
raw = b64(j["raw"])
t(g["sizeEstimate"] >= 10 << 20 and len(raw) == g["sizeEstimate"] == j["sizeEstimate"], "a generated 10 MiB message, fetched raw", len(raw))
t(hashlib.sha256(raw).hexdigest() == g["sha256"], "its bytes are the ones generated")
PY
api GET "$G/messages/$bid"
check <<'PY'
p = j["payload"]["parts"][1]
t(p["filename"] == "blob.bin" and "data" not in p["body"] and p["body"]["size"] > 7 << 20, "the 10 MiB message's attachment has an attachmentId", p["body"].get("size"))
PY
ctl POST /control/gmail/message '{"generate":{"size":2097152,"kind":"text"}}' > "$D/gen.json"
api GET "$G/messages/$(json_get "$(cat "$D/gen.json")" id)"
check <<'PY'
b = j["payload"]["body"]
t(j["payload"]["mimeType"] == "text/plain" and "attachmentId" in b and "data" not in b and b["size"] > 1 << 20, "a text part over 1 MiB comes as an attachmentId", b.get("size"))
open(env["D"] + "/att", "w").write(b["attachmentId"])
PY
api GET "$G/messages/$(json_get "$(cat "$D/gen.json")" id)/attachments/$(cat "$D/att")"
check <<'PY'
t(code == 200 and len(b64(j["data"])) == j["size"] > 1 << 20 and b64(j["data"]).startswith(b"The quick brown fox"), "and its data come from attachments.get")
PY
api GET "$G/messages/$bid?format=minimal" --compressed
is "$code:$(header Content-Encoding):$(json_get "$(cat "$D/b")" id)" "200:gzip:$bid" "gzip when the client accepts it"

# ---- the control interface ----
ctl POST /control/gmail/message '{"rfc822":"From: x@example.org\nSubject: added\n\nhello","labelIds":[],"internalDate":"1700000000000"}' > "$D/b"
api GET "$G/messages/$(json_get "$(cat "$D/b")" id)?format=minimal"
check <<'PY'
t(j["internalDate"] == "1700000000000" and "labelIds" not in j and j["id"].startswith("18bcfe56800"), "control message: labelIds and internalDate as given; the id grows from the date", j)
PY
out=$(curl -sS -X POST --data '{"rfc822":"x","labelIds":["NOPE"]}' "$GMO_FAKE_GOOGLE/control/gmail/message")
like "$out" 'labelIds must be' "control message: an unknown label is refused"
api GET "$GMO_FAKE_GOOGLE/gmail/v1/users/me/frobnicate"
like "$code:$(header Content-Type)" '^404:text/html' "an unknown path: Google's 404 page"
ok $(( $(fake_stat gmail_requests) > 100 ? 0 : 1 )) "stats count Gmail requests ($(fake_stat gmail_requests))"
is "$(fake_stat last_gmail_request path)" /gmail/v1/users/me/frobnicate "stats: the last request"
ctl POST /control/reset >/dev/null
is "$(fake_stat gmail_messages):$(fake_stat gmail_requests)" 0:0 "/control/reset empties the mailbox and the Gmail counters"
api GET "$G/messages"
is "$code:$(cat "$D/b" | tr -d ' \n')" '200:{"resultSizeEstimate":0}' "an empty mailbox"
api GET "$G/profile"; api GET "$G/profile"; api GET "$G/nope"
is "$(fake_stat gmail_requests_by_method getProfile) $(fake_stat gmail_requests_by_method messages.list) $(fake_stat gmail_requests_by_method unknown)" \
  "2 1 1" "stats count requests per method"
ctl POST /control/gmail/fixtures >/dev/null
ctl POST /control/gmail/reset >/dev/null
is "$(json_get "$(ctl GET /control/gmail/mailbox)" messages)" "[]" "/control/gmail/reset empties it too"

done_testing
