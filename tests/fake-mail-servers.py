#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""fake-mail-servers: loopback stand-ins for Gmail's SMTP and IMAP servers, for tests.

A login is accepted only by SASL XOAUTH2 or OAUTHBEARER with an access token that the Google
stand-in (tests/fake-google.py) minted and that is neither expired nor revoked: each login asks it
(POST /control/token-valid). A refused token gets Gmail's error challenge (a base64 JSON
continuation), then, after the client's empty answer, Gmail's refusal. Passwords never work.

SMTP: STARTTLS (as on port 587), and implicit TLS (as on port 465); EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA,
RSET, NOOP, QUIT; each message received is written to SPOOL/NNNNNN.eml, its envelope logged.
IMAP4rev1: implicit TLS (993); enough for mbsync and neomutt to read INBOX, whose messages are
the files of INBOX-DIR in name order (UID = position), read again at each SELECT; flags live in
memory. Every login and command is logged as a JSON line (never a token).

Usage: fake-mail-servers.py --google URL --cert PEM --key PEM --inbox DIR --spool DIR --log FILE
       --ports-file FILE   (writes {"smtp": N, "smtps": N, "imaps": N}; Python 3.11 stdlib only)
"""

import argparse, base64, binascii, json, os, re, signal, socket, socketserver, ssl, sys, threading
import time, urllib.request
import fake_mail_structure

MAX_LINE = 1 << 16
MAX_MESSAGE = 35 << 20
IDLE_WAIT = 60       # seconds of silence after which a connection is dropped
CHALLENGE_WAIT = 5   # ... when the client owes an answer to the error challenge
SCOPE = "https://mail.google.com/"
# Gmail's challenge for a refused token (to XOAUTH2 and OAUTHBEARER alike).
CHALLENGE = base64.b64encode(json.dumps({"status": "400", "schemes": "Bearer", "scope": SCOPE},
                                        separators=(",", ":")).encode()).decode()
SMTP_REFUSED = (b"535-5.7.8 Username and Password not accepted. For more information, go to\r\n"
                b"535 5.7.8  https://support.google.com/mail/?p=BadCredentials fake - gsmtp\r\n")
IMAP_REFUSED = b"NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)"
FLAGS = r"\Answered \Flagged \Draft \Deleted \Seen $NotPhishing $Phishing"
MAILBOXES = {"INBOX": r"\HasNoChildren", "[Gmail]": r"\HasChildren \Noselect",
             "[Gmail]/All Mail": r"\All \HasNoChildren", "[Gmail]/Drafts": r"\Drafts \HasNoChildren",
             "[Gmail]/Sent Mail": r"\HasNoChildren \Sent"}
ARGS = None
LOG_LOCK = threading.Lock()


class Hangup(Exception):
    """The client went away, or broke the protocol beyond an answer."""


def log(**event):
    with LOG_LOCK, open(ARGS.log, "a") as fh:
        fh.write(json.dumps(event) + "\n")


def token_valid(token):
    """Asks the Google stand-in; only what it minted, unexpired and unrevoked, with the mail scope."""
    req = urllib.request.Request(ARGS.google + "/control/token-valid", json.dumps({"token": token}).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        answer = json.load(r)
    return answer["valid"] and SCOPE in (answer["scope"] or "").split()


def sasl_credentials(mechanism, b64):
    """(user, token) from a SASL XOAUTH2 or OAUTHBEARER initial response, or None if malformed."""
    try:
        text = base64.b64decode(b64, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if mechanism == "XOAUTH2":  # user=EMAIL ^A auth=Bearer TOKEN ^A^A
        m = re.fullmatch(r"user=([^\x01]+)\x01auth=Bearer ([^\x01 ]+)\x01\x01", text)
        return (m[1], m[2]) if m else None
    # OAUTHBEARER (RFC 7628): gs2 header "n,a=EMAIL," then ^A-separated key=value pairs, ^A^A
    m = re.fullmatch(r"n,(?:a=([^,]*))?,\x01((?:[A-Za-z]+=[^\x01]*\x01)+)\x01", text)
    if not m:
        return None
    pairs = dict(kv.split("=", 1) for kv in m[2].split("\x01") if kv)
    auth = re.fullmatch(r"Bearer ([^ ]+)", pairs.get("auth", ""))
    user = (m[1] or "").replace("=2C", ",").replace("=3D", "=")
    return (user, auth[1]) if auth else None


class Conn:
    """A line-oriented socket that can start TLS; no buffered plaintext survives STARTTLS."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise Hangup()
        self.buf += data

    def readline(self):
        while b"\n" not in self.buf:
            if len(self.buf) > MAX_LINE:
                raise Hangup()
            self.fill()
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r")

    def read(self, n):
        while len(self.buf) < n:
            self.fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def starttls(self, context):
        if self.buf:  # commands pipelined after STARTTLS would be injected into the TLS session
            raise Hangup()
        self.sock = context.wrap_socket(self.sock, server_side=True)


