# SPDX-License-Identifier: GPL-3.0-or-later
"""The OpenID Connect part of the Google stand-in (tests/fake-google.py imports it).

A code exchange whose scope has openid answers with an id_token: a well-formed JWT
(header.payload.signature, base64url without padding) whose signature is random bytes, as
gmail-oauth takes the token endpoint's TLS as the proof of its issuer (OpenID Connect Core
3.1.3.7). GET /userinfo answers for the access tokens the stand-in minted.

Control: POST /control/identity {"consent_email": "...", "id_token": KIND, "userinfo": KIND}
(every key optional; POST /control/reset restores the defaults). consent_email is the
account that "consents" in the browser: by default the login_hint, else DEFAULT_EMAIL.
"""

import base64, json, secrets, time

DEFAULT_EMAIL = "consent@example.com"
# What the code exchange's id_token is: good, or left out, or wrong in one way.
ID_TOKEN_KINDS = ("good", "none", "wrong_aud", "wrong_iss", "expired", "unverified", "no_email",
                  "string_verified", "bad_base64", "bad_json", "two_parts")
# What /userinfo answers: the grant's identity, or a failure.
USERINFO_KINDS = ("ok", "unverified", "no_email", "bad_json", "401", "500")


def new_config():
    return {"consent_email": None, "id_token": "good", "userinfo": "ok"}


def new_stats():
    return {"userinfo_requests": 0, "last_userinfo_authorization": None}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def consent_email(config, login_hint):
    return config["consent_email"] or login_hint or DEFAULT_EMAIL


def id_token(config, client_id, email, scope):
    """The id_token of a code exchange for EMAIL, or None (no openid scope, or kind none)."""
    scopes = scope.split()
    kind = config["id_token"]
    if "openid" not in scopes or kind == "none":
        return None
    now = int(time.time())
    claims = {"iss": "https://accounts.google.com", "azp": client_id, "aud": client_id,
              "sub": "1%020d" % (sum(email.encode()) * 7919), "at_hash": b64url(secrets.token_bytes(16)),
              "iat": now, "exp": now + 3600}
    if "email" in scopes or "https://www.googleapis.com/auth/userinfo.email" in scopes:
        claims.update(email=email, email_verified=True)
    if kind == "wrong_aud":
        claims["aud"] = claims["azp"] = "another-client.apps.googleusercontent.com"
    elif kind == "wrong_iss":
        claims["iss"] = "https://accounts.example.com"
    elif kind == "expired":
        claims.update(iat=now - 7200, exp=now - 3600)
    elif kind == "unverified":
        claims["email_verified"] = False
    elif kind == "no_email":
        claims.pop("email", None)
        claims.pop("email_verified", None)
    elif kind == "string_verified":  # as Google's own documentation shows it
        claims["email_verified"] = "true"
    header = b64url(json.dumps({"alg": "RS256", "kid": "fake-key", "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    if kind == "bad_base64":
        payload = payload[:10] + "*" + payload[11:]
    elif kind == "bad_json":
        payload = b64url(json.dumps(claims).encode()[:-1])
    signature = b64url(secrets.token_bytes(256))
    if kind == "two_parts":
        return header + "." + payload
    return ".".join((header, payload, signature))


def on_code_exchange(config, grant, body, client_id, code):
    """Remembers who consented in GRANT (for /userinfo) and adds the id_token to the token answer."""
    grant["email"] = consent_email(config, code.get("login_hint"))
    token = id_token(config, client_id, grant["email"], code["scope"])
    if token:
        body["id_token"] = token


def revoke_consent(grants, revoked):
    """Like Google, revoking one grant ends the user's consent to the client: every grant of the same
    client to the same identity (known for the grants of code exchanges) is revoked with it."""
    email = revoked.get("email")
    if email is None:
        return
    for g in grants:
        if g["client_id"] == revoked["client_id"] and (g.get("email") or "").lower() == email.lower():
            g["revoked"] = True


def serve_userinfo(handler, state):
    """GET /userinfo with "Authorization: Bearer TOKEN", as Google's OpenID Connect endpoint."""
    auth = handler.headers.get("Authorization", "")
    token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
    with state.lock:
        state.stats["userinfo_requests"] += 1
        state.stats["last_userinfo_authorization"] = "Bearer" if token else auth.split(" ")[0] or None
        kind = state.identity["userinfo"]
        grant = state.access.get(token) if token else None
        valid = grant is not None and not grant["revoked"] and state.access_expiry[token] > time.time()
        email = grant.get("email") if valid else None
        scopes = grant["scope"].split() if valid else []
    if kind == "500":
        return handler.send_google(500, {"error": {"code": 500, "message": "Backend Error"}})
    if not valid or kind == "401":
        return handler.send_google(401, {"error": "invalid_request",
                                         "error_description": "Invalid Credentials"},
                                   [("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/"')])
    if kind == "bad_json":
        return handler.send(200, "application/json; charset=utf-8", '{"sub": "1", "email": ')
    answer = {"sub": "1%020d" % (sum((email or "").encode()) * 7919)}
    if email and kind != "no_email" and ("email" in scopes
                                         or "https://www.googleapis.com/auth/userinfo.email" in scopes):
        answer.update(email=email, email_verified=kind != "unverified")
    handler.send_google(200, answer)


def control(handler, state, body):
    """POST /control/identity: sets consent_email, id_token and userinfo; answers the whole config."""
    for k, v in body.items():
        if k == "consent_email":
            ok = v is None or isinstance(v, str) and v != ""
        elif k == "id_token":
            ok = v in ID_TOKEN_KINDS
        elif k == "userinfo":
            ok = v in USERINFO_KINDS
        else:
            ok = False
        if not ok:
            return handler.send_json(400, {"error": f"bad identity setting {k}",
                                           "id_token": ID_TOKEN_KINDS, "userinfo": USERINFO_KINDS})
    with state.lock:
        state.identity.update(body)
        config = dict(state.identity)
    handler.send_json(200, config)
