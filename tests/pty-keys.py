#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""pty-keys: drives a terminal program (aerc) in a pseudo-terminal, step by step, for tests.

Usage: pty-keys.py [--timeout SECONDS] [--screen FILE] -- COMMAND [ARG...]  < STEPS

Each line of STEPS is one step:
  expect TEXT   waits until TEXT shows on the screen after the previous expect (escape
                sequences, cursor moves among them, count as white space); the terminal is told it was resized every second
                meanwhile, which makes a program that waits for an event draw again
  type TEXT     types TEXT one key at a time; \\r is Enter, \\e is Escape
  run CMD...    runs CMD (split as sh would, without expansions) beside the program, and
                waits for it; a step that fails ends the run
Exit status: 0 when every step was done, 1 (saying which step failed) otherwise, 2 on
bad usage. The program is then ended (SIGTERM, then SIGKILL); --screen FILE keeps what it
drew, escape sequences as spaces. Python 3.11 standard library only.
"""

import argparse, fcntl, os, pty, re, select, shlex, signal, struct, subprocess, sys, termios, time

ESCAPES = re.compile(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\x1b[=>]")


def flat(data):
    """What a screen shows, roughly: escape sequences (cursor moves too) as spaces, runs of
    white space as one."""
    return b" ".join(ESCAPES.sub(b" ", data).split())


def main():
    ap = argparse.ArgumentParser(description="Drives a terminal program in a pseudo-terminal.")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds each expect may wait")
    ap.add_argument("--screen", help="file that receives what the program drew")
    ap.add_argument("command", nargs="+")
    args = ap.parse_args()
    steps = [line.rstrip("\n").partition(" ") for line in sys.stdin if line.strip()]
    for verb, _, _ in steps:
        if verb not in ("expect", "type", "run"):
            print(f"pty-keys: unknown step “{verb}”", file=sys.stderr)
            return 2

    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(args.command[0], args.command)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    screen = b""
    seen = 0  # where the next expect starts looking

    def pump(seconds):
        nonlocal screen
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return True
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                return False  # the program ended
            screen += data

    status = 0
    for verb, _, arg in steps:
        if verb == "expect":
            deadline, want, found = time.monotonic() + args.timeout, arg.encode(), -1
            while found < 0 and time.monotonic() < deadline:
                alive = pump(1.0)
                found = flat(screen[seen:]).find(flat(want))
                if found < 0 and not alive:
                    break
                if found < 0:
                    os.kill(pid, signal.SIGWINCH)
            if found < 0:
                print(f"pty-keys: “{arg}” did not show within {args.timeout:g} s", file=sys.stderr)
                status = 1
                break
            seen = len(screen)
        elif verb == "type":
            for key in arg.replace("\\r", "\r").replace("\\e", "\x1b").encode():
                os.write(fd, bytes([key]))
                pump(0.1)
        else:
            done = subprocess.run(shlex.split(arg), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if done.returncode != 0:
                print(f"pty-keys: “{arg}” exited with status {done.returncode}", file=sys.stderr)
                status = 1
                break

    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            break
        for _ in range(20):
            if os.waitpid(pid, os.WNOHANG)[0]:
                break
            pump(0.1)
        else:
            continue
        break
    if args.screen:
        with open(args.screen, "wb") as fh:
            fh.write(ESCAPES.sub(b" ", screen))
    return status


if __name__ == "__main__":
    sys.exit(main())
