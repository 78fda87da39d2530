#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Schema parity: our drop-ins for the reference server's four tools, as
# `tools/list` of `gmail-oauth mcp` shows them, have the reference's names,
# descriptions and inputSchemas key by key, and byte for byte once normalised
# (tests/mcp/reference-schema.json, copied from
# shared/reference/gmail_refresh_token.md, and
# tests/mcp/reference-mail-schemas.json, from shared/reference/mail_tools.md).
# No tool's schema uses $schema or additionalProperties, which some hosts
# reject.
set -u
exec "${PYTHON3:-python3}" - <<'PY'
import json, os, subprocess, sys

n = failed = 0
def ok(cond, name):
    global n, failed
    n += 1
    failed += not cond
    print(("ok" if cond else "not ok") + f" {n} - {name}")

def walk(ours, ref, path):
    """One TAP line per key of the reference, recursively."""
    if isinstance(ref, dict):
        ok(isinstance(ours, dict), f"{path} is an object")
        if not isinstance(ours, dict):
            return
        ok(sorted(ours) == sorted(ref), f"{path} has the keys {sorted(ref)} (ours: {sorted(ours)})")
        for key in ref:
            walk(ours.get(key), ref[key], f"{path}.{key}")
    else:
        ok(ours == ref, f"{path} == {json.dumps(ref)}" + ("" if ours == ref else f" (ours: {json.dumps(ours)})"))

mcp = os.path.join(os.environ["top_srcdir"], "tests", "mcp")
refs = [json.load(open(os.path.join(mcp, "reference-schema.json")))]
refs += json.load(open(os.path.join(mcp, "reference-mail-schemas.json")))
requests = [
    {"jsonrpc": "2.0", "id": 1, "method": "initialize",
     "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "schema", "version": "0"}}},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
]
out = subprocess.run(["gmail-oauth", "mcp"], input="".join(json.dumps(r) + "\n" for r in requests),
                     capture_output=True, text=True, timeout=30).stdout.splitlines()
tools = json.loads(out[1])["result"]["tools"]
normal = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"))
for ref in refs:
    ours = [t for t in tools if t["name"] == ref["name"]]
    ok(len(ours) == 1, f"tools/list has one {ref['name']}")
    if not ours:
        continue
    walk({k: ours[0][k] for k in ref if k in ours[0]}, ref, ref["name"])
    ok(ours[0]["inputSchema"].get("required") == ref["inputSchema"]["required"],
       f"{ref['name']}: required, in the same order")
    ok(normal({k: ours[0][k] for k in ref}) == normal(ref), f"{ref['name']}: byte for byte after normalisation")
text = json.dumps(tools)
ok("$schema" not in text and "additionalProperties" not in text, "no $schema, no additionalProperties")
ok(all(t.get("description") and t.get("title") and t.get("annotations") for t in tools),
   "every tool has a description, a title and annotations")
print(f"1..{n}")
sys.exit(1 if failed else 0)
PY
