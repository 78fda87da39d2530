# SPDX-License-Identifier: GPL-3.0-or-later
"""fake_google_faults: the faults tests/fake-google.py can inject at its token and revocation endpoints.

A fault is {"kind", "count", "endpoint", "retry_after", "seconds"} (see do_fault in fake-google.py);
apply(handler, fault) answers the request with it instead of the real answer. tests/fault-matrix.sh
drives every kind through every door.
"""

import email.utils, json, os, secrets, socket, struct, time

HTML, JSON = "text/html; charset=utf-8", "application/json; charset=utf-8"
DEFAULT_SCOPE = "https://mail.google.com/"
HUGE = 64 << 20  # the "huge*" faults' bodies: far beyond any cap a client should have


def err(status, error, description):
    return status, {"error": error, "error_description": description}


REVOKED = err(400, "invalid_grant", "Token has been expired or revoked.")
FAULT_ERRORS = {  # fault kind -> (status, JSON body); Google's JSON error answers
    "invalid_grant": REVOKED,
    "invalid_rapt": (400, {"error": "invalid_grant", "error_description": "reauth related error (invalid_rapt)",
                           "error_subtype": "invalid_rapt"}),
    "invalid_client": err(401, "invalid_client", "Unauthorized"),
    "unauthorized_client": err(401, "unauthorized_client", "Unauthorized"),
    "invalid_request": err(400, "invalid_request", "Bad Request"),
    "429": (429, {"error": "rate_limit_exceeded"}),          # Retry-After: retry_after, in seconds
    "429_date": (429, {"error": "rate_limit_exceeded"}),     # Retry-After: now + retry_after, as an HTTP-date
    "500": (500, {"error": "internal_failure"}),
    "503": (503, {"error": "temporarily_unavailable"}),
}
GOOD_TOKEN = '{"access_token": "ya29.fake-%s", "expires_in": 3599, "token_type": "Bearer"}'
STATIC_FAULTS = {  # fault kind -> (status, content type, body)
    "401_plain": (401, "text/plain; charset=utf-8", "Unauthorized\n"),  # no OAuth error code
    "502_html": (502, HTML, "<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"),
    "504": (504, HTML, "<html><body>Gateway Timeout</body></html>"),
    "non_json": (200, HTML, "<html><body>Service Unavailable</body></html>"),
    # JSON, but no object: json-c parses it to NULL, without an error.
    "null_json": (200, JSON, "null"),
    "empty_200": (200, JSON, ""),
    "bad_json": (200, JSON, '{"token_type": "Bearer", "expires_in": 3599}'),
    "wrong_types": (200, JSON, '{"access_token": 12345, "expires_in": "soon", "token_type": "Bearer"}'),
    # A good token answer labelled as something else than JSON.
    "wrong_content_type": (200, "text/plain; charset=utf-8", GOOD_TOKEN % "ctype"),
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
    # Not UTF-8 at all (no overlong form): bytes that never occur in UTF-8, in a field that is no token.
    "invalid_utf8": (200, JSON, b'{"access_token": "ya29.fake-u", "expires_in": 3599, '
                                b'"scope": "https://mail.google.com/\xff\xfe"}'),
}
# Faults that are no complete HTTP answer, or a large one, made by apply() itself.
DYNAMIC_FAULTS = {"timeout", "reset", "reset_mid_body", "truncated", "garbage", "trailing", "oversized", "huge",
                  "huge_chunked", "huge_error", "redirect", "redirect_other_host"}
FAULT_KINDS = set(FAULT_ERRORS) | set(STATIC_FAULTS) | DYNAMIC_FAULTS


def hang_up(handler, rst):
    """Closes the connection at once: with RST (linger on with timeout 0) or with FIN."""
    handler.close_connection = True
    try:
        handler.wfile.flush()
    except OSError:
        pass
    if rst:
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.rfile.close()  # drops the last reference, so the descriptor is closed now


def send_partial(handler, announced, body):
    """Headers announcing ANNOUNCED body bytes, then BODY (shorter), unflushed to the end."""
    handler.send_response(200)
    handler.send_header("Content-Type", JSON)
    handler.send_header("Content-Length", str(announced))
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()


def send_huge(handler, status, ctype, head, size, tail, chunked=False):
    """An answer with SIZE filler bytes between HEAD and TAIL, for clients that must cap what they read."""
    chunk = b"a" * 65536
    handler.send_response(status)
    handler.send_header("Content-Type", ctype)
    if chunked:
        handler.send_header("Transfer-Encoding", "chunked")
    else:
        handler.send_header("Content-Length", str(len(head) + size + len(tail)))
    handler.end_headers()
    frame = (lambda b: b"%x\r\n%s\r\n" % (len(b), b)) if chunked else (lambda b: b)
    try:
        handler.wfile.write(frame(head))
        for _ in range(size // len(chunk)):
            handler.wfile.write(frame(chunk))
        handler.wfile.write(frame(tail))
        if chunked:
            handler.wfile.write(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True


def apply(handler, f):
    """Answers the request HANDLER is serving with fault F."""
    k = f["kind"]
    if k in FAULT_ERRORS:
        status, body = FAULT_ERRORS[k]
        headers = []
        if k == "429":
            headers = [("Retry-After", str(f["retry_after"]))]
        elif k == "429_date":
            when = f["retry_after"]
            headers = [("Retry-After", when if isinstance(when, str)
                        else email.utils.formatdate(time.time() + when, usegmt=True))]
        return handler.send_google(status, body, headers)
    if k in STATIC_FAULTS:
        return handler.send(*STATIC_FAULTS[k])
    if k == "timeout":
        handler.close_connection = True
        time.sleep(f["seconds"])
        return
    if k == "reset":  # RST instead of FIN, before any answer
        return hang_up(handler, rst=True)
    if k == "reset_mid_body":  # half a token answer, then RST
        send_partial(handler, 200, b'{"access_token": "ya29.fake-')
        return hang_up(handler, rst=True)
    if k == "truncated":  # Content-Length larger than what is sent, then FIN
        send_partial(handler, 500, (GOOD_TOKEN % "truncated").encode()[:40])
        return hang_up(handler, rst=False)
    if k == "garbage":  # bytes that are no HTTP at all
        handler.wfile.write(b"\x00\x9c\xfe garbage \xff" + os.urandom(64) + b"\r\n\r\n")
        return hang_up(handler, rst=False)
    if k == "trailing":
        body = {"access_token": "ya29.fake-trailing-" + secrets.token_hex(16), "expires_in": 3599,
                "scope": DEFAULT_SCOPE, "token_type": "Bearer"}
        return handler.send(200, JSON, json.dumps(body) + "garbage")
    if k == "redirect":
        host = handler.headers.get("Host") or "127.0.0.1:%d" % handler.server.server_address[1]
        return handler.send(302, headers=[("Location", f"http://{host}/token")])
    if k == "redirect_other_host":
        return handler.send(307, headers=[("Location", "https://oauth2.example.invalid/token")])
    if k == "oversized":  # 8 MiB: beyond the token endpoint's cap, within the Gmail API's
        return send_huge(handler, 200, JSON, b'{"access_token":"', 8 << 20, b'"}')
    if k in ("huge", "huge_chunked"):
        return send_huge(handler, 200, JSON, b'{"access_token":"', HUGE, b'"}', chunked=k == "huge_chunked")
    if k == "huge_error":  # a 503 whose error page never ends
        return send_huge(handler, 503, HTML, b"<html><body>", HUGE, b"</body></html>")
    raise AssertionError("unknown fault kind " + k)
