# SPDX-License-Identifier: GPL-3.0-or-later
"""fake_gmail_api: the Gmail API v1 stand-in, served by tests/fake-google.py next to its OAuth endpoints.

Paths: /gmail/v1/users/{me|address}/..., /upload/gmail/v1/users/{me|address}/{messages/send,drafts},
and the control interface /control/gmail/... . Authentication uses the access tokens the same server
minted (STATE.access, STATE.access_expiry), with the scopes of their grant. Faults come from the
server's fault list (endpoint "gmail", or "gmail:METHOD" for one method, e.g. "gmail:messages.send").
"""

import gzip, json, re, time, urllib.parse

from fake_gmail import ApiError, Mailbox, b64decode, b64url, not_found  # noqa: F401 (Mailbox: for State)

HARD_CAP = 64 << 20         # request bodies beyond this are refused unread (413, like Google's front end)
JSON_LIMIT = 5 << 20        # assumed: the simple (JSON) messages.send takes up to 5 MiB of request body
UPLOAD_LIMIT = 36700160     # 35 MiB: the maxSize of messages.send media uploads in Google's discovery doc
OVERSIZED = 64 << 20        # the "oversized" fault's body
JSON_CT = "application/json; charset=UTF-8"
HTML_CT = "text/html; charset=UTF-8"
FULL, G = "https://mail.google.com/", "https://www.googleapis.com/auth/gmail."
MODIFY, COMPOSE, SEND, READ, LABELS, META = (G + s for s in ("modify", "compose", "send", "readonly", "labels",
                                                              "metadata"))
AUTH_MESSAGE = ("Expected OAuth 2 access token, login cookie or other valid authentication credential. "
                "See https://developers.google.com/identity/sign-in/web/devconsole-project.")
REALM = 'Bearer realm="https://accounts.google.com/"'
# method -> (RPC name used in Google's ErrorInfo, scopes any one of which allows it), after the
# discovery document; the RPC names follow caribou.api.proto.MailboxService.{GetProfile,ListMessages,
# CreateDraft} seen in real answers, the others are assumed to follow the same pattern.
METHODS = {
    "getProfile": ("GetProfile", (FULL, MODIFY, COMPOSE, READ, META)),
    "messages.list": ("ListMessages", (FULL, MODIFY, READ, META)),
    "messages.get": ("GetMessage", (FULL, MODIFY, READ, META)),
    "messages.attachments.get": ("GetAttachment", (FULL, MODIFY, READ)),
    "messages.send": ("SendMessage", (FULL, MODIFY, COMPOSE, SEND)),
    "messages.modify": ("ModifyMessage", (FULL, MODIFY)),
    "threads.list": ("ListThreads", (FULL, MODIFY, READ, META)),
    "threads.get": ("GetThread", (FULL, MODIFY, READ, META)),
    "drafts.list": ("ListDrafts", (FULL, MODIFY, COMPOSE, READ)),
    "drafts.get": ("GetDraft", (FULL, MODIFY, COMPOSE, READ)),
    "drafts.create": ("CreateDraft", (FULL, MODIFY, COMPOSE)),
    "drafts.send": ("SendDraft", (FULL, MODIFY, COMPOSE)),
    "labels.list": ("ListLabels", (FULL, MODIFY, READ, LABELS, META)),
    "labels.get": ("GetLabel", (FULL, MODIFY, READ, LABELS, META)),
}
ROUTES = [  # (HTTP method, path after users/{id}/, method name)
    ("GET", r"profile", "getProfile"),
    ("GET", r"messages", "messages.list"),
    ("POST", r"messages/send", "messages.send"),
    ("GET", r"messages/([^/]+)", "messages.get"),
    ("GET", r"messages/([^/]+)/attachments/([^/]+)", "messages.attachments.get"),
    ("POST", r"messages/([^/]+)/modify", "messages.modify"),
    ("GET", r"threads", "threads.list"),
    ("GET", r"threads/([^/]+)", "threads.get"),
    ("GET", r"drafts", "drafts.list"),
    ("POST", r"drafts", "drafts.create"),
    ("POST", r"drafts/send", "drafts.send"),
    ("GET", r"drafts/([^/]+)", "drafts.get"),
    ("GET", r"labels", "labels.list"),
    ("GET", r"labels/([^/]+)", "labels.get"),
]
UPLOAD_ROUTES = {"messages/send": "messages.send", "drafts": "drafts.create"}
MESSAGE_FIELDS = {"id", "threadId", "labelIds", "snippet", "historyId", "internalDate", "payload", "sizeEstimate",
                  "raw"}


