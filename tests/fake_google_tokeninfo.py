# SPDX-License-Identifier: GPL-3.0-or-later
"""Google's tokeninfo endpoint for tests/fake-google.py, and the controls that kill tokens.

POST /tokeninfo (form access_token=...; GET with ?access_token= too, as Google takes both):
  200 with azp, aud, scope, exp and expires_in (strings, as Google sends them) for an access
  token the stand-in minted that has neither expired nor been revoked; else 400 invalid_token
  "Invalid Value", as Google. Counted in the stat tokeninfo_requests; faults: endpoint "tokeninfo".
POST /control/revoke-grant {"client_id"}: every grant of that client dies with its access tokens
  (the user removed the app's access, or changed the password).
POST /control/revoke-access {"token"}: one access token dies; its grant lives on.
"""

import json, time

KILLED = set()  # access tokens revoked one by one (guarded by the state's lock)


def new_stats():
    return {"tokeninfo_requests": 0, "last_tokeninfo_query": None}


def alive(state, token):
    """Whether Google would still take TOKEN. The caller holds state.lock."""
    grant = state.access.get(token)
    return (grant is not None and not grant["revoked"] and token not in KILLED
            and state.access_expiry[token] > time.time())


def do_tokeninfo(handler, state):
    token = handler.form().get("access_token") or handler.form(handler.query).get("access_token")
    with state.lock:
        state.stats["tokeninfo_requests"] += 1
        # Where the token came in (never the token): the client must not put it in the URL.
        state.stats["last_tokeninfo_query"] = "access_token" if "access_token" in handler.query else ""
        fault = state.take_fault("tokeninfo")
        good = not fault and token and alive(state, token)
        if good:
            grant, expiry = state.access[token], int(state.access_expiry[token])
    if fault:
        return handler.apply_fault(fault)
    if not good:
        return handler.send_google(400, {"error": "invalid_token", "error_description": "Invalid Value"})
    handler.send_google(200, {"azp": grant["client_id"], "aud": grant["client_id"], "scope": grant["scope"],
                              "exp": str(expiry), "expires_in": str(max(expiry - int(time.time()), 0)),
                              "access_type": "offline"})


def control_body(handler, key):
    try:
        value = json.loads(handler.body or b"{}").get(key)
    except (ValueError, AttributeError):
        value = None
    if not isinstance(value, str):
        handler.send_json(400, {"error": f"{key} (a string) is required"})
        return None
    return value


def do_revoke_grant(handler, state):
    client = control_body(handler, "client_id")
    if client is None:
        return
    with state.lock:
        grants = {id(g): g for g in state.refresh.values() if g["client_id"] == client and not g["revoked"]}
        for g in grants.values():
            g["revoked"] = True
    handler.send_json(200, {"revoked_grants": len(grants)})


def do_revoke_access(handler, state):
    token = control_body(handler, "token")
    if token is None:
        return
    with state.lock:
        known = token in state.access
        KILLED.add(token)
    handler.send_json(200, {"known": known})


ROUTES = {("POST", "/tokeninfo"): do_tokeninfo, ("GET", "/tokeninfo"): do_tokeninfo,
          ("POST", "/control/revoke-grant"): do_revoke_grant,
          ("POST", "/control/revoke-access"): do_revoke_access}
