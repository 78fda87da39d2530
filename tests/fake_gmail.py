# SPDX-License-Identifier: GPL-3.0-or-later
"""fake_gmail: the mailbox behind the Gmail API stand-in (tests/fake_gmail_api.py serves it over HTTP).

A message is kept as the raw RFC 5322 bytes Gmail would store; everything Gmail derives from them
(the payload tree, the snippet, what a search matches, the thread) is derived here with Python's
email package. Every Mailbox method expects the caller to hold the server's STATE.lock.
"""

import base64, datetime, email, email.header, email.policy, email.utils, hashlib, html, os, re, time

MAIL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mail")
INLINE_MAX = 1 << 20   # a leaf part larger than this comes as body.attachmentId, like an attachment
SNIPPET_CHARS = 100     # assumed: Gmail's snippets are "about 100-200 characters"; we cut at 100
DEFAULT_ADDRESS = "me@example.com"
DELIVERED = ["UNREAD", "CATEGORY_PERSONAL", "INBOX"]  # labels of a message added without labelIds
SYSTEM_LABELS = ("INBOX", "SENT", "DRAFT", "UNREAD", "STARRED", "IMPORTANT", "SPAM", "TRASH", "CHAT",
                 "CATEGORY_PERSONAL", "CATEGORY_SOCIAL", "CATEGORY_PROMOTIONS", "CATEGORY_UPDATES",
                 "CATEGORY_FORUMS")
USER_LABELS = (("Label_1", "Work"), ("Label_2", "Receipts/2024"))
FIXED_LABELS = ("SENT", "DRAFT")  # modify refuses them ("Invalid label: SENT"), as Gmail does
FIXTURES = (  # file in tests/mail, labels; internalDate is the Date header
    ("plain-utf8.eml", ["UNREAD", "CATEGORY_PERSONAL", "INBOX"]),
    ("reply.eml", ["SENT"]),
    ("alternative.eml", ["STARRED", "IMPORTANT", "CATEGORY_PERSONAL", "INBOX"]),
    ("html-only.eml", ["UNREAD", "Label_1", "CATEGORY_UPDATES", "INBOX"]),
    ("latin1-qp.eml", ["CATEGORY_PERSONAL", "INBOX"]),
    ("shift-jis.eml", ["UNREAD", "CATEGORY_PERSONAL", "INBOX"]),
    ("attachment.eml", ["UNREAD", "IMPORTANT", "Label_2", "CATEGORY_PERSONAL", "INBOX"]),
    ("body-1000.eml", ["CATEGORY_PERSONAL", "INBOX"]),
    ("body-1001.eml", ["UNREAD", "CATEGORY_PERSONAL", "INBOX"]),
    ("spam.eml", ["UNREAD", "SPAM"]),
)
ADDR_RE = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+")
MSGID_RE = re.compile(r"<[^<>\s]+>")
REPLY_PREFIX_RE = re.compile(r"^\s*((re|fwd?|aw|wg|sv|antw)\s*(\[\d+\])?\s*:\s*)+", re.I)


class ApiError(Exception):
    """A Gmail API error answer: code, message, reason (errors[0].reason), status."""

    STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
              429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}

    def __init__(self, code, message, reason="invalidArgument", domain="global", extra=None, details=None,
                 headers=(), item_message=None):
        super().__init__(message)
        self.code, self.message, self.reason, self.domain = code, message, reason, domain
        self.extra, self.details, self.headers = extra or {}, details, list(headers)
        self.item_message = item_message or message  # errors[0].message, in some answers not the same

    def body(self):
        err = {"message": self.item_message, "domain": self.domain, "reason": self.reason, **self.extra}
        out = {"code": self.code, "message": self.message, "errors": [err], "status": self.STATUS[self.code]}
        if self.details:
            out["details"] = self.details
        return {"error": out}


def not_found():
    return ApiError(404, "Requested entity was not found.", "notFound")


def b64url(data):
    """Gmail's bytes fields (raw, body.data, attachments): URL-safe alphabet, padded with '='."""
    return base64.urlsafe_b64encode(data).decode("ascii")


def b64decode(text):
    """Proto3 JSON bytes: standard or URL-safe alphabet, padding optional, no whitespace. None if bad."""
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9+/_-]*={0,2}", text):
        return None
    s = text.rstrip("=").replace("+", "-").replace("/", "_")
    if len(s) % 4 == 1:
        return None
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def crlf(raw):
    """Gmail stores (and answers raw with) CRLF line ends whatever the client sent."""
    return re.sub(rb"\r?\n", b"\r\n", raw)


