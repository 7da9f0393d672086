#!/usr/bin/env python3
"""A bare loop calling a trivial function once per task, without bakeoff.

    def noop(x):
        return x

Per repetition, the wall of `for x in inputs: noop(x)` over `--tasks`
inputs built beforehand, and that wall divided by the tasks: the least a
task can cost inside the interpreter, the floor bakeoff's own per-task
cost in a Python runner is compared with.

    python3 scripts/bare/noop_loop.py --tasks 1000000 --reps 5

Prints one JSON line; nothing else goes to stdout. Self-contained (stdlib
only, Python 3.8+) so the program measured is the program read.
"""
import argparse
import json
import platform
import statistics
import sys
import time


def noop(x):
    return x


def loop(inputs):
    """Wall of one call of noop per input, in ns."""
    t1 = time.monotonic_ns()
    for x in inputs:
        noop(x)
    return time.monotonic_ns() - t1


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
    ap.add_argument("--tasks", type=int, default=1_000_000, help="calls per repetition (default 1 000 000)")
    ap.add_argument("--reps", type=int, default=5, help="measured repetitions (default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="unmeasured repetitions first (default 1)")
    a = ap.parse_args()
    if a.tasks < 1 or a.reps < 1 or a.warmup < 0:
        ap.error("--tasks and --reps must be >= 1, --warmup >= 0")

    inputs = list(range(a.tasks))
    for _ in range(a.warmup):
        loop(inputs)
    reps_ns = [loop(inputs) for _ in range(a.reps)]
    med = statistics.median(reps_ns)
    print(json.dumps({
        "program": "noop_loop",
        "params": {"tasks": a.tasks, "reps": a.reps, "warmup": a.warmup},
        "reps_ns": reps_ns,
        "median_ns": med,
        "ns_per_task_reps": [w / a.tasks for w in reps_ns],
        "ns_per_task": med / a.tasks,
        "python": python_info(),
    }))


if __name__ == "__main__":
    main()
