# SPDX-License-Identifier: GPL-3.0-or-later
"""IMAP's ENVELOPE and BODYSTRUCTURE of a message (RFC 3501 7.4.2), for tests/fake-mail-servers.py.

Clients that list a mailbox (aerc) ask for both. Python's email package parses the message;
this module only writes what it found in IMAP's parenthesised syntax.
"""

import email, email.policy, email.utils


def quoted(value):
    """An IMAP quoted string, or NIL."""
    if value is None:
        return "NIL"
    text = str(value).replace("\r", " ").replace("\n", " ")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def addresses(msg, name):
    """An address list: ((name NIL mailbox host) ...), or NIL."""
    values = msg.get_all(name)
    if not values:
        return "NIL"
    out = []
    for display, addr in email.utils.getaddresses([str(v) for v in values]):
        mailbox, _, host = addr.partition("@")
        out.append(f"({quoted(display or None)} NIL {quoted(mailbox)} {quoted(host or None)})")
    return "(" + "".join(out) + ")" if out else "NIL"


def envelope(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    sender = addresses(msg, "Sender")
    reply_to = addresses(msg, "Reply-To")
    from_ = addresses(msg, "From")
    fields = [quoted(msg.get("Date")), quoted(msg.get("Subject")), from_,
              from_ if sender == "NIL" else sender, from_ if reply_to == "NIL" else reply_to,
              addresses(msg, "To"), addresses(msg, "Cc"), addresses(msg, "Bcc"),
              quoted(msg.get("In-Reply-To")), quoted(msg.get("Message-ID"))]
    return "ENVELOPE (" + " ".join(fields) + ")"


def structure(part):
    if part.is_multipart():
        children = "".join(structure(p) for p in part.get_payload())
        return f"({children} {quoted(part.get_content_subtype().upper())})"
    maintype, subtype = part.get_content_maintype().upper(), part.get_content_subtype().upper()
    params = [f"{quoted(k.upper())} {quoted(v)}" for k, v in part.get_params()[1:]] if part.get_params() else []
    if maintype == "TEXT" and not params:
        params = ['"CHARSET" "US-ASCII"']
    body = part.get_payload(decode=False)
    body = body if isinstance(body, str) else ""
    fields = [quoted(maintype), quoted(subtype), "(" + " ".join(params) + ")" if params else "NIL",
              quoted(part.get("Content-ID")), quoted(part.get("Content-Description")),
              quoted((part.get("Content-Transfer-Encoding") or "7BIT").upper()), str(len(body.encode()))]
    if maintype == "TEXT":
        fields.append(str(body.count("\n")))
    return "(" + " ".join(fields) + ")"


def bodystructure(raw):
    return "BODYSTRUCTURE " + structure(email.message_from_bytes(raw, policy=email.policy.compat32))
