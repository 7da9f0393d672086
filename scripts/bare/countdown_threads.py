#!/usr/bin/env python3
"""The course's countdown in threads, without bakeoff.

Per repetition: `--threads` threading.Thread objects running countdown(n)
are created, started together and joined (the wall of that), and the same
countdowns are run one after another in the main thread (the sequential
wall). Under the GIL the two walls are about equal; the ratio
threads / sequential shows it. The order alternates between repetitions
(threads first on even ones) so drift hits both.

    python3 scripts/bare/countdown_threads.py --n 5000000 --threads 2 --reps 3

Prints one JSON line; nothing else goes to stdout. Self-contained (stdlib
only, Python 3.8+) so the program measured is the program read.
"""
import argparse
import json
import platform
import statistics
import sys
import time
from threading import Thread


def countdown(n):
    while n > 0:
        n -= 1


def python_info():
    gil = getattr(sys, "_is_gil_enabled", None)
    return {
        "executable": sys.executable,
        "version": platform.python_version(),
        "implementation": sys.implementation.name,
        "gil_enabled": gil() if gil is not None else True,
    }


def in_threads(n, threads):
    """Wall of `threads` countdowns in threads started together, in ns."""
    t1 = time.monotonic_ns()
    workers = [Thread(target=countdown, args=(n,)) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return time.monotonic_ns() - t1


def one_after_another(n, times):
    """Wall of `times` countdowns in the main thread, in ns."""
    t1 = time.monotonic_ns()
    for _ in range(times):
        countdown(n)
    return time.monotonic_ns() - t1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=5_000_000, help="countdown start (default 5 000 000)")
    ap.add_argument("--threads", type=int, default=2, help="threads, one countdown each (default 2)")
    ap.add_argument("--reps", type=int, default=3, help="measured repetitions (default 3)")
    ap.add_argument("--warmup", type=int, default=0, help="unmeasured repetitions first (default 0)")
    a = ap.parse_args()
    if a.n < 0 or a.threads < 1 or a.reps < 1 or a.warmup < 0:
        ap.error("--n must be >= 0, --threads and --reps >= 1, --warmup >= 0")

    for _ in range(a.warmup):
        in_threads(a.n, a.threads)
        one_after_another(a.n, a.threads)
    threads_ns, seq_ns = [], []
    for rep in range(a.reps):
        if rep % 2 == 0:
            threads_ns.append(in_threads(a.n, a.threads))
            seq_ns.append(one_after_another(a.n, a.threads))
        else:
            seq_ns.append(one_after_another(a.n, a.threads))
            threads_ns.append(in_threads(a.n, a.threads))

    med_t = statistics.median(threads_ns)
    med_s = statistics.median(seq_ns)
    print(json.dumps({
        "program": "countdown_threads",
        "params": {"n": a.n, "threads": a.threads, "reps": a.reps, "warmup": a.warmup},
        "reps_ns": threads_ns,
        "median_ns": med_t,
        "sequential_reps_ns": seq_ns,
        "sequential_median_ns": med_s,
        "threads_over_sequential": med_t / med_s if med_s else None,
        "python": python_info(),
    }))


if __name__ == "__main__":
    main()
