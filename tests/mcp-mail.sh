#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The mail tools of `gmail-oauth mcp` against the Gmail stand-in and the test
# keyring, field by field: the keyring-backed tools (search, read, labels,
# modify, send, draft) with their structuredContent, the reference's drop-ins
# with its answer shapes, the fixtures' charsets (UTF-8, Latin-1, Shift_JIS),
# HTML-only mail, chunk boundaries, every error class, --read-only and
# --no-credentials, and no credential in any keyring-backed result or on
# stderr at G_MESSAGES_DEBUG=all.
set -u
exec "${PYTHON3:-python3}" - <<'PY'
import email, email.header, email.policy, json, os, re, subprocess, sys, time, urllib.parse, urllib.request

n = failed = 0
def ok(cond, name, diag=None):
    global n, failed
    n += 1
    failed += not cond
    print(("ok" if cond else "not ok") + f" {n} - {name}")
    if not cond and diag is not None:
        for line in str(diag).splitlines()[:30]:
            print("#   " + line)
    sys.stdout.flush()
def eq(got, want, name):
    ok(got == want, name, f"got:      {got!r}\nexpected: {want!r}")

FAKE = os.environ["GMO_FAKE_GOOGLE"]
SRC = os.environ["top_srcdir"]
os.environ["GMAIL_OAUTH_GMAIL_URL"] = FAKE + "/gmail/v1/users/me/"
ERRLOG = os.path.join(os.environ["GMO_SESSION_DIR"], "mcp-mail.err")
errlog = open(ERRLOG, "wb")

def ctl(method, path, body=None, form=None):
    data, headers = None, {}
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
    elif body is not None or method == "POST":
        data, headers = json.dumps(body or {}).encode(), {"Content-Type": "application/json"}
    req = urllib.request.Request(FAKE + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as e:
        return json.load(e)

INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "mcp-mail", "version": "0"}}}

def session(requests, opts=()):
    """One server: initialize, then the requests; the answers by id."""
    lines = "".join(json.dumps(r) + "\n" for r in [INIT] + requests)
    env = dict(os.environ, G_MESSAGES_DEBUG="all")
    proc = subprocess.run(["gmail-oauth", "mcp", *opts], input=lines.encode(), capture_output=True,
                          env=env, timeout=120)
    errlog.write(proc.stderr)
    errlog.flush()
    answers = {}
    for line in proc.stdout.decode("utf-8").splitlines():  # strict: a split character fails here
        msg = json.loads(line)
        answers[msg.get("id")] = msg
    return answers

keyring_results = []  # every keyring-backed tool result, for the leak check
minted = set()        # every access token the stand-in handed out
DROPINS = {"gmail_get_recent_emails", "gmail_get_email_body_chunk", "gmail_send_email", "gmail_refresh_token"}