def raw_value(v):
    """A header value as the message has it: not RFC 2047 decoded, unfolded, 8-bit bytes read as UTF-8."""
    v = str(v).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return re.sub(r"\r?\n(?=[ \t])", "", v).rstrip("\r\n")


def hget(msg, name, default=""):
    """A header's raw value (the email package's own getters turn 8-bit values into Header objects)."""
    return next(iter(hget_all(msg, name)), default)


def hget_all(msg, name):
    return [v for k, v in msg.raw_items() if k.lower() == name.lower()]


def decoded(v):
    """A header value RFC 2047 decoded (for search, threading and the control interface)."""
    v = raw_value(v)
    try:
        return str(email.header.make_header(email.header.decode_header(v)))
    except (ValueError, LookupError, UnicodeError):
        return v


def references(msg):
    return set(MSGID_RE.findall(raw_value(hget(msg, "In-Reply-To")) + " " + raw_value(hget(msg, "References"))))


def part_filename(part):
    name = part.get_filename()  # RFC 2231 (filename*=) is decoded by the email package
    if name and "=?" in name:  # RFC 2047 in a parameter is not standard, but common and decoded by Gmail
        name = decoded(name)
    return raw_value(name) if name else ""


def leaf_bytes(part):
    """The transfer-decoded bytes of a leaf part, still in the part's charset."""
    if part.is_multipart():  # message/rfc822 (the email package parses it into a list of one)
        return crlf(part.get_payload(0).as_bytes())
    return part.get_payload(decode=True) or b""


def part_text(part):
    data = leaf_bytes(part)
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset)
    except (LookupError, UnicodeError):
        return data.decode("utf-8", "replace")


def html_text(s):
    s = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>|<!--.*?-->", " ", s)
    s = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|li|h\d)\s*>", "\n", s)
    return html.unescape(re.sub(r"<[^>]*>", "", s))


def snippet_of(text):
    text = " ".join(text.split())[:SNIPPET_CHARS].rstrip()
    # Gmail escapes the snippet for HTML, with &#39; for the apostrophe
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;") \
        .replace("'", "&#39;")


def subject_key(subject):
    return " ".join(REPLY_PREFIX_RE.sub("", subject).split()).casefold()


def addresses(msg, names):
    """[(header name, [addr-spec, ...] or None when a value does not parse)] for the given headers."""
    out = []
    for name in names:
        for v in hget_all(msg, name):
            v = raw_value(v)
            if not v.strip():
                out.append((name, []))
                continue
            if re.fullmatch(r"\s*[^:;,<>\"]*:\s*;\s*", v):  # an empty group: "undisclosed-recipients:;"
                out.append((name, []))
                continue
            pairs = email.utils.getaddresses([v])
            addrs = [a for _, a in pairs]
            ok = addrs and all(ADDR_RE.fullmatch(a) for a in addrs)
            out.append((name, addrs if ok else None))
    return out


def header_lines(raw):
    """Split raw into ([(lowercase name, bytes of the whole, possibly folded, header)], rest)."""
    m = re.search(rb"\r\n\r\n", raw)
    head, rest = (raw[:m.start() + 2], raw[m.start() + 2:]) if m else (raw, b"")
    lines = []
    for line in re.split(rb"(?<=\r\n)", head):
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and lines:
            lines[-1][1] += line
        else:
            lines.append([line.split(b":", 1)[0].strip().lower().decode("ascii", "replace"), line])
    return lines, rest


def pacific_midnight(value):
    """after:/before: dates are midnight Pacific time, as Gmail reads them; epoch seconds as such."""
    if value.isdigit():
        return int(value) * 1000
    m = re.fullmatch(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})", value)
    if not m:
        return None
    try:
        from zoneinfo import ZoneInfo
        tz = ZoneInfo("America/Los_Angeles")
    except Exception:  # no time zone data: PST all year
        tz = datetime.timezone(datetime.timedelta(hours=-8))
    d = datetime.datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=tz)
    return int(d.timestamp() * 1000)


