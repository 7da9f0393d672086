#!/usr/bin/env python3
"""bakeoff's Python runners against bare Python programs, in one run.

For each measurement the issue names, this runs the bare program in
scripts/bare/ (no bakeoff) and bakeoff's matching py-* case, alternating
them repetition by repetition (bare, bakeoff, bare, bakeoff, ...) so that
drift of a shared machine hits both, and prints a Markdown table of the
medians, their ratio (bakeoff / bare) and the target:

- Pool(2) start-up per start method: bare pool_startup.py against bakeoff's
  `startup - interpreter_startup` of py-fork / py-spawn / py-forkserver
  (target <= 1.1x); tear-down beside it (no target);
- countdown walls, 2 tasks: in 2 threads (countdown_threads.py against
  py-threads) and in Pool(2) per start method (countdown_pool.py against
  py-fork, ...), target <= 1.1x; one after another (the bare program's
  sequential wall against py-seq), no target;
- 100 000 asyncio sleeps of 1 s (asyncio_sleeps.py against py-asyncio on
  the sleep workload): wall, target <= 1.05x, and bytes per task (bare:
  (VmHWM - RSS before) / tasks; bakeoff: peak RSS above idle / tasks),
  target <= 1.1x;
- noop, ns per task (noop_loop.py against py-seq on the noop workload): no
  target, the floor the harness's per-task cost is compared with.

Each bakeoff invocation runs one repetition per case (`--reps 1`), as each
bare invocation does, so every value in a median comes from its own
process on both sides.

    python3 scripts/python-vs-bare.py --reps 5
    python3 scripts/python-vs-bare.py --reps 2 --n 2000000 --sleep-tasks 10000 --json out.json
    python3 scripts/python-vs-bare.py --bare-only --reps 1     # without bakeoff

Stdlib only, Python 3.8+. The table goes to stdout; progress to stderr.
Exits 1 when a measurement has no value on a side it ran.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BARE = os.path.join(HERE, "bare")
METHODS = ("fork", "spawn", "forkserver")
GROUPS = ("countdown", "asyncio", "noop")


def default_bakeoff():
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target")
    return os.path.join(target, "release", "bakeoff")


class Series:
    """One row of the table: the values each side measured, one per run."""

    def __init__(self, key, label, target, fmt):
        self.key = key
        self.label = label
        self.target = target  # a ratio bakeoff / bare may reach, or None
        self.fmt = fmt  # "ns", "bytes" or "ns_small"
        self.bare = []
        self.bakeoff = []
        self.errors = []

    def median(self, side):
        values = getattr(self, side)
        return statistics.median(values) if values else None

    def ratio(self):
        bare, bak = self.median("bare"), self.median("bakeoff")
        if bare is None or bak is None or bare == 0:
            return None
        return bak / bare

    def as_json(self):
        r = self.ratio()
        return {
            "key": self.key,
            "measurement": self.label,
            "unit": "bytes" if self.fmt == "bytes" else "ns",
            "bare": self.bare,
            "bakeoff": self.bakeoff,
            "bare_median": self.median("bare"),
            "bakeoff_median": self.median("bakeoff"),
            "ratio": r,
            "target": self.target,
            "meets_target": None if r is None or self.target is None else r <= self.target,
            "errors": self.errors,
        }


def num(x):
    """A whole number with thin groups of three: 100 000."""
    return "{:,}".format(x).replace(",", "\u202f")


def series_list(a):
    rows = []
    for m in a.methods:
        rows.append(Series("startup/" + m, "Pool({}) start-up, {}".format(a.workers, m), 1.1, "ns"))
    for m in a.methods:
        rows.append(Series("teardown/" + m, "Pool({}) tear-down, {}".format(a.workers, m), None, "ns"))
    rows.append(Series("wall/threads", "countdown({}) ×{}, {} threads".format(
        num(a.n), a.tasks, a.tasks), 1.1, "ns"))
    for m in a.methods:
        rows.append(Series("wall/" + m, "countdown({}) ×{}, Pool({}) {}".format(
            num(a.n), a.tasks, a.workers, m), 1.1, "ns"))
    rows.append(Series("wall/seq", "countdown({}) ×{}, one after another".format(
        num(a.n), a.tasks), None, "ns"))
    rows.append(Series("sleep/wall", "{} asyncio sleeps of {:g} s, wall".format(
        num(a.sleep_tasks), a.sleep_seconds), 1.05, "ns"))
    rows.append(Series("sleep/bytes", "{} asyncio sleeps, bytes per task".format(
        num(a.sleep_tasks)), 1.1, "bytes"))
    rows.append(Series("noop/ns", "noop, ns per task ({} tasks)".format(num(a.noop_tasks)),
                       None, "ns_small"))
    groups = {
        "countdown": [r for r in rows if r.key.split("/")[0] in ("startup", "teardown", "wall")],
        "asyncio": [r for r in rows if r.key.startswith("sleep/")],
        "noop": [r for r in rows if r.key.startswith("noop/")],
    }
    return [r for g in a.only for r in groups[g]]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_bare(a, script, args):
    """One bare program's JSON line, or raises RuntimeError with why not."""
    cmd = [a.python, os.path.join(BARE, script)] + [str(x) for x in args]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if p.returncode != 0:
        tail = p.stderr.strip().splitlines()[-1:] or ["no stderr"]
        raise RuntimeError("{} exited with {}: {}".format(script, p.returncode, tail[0]))
    try:
        return json.loads(p.stdout)
    except ValueError:
        raise RuntimeError("{} printed no JSON line: {!r}".format(script, p.stdout[:200]))


