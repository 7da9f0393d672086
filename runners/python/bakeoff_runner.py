"""bakeoff's CPython runner: the models the course teaches, driven by bakeoff.

bakeoff (a Rust program) starts this file with the interpreter it found,
from a copy it writes to a cache directory (spawn and forkserver workers
import the main module again, so it must be a real file, and the work
must sit behind ``if __name__ == "__main__":``, as the course insists).
It speaks JSON lines with bakeoff over stdin and the original stdout
(stdout itself is pointed at stderr, so a stray ``print`` cannot break
the exchange):

    -> {"hello": 1, "pid": …, "python": {…}}         once imported
    <- {"op": "start", "model": …, "workers": …, …}   build the model
    -> {"started": POOL_NS}
    <- {"op": "load", "workload": …, "params": {…}, "tasks": [...]}
    -> {"loaded": N}
    <- {"op": "run"}                                   one batch
    -> {"wall_ns": …, "records": [[submit, start, end, digest], …], …}
       or {"failed": {"index": I, "reason": "…"}}
    <- {"op": "stop"}
    -> {"stopped": NS}

Every timestamp is ``time.monotonic_ns()``: CLOCK_MONOTONIC, the clock
bakeoff's own runners use, so latency means the same thing on both sides.
The models are the standard library's, written as the course writes them:
a plain loop, ``ThreadPoolExecutor``, ``multiprocessing.get_context(m).Pool``
and one asyncio event loop with ``gather``.
"""

import asyncio
import concurrent.futures
import functools
import gc
import json
import multiprocessing
import os
import platform
import signal
import sys
import threading
import time

import bakeoff_workloads

PROTOCOL = 1
PR_SET_PDEATHSIG = 1
now = time.monotonic_ns


def die_with_parent():
    """Asks the kernel for SIGKILL when this process's parent dies (as
    every process bakeoff starts does), and ends now if it already has."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:
        os._exit(1)


def describe():
    """The interpreter, as the run's environment block records it."""
    gil = getattr(sys, "_is_gil_enabled", None)
    return {
        "path": sys.executable,
        "implementation": sys.implementation.name,
        "version": platform.python_version(),
        "gil_enabled": bool(gil()) if gil else True,
    }


def status_kib(field):
    """A ``/proc/self/status`` field (VmRSS, VmHWM), in bytes; 0 if absent."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def reset_peak():
    """Resets VmHWM to VmRSS (Linux 4.0+); whether the kernel did it."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return status_kib("VmHWM") <= status_kib("VmRSS") + (256 << 10)


def one_line(exc):
    """``TypeName: message`` on one line."""
    text = " ".join(str(exc).split())
    return type(exc).__name__ + (": " + text if text else "")


# --- the worker side: what every model runs per task ------------------

_workloads = {}


def workload(spec):
    """The workload ``spec`` names, built once per process (a pool worker
    builds its own, since a workload object need not pickle)."""
    w = _workloads.get(spec)
    if w is None:
        w = _workloads[spec] = bakeoff_workloads.build(spec[0], dict(spec[1]))
    return w


def run_task(spec, item):
    """Runs one task, timed: ``(index, start, end, digest)``, or
    ``(index, None, None, reason)`` when the task raised."""
    index, task = item
    w = workload(spec)
    start = now()
    try:
        digest = w.run(task)
    except Exception as e:  # the task's failure, reported with its index
        return index, None, None, "%s (Python): %s" % (spec[0], one_line(e))
    return index, start, now(), digest


def init_worker(ready):
    """A pool worker's initializer: dies with its parent, takes SIGINT's
    default (Ctrl-C ends it at once), says it is ready."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    die_with_parent()
    if ready is not None:
        ready.put(os.getpid())


def wait_for_all(barrier):
    """Holds a pool thread until every thread exists (the executor starts
    its threads lazily, one per submit while none is idle)."""
    barrier.wait()


# --- the models --------------------------------------------------------


class Batch:
    """The tasks of one batch, decoded once, and the spec workers rebuild
    the workload from."""

    def __init__(self, msg):
        params = tuple(sorted(msg["params"].items()))
        self.spec = (msg["workload"], params)
        self.workload = workload(self.spec)
        self.tasks = self.workload.decode(msg["tasks"])


class Failed(Exception):
    """Task ``index`` did not complete, for ``reason``; ``rows``, the
    records of the batch's tasks that did (None for the others)."""

    def __init__(self, index, reason, rows=()):
        super().__init__(reason)
        self.index, self.reason, self.rows = index, reason, rows


