"""The Python side of bakeoff's workloads: the built-in workloads, for CPython.

The CPython runners (py-seq, py-threads, the multiprocessing pools and
py-asyncio, in bakeoff_runner.py) run the same tasks as the Rust
workloads in workloads/src/ and return the same per-task digests (64-bit
ints). Rust sends the tasks as JSON (`Batch::tasks_json`); nothing here
derives them again from the seed. Where the course has the code
(countdown, is_prime) it is the course's, word for word.

    w = build("primes", {"numbers": "97:100"})
    tasks = w.decode([97, 100])
    [w.run(t) for t in tasks]                # the blocking form
    await w.run_async(t)                     # IO workloads: the asyncio form

Standard library only; Python 3.8 and later.
"""

import collections
import ctypes
import hashlib
import ipaddress
import itertools
import math
import multiprocessing.managers
import multiprocessing.util
import os
import re
import shutil
import signal
import socket
import struct
import sys
import tempfile
import threading
import time


class _LazyAsyncio:
    """``asyncio``, imported on first use. Spawn and forkserver workers
    import this module to run blocking tasks and never need asyncio,
    whose import costs tens of milliseconds: it would be counted in every
    pool's start-up. The first attribute read replaces this stand-in with
    the module itself."""

    def __getattr__(self, name):
        import asyncio as module

        globals()["asyncio"] = module
        return getattr(module, name)


asyncio = _LazyAsyncio()

MASK = 0xFFFFFFFFFFFFFFFF
SERVE_ADDR_ENV = "BAKEOFF_SERVE_ADDR"


# ---------------------------------------------------------------- digests


