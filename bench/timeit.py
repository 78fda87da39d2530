#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""timeit.py RUNS -- LABEL=COMMAND [LABEL=COMMAND...]

Runs each shell COMMAND RUNS times, interleaved (so that machine noise hits
every command alike), and prints a table of median, p10 and p90 wall time in
milliseconds. A row whose LABEL starts with "floor:" is a floor: every other
row shows its ratio to the nearest floor above it (the first row is one)."""
import statistics
import subprocess
import sys
import time


def main():
    runs = int(sys.argv[1])
    cases = [arg.split("=", 1) for arg in sys.argv[3:]]
    samples = {label: [] for label, _ in cases}
    for label, command in cases:  # warm-up, and fail early on a broken command
        subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL)
    for _ in range(runs):
        for label, command in cases:
            start = time.perf_counter()
            subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL)
            samples[label].append((time.perf_counter() - start) * 1000)
    floor = statistics.median(samples[cases[0][0]])
    print(f"{'':52} {'median':>9} {'p10':>8} {'p90':>8} {'ratio':>7}")
    for label, _ in cases:
        s = sorted(samples[label])
        med = statistics.median(s)
        p10 = s[len(s) // 10]
        p90 = s[(len(s) * 9) // 10]
        if label.startswith("floor:") and label != cases[0][0]:
            floor = med
            ratio = "  floor"
        else:
            ratio = f"{med / floor:6.2f}x"
        print(f"{label:52} {med:8.2f}ms {p10:7.2f}ms {p90:7.2f}ms {ratio}")


if __name__ == "__main__":
    main()
