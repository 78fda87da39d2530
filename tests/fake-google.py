#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""fake-google: a loopback stand-in for Google's OAuth 2.0 endpoints, for tests and benchmarks.

Serves POST /token (refresh_token and authorization_code grants), GET /auth (PKCE S256),
POST /revoke, with fault injection and a JSON control interface under /control/; and, with the
access tokens it minted, the Gmail API v1 under /gmail/v1/users/me/ (tests/fake_gmail_api.py);
/control/token-valid tells the mail stand-ins (tests/fake-mail-servers.py) whether a token is good.
Usage: fake-google.py --port-file FILE [--port N]   (Python 3.11 standard library only)
"""

import argparse, base64, email.utils, hashlib, html, http.server, json, os, re, secrets, signal, socket, struct
import sys, threading, time, urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree (it may be read-only, as in distcheck)
import fake_gmail_api  # noqa: E402 (after that)

MAX_BODY = 1 << 20
DEFAULT_SCOPE = "https://mail.google.com/"
# delay: before the token endpoint decides; answer_delay: after it has (a rotation is then done,
# and the answer is "in transit").
DEFAULT_CONFIG = {"rotation": False, "expires_in": 3599, "delay": 0.0, "answer_delay": 0.0, "auth_deny": False,
                  "clock_skew": 0}
LOOPBACK_PREFIXES = ("http://127.0.0.1:", "http://localhost:", "http://[::1]:")
PKCE_RE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
CHALLENGE_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
HTML, JSON = "text/html; charset=utf-8", "application/json; charset=utf-8"


def err(status, error, description):
    return status, {"error": error, "error_description": description}


REVOKED = err(400, "invalid_grant", "Token has been expired or revoked.")
FAULT_ERRORS = {  # fault kind -> (status, JSON body)
    "invalid_grant": REVOKED,
    "invalid_rapt": (400, {"error": "invalid_grant", "error_description": "reauth related error (invalid_rapt)",
                           "error_subtype": "invalid_rapt"}),
    "invalid_client": err(401, "invalid_client", "Unauthorized"),
    "unauthorized_client": err(401, "unauthorized_client", "Unauthorized"),
    "invalid_request": err(400, "invalid_request", "Bad Request"),
    "429": (429, {"error": "rate_limit_exceeded"}),
    "500": (500, {"error": "internal_failure"}),
    "503": (503, {"error": "temporarily_unavailable"}),
}
STATIC_FAULTS = {  # fault kind -> (status, content type, body)
    "504": (504, HTML, "<html><body>Gateway Timeout</body></html>"),
    "non_json": (200, HTML, "<html><body>Service Unavailable</body></html>"),
    # JSON, but no object: json-c parses it to NULL, without an error.
    "null_json": (200, JSON, "null"),
    "bad_json": (200, JSON, '{"token_type": "Bearer", "expires_in": 3599}'),
    "wrong_types": (200, JSON, '{"access_token": 12345, "expires_in": "soon", "token_type": "Bearer"}'),
    "nul_token": (200, JSON, '{"access_token": "ya29.a\\u0000b", "expires_in": 3599, "token_type": "Bearer"}'),
    "deep_json": (200, JSON, "[" * 10000 + "]" * 10000),
    # A 200 whose refresh_token would destroy the grant if it were stored.
    "empty_refresh_token": (200, JSON, '{"access_token": "ya29.fake-e", "expires_in": 3599, "refresh_token": ""}'),
    "multiline_refresh_token": (200, JSON, '{"access_token": "ya29.fake-m", "expires_in": 3599, '
                                           '"refresh_token": "1//fake-rt\\nquit=1"}'),
    "long_refresh_token": (200, JSON, '{"access_token": "ya29.fake-l", "expires_in": 3599, '
                                      '"refresh_token": "1//%s"}' % ("a" * 5000)),
    # What json-c 0.16 lets through: an overlong "/" (in the token, or in the scope, which is
    # no token), a lone surrogate escape (which it would make U+FFFD).
    "overlong_utf8": (200, JSON, b'{"access_token": "ya29.fake-\xc0\xaf", "expires_in": 3599}'),
    "overlong_utf8_scope": (200, JSON, b'{"access_token": "ya29.fake-o", "expires_in": 3599, '
                                       b'"scope": "https://mail.google.com/\xc0\xaf"}'),
    "lone_surrogate": (200, JSON, '{"access_token": "ya29.fake-s", "expires_in": 3599, '
                                  '"scope": "https://mail.google.com/\\ud800"}'),
}
FAULT_KINDS = set(FAULT_ERRORS) | set(STATIC_FAULTS) | {"timeout", "reset", "trailing", "oversized", "redirect"}
FAULT_ENDPOINTS = {"token": FAULT_KINDS, "revoke": FAULT_KINDS,
                   **{e: fake_gmail_api.FAULT_KINDS for e in fake_gmail_api.FAULT_ENDPOINTS}}


class Bad(Exception):
    """A malformed control request."""


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def s256(verifier):
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class State:
    """Everything the server remembers. Every method expects the caller to hold self.lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.clients = {}   # client_id -> client_secret
        self.refresh = {}   # refresh token -> grant {"client_id", "scope", "rt": current token, "revoked"}
        self.access = {}    # access token -> grant it was minted for
        self.access_expiry = {}  # access token -> when it expires (time.time() at mint + expires_in)
        self.gmail = fake_gmail_api.Mailbox()
        self.codes = {}     # auth code -> {"client_id", "redirect_uri", "challenge", "scope", "login_hint"}
        self.serial = 0
        self.reset()

    def reset(self):
        self.config = dict(DEFAULT_CONFIG)
        self.faults = []
        self.stats = {"token_requests": 0, "token_requests_by_grant_type": {}, "successful_refreshes": 0,
                      "successful_code_exchanges": 0, "auth_requests": 0, "revoke_requests": 0,
                      "last_auth": None, "last_token_request": None, "last_login_hint": None,
                      "issued_access_tokens": 0, "last_access_token": None, **fake_gmail_api.new_stats()}
        self.gmail.reset()

    def next(self):
        self.serial += 1
        return self.serial

    def valid(self, rt):
        g = self.refresh.get(rt)
        return g is not None and g["rt"] == rt and not g["revoked"]

    def new_rt(self):
        return f"1//fake-rt-{self.next()}-{secrets.token_hex(16)}"

    def add_grant(self, client_id, scope, rt=None):
        rt = rt or self.new_rt()
        self.refresh.pop(rt, None)  # re-registering moves the token to the end (newest)
        self.refresh[rt] = {"client_id": client_id, "scope": scope, "rt": rt, "revoked": False}
        return rt

    def rotate(self, grant):
        grant["rt"] = rt = self.new_rt()
        self.refresh[rt] = grant
        return rt

    def mint(self, grant, new_rt=None):
        at = f"ya29.fake-{self.next()}-{secrets.token_hex(16)}"
        self.access[at] = grant
        self.access_expiry[at] = time.time() + self.config["expires_in"]
        self.stats["issued_access_tokens"] += 1
        self.stats["last_access_token"] = at
        body = {"access_token": at, "expires_in": self.config["expires_in"]}
        if new_rt:
            body["refresh_token"] = new_rt
        body.update(scope=grant["scope"], token_type="Bearer")
        return 200, body

    def take_fault(self, endpoint):
        for i, f in enumerate(self.faults):
            if f["endpoint"] == endpoint:
                if f["count"] > 0:
                    f["count"] -= 1
                    if f["count"] == 0:
                        del self.faults[i]
                return dict(f)
        return None

    def token_grant(self, f, commit):
        """Check a /token form; with commit, carry it out. Returns (status, body), or None for a good dry run."""
        gt = f.get("grant_type")
        if not gt:
            return err(400, "invalid_request", "Missing required parameter: grant_type")
        if gt not in ("refresh_token", "authorization_code"):
            return err(400, "unsupported_grant_type", "Invalid grant_type: " + gt)
        need = ["refresh_token"] if gt == "refresh_token" else ["code", "redirect_uri"]
        for k in ["client_id", "client_secret"] + need:
            if not f.get(k):
                return err(400, "invalid_request", "Missing required parameter: " + k)
        cid = f["client_id"]
        if cid not in self.clients:
            return err(401, "invalid_client", "The OAuth client was not found.")
        if self.clients[cid] != f["client_secret"]:
            return err(401, "invalid_client", "Unauthorized")
        if gt == "refresh_token":
            if not self.valid(f["refresh_token"]):
                return REVOKED
            grant = self.refresh[f["refresh_token"]]
            if grant["client_id"] != cid:
                return err(401, "unauthorized_client", "Unauthorized")
            if not commit:
                return None
            self.stats["successful_refreshes"] += 1
            return self.mint(grant, self.rotate(grant) if self.config["rotation"] else None)
        code = self.codes.get(f["code"])
        if code is None:
            return err(400, "invalid_grant", "Malformed auth code.")
        if code["client_id"] != cid:
            return err(400, "invalid_grant", "Auth code was issued to another client.")
        if code["redirect_uri"] != f["redirect_uri"]:
            return err(400, "invalid_grant", "redirect_uri_mismatch")
        verifier = f.get("code_verifier", "")
        if not verifier:
            return err(400, "invalid_grant", "Missing code verifier.")
        if not PKCE_RE.match(verifier):
            return err(400, "invalid_grant", "Invalid code verifier.")
        if s256(verifier) != code["challenge"]:
            return err(400, "invalid_grant", "Bad code verifier.")
        if not commit:
            return None
        del self.codes[f["code"]]  # single use
        self.stats["successful_code_exchanges"] += 1
        self.stats["last_login_hint"] = code["login_hint"]
        grant = self.refresh[self.add_grant(cid, code["scope"])]
        return self.mint(grant, grant["rt"])

    def revoke(self, token):
        grant = self.refresh.get(token) if self.valid(token) else self.access.get(token)
        if grant is None or grant["revoked"]:
            return False
        grant["revoked"] = True  # like Google: revoking an access token revokes its refresh token too
        return True

    def snapshot(self):
        current = {}
        for rt, g in self.refresh.items():  # insertion order = issue order, so the newest valid one wins
            if g["rt"] == rt and not g["revoked"]:
                current[g["client_id"]] = rt
        out = dict(self.stats, token_requests_by_grant_type=dict(self.stats["token_requests_by_grant_type"]),
                   gmail_messages=len(self.gmail.messages))
        out.update(current_refresh_token=current, valid_refresh_tokens=[rt for rt in self.refresh if self.valid(rt)],
                   pending_faults=[dict(f) for f in self.faults], config=dict(self.config))
        return json.dumps(out) + "\n"