def mix64(z):
    """SplitMix64's finaliser (workloads/src/digest.rs)."""
    z = (z + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def rotate_left(x, k):
    """`u64::rotate_left`."""
    return ((x << k) | (x >> (64 - k))) & MASK


def id_bytes(task_id, size):
    """`size` bytes for `task_id`: little-endian words of a SplitMix64 stream."""
    base = mix64(task_id)
    words = (size + 7) // 8
    stream = [mix64((base + j) & MASK) for j in range(words)]
    return struct.pack("<%dQ" % words, *stream)[:size]


def hash_bytes(key, data):
    """mix64 folded over the little-endian 8-byte words of `data`."""
    n = len(data)
    whole = n - n % 8
    h = mix64(key ^ n)
    for (word,) in struct.iter_unpack("<Q", memoryview(data)[:whole]):
        h = mix64(h ^ word)
    return mix64(h ^ int.from_bytes(data[whole:], "little"))


# ---------------------------------------------------------------- params


def parse_uint(raw, bits=64):
    """An unsigned integer as Rust's `u64`/`u32` parse it; ValueError says why."""
    digits = raw[1:] if raw.startswith("+") else raw
    if not digits:
        raise ValueError("cannot parse integer from empty string")
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError("invalid digit found in string")
    value = int(digits)
    if value >= 1 << bits:
        raise ValueError("number too large to fit in target type")
    return value


class Params:
    """A workload's resolved parameters, as strings, parsed on demand."""

    def __init__(self, owner, specs, given):
        for key in given:
            if key not in specs:
                raise ValueError(
                    "`%s` has no parameter `%s`; its parameters are: %s"
                    % (owner, key, ", ".join(specs) or "none")
                )
        self.owner = owner
        self.values = {k: str(given.get(k, d)) for k, d in specs.items()}

    def raw(self, key):
        return self.values[key]

    def invalid(self, key, reason):
        return ValueError(
            "`%s` parameter `%s=%s` is invalid: %s"
            % (self.owner, key, self.values[key], reason)
        )

    def uint(self, key, least=0, bits=64):
        """An unsigned integer of `bits` bits, at least `least`."""
        try:
            value = parse_uint(self.values[key], bits)
        except ValueError as e:
            raise self.invalid(key, str(e)) from None
        if value < least:
            raise self.invalid(key, "must be at least %d" % least)
        return value

    def flag(self, key):
        raw = self.values[key]
        if raw not in ("true", "false"):
            raise self.invalid(key, "provided string was not `true` or `false`")
        return raw == "true"

    def duration(self, key):
        """Nanoseconds; see `parse_duration`."""
        try:
            return parse_duration(self.values[key])
        except ValueError as e:
            raise self.invalid(key, str(e)) from None


UNITS = {"ns": 1.0, "us": 1e3, "\u00b5s": 1e3, "ms": 1e6, "s": 1e9}


def parse_duration(raw):
    """`0`, or a number and a unit (ns, us, µs, ms, s), in nanoseconds."""
    bad = (
        "`%s` is not a duration: write a number and a unit (ns, us, ms, s), e.g. 5ms, 1s, 250us, or 0"
        % raw
    )
    s = raw.strip()
    number = re.match(r"[0-9.]*", s).group()
    unit = s[len(number):]
    if not number or number.startswith(".") or number.endswith("."):
        raise ValueError(bad)
    try:
        value = float(number)
    except ValueError:
        raise ValueError(bad) from None
    if unit == "" and value == 0.0:
        per_unit = 0.0
    elif unit in UNITS:
        per_unit = UNITS[unit]
    else:
        raise ValueError(bad)
    exact = value * per_unit
    if not (math.isfinite(exact) and exact < 2.0**64):
        raise ValueError(
            "`%s` is too long a duration: write at most a few hours, e.g. 5ms" % raw
        )
    ns = math.floor(exact)
    if exact - ns >= 0.5:  # Rust's round(): halves away from zero
        ns += 1
    return ns


# ---------------------------------------------------------------- CPU


class Workload:
    """What every workload has: CPU by default, no samples, int tasks."""

    SPECS = {}
    is_io = False

    def decode(self, tasks):
        return list(tasks)

    def take_samples(self):
        return None


class Noop(Workload):
    """`noop`: each task returns its index."""

    def __init__(self, p):
        pass

    def run(self, task):
        return task


def countdown(n):
    while n > 0:
        n -= 1


def countdown_digest(start):
    """The course's countdown of `start`; Rust's digest of it.

    The loop is the course's, unchanged; its steps and end value are what
    it does to `start`: `start` decrements (none when not positive), ending
    at 0.
    """
    countdown(start)
    steps = start if start > 0 else 0
    n = start - steps
    return (start ^ rotate_left(steps, 32) ^ n) & MASK


class Countdown(Workload):
    """`countdown`: the course's GIL demonstration loop."""

    SPECS = {"n": "100000000"}

    def __init__(self, p):
        p.uint("n")

    def run(self, task):
        return countdown_digest(task)


COURSE_NUMBERS = [
    112272535095293,
    112582705942171,
    102272535065492,
    115280095190773,
    115797848077099,
    1099726899285419]


def is_prime(n):
    if n < 2:
        return False
    if n == 2:
        return True
    if n % 2 == 0:
        return False

    sqrt_n = int(math.floor(math.sqrt(n)))
    for i in range(3, sqrt_n + 1, 2):
        if n % i == 0:
            return False
    return True


class Primes(Workload):
    """`primes`: the course's trial-division `is_prime`."""

    SPECS = {"numbers": "course"}

    def __init__(self, p):
        raw = p.raw("numbers")
        if raw != "course":
            for s in raw.split(":"):
                try:
                    parse_uint(s.strip())
                except ValueError as e:
                    raise p.invalid(
                        "numbers", "%s; give `course` or whole numbers joined by `:`" % e
                    ) from None

    def run(self, n):
        return ((n << 1) | is_prime(n)) & MASK


class Sha256(Workload):
    """`sha256`: each buffer hashed `rounds` times, chained (hashlib)."""

    SPECS = {"size": "65536", "rounds": "1"}

    def __init__(self, p):
        p.uint("size", least=1)
        self.rounds = p.uint("rounds", least=1, bits=32)

    def decode(self, tasks):
        return [bytes(t) for t in tasks]

    def run(self, buf):
        digest = bytes(32)
        for _ in range(self.rounds):
            h = hashlib.sha256(digest)
            h.update(buf)
            digest = h.digest()
        return int.from_bytes(digest[:8], "little")


class Mandelbrot(Workload):
    """`mandelbrot`: FNV-1a over one image row's escape-time counts."""

    SPECS = {"width": "800", "max_iter": "1000"}

    def __init__(self, p):
        self.width = p.uint("width", least=1, bits=32)
        self.max_iter = p.uint("max_iter", least=1, bits=32)

    def decode(self, tasks):
        return [tuple(t) for t in tasks]

    def run(self, row):
        y, height = row
        width, max_iter = self.width, self.max_iter
        ci = -1.0 + 2.0 * (y + 0.5) / height
        digest = 0xCBF29CE484222325
        for x in range(width):
            cr = -2.5 + 3.5 * (x + 0.5) / width
            zr, zi, i = 0.0, 0.0, 0
            while i < max_iter and zr * zr + zi * zi <= 4.0:
                t = zr * zr - zi * zi + cr
                zi = 2.0 * zr * zi + ci
                zr = t
                i += 1
            digest = ((digest ^ i) * 0x100000001B3) & MASK
        return digest


FAULT_MODES = ("panic", "abort", "segfault", "kill", "exit", "hang", "none")


class Fault(Workload):
    """`fault`: task `at` fails as `mode` says (with `once`, on one run only)."""

    SPECS = {"mode": "panic", "at": "0", "once": "", "skip": "0"}

    def __init__(self, p):
        self.mode = p.raw("mode")
        if self.mode not in FAULT_MODES:
            raise p.invalid(
                "mode",
                "unknown mode `%s`; use panic, abort, segfault, kill, exit, hang or none"
                % self.mode,
            )
        self.at = p.uint("at")
        self.once = p.raw("once")
        self.skip = p.uint("skip")

    def fails_now(self):
        """Always without `once`; else only when the run claimed is `skip`."""
        if not self.once:
            return True
        try:
            os.makedirs(self.once, exist_ok=True)
        except OSError as e:
            raise RuntimeError(
                "fault workload: cannot create once=%s: %s" % (self.once, e)
            ) from None
        for n in itertools.count():
            path = os.path.join(self.once, "run-%d" % n)
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
                return n == self.skip
            except FileExistsError:
                continue
            except OSError as e:
                raise RuntimeError(
                    "fault workload: cannot count runs in once=%s: %s" % (self.once, e)
                ) from None

    def run(self, task):
        if task == self.at and self.mode != "none" and self.fails_now():
            if self.mode == "panic":
                raise RuntimeError("fault workload: task %d panics as asked" % task)
            if self.mode == "abort":
                os.abort()
            if self.mode == "segfault":
                ctypes.string_at(0)  # reads address 0: SIGSEGV
            if self.mode == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if self.mode == "exit":
                os._exit(3)
            if self.mode == "hang":
                time.sleep(3600)
        return task


# ---------------------------------------------------------------- processes

PR_SET_PDEATHSIG = 1


def die_with_parent():
    """SIGKILL for this process when its parent ends (as every process
    bakeoff starts does; bakeoff_runner.py asks the same for itself)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def add_value(v, n):
    die_with_parent()
    for _ in range(n):
        with v.get_lock():
            v.value += 1


def put_ones(q, n):
    die_with_parent()
    try:
        for _ in range(n):
            q.put(1)
    finally:
        q.put(None)


def append_ones(records, n):
    die_with_parent()
    for _ in range(n):
        records.append(1)


class SharedCounter(Workload):
    """`shared-counter`: two processes increment one counter, ``via``
    shared memory (``Value`` and its lock), a ``Queue`` (a message per
    increment, summed by the parent) or a ``Manager`` (``manager.list([])``
    appended to, one request and reply per increment, counted with
    ``len``). A task is ``increments`` (Rust resolves ``auto``); the first
    worker does the odd one out, and ``lose`` fewer (for tests). The
    Manager's server listens on a Unix socket in a temporary directory, as
    multiprocessing's default on Linux is; nothing else has an address."""

    SPECS = {"via": "shared", "increments": "auto", "lose": "0"}

    def __init__(self, p):
        self.via = p.raw("via")
        if self.via not in ("shared", "queue", "manager"):
            raise p.invalid("via", "unknown way `%s`; use shared, queue or manager" % self.via)
        if p.raw("increments") != "auto":
            p.uint("increments")
        self.lose = p.uint("lose")

    def run(self, task):
        halves = (max(task - task // 2 - self.lose, 0), task // 2)
        count = getattr(self, self.via)(halves)
        # Every process the task started (workers, the Manager's server)
        # is joined by now; multiprocessing's resource tracker is not a
        # Process and stays for the interpreter's life.
        left = multiprocessing.active_children()
        if left:
            raise RuntimeError(
                "shared-counter via=%s: %d processes outlived the task: %s"
                % (self.via, len(left), ", ".join(str(p.pid) for p in left))
            )
        if count != task:
            raise RuntimeError(
                "shared-counter via=%s: counted %d of %d increments (%d lost)"
                % (self.via, count, task, abs(task - count))
            )
        return count

    @staticmethod
    def started(target, args, halves):
        """One daemonic Process per half, started."""
        workers = [
            multiprocessing.Process(target=target, args=args + (n,), daemon=True)
            for n in halves
        ]
        for w in workers:
            w.start()
        return workers

    @staticmethod
    def joined(workers):
        """Joins every worker; raises if one did not exit with status 0."""
        for w in workers:
            w.join()
        for w in workers:
            if w.exitcode != 0:
                raise RuntimeError("worker %d exited with %d" % (w.pid, w.exitcode))

    @staticmethod
    def killed(workers):
        """Ends and joins the workers of a task that failed."""
        for w in workers:
            w.kill()
            w.join()

    def shared(self, halves):
        v = multiprocessing.Value("q", 0)
        workers = self.started(add_value, (v,), halves)
        self.joined(workers)
        return v.value

    def queue(self, halves):
        q = multiprocessing.Queue()
        workers = self.started(put_ones, (q,), halves)
        total = ends = 0
        try:
            # Every worker sends None last, even when it fails (one killed
            # outright leaves this waiting until the case's timeout).
            while ends < len(workers):
                one = q.get()
                if one is None:
                    ends += 1
                else:
                    total += one
        except BaseException:
            self.killed(workers)
            raise
        self.joined(workers)
        q.close()
        return total

    def manager(self, halves):
        # multiprocessing.Manager() is a started SyncManager; started here
        # by hand only so its server, too, dies with this interpreter.
        manager = multiprocessing.managers.SyncManager()
        manager.start(die_with_parent)
        with manager:
            records = manager.list([])
            workers = self.started(append_ones, (records,), halves)
            self.joined(workers)
            return len(records)


# ---------------------------------------------------------------- IO


def context(e, what):
    """`e` as an OSError with `what` said first (same errno, so same class)."""
    if e.errno is not None:
        return OSError(e.errno, "%s: %s" % (what, e.strerror))
    return OSError("%s: %s" % (what, e))


class Sleep(Workload):
    """`sleep`: each task sleeps `duration`; digest mix64(id)."""

    SPECS = {"duration": "100ms"}
    is_io = True

    def __init__(self, p):
        self.seconds = p.duration("duration") / 1e9

    def run(self, task):
        time.sleep(self.seconds)
        return mix64(task)

    async def run_async(self, task):
        await asyncio.sleep(self.seconds)
        return mix64(task)


HEARTBEAT = 0x006C6F6F706C6167


class LoopLag(Workload):
    """`loop-lag`: a heartbeat (task 0) beside countdowns of `n`.

    Under asyncio the heartbeat asks to wake every `beat` until the
    batch's countdowns are done, and keeps how late each wake-up came
    (`take_samples`); the blocking form has no loop to be late, so its
    heartbeat returns at once. The countdowns run on the event loop
    (cpu=inline), or in `executor` when a runner sets one (cpu=offload).
    Tasks decode to "Heartbeat" and the countdowns' ids (ints).
    """

    SPECS = {"n": "20000000", "beat": "1ms", "patience": "5s"}
    is_io = True

    def __init__(self, p):
        try:
            self.beat = parse_duration(p.raw("beat"))
        except ValueError:
            self.beat = 0
        if self.beat == 0:
            raise p.invalid("beat", "write a positive duration, e.g. 1ms")
        self.patience = p.duration("patience")
        self.n = p.uint("n")
        self.executor = None
        self.countdowns = 0
        self.done = 0
        self.heartbeats = 0
        self.samples = []

    def decode(self, tasks):
        out = []
        for t in tasks:
            if t == "Heartbeat":
                out.append("Heartbeat")
            elif isinstance(t, dict) and list(t) == ["Countdown"]:
                out.append(t["Countdown"])
            else:
                raise ValueError("loop-lag: `%r` is not a task (Heartbeat or Countdown)" % (t,))
        self.countdowns = max(len(tasks) - 1, 0)
        return out

    def run(self, task):
        if task == "Heartbeat":
            return HEARTBEAT
        v = mix64(task) ^ countdown_digest(self.n)
        self.done += 1
        return v

    async def run_async(self, task):
        if task == "Heartbeat":
            await self.heartbeat()
            return HEARTBEAT
        if self.executor is None:
            count = countdown_digest(self.n)
        else:
            loop = asyncio.get_running_loop()
            count = await loop.run_in_executor(self.executor, countdown_digest, self.n)
        self.done += 1
        return mix64(task) ^ count

    async def heartbeat(self):
        """Beats until this batch's countdowns are done (or none finished
        for `patience`); keeps the lateness in ns."""
        self.heartbeats += 1
        target = self.heartbeats * self.countdowns
        late = []
        seen, progress = self.done, time.perf_counter_ns()
        while seen < target and time.perf_counter_ns() - progress < self.patience:
            t = time.perf_counter_ns()
            await asyncio.sleep(self.beat / 1e9)
            late.append(max(time.perf_counter_ns() - t - self.beat, 0))
            if self.done != seen:
                seen, progress = self.done, time.perf_counter_ns()
        self.samples.extend(late)

    def take_samples(self):
        samples, self.samples = self.samples, []
        return samples


def parse_addr(raw):
    """`HOST:PORT` with a numeric host (`[v6]:PORT`): (family, (host, port), text)."""
    host, sep, port = raw.rpartition(":")
    try:
        if not sep or not (port.isascii() and port.isdigit()) or int(port) > 65535:
            raise ValueError
        if host.startswith("[") and host.endswith("]"):
            ip = ipaddress.IPv6Address(host[1:-1])
            family, text = socket.AF_INET6, "[%s]:%d" % (ip, int(port))
        else:
            ip = ipaddress.IPv4Address(host)
            family, text = socket.AF_INET, "%s:%d" % (ip, int(port))
    except ValueError:
        raise ValueError(
            "`%s` is not HOST:PORT (invalid socket address syntax); write e.g. 127.0.0.1:8080, or embedded"
            % raw
        ) from None
    return family, (str(ip), int(port)), text


class Target:
    """Where a server workload connects: `target`, with `embedded` found in
    BAKEOFF_SERVE_ADDR when the first task connects."""

    SPECS = {"target": "embedded", "delay": "5ms", "jitter": "1ms"}

    def __init__(self, p):
        p.duration("delay")
        p.duration("jitter")
        self.raw = p.raw("target")
        self.addr = None
        if self.raw != "embedded":
            try:
                self.addr = parse_addr(self.raw)
            except ValueError as e:
                raise p.invalid("target", str(e)) from None

    def resolve(self):
        """(family, (host, port), text); OSError when `embedded` names none."""
        if self.addr is None:
            raw = os.environ.get(SERVE_ADDR_ENV)
            if raw is None:
                raise OSError(
                    "target=embedded but no embedded server is running (%s is not set); run it under `bakeoff run`, or pass target=HOST:PORT of a `bakeoff serve`"
                    % SERVE_ADDR_ENV
                )
            try:
                self.addr = parse_addr(raw)
            except ValueError as e:
                raise OSError("%s=`%s` is not HOST:PORT: %s" % (SERVE_ADDR_ENV, raw, e)) from None
        return self.addr

    def connect(self):
        """A blocking TCP connection with TCP_NODELAY."""
        family, addr, text = self.resolve()
        s = socket.socket(family, socket.SOCK_STREAM)
        try:
            s.connect(addr)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as e:
            s.close()
            raise context(e, "connect to %s" % text) from None
        return s

    async def open(self):
        """An asyncio (reader, writer) pair with TCP_NODELAY."""
        family, (host, port), text = self.resolve()
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.get_extra_info("socket").setsockopt(
                socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
            )
        except OSError as e:
            raise context(e, "connect to %s" % text) from None
        return reader, writer


ECHO_KEY = 0xEC40000000000001
MAX_FRAME = 64 << 20


class Echo(Workload):
    """`echo`: `requests` frames of `size` bytes over one connection, each
    reply checked; a frame is a 4-byte little-endian length and the bytes."""

    SPECS = dict({"size": "1024", "requests": "1"}, **Target.SPECS)
    is_io = True

    def __init__(self, p):
        self.size = p.uint("size")
        if self.size > MAX_FRAME:
            raise p.invalid(
                "size",
                "must be at most %d (64 MiB): the echo server closes the connection on a longer frame"
                % MAX_FRAME,
            )
        self.requests = p.uint("requests", least=1)
        self.target = Target(p)

    def frame(self, task):
        return struct.pack("<I", self.size) + id_bytes(task, self.size)

    def check(self, task, addr, r, sent, got):
        if sent != got:
            at = next(i for i, (a, b) in enumerate(zip(sent, got)) if a != b)
            raise OSError(
                "echo task %016x: reply %d from %s differs from the request at byte %d of %d"
                % (task, r, addr, at, len(sent))
            )

    def digest(self, frame):
        return hash_bytes(ECHO_KEY ^ self.requests, memoryview(frame)[4:])

    def run(self, task):
        sent = self.frame(task)
        got = bytearray(len(sent))
        with self.target.connect() as s:
            addr = self.target.addr[2]
            for r in range(self.requests):
                try:
                    s.sendall(sent)
                except OSError as e:
                    raise context(e, "send to %s" % addr) from None
                view, filled = memoryview(got), 0
                while filled < len(got):
                    try:
                        n = s.recv_into(view[filled:])
                    except InterruptedError:
                        continue
                    except OSError as e:
                        raise context(e, "read from %s" % addr) from None
                    if n == 0:
                        raise closed_early(addr, filled, len(got))
                    filled += n
                self.check(task, addr, r, sent, got)
        return self.digest(got)

    async def run_async(self, task):
        sent = self.frame(task)
        reader, writer = await self.target.open()
        addr = self.target.addr[2]
        try:
            for r in range(self.requests):
                try:
                    writer.write(sent)
                    await writer.drain()
                except OSError as e:
                    raise context(e, "send to %s" % addr) from None
                try:
                    got = await reader.readexactly(len(sent))
                except asyncio.IncompleteReadError as e:
                    raise closed_early(addr, len(e.partial), len(sent)) from None
                except OSError as e:
                    raise context(e, "read from %s" % addr) from None
                self.check(task, addr, r, sent, got)
        finally:
            writer.close()
        return self.digest(got)


def closed_early(addr, got, want):
    return OSError(
        "%s closed the connection after %d of the %d bytes of a reply" % (addr, got, want)
    )


WORDS_KEY = 0x4779000000000001
MAX_PAGE_BYTES = 16 << 20
WORD = re.compile(rb"[A-Za-z0-9]+")


class ResponseReader:
    """HTTP/1.1 responses framed by Content-Length, from bytes read in any
    pieces: `feed` what was read, `parse` until a response is whole."""

    def __init__(self):
        self.buf = bytearray()

    def feed(self, data):
        if not data:
            raise OSError(
                "the server closed the connection %d bytes into a response" % len(self.buf)
            )
        self.buf += data

    def parse(self):
        """(status, body) of the first response once it is all in, and drops
        it from the buffer; None if more bytes are needed."""
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            if self.buf and not b"HTTP/1.".startswith(bytes(self.buf[:7])):
                raise OSError("malformed response: invalid HTTP version")
            return None
        lines = bytes(self.buf[:end]).split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or parts[0] not in (b"HTTP/1.0", b"HTTP/1.1"):
            raise OSError("malformed response: invalid HTTP version")
        if not (len(parts[1]) == 3 and parts[1].isdigit()):
            raise OSError("malformed response: invalid status code")
        status = int(parts[1])
        length = None
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon or not name or name != name.strip():
                raise OSError("malformed response: invalid header")
            if name.lower() == b"content-length" and length is None:
                value = value.strip()
                if not value.isdigit():
                    raise OSError(
                        "Content-Length `%s` is not a number" % value.decode("latin-1")
                    )
                length = int(value)
        if length is None:
            if status in (204, 304) or 100 <= status < 200:
                length = 0
            else:
                raise OSError(
                    "status %d response without Content-Length (chunked or close-delimited bodies are not supported)"
                    % status
                )
        need = end + 4 + length
        if len(self.buf) < need:
            return None
        body = bytes(self.buf[end + 4:need])
        del self.buf[:need]
        return status, body


class HttpWords(Workload):
    """`http-words`: the course homework. Each task GETs `pages` pages over
    one keep-alive HTTP/1.1 connection and ranks the `top` words."""

    SPECS = dict({"pages": "4", "bytes": "4096", "top": "10"}, **Target.SPECS)
    is_io = True

    def __init__(self, p):
        self.bytes = p.uint("bytes")
        if self.bytes > MAX_PAGE_BYTES:
            raise p.invalid(
                "bytes",
                "must be at most %d (16 MiB), the largest page the server serves"
                % MAX_PAGE_BYTES,
            )
        self.pages = p.uint("pages", least=1)
        self.top = p.uint("top", least=1)
        self.target = Target(p)

    def requests(self, start):
        """(path, request bytes) of each page task `start` fetches, in order."""
        host = self.target.resolve()[2]
        for i in range(self.pages):
            path = "/words/%d?n=%d" % ((start + i) & MASK, self.bytes)
            yield path, ("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, host)).encode()

    def digest(self, counts):
        """The hash of the ranking: most frequent first, ties alphabetical."""
        ranked = sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))[: self.top]
        h = mix64(WORDS_KEY ^ len(ranked))
        for word, count in ranked:
            h = mix64(h ^ hash_bytes(count, word))
        return h

    def count(self, counts, status, body, path, addr):
        if status != 200:
            raise OSError("GET %s from %s: status %d, want 200" % (path, addr, status))
        counts.update(WORD.findall(body.lower()))

    def run(self, task):
        counts, reader = collections.Counter(), ResponseReader()
        with self.target.connect() as s:
            addr = self.target.addr[2]
            for path, request in self.requests(task):
                at = "GET %s from %s" % (path, addr)
                try:
                    s.sendall(request)
                    response = reader.parse()
                    while response is None:
                        reader.feed(s.recv(65536))
                        response = reader.parse()
                except OSError as e:
                    raise context(e, at) from None
                self.count(counts, *response, path, addr)
        return self.digest(counts)

    async def run_async(self, task):
        counts, response_reader = collections.Counter(), ResponseReader()
        reader, writer = await self.target.open()
        addr = self.target.addr[2]
        try:
            for path, request in self.requests(task):
                at = "GET %s from %s" % (path, addr)
                try:
                    writer.write(request)
                    await writer.drain()
                    response = response_reader.parse()
                    while response is None:
                        response_reader.feed(await reader.read(65536))
                        response = response_reader.parse()
                except OSError as e:
                    raise context(e, at) from None
                self.count(counts, *response, path, addr)
        finally:
            writer.close()
        return self.digest(counts)


FILE_KEY = 0xF11E000000000001
DIRS = itertools.count()


class FileIo(Workload):
    """`file-io`: each task writes a file of `size` bytes, fsyncs it (unless
    fsync=false), reads it back, checks it and removes it.

    Files go in a temporary directory of the workload's own,
    `bakeoff-file-io-{pid}-{n}-…`, made when the first task runs and
    removed, with anything left in it, when the workload goes.
    """

    SPECS = {"size": "65536", "fsync": "true"}
    is_io = True

    def __init__(self, p):
        self.size = p.uint("size")
        self.fsync = p.flag("fsync")
        self.dir = None
        self.lock = threading.Lock()
        self.files = itertools.count()

    def path(self, task):
        """A fresh path for task `task` in the workload's directory."""
        with self.lock:
            if self.dir is None:
                self.dir = self.make_dir()
        return os.path.join(self.dir, "%016x-%d" % (task, next(self.files)))

    def make_dir(self):
        """Makes the directory; it goes when the workload is collected or the
        process exits (multiprocessing's finalizers also run in pool workers)."""
        parent = tempfile.gettempdir()
        prefix = "bakeoff-file-io-%d-%d-" % (os.getpid(), next(DIRS))
        try:
            made = tempfile.mkdtemp(prefix=prefix, dir=parent)
        except OSError as e:
            raise OSError(
                "cannot make a temporary directory in %s: %s" % (parent, e)
            ) from None
        multiprocessing.util.Finalize(self, shutil.rmtree, (made, True), exitpriority=0)
        return made

    def write(self, path, data):
        with open(path, "wb") as f:
            f.write(data)
            if self.fsync:
                f.flush()
                os.fsync(f.fileno())

    @staticmethod
    def read(path):
        with open(path, "rb") as f:
            return f.read()

    def check(self, task, path, wrote, read, removed):
        if isinstance(read, OSError):
            raise read
        if wrote != read:
            at = next(
                (i for i, (a, b) in enumerate(zip(wrote, read)) if a != b),
                min(len(wrote), len(read)),
            )
            raise OSError(
                "file-io task %016x: %s read back %d bytes, wrote %d, first difference at byte %d"
                % (task, path, len(read), len(wrote), at)
            )
        if removed is not None:
            raise removed
        return hash_bytes(FILE_KEY, wrote)

    def run(self, task):
        path = self.path(task)
        wrote = id_bytes(task, self.size)
        try:
            self.write(path, wrote)
        except OSError as e:
            raise context(e, "write %s" % path) from None
        read = removed = None
        try:
            read = self.read(path)
        except OSError as e:
            read = context(e, "read %s" % path)
        try:
            os.remove(path)
        except OSError as e:
            removed = context(e, "remove %s" % path)
        return self.check(task, path, wrote, read, removed)

    async def run_async(self, task):
        loop = asyncio.get_running_loop()
        path = self.path(task)
        wrote = id_bytes(task, self.size)
        try:
            await loop.run_in_executor(None, self.write, path, wrote)
        except OSError as e:
            raise context(e, "write %s" % path) from None
        read = removed = None
        try:
            read = await loop.run_in_executor(None, self.read, path)
        except OSError as e:
            read = context(e, "read %s" % path)
        try:
            await loop.run_in_executor(None, os.remove, path)
        except OSError as e:
            removed = context(e, "remove %s" % path)
        return self.check(task, path, wrote, read, removed)


# ---------------------------------------------------------------- registry

WORKLOADS = {
    "noop": Noop,
    "countdown": Countdown,
    "primes": Primes,
    "sha256": Sha256,
    "mandelbrot": Mandelbrot,
    "shared-counter": SharedCounter,
    "fault": Fault,
    "sleep": Sleep,
    "loop-lag": LoopLag,
    "echo": Echo,
    "http-words": HttpWords,
    "file-io": FileIo,
}

SUPPORTED = tuple(WORKLOADS)


def build(workload, params):
    """The Python form of `workload` with its resolved `params` (strings)."""
    cls = WORKLOADS.get(workload)
    if cls is None:
        raise ValueError(
            "workload `%s` has no Python form; the py-* runners run: %s"
            % (workload, ", ".join(SUPPORTED))
        )
    return cls(Params(workload, cls.SPECS, params))