def duration_arg(seconds):
    """bakeoff's duration syntax for a number of seconds: 1s, 250ms."""
    ms = round(seconds * 1000)
    return "{}s".format(ms // 1000) if ms % 1000 == 0 else "{}ms".format(ms)


def run_bakeoff(a, workdir, name, argv):
    """One `bakeoff run`; its results.json as a dict, or raises RuntimeError."""
    out = os.path.join(workdir, name)
    cmd = [a.bakeoff, "run"] + [str(x) for x in argv] + ["--reps", "1", "--out", out, "-q"]
    # The py-* runners take their interpreter from BAKEOFF_PYTHON: the bare one.
    env = dict(os.environ, BAKEOFF_PYTHON=a.python)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, env=env)
    path = os.path.join(out, "results.json")
    if not os.path.exists(path):
        tail = (p.stderr.strip() or p.stdout.strip()).splitlines()[-1:] or ["no output"]
        raise RuntimeError("`{}` exited with {} and wrote no results.json: {}".format(
            " ".join(cmd), p.returncode, tail[0]))
    with open(path) as f:
        return json.load(f)


def case_of(results, workload, runner):
    """The case of `runner` on `workload`, or raises RuntimeError naming why."""
    for c in results.get("cases", []):
        if c.get("workload") == workload and c.get("runner") == runner:
            if c.get("status") != "ok":
                reason = (c.get("failure") or {}).get("reason", "no reason given")
                raise RuntimeError("{} on {} {}: {}".format(runner, workload, c.get("status"),
                                                            reason))
            if not c.get("repetitions"):
                raise RuntimeError("{} on {}: no repetition".format(runner, workload))
            return c
    raise RuntimeError("no {} case on {} in results.json".format(runner, workload))


def record(rows, key, side, fn):
    """Append fn()'s value to the row `key` on `side`; errors are kept."""
    row = rows.get(key)
    if row is None:
        return
    try:
        v = fn()
        if v is None:
            raise RuntimeError("no value")
        getattr(row, side).append(v)
    except (RuntimeError, KeyError, TypeError, IndexError) as e:
        row.errors.append("{}: {}".format(side, e))


def bare_countdown(a, rows):
    try:
        out = run_bare(a, "countdown_threads.py", [
            "--n", a.n, "--threads", a.tasks, "--reps", 1, "--warmup", a.warmup])
        record(rows, "wall/threads", "bare", lambda: out["median_ns"])
        record(rows, "wall/seq", "bare", lambda: out["sequential_median_ns"])
    except RuntimeError as e:
        for k in ("wall/threads", "wall/seq"):
            record(rows, k, "bare", lambda: _raise(e))
    for m in a.methods:
        try:
            out = run_bare(a, "countdown_pool.py", [
                "--method", m, "--n", a.n, "--workers", a.workers, "--tasks", a.tasks,
                "--reps", 1, "--warmup", a.warmup])
            record(rows, "wall/" + m, "bare", lambda: out["median_ns"])
        except RuntimeError as e:
            record(rows, "wall/" + m, "bare", lambda: _raise(e))
        try:
            out = run_bare(a, "pool_startup.py", ["--method", m, "--workers", a.workers,
                                                  "--reps", 1])
            record(rows, "startup/" + m, "bare", lambda: out["median_ns"])
            record(rows, "teardown/" + m, "bare", lambda: out["teardown_median_ns"])
        except RuntimeError as e:
            for k in ("startup/" + m, "teardown/" + m):
                record(rows, k, "bare", lambda: _raise(e))


