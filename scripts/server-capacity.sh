#!/usr/bin/env bash
# The embedded echo server's cost per request, beside a bare epoll server
# in C doing the same, under the same client load in one run; and the
# capacity that cost allows: cores / CPU per request, what the server
# could answer with the whole machine to itself.
#
#   bash scripts/server-capacity.sh [TASKS] [CONCURRENCY]
#
# The client is `bakeoff run --workload echo --runner tokio-ct` against
# each server in turn (--target), first with a new connection per request
# (requests=1, the suites' echo), then 20 requests per connection. Both
# servers answer at once (--delay 0), so neither waits on a timer. A
# server's CPU is read from /proc/PID/stat (utime + stime, 10 ms ticks)
# before and after the client's run; all traffic is on 127.0.0.1, and
# every server started here is stopped here. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."

tasks=${1:-20000}
concurrency=${2:-1000}
bakeoff=${BAKEOFF:-target/release/bakeoff}
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

[ -x "$bakeoff" ] || cargo build --release --quiet
gcc -O2 -o "$work/bare-echo-server" scripts/bare-echo-server.c

cores=$(nproc)
tick=$(getconf CLK_TCK)

# start NAME CMD...: runs a server with a pipe on stdin (closed at exit, so
# it stops), waits for its ready line, sets $addr and $pid.
start() {
    local name=$1
    shift
    mkfifo "$work/$name.in"
    "$@" <"$work/$name.in" >"$work/$name.out" 2>&1 &
    pid=$!
    pids+=("$pid")
    exec {hold}>"$work/$name.in"
    for _ in $(seq 100); do
        addr=$(grep -o '127\.0\.0\.1:[0-9]*' "$work/$name.out" || true)
        [ -n "$addr" ] && return
        sleep 0.1
    done
    echo "$name printed no ready line: $(cat "$work/$name.out")" >&2
    exit 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# measure NAME REQUESTS: the client's run against $addr; prints a row.
measure() {
    local name=$1 requests=$2 out="$work/run-$1-$2"
    local before after
    before=$(cpu_ticks "$pid")
    "$bakeoff" run --quiet --workload echo --runner tokio-ct \
        --tasks "$tasks" --concurrency "$concurrency" \
        --set requests="$requests" --set delay=0 --set jitter=0 \
        --target "$addr" --warmup 1 --reps 3 --out "$out" >/dev/null
    after=$(cpu_ticks "$pid")
    python3 - "$out/results.json" "$name" "$requests" "$((after - before))" \
        "$tick" "$cores" "$tasks" <<'PY'
import json, sys
path, name, requests, ticks, tick, cores, tasks = sys.argv[1:]
case = json.load(open(path))["cases"][0]
requests, ticks, tick, cores, tasks = map(int, (requests, ticks, tick, cores, tasks))
batches = case["warmup"] + len(case["repetitions"])
answered = tasks * requests * batches
per_request = ticks / tick / answered
rates = sorted(r["throughput"] * requests for r in case["repetitions"])
rate = rates[len(rates) // 2]
print(f"| {name} | {requests} | {rate:,.0f} | {per_request * 1e6:.1f} µs "
      f"| {cores / per_request:,.0f} | {cores / per_request / rate:.1f}× |")
PY
}

echo "$cores cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "client: tokio-ct, $tasks tasks, $concurrency in flight, 1 KiB frames, no server delay"
echo
echo "| server | requests per connection | client's rate (req/s, median of 3) | server CPU per request | capacity: cores ÷ CPU per request (req/s) | capacity ÷ rate |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
start serve "$bakeoff" serve echo --delay 0 --jitter 0
for requests in 1 20; do measure "bakeoff serve echo" "$requests"; done
start bare "$work/bare-echo-server"
for requests in 1 20; do measure "bare C epoll server" "$requests"; done
