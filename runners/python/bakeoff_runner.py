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
    -> {"wall_ns": …, "submit": [...], "start": [...], "end": [...],
        "digest": [...], …}       one value per task (end 0: unfinished)
       or the same with "failed": {"index": I, "reason": "…"}
    <- {"op": "stop"}
    -> {"stopped": NS}

Every timestamp is ``time.monotonic_ns()``: CLOCK_MONOTONIC, the clock
bakeoff's own runners use, so latency means the same thing on both sides.
A task's ``submit`` follows bakeoff's rule: the batch's start (when the
batch is handed to the model), or, under a concurrency limit (py-asyncio's
Semaphore), when the limit admits the task.
The models are the standard library's, written as the course writes them:
a plain loop, ``ThreadPoolExecutor``, ``multiprocessing.get_context(m).Pool``
and one asyncio event loop with ``gather``.
"""

import array
import functools
import multiprocessing
import os
import signal
import sys
import threading
import time

# Spawn and forkserver workers import this file again (as __mp_main__):
# what only the interpreter bakeoff talks to needs is imported where it is
# used — json by ``main``, concurrent.futures and asyncio by the models
# that use them (asyncio alone takes tens of milliseconds to import, which
# every worker's start-up would pay) — and the workloads on a worker's
# first task.
asyncio = concurrent = json = None

if sys.version_info < (3, 8):
    sys.exit("bakeoff's Python module needs Python 3.8 or later; this is " + sys.version.split()[0])

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
    import platform

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
        import bakeoff_workloads

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


def run_chunk(spec, chunk):
    """Runs a chunk of tasks, one message to a pool worker: what
    ``Pool.imap_unordered(…, chunksize)`` does inside (its ``mapstar``),
    done here so that the results come back through an iterator whose
    ``next(timeout)`` lets the parent watch for a dead worker (for a
    chunk size above 1, CPython returns a plain generator instead)."""
    return [run_task(spec, item) for item in chunk]


def watch(pid):
    """Ends this process when process ``pid`` ends, from a daemon thread
    that sleeps in ``select`` on a pidfd (Linux 5.3+, Python 3.9+; else it
    looks every 200 ms)."""

    def wait():
        import select

        try:
            fd = os.pidfd_open(pid)
            select.select([fd], [], [])
        except (AttributeError, OSError):
            while True:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=wait, name="watch-interpreter", daemon=True).start()


def init_worker(ready, interpreter):
    """A pool worker's initializer: dies with its parent, takes SIGINT's
    default (Ctrl-C ends it at once), says it is ready. A forkserver's
    worker is the server's child, and the server waits for its workers
    (they hold its liveness pipe): such a worker watches the interpreter
    that asked for it, so the three cannot outlive it together."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    die_with_parent()
    if os.getppid() != interpreter:
        watch(interpreter)
    if ready is not None:
        ready.put(os.getpid())


def wait_for_all(barrier):
    """Holds a pool thread until every thread exists (the executor starts
    its threads lazily, one per submit while none is idle)."""
    barrier.wait()


def death(workers):
    """``worker PID killed by signal 9 (SIGKILL)`` (or ``exited with status
    N``) for the first of ``workers`` (pid → Process) that died, which are
    then forgotten; None when none did. A worker the pool itself ended
    with SIGTERM (a broken ProcessPoolExecutor ends the rest) is named only
    when no other died."""
    dead = [(pid, p.exitcode) for pid, p in workers.items() if p.exitcode is not None]
    for pid, _ in dead:
        del workers[pid]
    dead = [d for d in dead if d[1] != 0]
    dead.sort(key=lambda d: d[1] == -signal.SIGTERM)
    if not dead:
        return None
    pid, code = dead[0]
    if code < 0:
        name = signal.Signals(-code).name
        return "worker %d killed by signal %d (%s)" % (pid, -code, name)
    return "worker %d exited with status %d" % (pid, code)


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
    """Task ``index`` did not complete, for ``reason``; ``records``, those
    of the batch's tasks that did."""

    def __init__(self, index, reason, records=None):
        super().__init__(reason)
        self.index, self.reason, self.records = index, reason, records


