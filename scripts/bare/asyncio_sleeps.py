#!/usr/bin/env python3
"""The course's concurrent asyncio sleeps, without bakeoff.

The shape of the course's 10 000 x sleep(5) example: a coroutine function
that awaits asyncio.sleep, and asyncio.gather over `--tasks` of them, inside
one asyncio.run(main()). Per repetition:

1. gc.collect(), then the resident memory before (VmRSS);
2. the high-water mark is reset (`5` written to /proc/self/clear_refs) and
   checked: VmHWM must have dropped to about VmRSS, else the output says so
   and the peak is the process's lifetime one;
3. the wall of building the coroutines and
   `await asyncio.gather(*[hello(seconds) for i in range(tasks)])`;
4. the peak (VmHWM) after it: bytes per task = (VmHWM - RSS before) / tasks.

A later repetition starts with the memory the allocator kept from the one
before (RSS before is higher, bytes per task lower); the first repetition
is the one a fresh process, like a bakeoff case, compares with.

    python3 scripts/bare/asyncio_sleeps.py --tasks 100000 --seconds 1 --reps 1

Prints one JSON line; nothing else goes to stdout. Linux only (reads
/proc/self/status). Self-contained (stdlib only, Python 3.8+) so the
program measured is the program read.
"""
import argparse
import asyncio
import gc
import json
import platform
import statistics
import sys
import time

# How far VmHWM may stay above VmRSS right after a reset and still count as
# reset: the two are read together, so only pages touched in between differ.
RESET_SLACK = 1 << 20


def status():
    """VmRSS and VmHWM of this process, in bytes."""
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, kb = line.split()[:2]
                out[key[:-1]] = int(kb) * 1024
    return out["VmRSS"], out["VmHWM"]


def reset_peak():
    """Reset VmHWM to VmRSS; None when it worked, else why it did not."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError as e:
        return "cannot write /proc/self/clear_refs ({}): the peak is the process's lifetime VmHWM".format(e)
    rss, hwm = status()
    if hwm > rss + RESET_SLACK:
        return "VmHWM stayed at {} bytes above VmRSS {} after the reset: the peak is the process's lifetime VmHWM".format(hwm, rss)
    return None


async def hello(seconds):
    await asyncio.sleep(seconds)


async def starter(tasks, seconds):
    await asyncio.gather(*[hello(seconds) for i in range(tasks)])


async def main(tasks, seconds, reps):
    walls, per_task, before, peaks, notes = [], [], [], [], []
    for _ in range(reps):
        gc.collect()
        rss_before, _ = status()
        note = reset_peak()
        if note is not None:
            notes.append(note)
        t1 = time.monotonic_ns()
        await starter(tasks, seconds)
        walls.append(time.monotonic_ns() - t1)
        _, hwm = status()
        before.append(rss_before)
        peaks.append(hwm)
        per_task.append(max(hwm - rss_before, 0) / tasks)
    return walls, per_task, before, peaks, notes


def python_info():
    gil = getattr(sys, "_is_gil_enabled", None)
    return {
        "executable": sys.executable,
        "version": platform.python_version(),
        "implementation": sys.implementation.name,
        "gil_enabled": gil() if gil is not None else True,
    }


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", type=int, default=10_000, help="concurrent sleeps (default 10 000)")
    ap.add_argument("--seconds", type=float, default=1.0, help="each sleep, in seconds (default 1)")
    ap.add_argument("--reps", type=int, default=1, help="measured gathers (default 1)")
    a = ap.parse_args()
    if a.tasks < 1 or a.reps < 1 or a.seconds < 0:
        ap.error("--tasks and --reps must be >= 1, --seconds >= 0")

    walls, per_task, before, peaks, notes = asyncio.run(main(a.tasks, a.seconds, a.reps))
    print(json.dumps({
        "program": "asyncio_sleeps",
        "params": {"tasks": a.tasks, "seconds": a.seconds, "reps": a.reps},
        "reps_ns": walls,
        "median_ns": statistics.median(walls),
        "bytes_per_task_reps": per_task,
        "bytes_per_task": statistics.median(per_task),
        "rss_before_bytes": before,
        "peak_bytes": peaks,
        "peak_reset": not notes,
        "peak_notes": sorted(set(notes)),
        "python": python_info(),
    }))