class Handler(socketserver.BaseRequestHandler):
    def setup(self):
        self.request.settimeout(IDLE_WAIT)
        sock = self.request
        if self.server.implicit_tls:
            sock = self.server.context.wrap_socket(sock, server_side=True)
        self.conn, self.tls, self.user = Conn(sock), self.server.implicit_tls, None

    def handle(self):
        try:
            self.serve()
        except (Hangup, OSError, ssl.SSLError):
            pass

    def login(self, mechanism, b64, challenge):
        """Checks a SASL initial response; on refusal sends Gmail's challenge and reads the answer."""
        creds = sasl_credentials(mechanism, b64)
        ok = creds is not None and token_valid(creds[1])
        log(server=self.server.name, event="auth", mechanism=mechanism, user=creds and creds[0], accepted=ok)
        if ok:
            self.user = creds[0]
            return True
        challenge(CHALLENGE)
        # A client that does not answer (isync 1.4 stops there) is dropped, as Gmail drops it in
        # the end, only sooner.
        self.conn.sock.settimeout(CHALLENGE_WAIT)
        answer = self.conn.readline()  # an empty line (XOAUTH2), "AQ==" (OAUTHBEARER), or "*"
        self.conn.sock.settimeout(IDLE_WAIT)
        log(server=self.server.name, event="challenge_answer", empty=answer in (b"", b"AQ=="))
        return False