class Records:
    """Per-task timestamps and digests, filled as tasks finish, and the
    first task that raised (the batch still runs to its end, as bakeoff's
    own runners run it).

    Four typed arrays, allocated before the batch's memory is measured
    (as bakeoff's Rust recorder is): storing a value in one keeps no
    Python object alive, so recording costs a waiting task nothing and
    gives the garbage collector nothing to walk."""

    def __init__(self, n):
        zeros = bytes(8 * n)
        self.submit = array.array("q", zeros)
        self.start = array.array("q", zeros)
        self.end = array.array("q", zeros)
        self.digest = array.array("Q", zeros)
        self.failed = None

    def put(self, result):
        index, start, end, digest = result
        if start is None:
            if self.failed is None:
                self.failed = Failed(index, "raised: " + digest)
            return
        self.start[index] = start
        self.end[index] = end
        self.digest[index] = digest

    def first_unfinished(self):
        """The lowest index of a task not recorded yet."""
        return next(i for i, e in enumerate(self.end) if e == 0)

    def fail(self, index, reason):
        """Task ``index`` did not complete: the batch's failure."""
        return Failed(index, reason, self)

    def check(self):
        """Raises the batch's failure, if it has one."""
        if self.failed is not None:
            raise self.fail(self.failed.index, self.failed.reason)
        if 0 in self.end:
            raise self.fail(self.first_unfinished(), "never finished")

    def json(self):
        """The four arrays, for the answer."""
        return {
            "submit": self.submit.tolist(),
            "start": self.start.tolist(),
            "end": self.end.tolist(),
            "digest": self.digest.tolist(),
        }


class Seq:
    """``py-seq``: one task after another, a plain loop."""

    def __init__(self, msg):
        pass

    def run(self, batch, records):
        # run_task's work, inlined: what a task costs here beyond its own
        # work is two clock reads and four array stores.
        # Every task is handed over at the batch's start: the last one
        # waits for all the others.
        run, spec = batch.workload.run, batch.spec
        submit, start, end, digest = records.submit, records.start, records.end, records.digest
        handover = now()
        for index, task in enumerate(batch.tasks):
            t = now()
            try:
                d = run(task)
            except Exception as e:
                records.put((index, None, None, "%s (Python): %s" % (spec[0], one_line(e))))
                continue
            end[index] = now()
            submit[index] = handover
            start[index] = t
            digest[index] = d

    def stop(self):
        pass