def _raise(e):
    raise e


def pool_start(case):
    startup, interp = case.get("startup"), case.get("interpreter_startup")
    if startup is None or interp is None:
        raise RuntimeError("{} has no startup or interpreter_startup".format(case["runner"]))
    return startup - interp


def bakeoff_countdown(a, rows, workdir, name, python_seen):
    runners = ["py-seq", "py-threads"] + ["py-" + m for m in a.methods]
    keys = ["wall/seq", "wall/threads"] + ["wall/" + m for m in a.methods] + \
        ["startup/" + m for m in a.methods] + ["teardown/" + m for m in a.methods]
    try:
        res = run_bakeoff(a, workdir, name, [
            "--workload", "countdown", "--runner", ",".join(runners),
            "--workers", a.workers, "--tasks", a.tasks, "--set", "n={}".format(a.n),
            "--warmup", a.warmup])
    except RuntimeError as e:
        for k in keys:
            record(rows, k, "bakeoff", lambda: _raise(e))
        return
    python_seen.append((res.get("environment") or {}).get("python"))
    wall = lambda r: case_of(res, "countdown", r)["repetitions"][0]["wall"]  # noqa: E731
    record(rows, "wall/seq", "bakeoff", lambda: wall("py-seq"))
    record(rows, "wall/threads", "bakeoff", lambda: wall("py-threads"))
    for m in a.methods:
        r = "py-" + m
        record(rows, "wall/" + m, "bakeoff", lambda: wall(r))
        record(rows, "startup/" + m, "bakeoff", lambda: pool_start(case_of(res, "countdown", r)))
        record(rows, "teardown/" + m, "bakeoff",
               lambda: case_of(res, "countdown", r)["teardown"])


def bare_asyncio(a, rows):
    try:
        out = run_bare(a, "asyncio_sleeps.py", ["--tasks", a.sleep_tasks, "--seconds",
                                                a.sleep_seconds, "--reps", 1])
        record(rows, "sleep/wall", "bare", lambda: out["median_ns"])
        record(rows, "sleep/bytes", "bare", lambda: out["bytes_per_task"])
        if not out.get("peak_reset", True):
            rows["sleep/bytes"].errors.append("bare: " + "; ".join(out.get("peak_notes", [])))
    except RuntimeError as e:
        for k in ("sleep/wall", "sleep/bytes"):
            record(rows, k, "bare", lambda: _raise(e))


def bakeoff_asyncio(a, rows, workdir, name, python_seen):
    try:
        res = run_bakeoff(a, workdir, name, [
            "--workload", "sleep", "--runner", "py-asyncio", "--tasks", a.sleep_tasks,
            "--set", "duration=" + duration_arg(a.sleep_seconds), "--warmup", 0])
    except RuntimeError as e:
        for k in ("sleep/wall", "sleep/bytes"):
            record(rows, k, "bakeoff", lambda: _raise(e))
        return
    python_seen.append((res.get("environment") or {}).get("python"))
    rep = lambda: case_of(res, "sleep", "py-asyncio")["repetitions"][0]  # noqa: E731
    record(rows, "sleep/wall", "bakeoff", lambda: rep()["wall"])
    record(rows, "sleep/bytes", "bakeoff", lambda: rep()["peak_rss"] / a.sleep_tasks)


def bare_noop(a, rows):
    try:
        out = run_bare(a, "noop_loop.py", ["--tasks", a.noop_tasks, "--reps", 1,
                                           "--warmup", a.warmup])
        record(rows, "noop/ns", "bare", lambda: out["ns_per_task"])
    except RuntimeError as e:
        record(rows, "noop/ns", "bare", lambda: _raise(e))


def bakeoff_noop(a, rows, workdir, name, python_seen):
    try:
        res = run_bakeoff(a, workdir, name, [
            "--workload", "noop", "--runner", "py-seq", "--tasks", a.noop_tasks,
            "--warmup", a.warmup])
    except RuntimeError as e:
        record(rows, "noop/ns", "bakeoff", lambda: _raise(e))
        return
    python_seen.append((res.get("environment") or {}).get("python"))
    record(rows, "noop/ns", "bakeoff",
           lambda: case_of(res, "noop", "py-seq")["repetitions"][0]["wall"] / a.noop_tasks)