def call(name, args, opts=()):
    """A tools/call: (result, the JSON of its text item)."""
    started = time.monotonic()
    answer = session([{"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                       "params": {"name": name, "arguments": args}}], opts)[1]
    call.took = time.monotonic() - started
    last = ctl("GET", "/control/stats").get("last_access_token")
    if last:
        minted.add(last)
    if "result" not in answer:
        return answer, None
    result = answer["result"]
    if name not in DROPINS and name != "gmail_get_access_token":
        keyring_results.append(json.dumps(result, ensure_ascii=False))
    return result, json.loads(result["content"][0]["text"])

def success(name, args, label, opts=()):
    """A call that must succeed, with structuredContent equal to its text."""
    result, value = call(name, args, opts)
    ok(result.get("isError") is False, f"{label}: success", json.dumps(result, ensure_ascii=False)[:2000])
    if name not in DROPINS:
        ok(result.get("structuredContent") == value, f"{label}: structuredContent is the text's JSON")
    return value if isinstance(value, dict) and result.get("isError") is False else {}

def failure(name, args, code, label, opts=()):
    result, value = call(name, args, opts)
    value = value or {}
    ok(result.get("isError") is True and value.get("status") == "error" and value.get("error_code") == code,
       f"{label}: isError, error_code {code}", json.dumps(result, ensure_ascii=False)[:2000])
    ok("structuredContent" not in result, f"{label}: no structuredContent in a failure")
    ok(isinstance(value.get("error"), str) and "\n" not in value.get("error", "") and value.get("error"),
       f"{label}: a one-line error")
    return value

# --- The fixtures, read with Python's email package for what they should give ---
def fixture(name):
    return re.sub(rb"\r?\n", b"\r\n", open(os.path.join(SRC, "tests", "mail", name), "rb").read())
def parsed(name):
    return email.message_from_bytes(fixture(name), policy=email.policy.default)
def decoded(name, header):
    return str(email.header.make_header(email.header.decode_header(
        email.message_from_bytes(fixture(name), policy=email.policy.compat32)[header])))
def plain_text(name):
    part = parsed(name).get_body(("plain",))
    return part.get_content().replace("\r\n", "\n")
def norm(text):
    return text.replace("\r\n", "\n").strip()

# --- Before any account is stored ---
failure("gmail_search_messages", {}, "no-account", "search, nothing stored")

A = "me@example.com"
ctl("POST", "/control/client", {"client_id": "mail-client", "client_secret": "secret-of-mail-client"})
def store(account, scope=None, rt=None):
    grant = {"client_id": "mail-client"}
    if scope:
        grant["scope"] = scope
    rt = rt or ctl("POST", "/control/grant", grant)["refresh_token"]
    file = json.dumps({"type": "authorized_user", "client_id": "mail-client",
                       "client_secret": "secret-of-mail-client", "refresh_token": rt})
    subprocess.run(["gmail-oauth", "import", account], input=file.encode(), check=True, capture_output=True)
    return rt
stored_rts = [store(A)]
fx = {f["file"]: f for f in ctl("POST", "/control/gmail/fixtures")["messages"]}
ID = {name: f["id"] for name, f in fx.items()}

# --- One running server while other processes add and remove accounts ---
# The server remembers the only account; the next call after a change must
# see it, however soon it comes.
server = subprocess.Popen(["gmail-oauth", "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=errlog, env=dict(os.environ, G_MESSAGES_DEBUG="all"), text=True)
def running_call(i, args):
    server.stdin.write(json.dumps({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                                   "params": {"name": "gmail_list_labels", "arguments": args}}) + "\n")
    server.stdin.flush()
    return json.loads(json.loads(server.stdout.readline())["result"]["content"][0]["text"])
server.stdin.write(json.dumps(INIT) + "\n")
server.stdin.flush()
server.stdout.readline()
eq([running_call(1, {}).get("account"), running_call(2, {}).get("account")], [A, A],
   "a running server, one account: the calls without an account use it")
for round in range(3):
    X = f"added{round}@example.com"
    store(X)
    v = running_call(10 + round, {})
    ok(v.get("error_code") == "usage" and X in v.get("error", ""),
       f"an account added by another process: the next call sees two (round {round})", v)
    subprocess.run(["gmail-oauth", "remove", X], check=True, capture_output=True)
    eq(running_call(20 + round, {}).get("account"), A,
       f"that account removed: the next call uses the only one again (round {round})")
subprocess.run(["gmail-oauth", "remove", A], check=True, capture_output=True)
eq(running_call(30, {}).get("error_code"), "no-account", "the only account removed: no-account")
store(A, rt=stored_rts[0])
eq(running_call(31, {}).get("account"), A, "stored again: used again")
server.stdin.close()
server.wait()

# --- tools/list and the options ---
def tools(opts=()):
    answers = session([{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}], opts)
    return {t["name"]: t for t in answers[1]["result"]["tools"]}, answers[0]["result"]["instructions"]
MAIL = ["gmail_search_messages", "gmail_read_message", "gmail_list_labels", "gmail_send_message",
        "gmail_create_draft", "gmail_modify_labels"]
every, instructions = tools()
eq(list(every)[:6], MAIL, "tools/list: the keyring-backed mail tools first")
eq(sorted(every), sorted(MAIL + ["gmail_get_access_token", "gmail_list_accounts", "gmail_refresh_token",
                                 "gmail_get_recent_emails", "gmail_get_email_body_chunk", "gmail_send_email"]),
   "tools/list: twelve tools")
hints = {  # readOnly, destructive, idempotent, openWorld
    "gmail_search_messages": (True, False, True, True), "gmail_read_message": (True, False, True, True),
    "gmail_list_labels": (True, False, True, True), "gmail_send_message": (False, False, False, True),
    "gmail_create_draft": (False, False, False, True), "gmail_modify_labels": (False, True, True, True),
}
for name, want in hints.items():
    a = every[name]["annotations"]
    eq((a["readOnlyHint"], a["destructiveHint"], a["idempotentHint"], a["openWorldHint"]), want,
       f"{name}: annotations")
    schema = every[name].get("outputSchema", {})
    ok(schema.get("type") == "object" and "status" in schema.get("properties", {}), f"{name}: an outputSchema")
    ok("account" in every[name]["inputSchema"]["properties"], f"{name}: an optional account argument")
    ok("account" not in every[name]["inputSchema"].get("required", []), f"{name}: account is not required")
ok(re.search(r"Prefer gmail_search_messages, .*gmail_modify_labels", instructions) is not None,
   "instructions: the model is told to prefer the keyring-backed mail tools", instructions)

ro, ro_instructions = tools(["--read-only"])
eq(sorted(ro), sorted(["gmail_search_messages", "gmail_read_message", "gmail_list_labels", "gmail_list_accounts",
                       "gmail_get_access_token", "gmail_get_recent_emails", "gmail_get_email_body_chunk"]),
   "--read-only: only tools that change nothing")
ok(all(t["annotations"]["readOnlyHint"] for t in ro.values()), "--read-only: every tool is readOnlyHint")
ok("read-only" in ro_instructions and "gmail_send_message" not in ro_instructions,
   "--read-only: the instructions say so and name no sending tool", ro_instructions)
answer = session([{"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                   "params": {"name": "gmail_send_message", "arguments": {"to": A, "body": "x"}}}], ["--read-only"])[1]
eq(answer.get("error", {}).get("code"), -32602, "--read-only: calling gmail_send_message is an unknown tool")
eq(ctl("GET", "/control/gmail/sent")["sent"], [], "--read-only: nothing was sent")

nc, nc_instructions = tools(["--no-credentials"])
eq(sorted(nc), sorted(MAIL + ["gmail_list_accounts"]), "--no-credentials: the mail tools and gmail_list_accounts")
ok(not any("google_" in json.dumps(t["inputSchema"]) for t in nc.values()),
   "--no-credentials: no tool takes a token or client credentials")
ok("gmail_get_access_token" not in nc_instructions and "gmail_refresh_token" not in nc_instructions,
   "--no-credentials: the instructions name no credential tool", nc_instructions)
both, _ = tools(["--read-only", "--no-credentials"])
eq(sorted(both), ["gmail_list_accounts", "gmail_list_labels", "gmail_read_message", "gmail_search_messages"],
   "--read-only --no-credentials: the four reading tools")

# --- gmail_search_messages ---
v = success("gmail_search_messages", {}, "search, no query")
eq(v.get("account"), A, "search: the account")
inbox_like = [f for f in fx if f != "spam.eml"]
eq(sorted(m["id"] for m in v["messages"]), sorted(ID[f] for f in inbox_like), "search: every message but spam")
eq(v["result_size_estimate"], len(inbox_like), "search: result_size_estimate")
ok("next_page_token" not in v, "search: no next_page_token on the last page")
eq(list(v["messages"][0]), ["id", "thread_id", "from", "to", "subject", "date", "snippet", "labels"],
   "search: the fields of a message, in order")
by_id = {m["id"]: m for m in v["messages"]}
for name in ("plain-utf8.eml", "latin1-qp.eml", "shift-jis.eml", "attachment.eml", "html-only.eml"):
    m = by_id[ID[name]]
    eq(m["subject"], decoded(name, "Subject"), f"search {name}: subject decoded")
    eq(m["thread_id"], fx[name]["threadId"], f"search {name}: thread_id")
    ok(email.utils.parseaddr(decoded(name, "From"))[1] in m["from"]
       and email.utils.parseaddr(decoded(name, "From"))[0] in m["from"], f"search {name}: from decoded", m["from"])
    eq(m["date"], parsed(name)["Date"], f"search {name}: date")
    ok("\ufffd" not in json.dumps(m, ensure_ascii=False), f"search {name}: no replacement character")
eq(by_id[ID["html-only.eml"]]["labels"], ["UNREAD", "Label_1", "CATEGORY_UPDATES", "INBOX"], "search: labels")
ok("Me" in by_id[ID["html-only.eml"]]["to"] and A in by_id[ID["html-only.eml"]]["to"], "search: to")
snippet = by_id[ID["plain-utf8.eml"]]["snippet"]
ok(snippet.startswith("Hallo, wie geht's?") and "&#39;" not in snippet, "search: the snippet is text, unescaped",
   snippet)
ok("tracking" not in by_id[ID["html-only.eml"]]["snippet"], "search: no script text in an HTML snippet")
v = success("gmail_search_messages", {"query": "from:joerg@example.org"}, "search from:")
eq([m["id"] for m in v["messages"]], [ID["plain-utf8.eml"]], "search from:joerg: the one message")
v = success("gmail_search_messages", {"query": "in:spam"}, "search in:spam")
eq([m["id"] for m in v["messages"]], [ID["spam.eml"]], "search in:spam: the spam")
pages, token = [], None
for page in range(5):
    args = {"max_results": 4}
    if token:
        args["page_token"] = token
    v = success("gmail_search_messages", args, f"search page {page + 1}")
    pages.append([m["id"] for m in v["messages"]])
    token = v.get("next_page_token")
    if not token:
        break
eq([len(p) for p in pages], [4, 4, 1], "search, 4 a page: three pages")
eq(sorted(sum(pages, [])), sorted(ID[f] for f in inbox_like), "search, paged: every message once")
for bad in (0, 501, "10", 1.5, True):
    failure("gmail_search_messages", {"max_results": bad}, "usage", f"search max_results {bad!r}")
failure("gmail_search_messages", {"query": 7}, "usage", "search query not a string")
failure("gmail_search_messages", {"account": "nobody@example.com"}, "no-account", "search, unknown account")

# --- gmail_read_message ---
def read(args, label):
    return success("gmail_read_message", args, label)
v = read({"message_id": ID["plain-utf8.eml"]}, "read plain-utf8")
eq([k for k in v if k != "thread"], ["account", "id", "thread_id", "labels", "headers", "body", "offset",
                                     "total_chars", "attachments", "status"], "read: the fields, in order")
eq(norm(v["body"]), norm(plain_text("plain-utf8.eml")), "read plain-utf8: the body")
eq(v["total_chars"], len(v["body"]), "read: total_chars is the body's length in characters")
ok("next_offset" not in v, "read: no next_offset when the whole body came")
eq(v["headers"]["subject"], decoded("plain-utf8.eml", "Subject"), "read: subject")
eq(v["headers"]["message_id"], "<20240304091500.4711@mail.example.org>", "read: message_id header")
eq(v["headers"]["cc"], "", "read: no cc")
eq(v["labels"], ["UNREAD", "CATEGORY_PERSONAL", "INBOX"], "read: labels")
eq(v["attachments"], [], "read: no attachments")
for name in ("latin1-qp.eml", "shift-jis.eml"):
    v = read({"message_id": ID[name]}, f"read {name}")
    eq(norm(v["body"]), norm(plain_text(name)), f"read {name}: the body, from its charset")
    eq(v["headers"]["subject"], decoded(name, "Subject"), f"read {name}: subject")
    ok("\ufffd" not in v["body"], f"read {name}: no replacement character")
v = read({"message_id": ID["html-only.eml"]}, "read html-only")
for text in ("Dear customer,", "your invoice\u00a0#42 for £12.50 is ready", "Terms & conditions apply <see website>",
             "Café € ☃", "The Billing Team"):
    ok(text in v["body"] or text.replace("\u00a0", " ") in v["body"], f"read html-only: {text!r} in the text",
       v["body"])
for text in ("<p>", "tracking", "font-family", "a comment", "&amp;"):
    ok(text not in v["body"], f"read html-only: no {text!r}", v["body"])
v = read({"message_id": ID["attachment.eml"]}, "read attachment.eml")
want = [{"filename": p.get_filename(), "mime_type": p.get_content_type(), "size": len(p.get_payload(decode=True))}
        for p in parsed("attachment.eml").iter_attachments()]
eq(v["attachments"], want, "read: attachments with names (RFC 2231), types and decoded sizes")
ok("buchhaltung@example.de" in v["headers"]["cc"], "read: cc")
eq(v["headers"]["subject"], "Rechnung März", "read: an RFC 2047 subject")

v = read({"message_id": ID["body-1001.eml"], "max_chars": 1000}, "read body-1001, 1000 characters")
eq((len(v["body"]), v["total_chars"], v.get("next_offset")), (1000, 1001, 1000), "read: a chunk and next_offset")
v2 = read({"message_id": ID["body-1001.eml"], "offset": 1000, "max_chars": 1000}, "read body-1001 from 1000")
eq((len(v2["body"]), v2["offset"], "next_offset" in v2), (1, 1000, False), "read: the last character")
v = read({"message_id": ID["body-1001.eml"], "offset": 5000}, "read past the end")
eq((v["body"], "next_offset" in v), ("", False), "read past the end: an empty body and no next_offset")
# Walking a Shift_JIS body 7 characters at a time: every chunk whole characters,
# together the body.
sjis_whole = whole = read({"message_id": ID["shift-jis.eml"]}, "read shift-jis whole")["body"]
chunks, offset = [], 0
while True:
    v = read({"message_id": ID["shift-jis.eml"], "offset": offset, "max_chars": 7}, f"read shift-jis at {offset}")
    chunks.append(v["body"])
    if "next_offset" not in v:
        break
    offset = v["next_offset"]
    if offset > 10000:
        break
eq("".join(chunks), whole, "read shift-jis in chunks of 7: the body")
ok(all(len(c) == 7 for c in chunks[:-1]) and 0 < len(chunks[-1]) <= 7, "read shift-jis: 7 characters a chunk",
   [len(c) for c in chunks])

thread = fx["plain-utf8.eml"]["threadId"]
eq(fx["reply.eml"]["threadId"], thread, "the stand-in threads reply.eml with plain-utf8.eml")
v = read({"thread_id": thread}, "read a thread")
eq([m["id"] for m in v["thread"]], [ID["plain-utf8.eml"], ID["reply.eml"]], "read thread: its messages, oldest first")
eq(v["id"], ID["reply.eml"], "read thread: the body is the newest message's")
eq(v["thread"][1]["headers"]["subject"], decoded("reply.eml", "Subject"), "read thread: each message's headers")
ok("Jörg" in v["thread"][1]["headers"]["to"], "read thread: to decoded")
v = read({"thread_id": thread, "message_id": ID["plain-utf8.eml"]}, "read a thread at a message")
eq((v["id"], len(v["thread"])), (ID["plain-utf8.eml"], 2), "read thread at message_id: that message's body")
failure("gmail_read_message", {"thread_id": thread, "message_id": ID["spam.eml"]}, "usage",
        "read: a message outside the thread")
failure("gmail_read_message", {}, "usage", "read with neither id")
failure("gmail_read_message", {"message_id": "0123456789abcdef"}, "usage", "read an unknown message")
failure("gmail_read_message", {"message_id": ID["plain-utf8.eml"], "offset": -1}, "usage", "read offset -1")
failure("gmail_read_message", {"message_id": ID["plain-utf8.eml"], "max_chars": 0}, "usage", "read max_chars 0")

# --- gmail_list_labels ---
v = success("gmail_list_labels", {}, "list labels")
labels = {l["id"]: l for l in v["labels"]}
eq(labels.get("INBOX"), {"id": "INBOX", "name": "INBOX", "type": "system"}, "labels: INBOX")
eq(labels.get("Label_1"), {"id": "Label_1", "name": "Work", "type": "user"}, "labels: a user label")

# --- gmail_modify_labels ---
mid = ID["plain-utf8.eml"]
def labels_of(message):
    return next(m["labelIds"] for m in ctl("GET", "/control/gmail/mailbox")["messages"] if m["id"] == message)
v = success("gmail_modify_labels", {"message_id": mid, "mark_read": True, "star": True}, "modify: read, star")
eq(sorted(v["labels"]), sorted(["CATEGORY_PERSONAL", "INBOX", "STARRED"]), "modify: UNREAD off, STARRED on")
eq(sorted(labels_of(mid)), sorted(v["labels"]), "modify: the mailbox agrees")
eq((v["id"], v["thread_id"], v["account"]), (mid, thread, A), "modify: id, thread_id, account")
v = success("gmail_modify_labels", {"message_id": mid, "archive": True, "add_labels": ["work", "Receipts/2024"]},
            "modify: archive, labels by name")
eq(sorted(v["labels"]), sorted(["CATEGORY_PERSONAL", "STARRED", "Label_1", "Label_2"]), "modify: names became ids")
v = success("gmail_modify_labels", {"message_id": mid, "mark_unread": True, "unstar": True,
                                    "remove_labels": ["Label_1", "receipts/2024"], "add_labels": ["INBOX"]},
            "modify: undo")
eq(sorted(v["labels"]), sorted(["UNREAD", "CATEGORY_PERSONAL", "INBOX"]), "modify: back as it was")
e = failure("gmail_modify_labels", {"message_id": mid, "add_labels": ["No Such Label"]}, "usage", "modify: unknown label")
ok("No Such Label" in e.get("error", ""), "modify: the unknown label is named")
failure("gmail_modify_labels", {"message_id": mid}, "usage", "modify: nothing to change")
failure("gmail_modify_labels", {"message_id": mid, "mark_read": True, "mark_unread": True}, "usage",
        "modify: read and unread at once")
failure("gmail_modify_labels", {"add_labels": ["INBOX"]}, "usage", "modify without message_id")
failure("gmail_modify_labels", {"message_id": mid, "star": "yes"}, "usage", "modify: star not a boolean")
eq(sorted(labels_of(mid)), sorted(["UNREAD", "CATEGORY_PERSONAL", "INBOX"]), "modify: refused calls changed nothing")

# --- gmail_send_message and gmail_create_draft ---
def last_sent():
    return ctl("GET", "/control/gmail/sent")["sent"][-1]
def mime(rfc822):
    return email.message_from_bytes(rfc822.encode(), policy=email.policy.default)
subject = "Grüße – 日本語 ☃"
v = success("gmail_send_message", {"to": "Ann Ärger <ann@example.org>", "cc": "bob@example.org",
                                   "bcc": "hidden@example.org", "subject": subject, "body": "Hällo ✓\nZeile 2\n",
                                   "html_body": "<p>Hällo <b>✓</b></p>"}, "send")
sent = last_sent()
eq((v["id"], v["thread_id"]), (sent["id"], sent["threadId"]), "send: id and thread_id of the message sent")
ok("SENT" in v["labels"], "send: labelled SENT", v)
eq(sorted(sent["recipients"]), ["ann@example.org", "bob@example.org", "hidden@example.org"], "send: to, cc and bcc")
m = mime(sent["rfc822"])
eq(str(m["Subject"]), subject, "send: a non-ASCII subject")
ok(all(ord(c) < 128 for c in sent["rfc822"].split("\r\n\r\n")[0]), "send: the headers are RFC 2047 encoded ASCII")
eq(m.get_content_type(), "multipart/alternative", "send with html_body: multipart/alternative")
eq(norm(m.get_body(("plain",)).get_content()), "Hällo ✓\nZeile 2", "send: the text part")
ok("<b>✓</b>" in m.get_body(("html",)).get_content(), "send: the HTML part")
v = success("gmail_send_message", {"to": "ann@example.org", "subject": "plain", "body": "only text"}, "send plain")
eq(mime(last_sent()["rfc822"]).get_content_type(), "text/plain", "send without html_body: text/plain")

v = success("gmail_send_message", {"reply_to_message_id": ID["plain-utf8.eml"], "body": "Gerne!"}, "send a reply")
m, s = mime(last_sent()["rfc822"]), last_sent()
eq(m["In-Reply-To"], "<20240304091500.4711@mail.example.org>", "reply: In-Reply-To")
eq(m["References"], "<20240304091500.4711@mail.example.org>", "reply: References")
eq(str(m["Subject"]), "Re: " + decoded("plain-utf8.eml", "Subject"), "reply: Re: and the subject")
eq((v["thread_id"], s["threadId"]), (thread, thread), "reply: in the original's thread")
eq(s["recipients"], ["joerg@example.org"], "reply: to the original's sender")
v = success("gmail_send_message", {"reply_to_message_id": ID["reply.eml"], "body": "Noch was."}, "reply to my own")
m, s = mime(last_sent()["rfc822"]), last_sent()
eq(" ".join(m["References"].split()), "<20240304091500.4711@mail.example.org> <CAfake0reply0001@mail.gmail.com>",
   "reply to a reply: References grows")
eq(str(m["Subject"]), decoded("reply.eml", "Subject"), "reply to a reply: no second Re:")
eq(s["recipients"], ["joerg@example.org"], "reply to my own message: to its recipients")
n_sent = len(ctl("GET", "/control/gmail/sent")["sent"])
failure("gmail_send_message", {"to": "ann@example.org", "subject": "x"}, "usage", "send without body")
failure("gmail_send_message", {"subject": "x", "body": "y"}, "usage", "send without recipient")
failure("gmail_send_message", {"to": "not an address", "body": "y"}, "usage", "send to a bad address")
e = failure("gmail_send_message", {"to": "ann@example.org\r\nBcc: evil@example.org", "body": "y"}, "usage",
            "send: a line break in to")
eq(e.get("error"), "to must be one line", "send: a line break in to is refused, not read as folding")
failure("gmail_send_email", {"google_access_token": "ya29.x", "to": "a@example.org", "subject": "a\nb", "body": "y"},
        "usage", "send_email: a line break in the subject")
failure("gmail_send_message", {"reply_to_message_id": "0123456789abcdef", "body": "y"}, "usage",
        "reply to an unknown message")
eq(len(ctl("GET", "/control/gmail/sent")["sent"]), n_sent, "refused sends sent nothing")

v = success("gmail_create_draft", {"to": "ann@example.org", "subject": "Entwurf ä", "body": "später"}, "draft")
drafts = {d["id"]: d for d in ctl("GET", "/control/gmail/drafts")["drafts"]}
ok(v.get("draft_id") in drafts, "draft: the stand-in has it", v)
d = drafts.get(v.get("draft_id"), {})
eq((v.get("message_id"), d.get("recipients")), (d.get("messageId"), ["ann@example.org"]), "draft: message and recipients")
eq(str(mime(d.get("rfc822", "")).get("Subject")), "Entwurf ä", "draft: the subject")
v = success("gmail_create_draft", {"reply_to_message_id": ID["plain-utf8.eml"], "body": "Entwurf"}, "draft a reply")
eq(v["thread_id"], thread, "draft reply: in the thread")
eq(len(ctl("GET", "/control/gmail/sent")["sent"]), n_sent, "drafts are not sent")

# --- The reference's drop-ins, with a token the caller holds ---
def mint():
    req = urllib.request.Request(os.environ["GMAIL_OAUTH_TOKEN_URL"], data=urllib.parse.urlencode({
        "grant_type": "refresh_token", "client_id": "mail-client", "client_secret": "secret-of-mail-client",
        "refresh_token": stored_rts[0]}).encode())
    with urllib.request.urlopen(req) as resp:
        return json.load(resp)["access_token"]
token = mint()
v = success("gmail_get_recent_emails", {"google_access_token": token, "max_results": 20}, "get_recent_emails")
emails = v.get("emails", [])
eq(list(v), ["emails"], "get_recent_emails: the reference's shape")
eq(list(emails[0]), ["id", "threadId", "labelIds", "snippet", "from", "to", "subject", "date", "internalDate", "body",
                     "body_size_bytes", "contains_full_body"], "get_recent_emails: the reference's keys, in order")
inbox = sorted((m for m in ctl("GET", "/control/gmail/mailbox")["messages"] if "INBOX" in m["labelIds"]),
               key=lambda m: (int(m["internalDate"]), m["id"]), reverse=True)
eq([e["id"] for e in emails], [m["id"] for m in inbox], "get_recent_emails: the inbox, newest first")
E = {e["id"]: e for e in emails}
e = E[ID["body-1000.eml"]]
eq((len(e["body"]), e["contains_full_body"]), (1000, True), "get_recent_emails: 1000 characters are the full body")
e = E[ID["body-1001.eml"]]
eq((len(e["body"]), e["contains_full_body"]), (1000, False), "get_recent_emails: 1001 are cut at 1000")
for name in ("latin1-qp.eml", "shift-jis.eml", "plain-utf8.eml"):
    e = E[ID[name]]
    whole = norm(plain_text(name))
    eq(norm(e["body"]), whole[:1000].strip(), f"get_recent_emails {name}: the body from its charset")
    eq(e["subject"], decoded(name, "Subject"), f"get_recent_emails {name}: subject decoded")
    eq(e["body_size_bytes"], len(parsed(name).get_body(("plain",)).get_payload(decode=True)),
       f"get_recent_emails {name}: body_size_bytes is the decoded size")
e = E[ID["html-only.eml"]]
ok("Dear customer," in e["body"] and "<p>" not in e["body"], "get_recent_emails: HTML-only mail gives its text")
eq(e["internalDate"], next(m["internalDate"] for m in inbox if m["id"] == e["id"]), "get_recent_emails: internalDate")
v = success("gmail_get_recent_emails", {"google_access_token": token, "unread_only": True, "max_results": 500},
            "get_recent_emails unread_only")
ok(v["emails"] and all("UNREAD" in e["labelIds"] and "INBOX" in e["labelIds"] for e in v["emails"]),
   "get_recent_emails unread_only: unread inbox mail only")
eq(len(success("gmail_get_recent_emails", {"google_access_token": token}, "get_recent_emails default")["emails"]),
   min(10, len(inbox)), "get_recent_emails: 10 by default")
for bad in (0, 501, "5"):
    failure("gmail_get_recent_emails", {"google_access_token": token, "max_results": bad}, "usage",
            f"get_recent_emails max_results {bad!r}")
e = failure("gmail_get_recent_emails", {}, "usage", "get_recent_emails without a token")
eq(e.get("error"), "google_access_token is required", "get_recent_emails without a token: says so")
failure("gmail_get_recent_emails", {"google_access_token": "ya29.never-minted"}, "reauthorize",
        "get_recent_emails with a token the API refuses")

v = success("gmail_get_email_body_chunk", {"google_access_token": token, "message_id": ID["body-1001.eml"]},
            "body_chunk")
eq(list(v), ["message_id", "thread_id", "body", "body_size_bytes", "offset", "chunk_size", "contains_full_body",
             "status"], "body_chunk: the reference's keys, in order")
eq((v["chunk_size"], v["contains_full_body"], v["offset"], v["status"]), (1000, False, 0, "success"),
   "body_chunk at 0 of 1001")
v = success("gmail_get_email_body_chunk", {"google_access_token": token, "message_id": ID["body-1001.eml"],
                                           "offset": 1000}, "body_chunk at 1000")
eq((v["chunk_size"], v["contains_full_body"]), (1, True), "body_chunk at 1000 of 1001: the last one")
v = success("gmail_get_email_body_chunk", {"google_access_token": token, "message_id": ID["body-1000.eml"]},
            "body_chunk of 1000")
eq((v["chunk_size"], v["contains_full_body"]), (1000, True), "body_chunk of exactly 1000: full")
v = success("gmail_get_email_body_chunk", {"google_access_token": token, "thread_id": thread}, "body_chunk by thread")
eq((v["message_id"], v["thread_id"]), (ID["plain-utf8.eml"], thread), "body_chunk by thread: its first message")
v = success("gmail_get_email_body_chunk", {"google_access_token": token, "message_id": ID["shift-jis.eml"],
                                           "offset": 3}, "body_chunk of Shift_JIS at 3")
eq(v["body"], sjis_whole[3:1003], "body_chunk of Shift_JIS at 3: characters 3 on of the decoded body")
e = failure("gmail_get_email_body_chunk", {"google_access_token": token}, "usage", "body_chunk with neither id")
eq(e.get("error"), "Either message_id or thread_id must be provided", "body_chunk with neither id: the reference's words")
failure("gmail_get_email_body_chunk", {"google_access_token": token, "message_id": ID["body-1000.eml"], "offset": -1},
        "usage", "body_chunk offset -1")

v = success("gmail_send_email", {"google_access_token": token, "to": "ann@example.org", "subject": "Dröp-in ✉",
                                 "body": "text ü", "html_body": "<p>html ü</p>"}, "send_email")
eq(list(v), ["messageId", "threadId", "labelIds"], "send_email: the reference's keys")
m = mime(last_sent()["rfc822"])
eq((v["messageId"], str(m["Subject"]), m.get_content_type()), (last_sent()["id"], "Dröp-in ✉", "multipart/alternative"),
   "send_email: the message")
e = failure("gmail_send_email", {"google_access_token": token, "to": "ann@example.org", "body": "x"}, "usage",
            "send_email without subject")
eq(e.get("error"), "Missing required parameters: to, subject, and body are required", "send_email: the reference's words")

# --- Error classes ---
B = "readonly@example.com"
stored_rts.append(store(B, scope="https://www.googleapis.com/auth/gmail.readonly"))
n_sent = len(ctl("GET", "/control/gmail/sent")["sent"])
success("gmail_search_messages", {"account": B}, "a read-only grant searches")
e = failure("gmail_send_message", {"account": B, "to": "ann@example.org", "body": "x"}, "scope",
            "a read-only grant sends")
ok("gmail-oauth login" in e.get("error", "") and "--scope" in e.get("error", ""),
   "scope: the error says how to add the scope", e)
failure("gmail_modify_labels", {"account": B, "message_id": mid, "star": True}, "scope", "a read-only grant modifies")
eq(len(ctl("GET", "/control/gmail/sent")["sent"]), n_sent, "scope: nothing was sent")
e = failure("gmail_search_messages", {}, "usage", "two accounts, none named")
ok(A in e.get("error", "") and B in e.get("error", ""), "two accounts: both named")

C = "revoked@example.com"
store(C, rt="1//revoked-or-unknown")
failure("gmail_search_messages", {"account": C}, "reauthorize", "a revoked grant")
listed = subprocess.run(["gmail-oauth", "list", "--json"], capture_output=True, text=True).stdout
ok(C in listed, "a revoked grant: the record is kept")

# A token the API refuses (expired at Google) is refreshed once and the call retried.
before = ctl("GET", "/control/stats")
ctl("POST", "/control/gmail/expire-tokens")
success("gmail_search_messages", {"account": A, "max_results": 1}, "a token the API refused")
after = ctl("GET", "/control/stats")
eq(after["token_requests"] - before["token_requests"], 1, "a token the API refused: one refresh")
eq(after["gmail_auth_failures"] - before["gmail_auth_failures"], 1, "a token the API refused: one 401")
# Then the grant is revoked at Google: reauthorize, and the grant is kept.
ctl("POST", "/revoke", form={"token": stored_rts[0]})
ctl("POST", "/control/gmail/expire-tokens")
failure("gmail_search_messages", {"account": A}, "reauthorize", "a grant revoked while its token was cached")
ok(A in subprocess.run(["gmail-oauth", "list", "--json"], capture_output=True, text=True).stdout,
   "revoked: the record is kept")
A2 = "fresh@example.com"
stored_rts.append(store(A2))

# (a stall outlasts each 20 s attempt: the 30 s budget of the HTTP function ends it)
for kind, bound in (("503", 30), ("429", 30), ("reset", 30), ("timeout", 36)):
    ctl("POST", "/control/fault", {"kind": kind, "count": -1, "endpoint": "gmail", "retry_after": 0,
                                   "seconds": 45})
    failure("gmail_search_messages", {"account": A2}, "transient", f"Gmail {kind} every time")
    ok(call.took < bound, f"Gmail {kind}: transient in bounded time ({call.took:.1f} s)")
    ctl("POST", "/control/clear-faults")
ctl("POST", "/control/fault", {"kind": "503", "count": 1, "endpoint": "gmail", "retry_after": 0})
success("gmail_search_messages", {"account": A2, "max_results": 1}, "Gmail 503 once: retried")
ctl("POST", "/control/clear-faults")
ctl("POST", "/control/fault", {"kind": "non_json", "count": -1, "endpoint": "gmail"})
failure("gmail_list_labels", {"account": A2}, "bad-response", "Gmail answers no JSON")
ctl("POST", "/control/clear-faults")
# A cached token about to expire is refreshed before the call.
ctl("POST", "/control/config", {"expires_in": 200})
subprocess.run(["gmail-oauth", "refresh", A2], check=True, capture_output=True)  # cached: 200 s left
minted.add(ctl("GET", "/control/stats")["last_access_token"])
ctl("POST", "/control/config", {"expires_in": 3599})
before = ctl("GET", "/control/stats")
success("gmail_list_labels", {"account": A2}, "labels once more")
after = ctl("GET", "/control/stats")
eq((after["token_requests"] - before["token_requests"], after["gmail_auth_failures"] - before["gmail_auth_failures"]),
   (1, 0), "a token with under 300 s left is refreshed before the call, not after a 401")

# --- No credential in any keyring-backed result, nor on stderr ---
errlog.close()
stderr = open(ERRLOG, encoding="utf-8", errors="replace").read()
secrets = [("refresh token", rt) for rt in stored_rts] + [("client secret", "secret-of-mail-client")]
secrets += [("access token", t) for t in sorted(minted | {token})]
ok(len(keyring_results) > 50 and minted, f"{len(keyring_results)} keyring-backed results, {len(minted)} access tokens")
leaks = [label for label, s in secrets for r in keyring_results if s in r]
ok(not leaks and not any("ya29." in r for r in keyring_results),
   "no refresh token, client secret or access token in any keyring-backed result (content and structuredContent)",
   sorted(set(leaks)))
ok("tools/call" in stderr, "debug logging was on")
leaks = sorted({label for label, s in secrets if s in stderr})
ok(not leaks and "ya29." not in stderr, "no refresh token, client secret or access token on stderr", leaks)

print(f"1..{n}")
sys.exit(1 if failed else 0)
PY