class Smtp(Handler):
    def reply(self, text):
        self.conn.send(text if text.endswith("\r\n") else text + "\r\n")

    def serve(self):
        self.reply("220 smtp.gmail.com ESMTP fake - gsmtp")
        helo = False
        mail_from, rcpts = None, []
        while True:
            line = self.conn.readline().decode("utf-8", "replace")
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            log(server=self.server.name, event="command", command=verb)
            if verb in ("EHLO", "HELO"):
                helo, mail_from, rcpts = True, None, []
                caps = ["SIZE 35882577", "8BITMIME", "ENHANCEDSTATUSCODES", "PIPELINING", "SMTPUTF8"]
                if self.tls:
                    caps.insert(1, "AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH")
                else:
                    caps.insert(1, "STARTTLS")
                if verb == "HELO":
                    caps = []
                lines = ["smtp.gmail.com at your service"] + caps
                self.reply("".join(f"250{'-' if i < len(lines) - 1 else ' '}{t}\r\n" for i, t in enumerate(lines)))
            elif verb == "STARTTLS" and not self.tls:
                self.reply("220 2.0.0 Ready to start TLS")
                self.conn.starttls(self.server.context)
                self.tls, helo = True, False
            elif verb == "QUIT":
                self.reply("221 2.0.0 closing connection fake - gsmtp")
                return
            elif verb in ("NOOP", "RSET"):
                mail_from, rcpts = (None, []) if verb == "RSET" else (mail_from, rcpts)
                self.reply("250 2.0.0 OK")
            elif not helo:
                self.reply("503 5.5.1 EHLO/HELO first.")
            elif verb == "AUTH":
                self.auth(arg)
            elif verb in ("MAIL", "RCPT", "DATA") and self.user is None:
                self.reply("530-5.7.0 Authentication Required.\r\n530 5.7.0 Learn more fake - gsmtp")
            elif verb == "MAIL" and arg.upper().startswith("FROM:"):
                mail_from, rcpts = re.sub(r"^<?([^> ]*)>?.*$", r"\1", arg[5:].strip()), []
                self.reply("250 2.1.0 OK")
            elif verb == "RCPT" and arg.upper().startswith("TO:") and mail_from is not None:
                rcpts.append(re.sub(r"^<?([^> ]*)>?.*$", r"\1", arg[3:].strip()))
                self.reply("250 2.1.5 OK")
            elif verb == "DATA" and rcpts:
                self.reply("354 Go ahead fake - gsmtp")
                self.receive(mail_from, rcpts)
                mail_from, rcpts = None, []
                self.reply("250 2.0.0 OK  1700000000 fake - gsmtp")
            elif verb in ("MAIL", "RCPT", "DATA"):
                self.reply("503 5.5.1 Bad sequence of commands.")
            else:
                self.reply("502 5.5.1 Unrecognized command.")

    def auth(self, arg):
        mechanism, _, initial = arg.partition(" ")
        mechanism = mechanism.upper()
        if not self.tls:
            return self.reply("530 5.7.0 Must issue a STARTTLS command first.")
        if self.user is not None:
            return self.reply("503 5.5.1 Already authenticated.")
        if mechanism not in ("XOAUTH2", "OAUTHBEARER"):
            log(server=self.server.name, event="auth", mechanism=mechanism, user=None, accepted=False)
            return self.reply("535 5.7.8 Username and Password not accepted. fake - gsmtp")
        if not initial:
            self.reply("334 ")
            initial = self.conn.readline().decode("ascii", "replace")
        if self.login(mechanism, initial.strip(), lambda c: self.reply("334 " + c)):
            self.reply("235 2.7.0 Accepted")
        else:
            self.conn.send(SMTP_REFUSED)

    def receive(self, mail_from, rcpts):
        lines = []
        size = 0
        while True:
            line = self.conn.readline()
            if line == b".":
                break
            size += len(line) + 2
            if size > MAX_MESSAGE:
                raise Hangup()
            lines.append(line[1:] if line.startswith(b".") else line)
        os.makedirs(ARGS.spool, exist_ok=True)
        n = len([f for f in os.listdir(ARGS.spool) if f.endswith(".eml")]) + 1
        path = os.path.join(ARGS.spool, "%06d.eml" % n)
        with open(path + ".tmp", "wb") as fh:
            fh.write(b"\n".join(lines) + b"\n")
        os.rename(path + ".tmp", path)
        log(server=self.server.name, event="message", user=self.user, mail_from=mail_from, rcpts=rcpts,
            file=os.path.basename(path))


class Mailbox:
    """INBOX: the files of --inbox, by name; UIDs are positions; flags are kept in memory."""
    lock = threading.Lock()
    uids = []     # UID - 1 -> file name
    flags = {}    # uid -> set of flags
    expunged = set()

    @classmethod
    def scan(cls, name):
        with cls.lock:
            if name != "INBOX":
                return []
            if os.path.isdir(ARGS.inbox):
                for f in sorted(os.listdir(ARGS.inbox)):
                    if f.endswith(".eml") and f not in cls.uids:
                        cls.uids.append(f)
                        cls.flags[len(cls.uids)] = set()
            return [u for u in range(1, len(cls.uids) + 1) if u not in cls.expunged]

    @classmethod
    def message(cls, uid):
        with open(os.path.join(ARGS.inbox, cls.uids[uid - 1]), "rb") as fh:
            data = fh.read()
        return re.sub(rb"\r?\n", b"\r\n", data)