def err(code, message, reason, domain="global"):
    return ApiError(code, message, reason, domain).body()


# Fault kinds for the Gmail endpoints: error answers in Google's shapes, then those reusing the token
# endpoint's code paths (timeout, reset, non_json, oversized), then those that spoil the real answer.
FAULT_ERRORS = {
    "401": (401, {"error": {"code": 401, "message": "Request had invalid authentication credentials. " + AUTH_MESSAGE,
                            "errors": [{"message": "Invalid Credentials", "domain": "global", "reason": "authError",
                                        "location": "Authorization", "locationType": "header"}],
                            "status": "UNAUTHENTICATED"}}),
    "rateLimitExceeded": (403, err(403, "Rate Limit Exceeded", "rateLimitExceeded", "usageLimits")),
    "userRateLimitExceeded": (403, err(403, "User Rate Limit Exceeded", "userRateLimitExceeded", "usageLimits")),
    "429": (429, err(429, "Too many concurrent requests for user.", "rateLimitExceeded")),
    "500": (500, err(500, "Internal error encountered.", "backendError")),
    "503": (503, err(503, "The service is currently unavailable.", "backendError")),
}
PAGE_502 = ("<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 502 (Server Error)!!1</title>\n"
            "  <p><b>502.</b> <ins>That\u2019s an error.</ins>\n  <p>The server encountered a temporary error and "
            "could not complete your request.<p>Please try again in 30 seconds.  <ins>That\u2019s all we know.</ins>\n")
PAGE_413 = ("<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 413 (Request Entity Too Large)!!1"
            "</title>\n  <p><b>413.</b> <ins>That\u2019s an error.</ins>\n  <p>Your client issued a request that was too "
            "large.\n  <ins>That\u2019s all we know.</ins>\n")
PAGE_404 = ("<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n"
            "  <p><b>404.</b> <ins>That\u2019s an error.</ins>\n  <p>The requested URL <code>%s</code> was not found on "
            "this server.  <ins>That\u2019s all we know.</ins>\n")
REUSED_FAULTS = {"timeout", "reset", "non_json", "oversized"}
SPOILING_FAULTS = {"truncated", "bad_utf8"}
FAULT_KINDS = set(FAULT_ERRORS) | {"502"} | REUSED_FAULTS | SPOILING_FAULTS
FAULT_ENDPOINTS = {"gmail"} | {"gmail:" + m for m in METHODS}


def new_stats():
    return {"gmail_requests": 0, "gmail_requests_by_method": {}, "gmail_auth_failures": 0,
            "last_gmail_auth_valid": None, "last_gmail_request": None, "gmail_sent": 0, "gmail_drafted": 0}


def owns(path):
    return path.startswith(("/gmail/", "/upload/gmail/", "/control/gmail/"))


class Request:
    def __init__(self, h, url, body):
        self.h, self.url, self.body = h, url, body
        self.q = urllib.parse.parse_qs(url.query, keep_blank_values=True)

    def arg(self, name, default=None):
        return self.q.get(name, [default])[-1]

    def json(self):
        ctype = (self.h.headers.get("Content-Type") or "").lower()
        if ctype and not ctype.startswith("application/json"):  # e.g. libcurl's default form type
            raise ApiError(400, "Invalid JSON payload received. Unknown name %s: Cannot bind query parameter."
                           % json.dumps(self.body[:40].decode("utf-8", "replace")), "invalid")
        try:
            obj = json.loads(self.body or b"{}")
        except ValueError:
            raise ApiError(400, "Invalid JSON payload received. Unexpected token.", "invalid")
        if not isinstance(obj, dict):
            raise ApiError(400, "Invalid JSON payload received. Expected an object.", "invalid")
        return obj


