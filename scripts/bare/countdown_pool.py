#!/usr/bin/env python3
"""The course's countdown in a multiprocessing Pool, without bakeoff.

A Pool(`--workers`) from multiprocessing.get_context(`--method`) is created
before any timing and warmed: every worker's initializer puts its pid on a
SimpleQueue and the parent takes one pid per worker, so every worker has
started. Then, per repetition, the wall of

    pool.map(countdown, [n] * tasks, chunksize=chunksize)

is measured. With 2 workers and 2 tasks on 2 free cores it is about half of
the two countdowns one after another.

    python3 scripts/bare/countdown_pool.py --method spawn --n 5000000 --reps 3

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


def countdown(n):
    while n > 0:
        n -= 1


def report_ready(ready):
    """Pool initializer: tell the parent this worker has started."""
    ready.put(os.getpid())


def python_info():
    gil = getattr(sys, "_is_gil_enabled", None)
    return {
        "executable": sys.executable,
        "version": platform.python_version(),
        "implementation": sys.implementation.name,
        "gil_enabled": gil() if gil is not None else True,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--method", choices=["fork", "spawn", "forkserver"], default="fork",
                    help="start method (default fork)")
    ap.add_argument("--n", type=int, default=5_000_000, help="countdown start (default 5 000 000)")
    ap.add_argument("--workers", type=int, default=2, help="pool processes (default 2)")
    ap.add_argument("--tasks", type=int, default=2, help="countdowns per map (default 2)")
    ap.add_argument("--chunksize", type=int, default=1, help="Pool.map chunksize (default 1)")
    ap.add_argument("--reps", type=int, default=3, help="measured repetitions (default 3)")
    ap.add_argument("--warmup", type=int, default=0, help="unmeasured maps first (default 0)")
    a = ap.parse_args()
    if a.n < 0 or min(a.workers, a.tasks, a.chunksize, a.reps) < 1 or a.warmup < 0:
        ap.error("--n must be >= 0, --workers, --tasks, --chunksize and --reps >= 1, --warmup >= 0")

    ctx = get_context(a.method)
    ready = ctx.SimpleQueue()
    with ctx.Pool(a.workers, initializer=report_ready, initargs=(ready,)) as pool:
        pids = [ready.get() for _ in range(a.workers)]
        work = [a.n] * a.tasks
        for _ in range(a.warmup):
            pool.map(countdown, work, chunksize=a.chunksize)
        reps_ns = []
        for _ in range(a.reps):
            t1 = time.monotonic_ns()
            pool.map(countdown, work, chunksize=a.chunksize)
            reps_ns.append(time.monotonic_ns() - t1)
        pool.close()
        pool.join()

    print(json.dumps({
        "program": "countdown_pool",
        "params": {"method": a.method, "n": a.n, "workers": a.workers, "tasks": a.tasks,
                   "chunksize": a.chunksize, "reps": a.reps, "warmup": a.warmup},
        "reps_ns": reps_ns,
        "median_ns": statistics.median(reps_ns),
        "worker_pids": pids,
        "python": python_info(),
    }))


if __name__ == "__main__":
    main()