def human(v, fmt):
    if v is None:
        return "—"
    if fmt == "bytes":
        return "{:,.0f} B".format(v).replace(",", " ")
    if v < 1e3:
        return ("{:.1f} ns" if fmt == "ns_small" else "{:.0f} ns").format(v)
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if v >= scale:
            x = v / scale
            return ("{:.3g} " + unit).format(x) if x < 100 else ("{:.0f} " + unit).format(x)
    return "{:.0f} ns".format(v)


def target_cell(row):
    if row.target is None:
        return "none (reference)" if row.key == "noop/ns" else "none"
    r = row.ratio()
    mark = "" if r is None else (" ✓" if r <= row.target else " ✗")
    return "≤ {:.2f}×{}".format(row.target, mark)


def load_average():
    try:
        return os.getloadavg()
    except OSError:
        return None


def cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


def markdown(a, rows, env, pythons):
    lines = []
    lines.append("# bakeoff's Python runners against bare Python")
    lines.append("")
    lines.append("- when: {} to {} UTC".format(env["started"], env["finished"]))
    lines.append("- machine: {} logical cores; load average {} at the start, {} at the end".format(
        env["cores"], _load(env["load_start"]), _load(env["load_end"])))
    if env["cores"] and env["cores"] <= 2:
        lines.append("- note: with 2 cores or fewer the pool's workers, the parent and (for "
                     "bakeoff) its orchestrator share them; other processes on the machine "
                     "shift both sides alike only because they alternate")
    lines.append("- bare: {} (Python {})".format(a.python, env["bare_python_version"]))
    if not a.bare_only:
        lines.append("- bakeoff: {}; its Python: {}".format(a.bakeoff, pythons or "not reported"))
    lines.append("- repetitions: {}{}; warm-up {}; countdown n = {}, {} tasks, {} workers, "
                 "chunksize 1".format(a.reps, " of the bare programs only" if a.bare_only else
                                      ", alternating bare and bakeoff", a.warmup, num(a.n),
                                      a.tasks, a.workers))
    lines.append("")
    lines.append("| measurement | bare median | bakeoff median | ratio | target | n |")
    lines.append("| --- | ---: | ---: | ---: | --- | --- |")
    for row in rows:
        r = row.ratio()
        lines.append("| {} | {} | {} | {} | {} | {}/{} |".format(
            row.label, human(row.median("bare"), row.fmt), human(row.median("bakeoff"), row.fmt),
            "—" if r is None else "{:.3f}×".format(r), target_cell(row),
            len(row.bare), len(row.bakeoff)))
    notes = [(row.label, e) for row in rows for e in row.errors]
    if notes:
        lines.append("")
        lines.append("Missing or doubtful values:")
        seen = set()
        for label, e in notes:
            if (label, e) in seen:
                continue
            seen.add((label, e))
            lines.append("- {}: {}".format(label, e))
    lines.append("")
    lines.append("ratio = bakeoff median / bare median; n = values bare/bakeoff. Pool start-up "
                 "on the bakeoff side is the case's startup minus interpreter_startup; bytes "
                 "per task there is peak RSS above idle / tasks. bakeoff's pools hand the "
                 "tasks out with imap_unordered(chunksize=1), the bare program with "
                 "map(chunksize=1); both tear down with close(); join().")
    return "\n".join(lines)


