#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Golden tests of `gmail-oauth mcp`: each tests/mcp/*.golden file is a raw
# JSON-RPC exchange. Its requests are piped into the server at once, and its
# answers compared, after masking volatile values (tokens, times), with the
# server's output line by line. Then the lifecycle: end of input and signals.
#
# Golden file lines:
#   # ...              a comment
#   > TEXT             send TEXT and "\n"
#   >crlf TEXT         send TEXT and "\r\n"
#   >bytes ESCAPED     send bytes given with Python escapes (\xff, \r, \n, \0); no newline added
#   >pad SIZE TEXT     send TEXT with @PAD@ replaced by x's to make SIZE bytes, and "\n"
#   < TEXT             the next expected answer
# @CLIENT_ID@, @CLIENT_SECRET@ and @REFRESH_TOKEN@ stand for a client and a
# grant registered at the stand-in for each file; @VERSION@ for the package's.
set -u
exec "${PYTHON3:-python3}" - "$@" <<'EOF'
import codecs, glob, json, os, re, signal, subprocess, sys, time, urllib.request

srcdir = os.environ["top_srcdir"]
server_cmd = ["gmail-oauth", "mcp"]
n = failed = 0

def ok(cond, name, diag=""):
    global n, failed
    n += 1
    print(("ok" if cond else "not ok") + f" {n} - {name}")
    if not cond:
        failed += 1
        for line in diag.splitlines():
            print("#   " + line)
    sys.stdout.flush()

def control(path, body):
    req = urllib.request.Request(os.environ["GMO_FAKE_GOOGLE"] + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req) as resp:
        return json.load(resp)

VOLATILE = re.compile(r'(\\?"(?:access_token|refresh_token|expires_at)\\?":\\?")[^"\\]*')
SECONDS = re.compile(r'(\\?"expires_in\\?":)\d+')

def normalize(line):
    return SECONDS.sub(r"\1@SECONDS@", VOLATILE.sub(r"\1@MASKED@", line))

# A sanitizer build spends a while in its exit checks: allow it a second.
prompt = 1.0 if os.environ.get("GMO_SANITIZED", "0") != "0" else 0.1
version = subprocess.run(["gmail-oauth", "--version"], capture_output=True, text=True).stdout.split()[-1]

for path in sorted(glob.glob(os.path.join(srcdir, "tests", "mcp", "*.golden"))):
    name = os.path.basename(path)
    control("/control/client", {"client_id": "golden.apps.googleusercontent.com", "client_secret": "golden-secret"})
    rt = control("/control/grant", {"client_id": "golden.apps.googleusercontent.com"})["refresh_token"]
    subst = {"@CLIENT_ID@": "golden.apps.googleusercontent.com", "@CLIENT_SECRET@": "golden-secret",
             "@REFRESH_TOKEN@": rt, "@VERSION@": version}
    def fill(text):
        for k, v in subst.items():
            text = text.replace(k, v)
        return text
    data, expected = bytearray(), []
    with open(path, encoding="utf-8") as f:
        for raw in f.read().splitlines():
            if raw.startswith("#") or not raw.strip():
                continue
            kind, _, text = raw.partition(" ")
            text = fill(text)
            if kind == ">":
                data += text.encode() + b"\n"
            elif kind == ">crlf":
                data += text.encode() + b"\r\n"
            elif kind == ">bytes":
                data += codecs.escape_decode(text.encode())[0]
            elif kind == ">pad":
                size, _, template = text.partition(" ")
                pad = int(size) - len(template.encode()) + len("@PAD@")
                data += template.replace("@PAD@", "x" * pad).encode() + b"\n"
            elif kind == "<":
                expected.append(normalize(text))
            else:
                sys.exit(f"{name}: bad line: {raw}")
    start = time.monotonic()
    proc = subprocess.run(server_cmd, input=bytes(data), capture_output=True, timeout=60)
    took = time.monotonic() - start
    got = [normalize(l) for l in proc.stdout.decode("utf-8", "replace").split("\n")]
    ok(got[-1] == "", f"{name}: every answer ends with a newline")
    got = got[:-1] if got[-1] == "" else got
    diff = []
    for i in range(max(len(got), len(expected))):
        g = got[i] if i < len(got) else "(nothing)"
        e = expected[i] if i < len(expected) else "(nothing)"
        if g != e:
            diff.append(f"answer {i + 1}:\n  got:      {g[:2000]}\n  expected: {e[:2000]}")
    ok(not diff, f"{name}: {len(expected)} answers as expected", "\n".join(diff[:5]))
    ok(proc.returncode == 0, f"{name}: exit status 0 at end of input", f"status {proc.returncode}")
    stderr = proc.stderr.decode("utf-8", "replace")
    for label, secret in (("client secret", "golden-secret"), ("refresh token", rt)):
        ok(secret not in stderr, f"{name}: no {label} on stderr")
    ok(took < 20, f"{name}: done in {took:.2f} s")

# Lifecycle: a signal while idle ends the server at once with status 0; so
# does the end of input with a request still unanswered in a partial line.
INIT = (b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",'
        b'"capabilities":{},"clientInfo":{"name":"golden","version":"0"}}}\n')
for signo in (signal.SIGTERM, signal.SIGINT):
    proc = subprocess.Popen(server_cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(INIT)
    proc.stdin.flush()
    first = proc.stdout.readline()
    ok(b'"protocolVersion":"2025-11-25"' in first, f"{signo.name}: the server answered initialize")
    proc.stdin.write(b'{"jsonrpc":"2.0","id":2,')  # half a message: the server waits in read
    proc.stdin.flush()
    time.sleep(0.1)
    start = time.monotonic()
    proc.send_signal(signo)
    try:
        status = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        status = proc.wait()
    took = time.monotonic() - start
    ok(status == 0, f"{signo.name} while idle: exit status 0", f"status {status}")
    ok(took < prompt, f"{signo.name} while idle: exit within {prompt * 1000:.0f} ms ({took * 1000:.1f} ms)")
    ok(proc.stdout.read() == b"", f"{signo.name}: nothing more on stdout")
    proc.stdin.close()

proc = subprocess.Popen(server_cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
proc.stdin.write(INIT)
proc.stdin.flush()
first = proc.stdout.readline()
start = time.monotonic()
proc.stdin.close()
status = proc.wait(timeout=5)
took = time.monotonic() - start
ok(status == 0 and took < prompt, f"end of input: exit status 0 within {prompt * 1000:.0f} ms ({took * 1000:.1f} ms)",
   f"status {status}")

proc = subprocess.Popen(server_cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
proc.stdin.write(INIT)
proc.stdin.flush()
proc.stdout.readline()
proc.stdin.write(b'{"jsonrpc":"2.0","id":2,"method":"ping"}\n')
proc.stdin.flush()
line = proc.stdout.readline()
ok(line == b'{"jsonrpc":"2.0","id":2,"result":{}}\n', "each answer is flushed at once", repr(line))
proc.stdout.close()  # the client stops reading: writing fails with EPIPE
proc.stdin.write(b'{"jsonrpc":"2.0","id":3,"method":"ping"}\n')
proc.stdin.flush()
status = proc.wait(timeout=5)
ok(status == 0, "a client that closed our stdout: exit status 0", f"status {status}")
proc.stdin.close()

print(f"1..{n}")
sys.exit(1 if failed else 0)
EOF
