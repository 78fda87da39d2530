# SPDX-License-Identifier: GPL-3.0-or-later
"""fake_gmail_control: the Gmail stand-in's part of the control interface, /control/gmail/... (JSON in,
JSON out; a bad request gets 400 {"error": "..."}). See tests/fake_gmail_api.py for the API itself."""

import hashlib, json, time

from fake_gmail import addresses, b64decode
from fake_gmail_api import HARD_CAP, read_body


def control(h, state, url):
    body = read_body(h)
    if body is None:
        return
    fn = CONTROL.get((h.command, url.path))
    if fn is None:
        return h.send_json(404, {"error": "not_found", "path": url.path})
    try:
        try:
            obj = json.loads(body or b"{}")
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            raise ValueError("body must be a JSON object")
        with state.lock:
            out = fn(state, obj)
    except (ValueError, TypeError) as e:
        return h.send_json(400, {"error": str(e)})
    h.send_json(200, out)


def c_message(state, j):
    """Deliver a message: {"rfc822": text} | {"raw": base64} | {"generate": {"size", "kind"?, "subject"?}},
    with optional labelIds (default UNREAD, CATEGORY_PERSONAL, INBOX), threadId, internalDate."""
    mb = state.gmail
    given = [k for k in ("rfc822", "raw", "generate") if k in j]
    if len(given) != 1:
        raise ValueError("exactly one of rfc822 (string), raw (base64 string), generate (object) is required")
    if "rfc822" in j:
        if not isinstance(j["rfc822"], str):
            raise ValueError("rfc822 must be a string")
        raw = j["rfc822"].encode("utf-8", "surrogateescape")
    elif "raw" in j:
        raw = b64decode(j["raw"])
        if raw is None:
            raise ValueError("raw must be base64 (standard or URL-safe)")
    else:
        g = j["generate"]
        if not isinstance(g, dict) or not isinstance(g.get("size"), int) or not 0 < g["size"] <= HARD_CAP \
                or g.get("kind", "attachment") not in ("attachment", "text"):
            raise ValueError("generate needs size (1..%d) and kind attachment|text" % HARD_CAP)
        raw = mb.generate(g["size"], g.get("kind", "attachment"), g.get("subject"))
    labels = j.get("labelIds", ["UNREAD", "CATEGORY_PERSONAL", "INBOX"])
    if not isinstance(labels, list) or not all(isinstance(x, str) and x in mb.labels for x in labels):
        raise ValueError("labelIds must be a list of known label ids")
    tid = j.get("threadId")
    if tid is not None and not (isinstance(tid, str) and mb.thread(tid)):
        raise ValueError("threadId names no thread")
    date = j.get("internalDate")
    if date is not None:
        if not (isinstance(date, int) or isinstance(date, str) and date.isdigit()):
            raise ValueError("internalDate must be epoch milliseconds")
        date = int(date)
    m = mb.insert(raw, labels, tid, date)
    return {"id": m["id"], "threadId": m["threadId"], "sizeEstimate": len(m["raw"]),
            "sha256": hashlib.sha256(m["raw"]).hexdigest()}


def c_fixtures(state, j):
    return {"messages": state.gmail.load_fixtures()}


def c_sent(state, j):
    return {"sent": [dict(x) for x in state.gmail.sent]}


def c_drafts(state, j):
    mb, out = state.gmail, []
    for did, mid in mb.drafts.items():
        m = mb.messages[mid]
        pairs = addresses(m["msg"], ("To", "Cc", "Bcc"))
        out.append({"id": did, "messageId": mid, "threadId": m["threadId"],
                    "recipients": [a for _, addrs in pairs for a in addrs or []],
                    "bcc": [a for n, addrs in pairs if n == "Bcc" for a in addrs or []],
                    "size": len(m["raw"]), "rfc822": m["raw"].decode("utf-8", "replace")})
    return {"drafts": out}


def c_reset(state, j):
    state.gmail.reset()
    return {"ok": True}


def c_config(state, j):
    mb = state.gmail
    for k, v in j.items():
        if k == "address" and isinstance(v, str) and "@" in v:
            mb.address = v
        elif k == "send_as" and isinstance(v, list) and all(isinstance(x, str) for x in v):
            mb.send_as = list(v)
        else:
            raise ValueError("known keys: address (string), send_as (list of strings)")
    return {"address": mb.address, "send_as": mb.send_as}


def c_expire(state, j):
    now, n = time.time(), 0
    for token, expiry in state.access_expiry.items():
        if expiry > now:
            state.access_expiry[token] = 0
            n += 1
    return {"expired": n}


def c_mailbox(state, j):
    mb = state.gmail
    return {"address": mb.address, "historyId": str(mb.history), "messages": mb.summary(),
            "drafts": dict(mb.drafts)}


CONTROL = {("POST", "/control/gmail/message"): c_message, ("POST", "/control/gmail/fixtures"): c_fixtures,
           ("GET", "/control/gmail/sent"): c_sent, ("GET", "/control/gmail/drafts"): c_drafts,
           ("POST", "/control/gmail/reset"): c_reset, ("POST", "/control/gmail/config"): c_config,
           ("POST", "/control/gmail/expire-tokens"): c_expire, ("GET", "/control/gmail/mailbox"): c_mailbox}