def imap_tokens(text, literals):
    """The arguments of an IMAP command: atoms (with [...] kept whole), strings, literals, lists."""
    out = []
    stack = [out]
    i = 0
    while i < len(text):
        c = text[i]
        if c == " ":
            i += 1
        elif c == "(":
            stack[-1].append([])
            stack.append(stack[-1][-1])
            i += 1
        elif c == ")":
            if len(stack) == 1:
                raise ValueError("unbalanced )")
            stack.pop()
            i += 1
        elif c == '"':
            m = re.match(r'"((?:[^"\\]|\\.)*)"', text[i:])
            if not m:
                raise ValueError("unterminated string")
            stack[-1].append(re.sub(r"\\(.)", r"\1", m[1]))
            i += m.end()
        elif c == "{":
            m = re.match(r"\{\d+\+?\}", text[i:])
            if not m or not literals:
                raise ValueError("bad literal")
            stack[-1].append(literals.pop(0))
            i += m.end()
        else:
            j, depth = i, 0
            while j < len(text) and (depth > 0 or text[j] not in " ()"):
                depth += {"[": 1, "]": -1}.get(text[j], 0)
                j += 1
            stack[-1].append(text[i:j])
            i = j
    if len(stack) != 1:
        raise ValueError("unbalanced (")
    return out


def seq_set(spec, top):
    """The numbers of an IMAP sequence set ("1:*,7"), "*" being top, in order."""
    out = []
    for part in spec.split(","):
        lo, _, hi = part.partition(":")
        a, b = (top if x == "*" else int(x) for x in (lo, hi or lo))
        out.extend(range(min(a, b), max(a, b) + 1))
    return sorted(set(out))


def header_fields(msg, names, negate):
    head = msg.split(b"\r\n\r\n", 1)[0] + b"\r\n"
    fields = re.findall(rb"(?m)^[^ \t\r\n][^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*", head)
    wanted = {n.lower().encode() for n in names}
    return b"".join(f for f in fields if (f.split(b":", 1)[0].strip().lower() in wanted) != negate) + b"\r\n"