class Records:
    """Per-task timestamps and digests, filled as tasks finish, and the
    first task that raised (the batch still runs to its end, as bakeoff's
    own runners run it)."""

    def __init__(self, n):
        self.submit = [0] * n
        self.rows = [None] * n
        self.failed = None

    def put(self, result):
        index, start, end, digest = result
        if start is None:
            if self.failed is None:
                self.failed = Failed(index, "raised: " + digest)
            return
        self.rows[index] = [self.submit[index], start, end, digest]

    def fail(self, index, reason):
        """Task ``index`` did not complete: the batch's failure."""
        return Failed(index, reason, self.rows)

    def json(self):
        if self.failed is not None:
            raise self.fail(self.failed.index, self.failed.reason)
        missing = [i for i, r in enumerate(self.rows) if r is None]
        if missing:
            raise self.fail(missing[0], "never finished")
        return self.rows


class Seq:
    """``py-seq``: one task after another, a plain loop."""

    def __init__(self, msg):
        pass

    def run(self, batch):
        records = Records(len(batch.tasks))
        for item in enumerate(batch.tasks):
            records.submit[item[0]] = now()
            records.put(run_task(batch.spec, item))
        return records

    def stop(self):
        pass


class Threads:
    """``py-threads``: ``concurrent.futures.ThreadPoolExecutor(workers)``;
    its threads are started before the first batch."""

    def __init__(self, msg):
        workers = msg["workers"]
        self.executor = concurrent.futures.ThreadPoolExecutor(workers)
        barrier = threading.Barrier(workers)
        for f in [self.executor.submit(wait_for_all, barrier) for _ in range(workers)]:
            f.result()

    def run(self, batch):
        records = Records(len(batch.tasks))
        futures = []
        for item in enumerate(batch.tasks):
            records.submit[item[0]] = now()
            futures.append(self.executor.submit(run_task, batch.spec, item))
        for f in concurrent.futures.as_completed(futures):
            records.put(f.result())
        return records

    def stop(self):
        self.executor.shutdown(wait=True)


class Pool:
    """``py-fork``, ``py-spawn``, ``py-forkserver``:
    ``multiprocessing.get_context(method).Pool(workers)``, tasks handed
    over with ``imap_unordered(…, chunksize)``. Start-up lasts until every
    worker ran its initializer."""

    def __init__(self, msg):
        self.ctx = multiprocessing.get_context(msg["method"])
        self.chunksize = msg.get("chunksize", 1)
        workers = msg["workers"]
        ready = self.ctx.SimpleQueue()
        self.pool = self.ctx.Pool(workers, initializer=init_worker, initargs=(ready,))
        for _ in range(workers):
            ready.get()
        self.seen = {}
        self.broken = False

    def watch(self):
        """Every worker the pool started so far, kept after it is reaped,
        so a death between two looks is still seen."""
        for p in list(self.pool._pool):
            self.seen.setdefault(p.pid, p)

    def dead(self):
        """``worker PID killed by signal 9 (SIGKILL)`` for a worker that
        died (reported once: the pool replaces it), or None."""
        self.watch()
        for pid, p in list(self.seen.items()):
            code = p.exitcode
            if code is not None:
                del self.seen[pid]
            if code is not None and code != 0:
                if code < 0:
                    name = signal.Signals(-code).name
                    return "worker %d killed by signal %d (%s)" % (pid, -code, name)
                return "worker %d exited with status %d" % (pid, code)
        return None

    def run(self, batch):
        n = len(batch.tasks)
        records = Records(n)
        self.watch()
        t = now()
        for i in range(n):
            records.submit[i] = t
        it = self.pool.imap_unordered(
            functools.partial(run_task, batch.spec), enumerate(batch.tasks), self.chunksize
        )
        done = 0
        while done < n:
            try:
                records.put(it.next(timeout=0.05))
                done += 1
            except multiprocessing.TimeoutError:
                reason = self.dead()
                if reason is not None:
                    self.broken = True
                    first = min(i for i, r in enumerate(records.rows) if r is None)
                    raise records.fail(first, reason + " while tasks were running")
        return records

    def stop(self):
        if self.broken:
            self.pool.terminate()
        else:
            self.pool.close()
        self.pool.join()