STATE = State()
ROUTES = {("POST", "/token"): "token", ("GET", "/auth"): "auth", ("POST", "/revoke"): "revoke",
          ("GET", "/control/stats"): "stats", ("POST", "/control/client"): "client",
          ("POST", "/control/grant"): "grant", ("POST", "/control/config"): "config",
          ("POST", "/control/fault"): "fault", ("POST", "/control/clear-faults"): "clear_faults",
          ("POST", "/control/reset"): "reset", ("POST", "/control/token-valid"): "token_valid"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 600  # idle keep-alive connections are dropped after this many seconds

    def version_string(self):
        return "fake-google"

    def log_message(self, fmt, *args):
        if os.environ.get("FAKE_GOOGLE_VERBOSE"):
            super().log_message(fmt, *args)

    def date_time_string(self, timestamp=None):
        if timestamp is None:
            with STATE.lock:
                timestamp = time.time() + STATE.config["clock_skew"]
        return email.utils.formatdate(timestamp, usegmt=True)

    # ---- plumbing ----
    def send(self, status, ctype=JSON, body=b"", headers=()):
        body = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status, obj, headers=()):
        self.send(status, JSON, json.dumps(obj) + "\n", headers)

    def send_google(self, status, obj, headers=()):
        """Google's endpoints answer pretty-printed JSON, never cached."""
        self.send(status, JSON, json.dumps(obj, indent=2), [("Cache-Control", "no-store"), *headers])

    def reject(self, status, message):
        self.close_connection = True
        self.send_json(status, {"error": message})

    def read_body(self):
        if self.headers.get("Transfer-Encoding"):
            return self.reject(411, "length_required")
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            n = -1
        if n < 0:
            return self.reject(400, "bad_content_length")
        if n > MAX_BODY:
            return self.reject(413, "request_too_large")
        self.body = self.rfile.read(n) if n else b""
        if len(self.body) < n:  # client hung up mid-body
            self.close_connection = True
            return False
        return True

    def form(self, text=None):
        text = self.body.decode("utf-8", "replace") if text is None else text
        out = {}
        for k, v in urllib.parse.parse_qsl(text, keep_blank_values=True):
            out.setdefault(k, v)
        return out

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        self.query = url.query
        if fake_gmail_api.owns(url.path):  # the Gmail API reads bodies larger than MAX_BODY itself
            return fake_gmail_api.serve(self, STATE, url)
        if not self.read_body():
            return
        name = ROUTES.get((self.command, url.path))
        if name:
            try:
                return getattr(self, "do_" + name)()
            except Bad as e:
                return self.send_json(400, {"error": str(e)})
        if any(p == url.path for _, p in ROUTES):
            return self.send_json(405, {"error": "method_not_allowed"})
        self.send_json(404, {"error": "not_found", "path": url.path})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = route

    # ---- faults ----
    def apply_fault(self, f):
        k = f["kind"]
        if k in FAULT_ERRORS:
            status, body = FAULT_ERRORS[k]
            return self.send_google(status, body, [("Retry-After", str(f["retry_after"]))] if k == "429" else [])
        if k in STATIC_FAULTS:
            return self.send(*STATIC_FAULTS[k])
        if k == "timeout":
            self.close_connection = True
            time.sleep(f["seconds"])
            return
        if k == "reset":  # RST instead of FIN: linger on with timeout 0, then really close the socket
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.rfile.close()  # drops the last reference, so the descriptor is closed now
            return
        if k == "trailing":
            body = {"access_token": "ya29.fake-trailing-" + secrets.token_hex(16), "expires_in": 3599,
                    "scope": DEFAULT_SCOPE, "token_type": "Bearer"}
            return self.send(200, JSON, json.dumps(body) + "garbage")
        if k == "redirect":
            host = self.headers.get("Host") or "127.0.0.1:%d" % self.server.server_address[1]
            return self.send(302, headers=[("Location", f"http://{host}/token")])
        if k == "oversized":
            self.send_oversized(b'{"access_token":"', 8 << 20, b'"}')

    def send_oversized(self, head, size, tail):
        """A 200 JSON answer with a string field of SIZE bytes, for clients that must cap what they read."""
        chunk = b"a" * 65536
        self.send_response(200)
        self.send_header("Content-Type", JSON)
        self.send_header("Content-Length", str(len(head) + size + len(tail)))
        self.end_headers()
        try:
            self.wfile.write(head)
            for _ in range(size // len(chunk)):
                self.wfile.write(chunk)
            self.wfile.write(tail)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # ---- Google endpoints ----
    def do_token(self):
        f = self.form()
        gt = f.get("grant_type", "")
        with STATE.lock:
            st = STATE.stats
            st["token_requests"] += 1
            by = st["token_requests_by_grant_type"]
            by[gt] = by.get(gt, 0) + 1
            st["last_token_request"] = f
            fault = STATE.take_fault("token")
            if not fault:
                result = STATE.token_grant(f, commit=False)
                delay = STATE.config["delay"]
        if fault:
            return self.apply_fault(fault)
        ctype = self.headers.get("Content-Type", "")
        if not ctype.lower().startswith("application/x-www-form-urlencoded"):
            return self.send_google(*err(400, "invalid_request", "Invalid content type: " + ctype))
        if result is None:
            if delay > 0:
                time.sleep(delay)
            with STATE.lock:  # check again: the world may have changed while we slept
                result = STATE.token_grant(f, commit=True)
                answer_delay = STATE.config["answer_delay"]
            if answer_delay > 0:
                time.sleep(answer_delay)
        self.send_google(*result)

    def do_auth(self):
        q = self.form(self.query)
        with STATE.lock:
            STATE.stats["auth_requests"] += 1
            STATE.stats["last_auth"] = q
            uri = q.get("redirect_uri", "")
            if q.get("client_id") not in STATE.clients:
                problem = ("invalid_client", "The OAuth client was not found.")
            elif q.get("response_type") != "code":
                problem = ("unsupported_response_type", "Invalid response_type: " + q.get("response_type", ""))
            elif not uri.startswith(LOOPBACK_PREFIXES):
                problem = ("redirect_uri_mismatch", "redirect_uri must be a loopback address: " + uri)
            elif not CHALLENGE_RE.match(q.get("code_challenge", "")) or q.get("code_challenge_method") != "S256":
                problem = ("invalid_request", "code_challenge (S256) missing or malformed")
            elif not q.get("scope"):
                problem = ("invalid_request", "Missing required parameter: scope")
            else:
                problem = None
                deny, code = STATE.config["auth_deny"], f"4/0fake-{STATE.next()}-{secrets.token_hex(16)}"
                if not deny:
                    STATE.codes[code] = {"client_id": q["client_id"], "redirect_uri": uri, "scope": q["scope"],
                                         "challenge": q["code_challenge"], "login_hint": q.get("login_hint")}
        if problem:
            page = ("<html><head><title>Error 400</title></head><body><h1>Access blocked: Authorization Error"
                    f"</h1><p>Error 400: {html.escape(problem[0])}</p><p>{html.escape(problem[1])}</p></body></html>")
            return self.send(400, HTML, page)
        params = {"error": "access_denied"} if deny else {"code": code}
        if "state" in q:
            params["state"] = q["state"]
        if not deny:
            params["scope"] = q["scope"]
        location = uri + ("&" if "?" in uri else "?") + urllib.parse.urlencode(params)
        self.send(302, headers=[("Location", location)])

    def do_revoke(self):
        token = self.form().get("token") or self.form(self.query).get("token")
        with STATE.lock:
            STATE.stats["revoke_requests"] += 1
            fault = STATE.take_fault("revoke")
            ok = not fault and token and STATE.revoke(token)
        if fault:
            return self.apply_fault(fault)
        if not token:
            return self.send_google(*err(400, "invalid_request", "Missing required parameter: token"))
        if not ok:
            return self.send_google(*err(400, "invalid_token", "Token expired or revoked"))
        self.send_google(200, {})

    # ---- control interface (JSON in, JSON out; a Bad exception becomes a 400 answer) ----
    def json_body(self):
        try:
            obj = json.loads(self.body or b"{}")
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            raise Bad("body must be a JSON object")
        return obj

    def do_stats(self):
        with STATE.lock:
            body = STATE.snapshot()
        self.send(200, JSON, body)

    def do_client(self):
        j = self.json_body()
        cid, secret = j.get("client_id"), j.get("client_secret")
        if not isinstance(cid, str) or not cid or not isinstance(secret, str):
            raise Bad("client_id and client_secret (strings) are required")
        with STATE.lock:
            STATE.clients[cid] = secret
        self.send_json(200, {"client_id": cid, "client_secret": secret})

    def do_grant(self):
        j = self.json_body()
        cid, rt, scope = j.get("client_id"), j.get("refresh_token"), j.get("scope", DEFAULT_SCOPE)
        if not isinstance(rt, (str, type(None))) or not isinstance(scope, str):
            raise Bad("refresh_token and scope must be strings")
        with STATE.lock:
            rt = STATE.add_grant(cid, scope, rt) if cid in STATE.clients else None
        if rt is None:
            raise Bad("unknown client_id (register it with /control/client)")
        self.send_json(200, {"refresh_token": rt})

    def do_config(self):
        j = self.json_body()
        for k, v in j.items():
            if k not in DEFAULT_CONFIG:
                raise Bad("unknown config key: " + k)
            kind = type(DEFAULT_CONFIG[k])
            if not (isinstance(v, bool) if kind is bool else is_int(v) or kind is float and isinstance(v, float)):
                raise Bad(f"config {k} must be a {kind.__name__}")
        with STATE.lock:
            STATE.config.update(j)
            config = dict(STATE.config)
        self.send_json(200, config)

    def do_fault(self):
        j = self.json_body()
        f = {"kind": j.get("kind"), "count": j.get("count", 1), "endpoint": j.get("endpoint", "token"),
             "retry_after": j.get("retry_after", 1), "seconds": j.get("seconds", 120)}
        kinds = FAULT_ENDPOINTS.get(f["endpoint"]) if isinstance(f["endpoint"], str) else None
        if kinds is None:
            raise Bad("unknown endpoint; known: " + " ".join(sorted(FAULT_ENDPOINTS)))
        if not isinstance(f["kind"], str) or f["kind"] not in kinds:
            raise Bad(f"unknown fault kind for {f['endpoint']}; known: " + " ".join(sorted(kinds)))
        # retry_after: seconds, or a string sent as it is (an HTTP date)
        if not (is_int(f["count"]) and (f["count"] > 0 or f["count"] == -1)
                and (is_int(f["retry_after"]) or isinstance(f["retry_after"], str))
                and (is_int(f["seconds"]) or type(f["seconds"]) is float)):
            raise Bad("bad count (-1 or > 0), retry_after (int or string) or seconds (number)")
        with STATE.lock:
            STATE.faults.append(f)
            faults = [dict(x) for x in STATE.faults]
        self.send_json(200, {"faults": faults})

    def do_clear_faults(self):
        with STATE.lock:
            STATE.faults.clear()
        self.send_json(200, {"ok": True})

    def do_token_valid(self):
        """{"token"} -> {"valid", "scope"}: minted here, not revoked (with its grant) and not expired."""
        token = self.json_body().get("token")
        if not isinstance(token, str):
            raise Bad("token (a string) is required")
        with STATE.lock:
            grant = STATE.access.get(token)
            valid = grant is not None and not grant["revoked"] and STATE.access_expiry[token] > time.time()
            scope = grant["scope"] if valid else None
        self.send_json(200, {"valid": valid, "scope": scope})

    def do_reset(self):
        with STATE.lock:
            STATE.reset()
        self.send_json(200, {"ok": True})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # never wait for a sleeping `timeout` fault on exit
    request_queue_size = 256

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):  # hang-ups are normal
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description="Loopback stand-in for Google's OAuth 2.0 endpoints.")
    ap.add_argument("--port-file", help="write the port number here (atomically); default: print it")
    ap.add_argument("--port", type=int, default=0, help="port to bind on 127.0.0.1 (0 = any free port)")
    args = ap.parse_args()

    def stop(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server = Server(("127.0.0.1", args.port), Handler)
    except OSError as e:
        sys.exit(f"fake-google: cannot listen on 127.0.0.1:{args.port}: {e}")
    port = server.server_address[1]
    if args.port_file:
        tmp = f"{args.port_file}.tmp{os.getpid()}"
        with open(tmp, "w") as fh:
            fh.write(f"{port}\n")
        os.rename(tmp, args.port_file)
    else:
        print(port, flush=True)
    try:
        server.serve_forever()
    except SystemExit:
        pass
    server.server_close()
    sys.stderr.flush()
    os._exit(0)  # daemon threads (sleeping faults, idle keep-alive connections) die with us


if __name__ == "__main__":
    main()