class Threads:
    """``py-threads``: ``concurrent.futures.ThreadPoolExecutor(workers)``;
    its threads are started before the first batch."""

    def __init__(self, msg):
        global concurrent
        import concurrent.futures

        workers = msg["workers"]
        self.executor = concurrent.futures.ThreadPoolExecutor(workers)
        barrier = threading.Barrier(workers)
        for f in [self.executor.submit(wait_for_all, barrier) for _ in range(workers)]:
            f.result()

    def run(self, batch, records):
        # No limit: every task is handed over at the batch's start, so its
        # latency includes the submits before its own.
        t = now()
        for i in range(len(batch.tasks)):
            records.submit[i] = t
        futures = []
        for item in enumerate(batch.tasks):
            futures.append(self.executor.submit(run_task, batch.spec, item))
        for f in concurrent.futures.as_completed(futures):
            records.put(f.result())

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
        self.pool = self.ctx.Pool(
            workers, initializer=init_worker, initargs=(ready, os.getpid())
        )
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
        """How a worker that died ended (reported once: the pool replaces
        it), or None."""
        self.watch()
        return death(self.seen)

    def run(self, batch, records):
        n = len(batch.tasks)
        self.watch()
        t = now()
        for i in range(n):
            records.submit[i] = t
        items = list(enumerate(batch.tasks))
        size = self.chunksize
        chunks = [items[i : i + size] for i in range(0, n, size)]
        it = self.pool.imap_unordered(functools.partial(run_chunk, batch.spec), chunks)
        done = 0
        while done < n:
            try:
                for record in it.next(timeout=0.05):
                    records.put(record)
                    done += 1
            except multiprocessing.TimeoutError:
                reason = self.dead()
                if reason is not None:
                    self.broken = True
                    first = records.first_unfinished()
                    raise records.fail(first, reason + " while tasks were running")

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
        global asyncio, concurrent
        import asyncio
        import concurrent.futures
        import concurrent.futures.process

        self.loop = asyncio.new_event_loop()
        self.mode = msg.get("cpu", "inline")
        self.concurrency = msg.get("concurrency")
        workers = msg["workers"]
        self.threads = self.processes = None
        self.workers = workers
        if self.mode == "thread":
            self.threads = concurrent.futures.ThreadPoolExecutor(workers)
            self.loop.set_default_executor(self.threads)
        elif self.mode == "process":
            self.start_processes()

    def start_processes(self):
        """A ProcessPoolExecutor(workers), every worker started (it starts
        them on the first submits otherwise)."""
        self.processes = concurrent.futures.ProcessPoolExecutor(
            self.workers, initializer=init_worker, initargs=(None, os.getpid())
        )
        concurrent.futures.wait([self.processes.submit(os.getpid) for _ in range(self.workers * 4)])
        self.seen = dict(self.processes._processes)

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
                # Admitted by the limit: its latency starts now.
                records.submit[index] = now()
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

        # Handed over at the batch's start, unless the Semaphore admits
        # them one by one (``one`` then stamps each).
        t = now()
        for i in range(len(batch.tasks)):
            records.submit[i] = t
        if w.is_io and sem is None:
            return await self.straight(batch, records)
        for result in await asyncio.gather(*(one(i, task) for i, task in enumerate(batch.tasks))):
            records.put(result)

    async def straight(self, batch, records):
        """IO tasks with no limit: each workload coroutine straight to the
        loop, as ``gather`` hands it, one done callback for all recording
        it in place of a coroutine around each. So a waiting task holds
        about what it holds in a bare program (the course's ``gather`` of
        sleeps): a dictionary entry more, where a callback object of its
        own (``functools.partial``) would be twice that. A task's start is
        when it was handed to the loop: the loop's ready queue is the
        model's own."""
        n = len(batch.tasks)
        if n == 0:
            return
        w, spec = batch.workload, batch.spec
        done = self.loop.create_future()
        index_of = {}

        def finished(task):
            end, index = now(), index_of.pop(task)
            error = None if task.cancelled() else task.exception()
            if task.cancelled() or error is not None:
                reason = "cancelled" if error is None else one_line(error)
                records.put((index, None, None, "%s (asyncio): %s" % (spec[0], reason)))
            else:
                records.put((index, records.start[index], end, task.result()))
            if not index_of:
                done.set_result(None)

        create, starts = self.loop.create_task, records.start
        for index, task in enumerate(batch.tasks):
            starts[index] = now()
            t = create(w.run_async(task))
            index_of[t] = index
            t.add_done_callback(finished)
        await done

    def run(self, batch, records):
        if self.processes is not None and self.processes._broken:
            self.processes.shutdown(wait=True)
            self.start_processes()
        try:
            self.loop.run_until_complete(self.batch(batch, records))
        except concurrent.futures.process.BrokenProcessPool:
            # The pool sees a worker's pipe close a moment before the
            # kernel can report its exit: give it that moment.
            for p in self.seen.values():
                p.join(0.5)
            reason = death(self.seen) or "a worker process ended abruptly"
            first = records.first_unfinished()
            raise records.fail(first, reason + " while tasks were running")

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
                import gc

                records = None
                records = Records(len(batch.tasks))
                gc.collect()
                if idle is None:
                    idle = status_kib("VmRSS")
                exact = reset_peak()
                t = now()
                model.run(batch, records)
                wall = now() - t
                answer = records.json()
                answer.update(
                    {
                        "wall_ns": wall,
                        "peak_rss": status_kib("VmHWM") if exact else status_kib("VmRSS"),
                        "peak_exact": exact,
                        "idle_rss": idle,
                        "samples": getattr(batch.workload, "take_samples", lambda: None)(),
                    }
                )
                records.check()
                send(answer)
            elif op == "stop":
                t = now()
                if model is not None:
                    model.stop()
                send({"stopped": now() - t})
                return 0
            else:
                send({"error": "unknown request `%s`" % op})
        except Failed as f:
            answer = f.records.json() if f.records is not None else {}
            answer["failed"] = {"index": f.index, "reason": f.reason}
            send(answer)
        except Exception as e:
            send({"error": one_line(e)})
    del keep
    return 0


def main():
    global json
    import json

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    die_with_parent()
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    return serve(sys.stdin, out)


if __name__ == "__main__":
    sys.exit(main())