class Asyncio:
    """``py-asyncio``: one event loop; every task a coroutine handed to
    ``asyncio.gather`` at once (``concurrency`` of them running at most,
    through a Semaphore). CPU work runs ``cpu=inline`` on the loop,
    ``cpu=thread`` through ``asyncio.to_thread`` (a default executor of
    ``workers`` threads), ``cpu=process`` through ``run_in_executor`` with a
    ``ProcessPoolExecutor(workers)``."""

    def __init__(self, msg):
        self.loop = asyncio.new_event_loop()
        self.mode = msg.get("cpu", "inline")
        self.concurrency = msg.get("concurrency")
        workers = msg["workers"]
        self.threads = self.processes = None
        if self.mode == "thread":
            self.threads = concurrent.futures.ThreadPoolExecutor(workers)
            self.loop.set_default_executor(self.threads)
        elif self.mode == "process":
            self.processes = concurrent.futures.ProcessPoolExecutor(
                workers, initializer=init_worker, initargs=(None,)
            )
            # Workers start on the first submits: start them all now.
            futures = [self.processes.submit(os.getpid) for _ in range(workers * 4)]
            concurrent.futures.wait(futures)

    async def cpu(self, fn, *args):
        """``fn(*args)`` where ``cpu=`` says: on the loop, in a thread or in
        a worker process (``fn`` must then be a module-level function)."""
        if self.mode == "thread":
            if hasattr(asyncio, "to_thread"):  # 3.9 and later
                return await asyncio.to_thread(fn, *args)
            return await self.loop.run_in_executor(None, fn, *args)
        if self.mode == "process":
            return await self.loop.run_in_executor(self.processes, fn, *args)
        return fn(*args)

    async def batch(self, batch, records):
        w = batch.workload
        sem = asyncio.Semaphore(self.concurrency) if self.concurrency else None
        if hasattr(w, "executor"):  # loop-lag: where its countdowns run
            w.executor = {"thread": self.threads, "process": self.processes}.get(self.mode)

        async def one(index, task):
            if sem is not None:
                await sem.acquire()
            try:
                if not w.is_io:
                    return await self.cpu(run_task, batch.spec, (index, task))
                start = now()
                try:
                    digest = await w.run_async(task)
                except Exception as e:
                    return index, None, None, "%s (asyncio): %s" % (batch.spec[0], one_line(e))
                return index, start, now(), digest
            finally:
                if sem is not None:
                    sem.release()

        t = now()
        for i in range(len(batch.tasks)):
            records.submit[i] = t
        for result in await asyncio.gather(*(one(i, task) for i, task in enumerate(batch.tasks))):
            records.put(result)

    def run(self, batch):
        records = Records(len(batch.tasks))
        self.loop.run_until_complete(self.batch(batch, records))
        return records

    def stop(self):
        if self.processes is not None:
            self.processes.shutdown(wait=True)
        if hasattr(self.loop, "shutdown_default_executor"):  # 3.9 and later
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
        self.loop.close()


MODELS = {"seq": Seq, "threads": Threads, "pool": Pool, "asyncio": Asyncio}


# --- the exchange with bakeoff ------------------------------------------


def ballast(mib):
    """``mib`` MiB written page by page, so it is resident (``parent_mb``:
    the parent's memory fork copies the page tables of)."""
    b = bytearray(mib << 20)
    for i in range(0, len(b), 4096):
        b[i] = 1
    return b


def serve(inp, out):
    """Answers bakeoff's requests until ``stop`` or end of input."""

    def send(obj):
        out.write(json.dumps(obj, separators=(",", ":")) + "\n")
        out.flush()

    send({"hello": PROTOCOL, "pid": os.getpid(), "python": describe()})
    model = batch = None
    keep = None
    idle = None
    for line in inp:
        msg = json.loads(line)
        op = msg["op"]
        try:
            if op == "start":
                keep = ballast(msg.get("parent_mb", 0))
                t = now()
                model = MODELS[msg["model"]](msg)
                send({"started": now() - t})
            elif op == "load":
                batch = Batch(msg)
                send({"loaded": len(batch.tasks)})
            elif op == "run":
                gc.collect()
                if idle is None:
                    idle = status_kib("VmRSS")
                exact = reset_peak()
                t = now()
                records = model.run(batch)
                wall = now() - t
                rows = records.json()
                send(
                    {
                        "wall_ns": wall,
                        "records": rows,
                        "peak_rss": status_kib("VmHWM") if exact else status_kib("VmRSS"),
                        "peak_exact": exact,
                        "idle_rss": idle,
                        "samples": getattr(batch.workload, "take_samples", lambda: None)(),
                    }
                )
            elif op == "stop":
                t = now()
                if model is not None:
                    model.stop()
                send({"stopped": now() - t})
                return 0
            else:
                send({"error": "unknown request `%s`" % op})
        except Failed as f:
            send({"failed": {"index": f.index, "reason": f.reason}, "records": list(f.rows)})
        except Exception as e:
            send({"error": one_line(e)})
    del keep
    return 0


def main():
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    die_with_parent()
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    return serve(sys.stdin, out)


if __name__ == "__main__":
    sys.exit(main())