class Mailbox:
    """One user's mailbox: messages, threads (a thread's id is its first message's id), labels, drafts."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.address, self.send_as = DEFAULT_ADDRESS, []
        self.messages = {}   # id -> message (a dict, see insert)
        self.drafts = {}     # draft id -> message id
        self.labels = {i: {"id": i, "name": i, "type": "system"} for i in SYSTEM_LABELS}
        for i, name in USER_LABELS:
            self.labels[i] = {"id": i, "name": name, "messageListVisibility": "show",
                              "labelListVisibility": "labelShow", "type": "user"}
        self.history = 1000  # historyId: grows with every change
        self.serial = 0
        self.sent = []       # what messages.send / drafts.send delivered, for /control/gmail/sent

    def mine(self, addr):
        return addr.casefold() in {a.casefold() for a in [self.address, *self.send_as]}

    # ---- storing ----
    def new_id(self, internal_date):
        # Gmail's ids are 16 hex digits whose high bits are the time in ms; the low bits tell apart
        while True:
            self.serial += 1
            mid = "%016x" % ((internal_date << 20 | self.serial & 0xFFFFF) & (1 << 64) - 1)
            if mid not in self.messages:
                return mid

    def insert(self, raw, labels, thread_id=None, internal_date=None, auto_thread=True):
        raw = crlf(raw)
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        if internal_date is None:
            try:
                internal_date = int(email.utils.parsedate_to_datetime(raw_value(hget(msg, "Date"))).timestamp() * 1000)
            except (TypeError, ValueError, IndexError):
                internal_date = int(time.time() * 1000)
        mid = self.new_id(internal_date)
        if thread_id is None and auto_thread:
            thread_id = self.thread_by_references(msg)
        self.history += 1
        m = {"id": mid, "threadId": thread_id or mid, "raw": raw, "msg": msg, "labelIds": list(labels),
             "internalDate": internal_date, "historyId": self.history,
             "msgid": (MSGID_RE.findall(raw_value(hget(msg, "Message-ID"))) or [""])[0]}
        self.index(m)
        self.messages[mid] = m
        return m

    def index(self, m):
        msg = m["msg"]
        plain, htmls, names, attached = [], [], [], False
        for part in msg.walk():
            if part.get_content_maintype() == "multipart":
                continue
            name = part_filename(part)
            if name or hget(part, "Content-Disposition").strip().lower().startswith("attachment"):
                attached = True
                names.append(name)
            elif part.get_content_type() == "text/plain":
                plain.append(part_text(part))
            elif part.get_content_type() == "text/html":
                htmls.append(html_text(part_text(part)))
        text = "\n".join(plain) if plain else "\n".join(htmls)
        hdr = {k: " ".join(decoded(v) for v in hget_all(msg, k)) for k in ("Subject", "From", "To", "Cc", "Bcc")}
        m["snippet"] = snippet_of(text)
        m["idx"] = {"subject": hdr["Subject"].casefold(), "from": hdr["From"].casefold(),
                    "to": hdr["To"].casefold(), "cc": hdr["Cc"].casefold(), "bcc": hdr["Bcc"].casefold(),
                    "text": "\n".join([hdr["Subject"], hdr["From"], text, *htmls]).casefold(),
                    "attachment": attached, "filenames": " ".join(names).casefold(),
                    "subject_key": subject_key(hdr["Subject"])}

    def thread_by_references(self, msg):
        """Gmail threads incoming mail by In-Reply-To/References together with the same subject."""
        refs = references(msg)
        key = subject_key(decoded(hget(msg, "Subject")))
        for m in self.messages.values():
            if m["msgid"] and m["msgid"] in refs and m["idx"]["subject_key"] == key:
                return m["threadId"]
        return None

    def thread_for(self, msg, thread_id):
        """The thread a sent message or draft joins: the requested one if it exists and the message
        is a reply in it (References/In-Reply-To naming one of its messages, same subject), as Gmail's
        documentation requires; otherwise a new one."""
        if not thread_id or not self.thread(thread_id):
            return None
        refs = references(msg)
        key = subject_key(decoded(hget(msg, "Subject")))
        for m in self.thread(thread_id):
            if m["msgid"] in refs and m["idx"]["subject_key"] == key:
                return thread_id
        return None

    def load_fixtures(self):
        out = []
        for name, labels in FIXTURES:
            with open(os.path.join(MAIL_DIR, name), "rb") as fh:
                m = self.insert(fh.read(), labels)
            out.append({"file": name, "id": m["id"], "threadId": m["threadId"]})
        return out

    def generate(self, size, kind="attachment", subject=None):
        """A message of at least SIZE bytes, made up at run time (big messages are not kept in git)."""
        head = ("From: Generator <generator@example.org>\r\nTo: %s\r\nSubject: %s\r\n"
                "Date: %s\r\nMessage-ID: <gen-%d-%d@example.org>\r\nMIME-Version: 1.0\r\n"
                % (self.address, subject or f"Generated {kind} message of {size} bytes",
                   email.utils.formatdate(usegmt=True), size, self.serial + 1))
        if kind == "text":
            line = b"The quick brown fox jumps over the lazy dog. 0123456789 abcdefghijklmnopqrstuvw\r\n"
            head += "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
            n = max(0, size - len(head)) // len(line) + 1
            return head.encode() + line * n
        head += ('Content-Type: multipart/mixed; boundary="gen-boundary"\r\n\r\n--gen-boundary\r\n'
                 "Content-Type: text/plain; charset=us-ascii\r\n\r\nThe attachment is generated data.\r\n"
                 "--gen-boundary\r\nContent-Type: application/octet-stream; name=\"blob.bin\"\r\n"
                 "Content-Disposition: attachment; filename=\"blob.bin\"\r\n"
                 "Content-Transfer-Encoding: base64\r\n\r\n")
        tail = "\r\n--gen-boundary--\r\n"
        n = max(0, size - len(head) - len(tail)) * 57 // 78 + 57
        blob = hashlib.sha256(b"gmail-oauth").digest() * (n // 32 + 1)
        b64 = base64.encodebytes(blob[:n]).replace(b"\n", b"\r\n").rstrip(b"\r\n")
        return head.encode() + b64 + tail.encode()

    # ---- reading ----
    def get(self, mid):
        if not re.fullmatch(r"[0-9a-fA-F]{1,16}", mid or ""):
            raise ApiError(400, "Invalid id value")
        m = self.messages.get(mid.lower())
        if m is None:
            raise not_found()
        return m

    def thread(self, tid):
        return sorted((m for m in self.messages.values() if m["threadId"] == tid),
                      key=lambda m: (m["internalDate"], m["id"]))

    def minimal(self, m):
        out = {"id": m["id"], "threadId": m["threadId"]}
        if m["labelIds"]:  # Gmail leaves the key out when a message has no label
            out["labelIds"] = list(m["labelIds"])
        return out

    def render(self, m, fmt="full", metadata_headers=()):
        out = self.minimal(m)
        out["snippet"] = m["snippet"]
        if fmt == "full":
            out["payload"] = self.part_tree(m, m["msg"], "")
        elif fmt == "metadata":
            want = {h.casefold() for h in metadata_headers}
            headers = [h for h in self.headers(m["msg"]) if not want or h["name"].casefold() in want]
            out["payload"] = {"mimeType": m["msg"].get_content_type(), "headers": headers}
        out["sizeEstimate"] = len(m["raw"])
        if fmt == "raw":
            out["raw"] = b64url(m["raw"])
        out.update(historyId=str(m["historyId"]), internalDate=str(m["internalDate"]))
        return out

    @staticmethod
    def headers(part):
        return [{"name": k, "value": raw_value(v)} for k, v in part.raw_items()]

    def part_tree(self, m, part, pid):
        out = {"partId": pid, "mimeType": part.get_content_type(), "filename": part_filename(part),
               "headers": self.headers(part)}
        if part.get_content_maintype() == "multipart" and isinstance(part.get_payload(), list):
            out["body"] = {"size": 0}
            out["parts"] = [self.part_tree(m, p, f"{pid}.{i}" if pid else str(i))
                            for i, p in enumerate(part.get_payload())]
            return out
        data = leaf_bytes(part)
        if out["filename"] or len(data) > INLINE_MAX:
            out["body"] = {"attachmentId": self.attachment_id(m, pid), "size": len(data)}
        else:
            out["body"] = {"size": len(data), "data": b64url(data)} if data else {"size": 0}
        return out

    @staticmethod
    def attachment_id(m, pid):
        # Opaque and long like Google's; it names the message and the part. (Gmail's change from one
        # messages.get to the next, and all of them work; ours are stable.)
        tag = hashlib.sha256(f"{m['id']}/{pid}".encode()).digest()
        return "ANGjdJ" + b64url(f"{m['id']}/{pid}/".encode() + tag).rstrip("=")

    def attachment(self, m, aid):
        try:
            mid, pid, _ = base64.urlsafe_b64decode(aid[6:] + "=" * (-len(aid[6:]) % 4)).split(b"/", 2)
            mid, pid = mid.decode(), pid.decode()
            if not aid.startswith("ANGjdJ") or mid != m["id"] or aid != self.attachment_id(m, pid):
                raise ValueError
            part = m["msg"]
            for i in (pid.split(".") if pid else []):
                part = part.get_payload()[int(i)]
        except (ValueError, IndexError, TypeError, UnicodeError):
            raise ApiError(400, "Invalid attachment token")
        return leaf_bytes(part)

    # ---- searching ----
    def search(self, q="", label_ids=(), include_spam_trash=False):
        """Messages matching q and carrying every label of label_ids, newest first."""
        clauses, explicit = self.parse_query(q or "")
        spam_trash_ok = include_spam_trash or explicit or any(x in ("SPAM", "TRASH") for x in label_ids)
        out = []
        for m in self.messages.values():
            if not all(x in m["labelIds"] for x in label_ids):
                continue
            if not spam_trash_ok and any(x in m["labelIds"] for x in ("SPAM", "TRASH")):
                continue
            if all(any(self.term(m, *alt) != neg for neg, *alt in clause) for clause in clauses):
                out.append(m)
        return sorted(out, key=lambda m: (m["internalDate"], m["id"]), reverse=True)

    @staticmethod
    def parse_query(q):
        """[[(negated, op, value), ...alternatives joined by OR], ...], and whether in:spam/trash/anywhere
        was named. Supported: is:, in:, label:, from:, to:, cc:, bcc:, subject:, has:attachment,
        filename:, after:/before:, newer_than:/older_than:, larger:/smaller:, rfc822msgid:, bare words
        and "phrases", -negation, OR. Other operators are ignored (taken as matching)."""
        clauses, join, explicit = [], False, False
        for neg, op, quoted, word in re.findall(r'(-?)(?:([A-Za-z_]+):)?(?:"([^"]*)"|([^\s"]+))', q):
            value = quoted if quoted else word
            if not op and not neg and value == "OR" and clauses:
                join = True
                continue
            op = op.lower() or None
            if op == "in" and value.lower() in ("spam", "trash", "anywhere"):
                explicit = True
            term = (bool(neg), op, value)
            if join:
                clauses[-1].append(term)
            else:
                clauses.append([term])
            join = False
        return clauses, explicit

    def term(self, m, op, value):
        v, idx, labels = value.casefold(), m["idx"], m["labelIds"]
        if op is None:
            return v in idx["text"]
        if op in ("from", "to", "cc", "bcc", "subject"):
            fields = ("to", "cc", "bcc") if op == "to" else (op,)
            return any(v in idx[f] for f in fields)
        if op == "is":
            flags = {"unread": "UNREAD" in labels, "read": "UNREAD" not in labels, "starred": "STARRED" in labels,
                     "important": "IMPORTANT" in labels}
            return flags.get(v, True)
        if op == "in":
            if v == "anywhere":
                return True
            return {"drafts": "DRAFT", "draft": "DRAFT"}.get(v, v.upper()) in labels
        if op == "label":
            norm = re.sub(r"[\s/]", "-", v)
            return any(x.casefold() == v or re.sub(r"[\s/]", "-", self.labels[x]["name"].casefold()) == norm
                       for x in labels if x in self.labels)
        if op == "has":
            return idx["attachment"] if v == "attachment" else True
        if op == "filename":
            return v in idx["filenames"]
        if op in ("after", "before", "newer", "older"):
            t = pacific_midnight(value)
            return t is None or (m["internalDate"] >= t if op in ("after", "newer") else m["internalDate"] < t)
        if op in ("newer_than", "older_than"):
            mm = re.fullmatch(r"(\d+)([dmy])", v)
            if not mm:
                return True
            t = time.time() * 1000 - int(mm[1]) * {"d": 1, "m": 31, "y": 366}[mm[2]] * 86400000
            return m["internalDate"] >= t if op == "newer_than" else m["internalDate"] < t
        if op in ("larger", "smaller"):
            mm = re.fullmatch(r"(\d+)([km]?)", v)
            if not mm:
                return True
            n = int(mm[1]) * {"": 1, "k": 1024, "m": 1 << 20}[mm[2]]
            return len(m["raw"]) > n if op == "larger" else len(m["raw"]) < n
        if op == "rfc822msgid":
            return m["msgid"].strip("<>").casefold() == v.strip("<>")
        return True

    # ---- changing ----
    def outgoing(self, raw, require_recipient=True):
        """Check and complete a message to be sent as Gmail does. Returns (raw to store, parsed
        message, envelope recipients, Bcc recipients)."""
        raw = crlf(raw)
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        recipients, bcc = [], []
        for name, addrs in addresses(msg, ("To", "Cc", "Bcc")):
            if addrs is None:
                raise ApiError(400, f"Invalid {name} header")
            recipients += addrs
            if name == "Bcc":
                bcc += addrs
        if require_recipient and not recipients:
            raise ApiError(400, "Recipient address required")
        lines, body = header_lines(raw)
        present = {n for n, _ in lines}
        out = []
        for name, line in lines:
            if not line.endswith(b"\r\n"):  # a message that is all header, without a last line end
                line += b"\r\n"
            if name == "bcc" and require_recipient:
                continue  # recipients never see Bcc; the brief wants the stored copy without it too
            if name == "from" and require_recipient:
                who = email.utils.getaddresses([raw_value(hget(msg, "From"))])
                if not who or not self.mine(who[0][1]):  # Gmail puts the account's address instead
                    display = who[0][0] if who else ""
                    line = ("From: " + email.utils.formataddr((display, self.address))).encode() + b"\r\n"
            out.append(line)
        if "from" not in present and require_recipient:
            out.insert(0, f"From: {self.address}\r\n".encode())
        if "date" not in present:
            out.append(f"Date: {email.utils.formatdate(localtime=False)}\r\n".encode())
        if "message-id" not in present:
            out.append(f"Message-ID: <CA+fake{os.urandom(12).hex()}@mail.gmail.com>\r\n".encode())
        raw = b"".join(out) + body
        return raw, email.message_from_bytes(raw, policy=email.policy.compat32), recipients, bcc

    def send(self, raw, thread_id=None, via="json", labels=None):
        raw, msg, recipients, bcc = self.outgoing(raw)
        # Sending to oneself also delivers to the inbox, as in Gmail
        labels = labels or (["UNREAD", "SENT", "INBOX"] if any(self.mine(a) for a in recipients) else ["SENT"])
        m = self.insert(raw, labels, self.thread_for(msg, thread_id), int(time.time() * 1000), auto_thread=False)
        self.sent.append({"id": m["id"], "threadId": m["threadId"], "via": via, "recipients": recipients,
                          "bcc": bcc, "size": len(raw), "rfc822": raw.decode("utf-8", "replace")})
        return m

    def create_draft(self, raw, thread_id=None):
        raw, msg, _, _ = self.outgoing(raw, require_recipient=False)
        m = self.insert(raw, ["DRAFT"], self.thread_for(msg, thread_id), int(time.time() * 1000), auto_thread=False)
        did = "r%d" % (int(m["id"], 16) % 10**19)  # Gmail's draft ids: "r" and a long decimal number
        self.drafts[did] = m["id"]
        return did, m

    def send_draft(self, did):
        mid = self.drafts.get(did)
        if mid is None or mid not in self.messages:
            raise not_found()
        m = self.messages[mid]
        sent = self.send(m["raw"], m["threadId"] if m["threadId"] != m["id"] else None, via="draft")
        del self.drafts[did], self.messages[mid]
        return sent

    def modify(self, m, add, remove):
        if not add and not remove:
            raise ApiError(400, "No label add or removes specified")
        for x in [*add, *remove]:
            if not isinstance(x, str) or x not in self.labels or x in FIXED_LABELS:
                raise ApiError(400, f"Invalid label: {x}")
        m["labelIds"] = [x for x in m["labelIds"] if x not in remove] + \
            [x for x in dict.fromkeys(add) if x not in m["labelIds"] and x not in remove]
        self.history += 1
        m["historyId"] = self.history

    def label_info(self, lid):
        if lid not in self.labels:
            raise not_found()
        msgs = [m for m in self.messages.values() if lid in m["labelIds"]]
        threads = {m["threadId"] for m in msgs}
        unread = [m for m in msgs if "UNREAD" in m["labelIds"]]
        return dict(self.labels[lid], messagesTotal=len(msgs), messagesUnread=len(unread),
                    threadsTotal=len(threads), threadsUnread=len({m["threadId"] for m in unread}))

    def summary(self):
        """Every message in brief, for /control/gmail/mailbox."""
        return [{"id": m["id"], "threadId": m["threadId"], "labelIds": m["labelIds"],
                 "internalDate": str(m["internalDate"]), "subject": decoded(hget(m["msg"], "Subject")),
                 "sizeEstimate": len(m["raw"])}
                for m in sorted(self.messages.values(), key=lambda m: (m["internalDate"], m["id"]), reverse=True)]