class Imap(Handler):
    def untagged(self, text):
        self.conn.send(f"* {text}\r\n")

    def capabilities(self):
        caps = "IMAP4rev1 UNSELECT NAMESPACE ID CHILDREN LITERAL+"
        return caps if self.user else caps + " SASL-IR AUTH=XOAUTH2 AUTH=OAUTHBEARER AUTH=PLAIN"

    def read_command(self):
        """One command line, its literals read out ({N} answered with a continuation, {N+} not)."""
        text, literals = b"", []
        while True:
            line = self.conn.readline()
            text += line
            m = re.search(rb"\{(\d+)(\+?)\}$", line)
            if not m:
                return text.decode("utf-8", "replace"), literals
            n = int(m[1])
            if n > MAX_MESSAGE:
                raise Hangup()
            if not m[2]:
                self.conn.send(b"+ go ahead\r\n")
            literals.append(self.conn.read(n))

    def serve(self):
        self.selected, self.readonly = None, False
        self.conn.send(b"* OK Gimap ready for requests from 127.0.0.1 fake\r\n")
        while True:
            text, literals = self.read_command()
            tag, _, rest = text.partition(" ")
            cmd, _, args = rest.partition(" ")
            cmd = cmd.upper()
            if cmd == "UID":
                sub, _, args = args.partition(" ")
                cmd = "UID " + sub.upper()
            log(server=self.server.name, event="command", command=cmd,
                args=args if cmd not in ("AUTHENTICATE", "LOGIN") else None)
            try:
                status = self.dispatch(tag, cmd, imap_tokens(args, literals))
            except (ValueError, IndexError, KeyError) as e:
                status = f"BAD {e or 'Invalid arguments'}"
            if status == "LOGOUT":
                return
            self.conn.send(f"{tag} {status}\r\n")

    def dispatch(self, tag, cmd, a):
        if cmd == "CAPABILITY":
            self.untagged("CAPABILITY " + self.capabilities())
            return "OK Thats all she wrote! fake"
        if cmd == "NOOP" or cmd == "CHECK":
            return "OK Success"
        if cmd == "LOGOUT":
            self.untagged("BYE LOGOUT Requested")
            self.conn.send(f"{tag} OK 73 good day (Success)\r\n")
            return "LOGOUT"
        if cmd == "ID":
            self.untagged('ID ("name" "GImap" "vendor" "Google, Inc.")')
            return "OK Success"
        if cmd == "LOGIN":
            log(server=self.server.name, event="auth", mechanism="LOGIN", user=None, accepted=False)
            return "NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)"
        if cmd == "AUTHENTICATE":
            return self.authenticate(a)
        if self.user is None:
            return "BAD Command not allowed in this state."
        if cmd == "NAMESPACE":
            self.untagged('NAMESPACE (("" "/")) NIL NIL')
            return "OK Success"
        if cmd in ("LIST", "LSUB"):
            ref, pattern = a[0], a[1]
            if pattern == "":  # asks for the hierarchy delimiter
                self.untagged(f'{cmd} (\\Noselect) "/" ""')
            rx = re.escape(ref + pattern).replace(r"\*", ".*").replace("%", "[^/]*")
            for name, attrs in MAILBOXES.items():
                if re.fullmatch(rx, name, re.I if name == "INBOX" else 0):
                    self.untagged(f'{cmd} ({attrs}) "/" "{name}"')
            return "OK Success"
        if cmd == "STATUS":
            if a[0] not in MAILBOXES:
                return "NO [NONEXISTENT] Unknown Mailbox: " + a[0] + " (Failure)"
            uids = Mailbox.scan(a[0])
            items = {"MESSAGES": len(uids), "UIDNEXT": len(Mailbox.uids) + 1, "UIDVALIDITY": 1,
                     "RECENT": 0, "UNSEEN": len([u for u in uids if "\\Seen" not in Mailbox.flags[u]])}
            self.untagged(f'STATUS "{a[0]}" (' + " ".join(f"{k} {items[k.upper()]}" for k in a[1]) + ")")
            return "OK Success"
        if cmd in ("SELECT", "EXAMINE"):
            return self.select(a[0], cmd == "EXAMINE")
        if self.selected is None:
            return "BAD Command not allowed in this state."
        if cmd in ("CLOSE", "UNSELECT"):
            if cmd == "CLOSE" and not self.readonly:
                self.expunge(silent=True)
            self.selected = None
            return "OK Returned to authenticated state. (Success)"
        if cmd == "EXPUNGE":
            self.expunge(silent=False)
            return "OK Success"
        if cmd in ("FETCH", "UID FETCH", "STORE", "UID STORE"):
            return self.messages(cmd, a)
        if cmd in ("SEARCH", "UID SEARCH"):
            return self.search(cmd, a)
        return "BAD Unknown command"

    def search(self, cmd, a):
        """SEARCH [CHARSET X] with ALL, SEEN, UNSEEN, DELETED and UNDELETED, all of them to hold (aerc)."""
        if a[:1] and a[0].upper() == "CHARSET":
            a = a[2:]
        flag = {"SEEN": ("\\Seen", True), "UNSEEN": ("\\Seen", False),
                "DELETED": ("\\Deleted", True), "UNDELETED": ("\\Deleted", False)}
        found = []
        for i, uid in enumerate(self.seen, 1):
            keep = True
            for key in (k.upper() for k in a):
                if key in flag:
                    keep = keep and (flag[key][0] in Mailbox.flags[uid]) == flag[key][1]
                elif key != "ALL":
                    raise ValueError("Unsupported search key " + key)
            if keep:
                found.append(uid if cmd.startswith("UID ") else i)
        self.untagged("SEARCH" + "".join(f" {n}" for n in found))
        return "OK SEARCH completed (Success)"

    def authenticate(self, a):
        mechanism = a[0].upper()
        if self.user is not None:
            return "BAD Already authenticated"
        if mechanism not in ("XOAUTH2", "OAUTHBEARER"):
            log(server=self.server.name, event="auth", mechanism=mechanism, user=None, accepted=False)
            return IMAP_REFUSED.decode()
        initial = a[1] if len(a) > 1 else None
        if initial is None:
            self.conn.send(b"+ \r\n")
            initial = self.conn.readline().decode("ascii", "replace")
        if self.login(mechanism, initial.strip(), lambda c: self.conn.send(f"+ {c}\r\n")):
            return f"OK {self.user} authenticated (Success)"
        return IMAP_REFUSED.decode()

    def select(self, name, readonly):
        if name.upper() == "INBOX":
            name = "INBOX"
        if name not in MAILBOXES or "Noselect" in MAILBOXES[name]:
            self.selected = None
            return "NO [NONEXISTENT] Unknown Mailbox: " + name + " (Failure)"
        self.selected, self.readonly = name, readonly
        self.seen = Mailbox.scan(name)
        self.untagged(f"FLAGS ({FLAGS})")
        self.untagged(f"OK [PERMANENTFLAGS ({FLAGS} \\*)] Flags permitted.")
        self.untagged("OK [UIDVALIDITY 1] UIDs valid.")
        self.untagged(f"{len(self.seen)} EXISTS")
        self.untagged("0 RECENT")
        self.untagged(f"OK [UIDNEXT {len(Mailbox.uids) + 1}] Predicted next UID.")
        return f"OK [{'READ-ONLY' if readonly else 'READ-WRITE'}] {name} selected. (Success)"

    def expunge(self, silent):
        with Mailbox.lock:
            for i in range(len(self.seen), 0, -1):
                uid = self.seen[i - 1]
                if "\\Deleted" in Mailbox.flags[uid]:
                    Mailbox.expunged.add(uid)
                    del self.seen[i - 1]
                    if not silent:
                        self.untagged(f"{i} EXPUNGE")

    def messages(self, cmd, a):
        by_uid = cmd.startswith("UID ")
        verb = cmd.split()[-1]
        if by_uid:
            wanted = set(seq_set(a[0], self.seen[-1] if self.seen else 0))
            targets = [(i, u) for i, u in enumerate(self.seen, 1) if u in wanted]
        else:
            nums = seq_set(a[0], len(self.seen))
            targets = [(i, self.seen[i - 1]) for i in nums if 1 <= i <= len(self.seen)]
        for i, uid in targets:
            items = self.store(uid, a[1], a[2]) if verb == "STORE" else self.fetch(uid, a[1])
            if items is not None:
                if by_uid and not any(x.startswith(b"UID ") for x in items):
                    items.insert(0, b"UID %d" % uid)
                self.conn.send(b"* %d FETCH (" % i + b" ".join(items) + b")\r\n")
        return "OK Success"

    def store(self, uid, how, flags):
        flags = set(flags if isinstance(flags, list) else [flags])
        if self.readonly:
            raise ValueError("Mailbox is read-only")
        with Mailbox.lock:
            have = Mailbox.flags[uid]
            op = how.upper().split(".")[0]
            if op == "FLAGS":
                have.clear()
            (have.difference_update if op == "-FLAGS" else have.update)(flags)
            shown = " ".join(sorted(have))
        return None if how.upper().endswith(".SILENT") else [f"FLAGS ({shown})".encode()]

    def fetch(self, uid, items):
        items = items if isinstance(items, list) else [items]
        macros = {"ALL": ["FLAGS", "INTERNALDATE", "RFC822.SIZE"], "FAST": ["FLAGS", "INTERNALDATE", "RFC822.SIZE"]}
        items = [x for item in items for x in macros.get(item.upper(), [item])]
        msg = Mailbox.message(uid)
        out = []
        for item in items:
            up = item.upper()
            m = re.fullmatch(r"(BODY(?:\.PEEK)?)\[([^\]]*)\](?:<(\d+)(?:\.(\d+))?>)?", item, re.I)
            if up == "UID":
                out.append(b"UID %d" % uid)
            elif up == "FLAGS":
                out.append(b"FLAGS (" + " ".join(sorted(Mailbox.flags[uid])).encode() + b")")
            elif up == "RFC822.SIZE":
                out.append(b"RFC822.SIZE %d" % len(msg))
            elif up in ("ENVELOPE", "BODYSTRUCTURE", "BODY"):
                make = fake_mail_structure.envelope if up == "ENVELOPE" else fake_mail_structure.bodystructure
                out.append(make(msg).replace("BODYSTRUCTURE", up, 1).encode())
            elif up == "INTERNALDATE":
                mtime = os.path.getmtime(os.path.join(ARGS.inbox, Mailbox.uids[uid - 1]))
                out.append(time.strftime('INTERNALDATE "%d-%b-%Y %H:%M:%S +0000"', time.gmtime(mtime)).encode())
            elif up in ("RFC822", "RFC822.HEADER", "RFC822.TEXT") or m:
                section = m[2].upper() if m else {"RFC822": "", "RFC822.HEADER": "HEADER", "RFC822.TEXT": "TEXT"}[up]
                head, _, body = msg.partition(b"\r\n\r\n")
                if section == "":
                    data = msg
                elif section == "HEADER":
                    data = head + b"\r\n\r\n"
                elif section == "TEXT":
                    data = body
                else:
                    f = re.fullmatch(r"HEADER\.FIELDS(\.NOT)? \((.*)\)", section)
                    if not f:
                        raise ValueError("Unsupported section " + section)
                    data = header_fields(msg, f[2].split(), bool(f[1]))
                name = f"BODY[{m[2]}]" if m else up  # BODY.PEEK[...] is answered as BODY[...]
                if m and m[3] is not None:
                    start = int(m[3])
                    data = data[start:start + int(m[4])] if m[4] else data[start:]
                    name += f"<{start}>"
                out.append(name.encode() + b" {%d}\r\n" % len(data) + data)
                if (m[1].upper() == "BODY" if m else up != "RFC822.HEADER") and not self.readonly:
                    with Mailbox.lock:
                        Mailbox.flags[uid].add("\\Seen")
            else:
                raise ValueError("Unsupported fetch item " + item)
        return out


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, name, context, implicit_tls, handler):
        self.name, self.context, self.implicit_tls = name, context, implicit_tls
        super().__init__(("127.0.0.1", 0), handler)


def main():
    global ARGS
    ap = argparse.ArgumentParser(description="Loopback stand-ins for Gmail's SMTP and IMAP servers.")
    for opt in ("google", "cert", "key", "inbox", "spool", "log", "ports-file"):
        ap.add_argument("--" + opt, required=True)
    ARGS = ap.parse_args()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(ARGS.cert, ARGS.key)
    servers = {"smtp": Server("smtp", context, False, Smtp), "smtps": Server("smtps", context, True, Smtp),
               "imaps": Server("imaps", context, True, Imap)}
    for s in servers.values():
        threading.Thread(target=s.serve_forever, daemon=True).start()
    tmp = f"{ARGS.ports_file}.tmp{os.getpid()}"
    with open(tmp, "w") as fh:
        json.dump({k: s.server_address[1] for k, s in servers.items()}, fh)
    os.rename(tmp, ARGS.ports_file)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