# ---------------------------------------------------------------- HTTP plumbing
def read_body(h):
    """The request body (Content-Length or chunked), or None after answering 413 for one too large."""
    if "chunked" in (h.headers.get("Transfer-Encoding") or "").lower():
        chunks, total = [], 0
        while True:
            line = h.rfile.readline(1024)
            try:
                n = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                h.close_connection = True
                return None
            total += n
            if total > HARD_CAP:
                return too_large(h)
            if n == 0:
                while h.rfile.readline(1024) not in (b"\r\n", b"\n", b""):  # trailers
                    pass
                return b"".join(chunks)
            chunks.append(h.rfile.read(n))
            h.rfile.readline(3)
    try:
        n = int(h.headers.get("Content-Length", "0"))
    except ValueError:
        n = -1
    if n < 0 or n > HARD_CAP:
        return too_large(h) if n > 0 else h.send(400, HTML_CT, "<html><body>Bad Request</body></html>")
    body = h.rfile.read(n) if n else b""
    if len(body) < n:
        h.close_connection = True
        return None
    return body


def too_large(h):
    h.close_connection = True
    h.send(413, HTML_CT, PAGE_413)
    return None


def write(h, status, body, ctype=JSON_CT, headers=(), spoil=None):
    """Answer like Google's front end over HTTP/1.1: chunked, gzip when the client accepts it."""
    if spoil == "bad_utf8":  # an invalid UTF-8 sequence inside the first string value
        body = re.sub(rb'(": ?")', lambda m: m.group(1) + b"\xc3\x28\xff", body, count=1)
    gz = "gzip" in (h.headers.get("Accept-Encoding") or "").lower()
    if gz:
        body = gzip.compress(body, 6)
    if spoil == "truncated":
        body = body[:len(body) // 2]
        h.close_connection = True
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Vary", "Origin, X-Origin, Referer")
    h.send_header("Cache-Control", "private")
    h.send_header("X-Content-Type-Options", "nosniff")
    if gz:
        h.send_header("Content-Encoding", "gzip")
    h.send_header("Transfer-Encoding", "chunked")
    for k, v in headers:
        h.send_header(k, v)
    if h.close_connection:
        h.send_header("Connection", "close")
    h.end_headers()
    try:
        for i in range(0, len(body), 1 << 16):
            piece = body[i:i + (1 << 16)]
            h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        if spoil != "truncated":
            h.wfile.write(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        h.close_connection = True


def dump(obj, pretty=True):
    # Google's answers are UTF-8 (not \u escapes) and pretty-printed unless prettyPrint=false
    text = json.dumps(obj, indent=2, ensure_ascii=False) if pretty else json.dumps(obj, ensure_ascii=False,
                                                                                   separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def apply_fault(h, f):
    k = f["kind"]
    if k in FAULT_ERRORS:
        status, body = FAULT_ERRORS[k]
        headers = []
        if k == "429":
            headers.append(("Retry-After", str(f["retry_after"])))
        elif k == "401":
            headers.append(("WWW-Authenticate", REALM + ', error="invalid_token"'))
        return write(h, status, dump(body), headers=headers)
    if k == "502":
        return h.send(502, HTML_CT, PAGE_502)
    if k == "oversized":
        return h.send_oversized(b'{\n  "id": "18e0000000000000",\n  "raw": "', OVERSIZED, b'"\n}\n')
    return h.apply_fault(f)  # timeout, reset, non_json: the token endpoint's code paths


# ---------------------------------------------------------------- the API
def serve(h, state, url):
    if url.path.startswith("/control/gmail/"):
        import fake_gmail_control  # (it imports this module)
        return fake_gmail_control.control(h, state, url)
    upload = url.path.startswith("/upload/")
    m = re.fullmatch(r"/(?:upload/)?gmail/v1/users/([^/]+)/(.*)", url.path)
    name, args = None, ()
    if m and upload:
        name = UPLOAD_ROUTES.get(m[2]) if h.command == "POST" else None
    elif m:
        for verb, pattern, method in ROUTES:
            mm = re.fullmatch(pattern, m[2])
            if mm and verb == h.command:
                name, args = method, mm.groups()
                break
    body = read_body(h)
    if body is None:
        return
    query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    query.pop("access_token", None)  # never kept: a credential (and not accepted as one either)
    with state.lock:
        st = state.stats
        st["gmail_requests"] += 1
        by = st["gmail_requests_by_method"]
        by[name or "unknown"] = by.get(name or "unknown", 0) + 1
        st["last_gmail_request"] = {"method": h.command, "path": url.path, "query": query, "body_bytes": len(body),
                                    "content_type": h.headers.get("Content-Type")}
        fault = (state.take_fault("gmail:" + name) if name else None) or state.take_fault("gmail")
    if fault and fault["kind"] not in SPOILING_FAULTS:
        return apply_fault(h, fault)
    if name is None:
        return h.send(404, HTML_CT, PAGE_404 % url.path)
    req = Request(h, url, body)
    headers = []
    if upload and len(body) > UPLOAD_LIMIT:
        return too_large(h)
    try:
        if not upload and len(body) > JSON_LIMIT:
            raise ApiError(400, f"Request payload size exceeds the limit: {JSON_LIMIT} bytes.", "badRequest")
        with state.lock:
            grant = authenticate(h, state, name)
            allowed = METHODS[name][1]
            scopes = set(grant["scope"].split())
            if not scopes & set(allowed):
                raise ApiError(403, "Request had insufficient authentication scopes.", "insufficientPermissions",
                               details=[error_info("ACCESS_TOKEN_SCOPE_INSUFFICIENT", name)],
                               headers=[("WWW-Authenticate", REALM + ', error="insufficient_scope", scope="%s"'
                                         % " ".join(allowed))], item_message="Insufficient Permission")
            user = urllib.parse.unquote(m[1])
            if user != "me" and user.casefold() != state.gmail.address.casefold():
                raise ApiError(403, f"Delegation denied for {state.gmail.address}", "forbidden")
            req.metadata_only = not scopes & {FULL, MODIFY, READ, COMPOSE}
            status, obj = HANDLERS[name](state.gmail, req, upload, *args)
            if name in ("messages.send", "drafts.send"):
                state.stats["gmail_sent"] += 1
            elif name == "drafts.create":
                state.stats["gmail_drafted"] += 1
    except ApiError as e:
        status, obj, headers = e.code, e.body(), e.headers
    write(h, status, dump(obj, req.arg("prettyPrint", "true") != "false"), headers=headers,
          spoil=fault["kind"] if fault else None)


def error_info(reason, name):
    return {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "googleapis.com",
            "metadata": {"service": "gmail.googleapis.com",
                         "method": "caribou.api.proto.MailboxService." + METHODS[name][0]}}


def authenticate(h, state, name):
    """The grant of the bearer token, or ApiError 401 as Google answers it. Caller holds the lock."""
    value = h.headers.get("Authorization")
    if not value:
        state.stats["gmail_auth_failures"] += 1
        state.stats["last_gmail_auth_valid"] = False
        raise ApiError(401, "Request is missing required authentication credential. " + AUTH_MESSAGE, "required",
                       extra={"location": "Authorization", "locationType": "header"},
                       details=[error_info("CREDENTIALS_MISSING", name)],
                       headers=[("WWW-Authenticate", REALM)], item_message="Login Required.")
    m = re.fullmatch(r"(?i:bearer) +([^\s]+) *", value)
    token = m[1] if m else None
    grant = state.access.get(token) if token else None
    # expiry is on the server's own clock (clock_skew only changes what the Date header says)
    if grant is None or grant["revoked"] or state.access_expiry.get(token, 0) <= time.time():
        state.stats["gmail_auth_failures"] += 1
        state.stats["last_gmail_auth_valid"] = False
        raise ApiError(401, "Request had invalid authentication credentials. " + AUTH_MESSAGE, "authError",
                       extra={"location": "Authorization", "locationType": "header"},
                       headers=[("WWW-Authenticate", REALM + ', error="invalid_token"')],
                       item_message="Invalid Credentials")
    state.stats["last_gmail_auth_valid"] = True
    return grant


def page(req, items):
    """(this page, nextPageToken or None): maxResults 1..500 (default 100; larger values are cut to
    500, as Google does), pageToken an opaque decimal string."""
    raw = req.arg("maxResults", "100")
    if not re.fullmatch(r"-?\d+", raw or ""):
        raise ApiError(400, f"Invalid value at 'max_results' (TYPE_UINT32), \"{raw}\"", "invalid")
    n = int(raw)
    if n < 1:
        raise ApiError(400, "Invalid maxResults", "invalidArgument")
    n = min(n, 500)
    token = req.arg("pageToken", "")
    start = 0
    if token:
        if not re.fullmatch(r"\d{20}", token) or int(token) % 7919 or int(token) // 7919 > len(items):
            raise ApiError(400, "Invalid pageToken", "invalidArgument")
        start = int(token) // 7919
    rest = items[start + n:]
    return items[start:start + n], ("%020d" % ((start + n) * 7919) if rest else None)


def fmt_of(req, default="full"):
    fmt = req.arg("format", default).lower()
    if fmt not in ("full", "metadata", "minimal", "raw"):
        raise ApiError(400, f"Invalid value at 'format' (type.googleapis.com/gmail.v1.Format), \"{fmt}\"", "invalid")
    if getattr(req, "metadata_only", False) and fmt in ("full", "raw"):
        raise ApiError(403, f"Metadata scope doesn't allow format {fmt.upper()}", "forbidden")
    return fmt


def bool_arg(req, name):
    return (req.arg(name, "false") or "").lower() in ("true", "1")


def h_profile(mb, req, upload):
    return 200, {"emailAddress": mb.address, "messagesTotal": len(mb.messages),
                 "threadsTotal": len({m["threadId"] for m in mb.messages.values()}), "historyId": str(mb.history)}


def h_list(mb, req, upload):
    q = req.arg("q", "")
    if q and req.metadata_only:
        raise ApiError(403, "Metadata scope does not support 'q' parameter", "forbidden")
    found = mb.search(q, req.q.get("labelIds", []), bool_arg(req, "includeSpamTrash"))
    items, token = page(req, found)
    out = {"messages": [{"id": m["id"], "threadId": m["threadId"]} for m in items]} if items else {}
    if token:
        out["nextPageToken"] = token
    out["resultSizeEstimate"] = len(found)
    return 200, out


def h_get(mb, req, upload, mid):
    fmt = fmt_of(req)
    return 200, mb.render(mb.get(mid), fmt, req.q.get("metadataHeaders", []))


def h_attachment(mb, req, upload, mid, aid):
    data = mb.attachment(mb.get(mid), aid)
    return 200, {"size": len(data), "data": b64url(data)}


def message_raw(req, upload, obj=None, where="message"):
    """The raw message of a send or draft request: the upload body, or the JSON raw field."""
    if upload:
        ctype = (req.h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if req.arg("uploadType") != "media":
            raise ApiError(400, "Upload requests must use uploadType=media here (multipart and resumable "
                           "uploads are not stood in for).", "badRequest")
        if not ctype.startswith("message/"):
            raise ApiError(400, f"Media type '{ctype}' is not supported. Valid media types: [message/*]",
                           "badContent")
        return req.body, req.arg("threadId")
    for k in obj:
        if k not in MESSAGE_FIELDS:
            raise ApiError(400, f'Invalid JSON payload received. Unknown name "{k}" at \'{where}\': Cannot find field.',
                           "invalid")
    if "raw" not in obj:
        raise ApiError(400, "'raw' RFC822 payload message string or uploading message via /upload/* URL required",
                       "badRequest")
    raw = b64decode(obj["raw"])
    if raw is None:
        shown = obj["raw"][:20] if isinstance(obj["raw"], str) else json.dumps(obj["raw"])
        raise ApiError(400, f"Invalid value at '{where}.raw' (TYPE_BYTES), Base64 decoding failed for \"{shown}\"",
                       "invalid")
    tid = obj.get("threadId")
    if tid is not None and not isinstance(tid, str):
        raise ApiError(400, f"Invalid value at '{where}.thread_id' (TYPE_STRING), {json.dumps(tid)}", "invalid")
    return raw, tid


def h_send(mb, req, upload):
    raw, tid = message_raw(req, upload, None if upload else req.json())
    m = mb.send(raw, tid, via="upload" if upload else "json")
    return 200, mb.minimal(m)


def h_modify(mb, req, upload, mid):
    m = mb.get(mid)
    obj = req.json()
    add, remove = obj.get("addLabelIds") or [], obj.get("removeLabelIds") or []
    if not isinstance(add, list) or not isinstance(remove, list):
        raise ApiError(400, "Invalid JSON payload received. addLabelIds and removeLabelIds are lists.", "invalid")
    mb.modify(m, add, remove)
    return 200, mb.minimal(m)  # Gmail's answer names id, threadId and labelIds only


def h_threads(mb, req, upload):
    q = req.arg("q", "")
    if q and req.metadata_only:
        raise ApiError(403, "Metadata scope does not support 'q' parameter", "forbidden")
    found, seen = [], set()
    for m in mb.search(q, req.q.get("labelIds", []), bool_arg(req, "includeSpamTrash")):
        if m["threadId"] not in seen:
            seen.add(m["threadId"])
            found.append(m)
    items, token = page(req, found)
    out = {"threads": [{"id": m["threadId"], "snippet": m["snippet"],
                        "historyId": str(max(x["historyId"] for x in mb.thread(m["threadId"])))}
                       for m in items]} if items else {}
    if token:
        out["nextPageToken"] = token
    out["resultSizeEstimate"] = len(found)
    return 200, out


def h_thread(mb, req, upload, tid):
    fmt = fmt_of(req)
    if not re.fullmatch(r"[0-9a-fA-F]{1,16}", tid):
        raise ApiError(400, "Invalid id value")
    msgs = mb.thread(tid.lower())
    if not msgs:
        raise not_found()
    return 200, {"id": tid.lower(), "historyId": str(max(m["historyId"] for m in msgs)),
                 "messages": [mb.render(m, fmt, req.q.get("metadataHeaders", [])) for m in msgs]}


def draft_json(mb, did, fmt=None, headers=()):
    m = mb.messages[mb.drafts[did]]
    return {"id": did, "message": mb.render(m, fmt, headers) if fmt else
            {"id": m["id"], "threadId": m["threadId"]}}


def h_drafts(mb, req, upload):
    dids = sorted(mb.drafts, key=lambda d: mb.messages[mb.drafts[d]]["internalDate"], reverse=True)
    items, token = page(req, dids)
    out = {"drafts": [draft_json(mb, d) for d in items]} if items else {}
    if token:
        out["nextPageToken"] = token
    out["resultSizeEstimate"] = len(dids)
    return 200, out


def h_draft(mb, req, upload, did):
    fmt = fmt_of(req)
    if did not in mb.drafts:
        raise not_found()
    return 200, draft_json(mb, did, fmt, req.q.get("metadataHeaders", []))


def h_create_draft(mb, req, upload):
    if upload:
        raw, tid = message_raw(req, True)
    else:
        obj = req.json()
        message = obj.get("message")
        if not isinstance(message, dict):
            raise ApiError(400, "Invalid draft: message is required", "invalidArgument")
        raw, tid = message_raw(req, False, message, "draft.message")
    did, m = mb.create_draft(raw, tid)
    return 200, {"id": did, "message": mb.minimal(m)}


def h_send_draft(mb, req, upload):
    obj = req.json()
    if not isinstance(obj.get("id"), str):
        raise ApiError(400, "Invalid draft: id is required", "invalidArgument")
    return 200, mb.minimal(mb.send_draft(obj["id"]))


def h_labels(mb, req, upload):
    return 200, {"labels": list(mb.labels.values())}


def h_label(mb, req, upload, lid):
    return 200, mb.label_info(lid)


HANDLERS = {"getProfile": h_profile, "messages.list": h_list, "messages.get": h_get,
            "messages.attachments.get": h_attachment, "messages.send": h_send, "messages.modify": h_modify,
            "threads.list": h_threads, "threads.get": h_thread, "drafts.list": h_drafts, "drafts.get": h_draft,
            "drafts.create": h_create_draft, "drafts.send": h_send_draft, "labels.list": h_labels,
            "labels.get": h_label}