def _load(la):
    return "unknown" if la is None else " ".join("{:.2f}".format(x) for x in la)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--bakeoff", default=default_bakeoff(),
                    help="the bakeoff binary (default $CARGO_TARGET_DIR or target/, release/bakeoff)")
    ap.add_argument("--python", default=sys.executable,
                    help="the interpreter for the bare programs (default: this one)")
    ap.add_argument("--reps", type=int, default=3, help="alternations per measurement (default 3)")
    ap.add_argument("--warmup", type=int, default=1,
                    help="unmeasured batches before each countdown/noop measurement, both sides "
                         "(default 1; the sleeps have none)")
    ap.add_argument("--n", type=int, default=10_000_000, help="countdown start (default 10 000 000)")
    ap.add_argument("--tasks", type=int, default=2, help="countdowns per batch (default 2)")
    ap.add_argument("--workers", type=int, default=2, help="pool processes (default 2)")
    ap.add_argument("--methods", default=",".join(METHODS),
                    help="start methods, comma-separated (default fork,spawn,forkserver)")
    ap.add_argument("--sleep-tasks", type=int, default=100_000,
                    help="concurrent asyncio sleeps (default 100 000)")
    ap.add_argument("--sleep-seconds", type=float, default=1.0, help="each sleep (default 1 s)")
    ap.add_argument("--noop-tasks", type=int, default=100_000, help="noop tasks (default 100 000)")
    ap.add_argument("--only", default=",".join(GROUPS),
                    help="measurement groups, comma-separated (default countdown,asyncio,noop)")
    ap.add_argument("--bare-only", action="store_true", help="run only the bare programs")
    ap.add_argument("--keep", metavar="DIR",
                    help="keep bakeoff's runs in DIR (default: a temporary directory, removed)")
    ap.add_argument("--json", metavar="OUT", help="also write every value and the table as JSON")
    a = ap.parse_args()
    a.methods = [m.strip() for m in a.methods.split(",") if m.strip()]
    a.only = [g.strip() for g in a.only.split(",") if g.strip()]
    for m in a.methods:
        if m not in METHODS:
            ap.error("--methods: `{}` is not one of {}".format(m, ", ".join(METHODS)))
    for g in a.only:
        if g not in GROUPS:
            ap.error("--only: `{}` is not one of {}".format(g, ", ".join(GROUPS)))
    if min(a.reps, a.tasks, a.workers, a.sleep_tasks, a.noop_tasks) < 1 or a.n < 0 \
            or a.warmup < 0 or a.sleep_seconds < 0:
        ap.error("--reps, --tasks, --workers, --sleep-tasks and --noop-tasks must be >= 1, "
                 "--n, --warmup and --sleep-seconds >= 0")
    if not a.bare_only and not os.access(a.bakeoff, os.X_OK):
        ap.error("--bakeoff {}: not an executable; build it (cargo build --release) or pass "
                 "--bare-only".format(a.bakeoff))

    ordered = series_list(a)
    rows = {r.key: r for r in ordered}
    workdir = a.keep or tempfile.mkdtemp(prefix="python-vs-bare-")
    os.makedirs(workdir, exist_ok=True)
    pythons = []
    env = {"started": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
           "load_start": load_average(), "cores": cores(),
           "platform": platform.platform()}
    steps = {
        "countdown": (bare_countdown, bakeoff_countdown),
        "asyncio": (bare_asyncio, bakeoff_asyncio),
        "noop": (bare_noop, bakeoff_noop),
    }
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    try:
        for g in a.only:
            bare, bak = steps[g]
            for i in range(a.reps):
                log("{} {}/{}: bare".format(g, i + 1, a.reps))
                bare(a, rows)
                if not a.bare_only:
                    log("{} {}/{}: bakeoff".format(g, i + 1, a.reps))
                    bak(a, rows, workdir, "{}-{}-{}".format(stamp, g, i), pythons)
    finally:
        if not a.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    env["finished"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    env["load_end"] = load_average()
    env["bare_python_version"] = subprocess.run(
        [a.python, "-c", "import platform; print(platform.python_version())"],
        stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()

    distinct = []
    for p in pythons:
        if p not in distinct:
            distinct.append(p)
    shown = ", ".join("{} {} ({})".format(p.get("implementation"), p.get("version"), p.get("path"))
                      for p in distinct if p) or None
    for p in distinct:
        if p and os.path.realpath(p.get("path", "")) != os.path.realpath(a.python):
            for row in ordered:
                row.errors.append("bakeoff ran {} while the bare programs ran {}: not the same "
                                  "interpreter".format(p.get("path"), a.python))
            break
    table = markdown(a, ordered, env, shown)
    print(table)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"program": "python-vs-bare", "params": {
                k: getattr(a, k) for k in ("bakeoff", "python", "reps", "warmup", "n", "tasks",
                                           "workers", "methods", "sleep_tasks", "sleep_seconds",
                                           "noop_tasks", "only", "bare_only")},
                "environment": env, "bakeoff_python": distinct,
                "rows": [r.as_json() for r in ordered], "markdown": table}, f, indent=1)
            f.write("\n")
    sides = ["bare"] if a.bare_only else ["bare", "bakeoff"]
    missing = [r for r in ordered for s in sides if not getattr(r, s)]
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
