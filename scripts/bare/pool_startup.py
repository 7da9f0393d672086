#!/usr/bin/env python3
"""Start-up and tear-down of a multiprocessing Pool, without bakeoff.

Per repetition, with ctx = multiprocessing.get_context(`--method`):

- start-up: from just before ctx.Pool(workers, initializer=...) until every
  worker is ready: each worker's initializer puts its pid on a
  ctx.SimpleQueue passed through initargs, and the parent takes `workers`
  pids from it;
- first result: then, the round trip of one trivial task (pool.apply);
- tear-down: pool.close(); pool.join().

With forkserver the fork server is started by the first Pool of the
process, so only the first repetition includes it (as every bakeoff case,
a fresh interpreter, does). `--parent-mb M` allocates and touches M MiB in
the parent first: fork copies the page tables of the parent.

    python3 scripts/bare/pool_startup.py --method spawn --workers 2 --reps 3

Prints one JSON line; nothing else goes to stdout. Self-contained (stdlib
only, Python 3.8+) so the program measured is the program read.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time
from multiprocessing import get_context


def report_ready(ready):
    """Pool initializer: tell the parent this worker has started."""
    ready.put(os.getpid())


def trivial(x):
    return x


def python_info():
    gil = getattr(sys, "_is_gil_enabled", None)
    return {
        "executable": sys.executable,
        "version": platform.python_version(),
        "implementation": sys.implementation.name,
        "gil_enabled": gil() if gil is not None else True,
    }


def vm_rss():
    """The process's resident memory in bytes (VmRSS), or None off Linux."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--method", choices=["fork", "spawn", "forkserver"], default="fork",
                    help="start method (default fork)")
    ap.add_argument("--workers", type=int, default=2, help="pool processes (default 2)")
    ap.add_argument("--reps", type=int, default=3, help="pools started (default 3)")
    ap.add_argument("--parent-mb", type=int, default=0,
                    help="MiB to allocate and touch in the parent first (default 0)")
    a = ap.parse_args()
    if a.workers < 1 or a.reps < 1 or a.parent_mb < 0:
        ap.error("--workers and --reps must be >= 1, --parent-mb >= 0")

    # bytes * n is one malloc and one memset: every page is touched.
    ballast = b"\x01" * (a.parent_mb << 20)
    ctx = get_context(a.method)
    startup_ns, first_ns, teardown_ns = [], [], []
    for _ in range(a.reps):
        ready = ctx.SimpleQueue()
        t1 = time.monotonic_ns()
        pool = ctx.Pool(a.workers, initializer=report_ready, initargs=(ready,))
        for _ in range(a.workers):
            ready.get()
        t2 = time.monotonic_ns()
        pool.apply(trivial, (0,))
        t3 = time.monotonic_ns()
        pool.close()
        pool.join()
        t4 = time.monotonic_ns()
        if hasattr(ready, "close"):  # Python 3.9+
            ready.close()
        startup_ns.append(t2 - t1)
        first_ns.append(t3 - t2)
        teardown_ns.append(t4 - t3)

    print(json.dumps({
        "program": "pool_startup",
        "params": {"method": a.method, "workers": a.workers, "reps": a.reps,
                   "parent_mb": a.parent_mb},
        "reps_ns": startup_ns,
        "median_ns": statistics.median(startup_ns),
        "first_result_reps_ns": first_ns,
        "first_result_median_ns": statistics.median(first_ns),
        "teardown_reps_ns": teardown_ns,
        "teardown_median_ns": statistics.median(teardown_ns),
        "parent_rss_bytes": vm_rss(),
        "ballast_bytes": len(ballast),
        "python": python_info(),
    }))


if __name__ == "__main__":
    main()
