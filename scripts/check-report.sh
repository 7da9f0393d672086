#!/usr/bin/env bash
# Checks a bakeoff HTML report in headless Chromium.
#
#   scripts/check-report.sh DIR      (DIR holds index.html; any cwd)
#
# Exit status: 0 all good, 1 problems found, 2 usage/setup error, 124 timeout.
# Loads DIR/index.html from a file:// URL, saves a full-page screenshot to
# DIR/screenshot.png and fails, one `check-report:` line per problem, on:
#   - a console error (console.error/console.assert, or an error the browser
#     logs, e.g. "Failed to load resource") or an uncaught JavaScript exception;
#   - any http(s)/ws(s) request the page makes (the report must be
#     self-contained; such requests are blocked), or any element other than a
#     plain <a> link whose src/href/data/poster/srcset or CSS url() points to
#     the network;
#   - no figure at all, an empty or zero-sized inline <svg>, an <img> whose
#     file is missing or that did not decode;
#   - a relative (or file:) src/href in the rendered DOM whose file does not
#     exist under DIR (raw results.json/results.csv, figures/*.png, ...), a
#     results.json/results.csv in DIR that the page does not link, or an
#     in-page #fragment link with no matching id.
# Chromium is driven over the DevTools protocol on --remote-debugging-pipe
# (fds 3/4) from python3's standard library; its stderr logging cannot tell
# console.error from console.log. Chromium (Debian package `chromium`) and
# fonts-dejavu-core are installed with apt-get when missing.
set -euo pipefail

die() {
    echo "check-report: $*" >&2
    exit 2
}

[ $# -eq 1 ] || die "usage: $0 DIR (a directory holding index.html)"
[ -d "$1" ] || die "$1: not a directory"
dir=$(cd "$1" && pwd -P)
[ -f "$dir/index.html" ] || die "$dir/index.html: no such file"

# --- dependencies (Debian packages) ---------------------------------------
missing=()
command -v chromium > /dev/null 2>&1 || missing+=(chromium)
command -v python3 > /dev/null 2>&1 || missing+=(python3)
if command -v dpkg-query > /dev/null 2>&1 &&
    [ "$(dpkg-query -W -f='${Status}' fonts-dejavu-core 2> /dev/null)" != "install ok installed" ]; then
    missing+=(fonts-dejavu-core) # the report's stylesheet asks for DejaVu Sans
fi
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        sudo=()
    elif command -v sudo > /dev/null 2>&1; then
        sudo=(sudo)
    else
        die "missing Debian package(s) ${missing[*]}: not root and no sudo; install them with apt-get install ${missing[*]}"
    fi
    command -v apt-get > /dev/null 2>&1 ||
        die "missing ${missing[*]} and no apt-get: install the Debian package(s) ${missing[*]} (chromium for the browser)"
    echo "check-report: installing ${missing[*]} ..." >&2
    { "${sudo[@]}" apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } > /dev/null ||
        die "apt-get install ${missing[*]} failed (Debian package chromium is required)"
    command -v chromium > /dev/null 2>&1 || die "Debian package chromium installed but no chromium command"
fi

# --- run ------------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-report.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/profile"
cat > "$tmp/check.py" << 'PY'
import base64, fcntl, html.parser, json, os, re, select, signal, subprocess, sys
import time, urllib.parse

DIR, TMP, CHROMIUM = sys.argv[1], sys.argv[2], sys.argv[3]
INDEX = os.path.join(DIR, "index.html")
SHOT = os.path.join(DIR, "screenshot.png")
WIDTH, MAX_HEIGHT = 1280, 30000
DEADLINE = time.monotonic() + 50  # the shell's `timeout 60` is the backstop

problems = []


def problem(msg):
    msg = " ".join(str(msg).split())
    if len(msg) > 300:
        msg = msg[:297] + "..."
    if msg not in problems:
        problems.append(msg)


def finish(code=None):
    for p in problems:
        print("check-report: " + p, file=sys.stderr)
    sys.exit(code if code is not None else (1 if problems else 0))


# ---- Chromium over --remote-debugging-pipe: NUL-terminated JSON on fds 3/4.
cmd_r, cmd_w = os.pipe()  # we write commands, chromium reads fd 3
res_r, res_w = os.pipe()  # chromium writes fd 4, we read
child_cmd = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)
child_res = fcntl.fcntl(res_w, fcntl.F_DUPFD, 10)


def child_fds():
    os.dup2(child_cmd, 3)
    os.dup2(child_res, 4)


log = open(os.path.join(TMP, "chromium.log"), "wb")
proc = subprocess.Popen(
    [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
     "--disable-dev-shm-usage", "--remote-debugging-pipe",
     "--user-data-dir=" + os.path.join(TMP, "profile"),
     "--no-first-run", "--no-default-browser-check", "--disable-extensions",
     "--disable-background-networking", "--disable-component-update",
     "--disable-sync", "--hide-scrollbars", "--mute-audio",
     "--force-device-scale-factor=1", "--window-size=%d,900" % WIDTH,
     "about:blank"],
    stdin=subprocess.DEVNULL, stdout=log, stderr=log,
    preexec_fn=child_fds, pass_fds=(3, 4),  # closing happens after preexec_fn
    start_new_session=True)
for fd in (cmd_r, res_w, child_cmd, child_res):
    os.close(fd)


def kill_chromium():
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def on_signal(signum, _frame):
    kill_chromium()
    problem("interrupted (signal %d)" % signum)
    finish(1)


signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)


def fatal(msg):
    kill_chromium()
    try:
        with open(os.path.join(TMP, "chromium.log"), errors="replace") as f:
            tail = [l for l in f.read().splitlines()
                    if "dbus" not in l and "unexpected operator" not in l][-5:]
    except OSError:
        tail = []
    for l in tail:
        print("check-report:   chromium: " + l.strip()[:200], file=sys.stderr)
    problem(msg)
    finish(1)


buf = b""
next_id = 0
events = []  # (method, params) of the page session, in order


def send(method, params=None, session=None):
    global next_id
    next_id += 1
    msg = {"id": next_id, "method": method, "params": params or {}}
    if session:
        msg["sessionId"] = session
    data = json.dumps(msg).encode() + b"\0"
    try:
        while data:
            data = data[os.write(cmd_w, data):]
    except OSError as e:
        fatal("cannot talk to chromium: %s" % e)
    return next_id


def pump(until, what):
    """Reads messages until until(msg) is true for one; returns it."""
    global buf
    while True:
        while b"\0" in buf:
            raw, buf = buf.split(b"\0", 1)
            msg = json.loads(raw)
            if "method" in msg:
                events.append((msg["method"], msg.get("params", {})))
            if until(msg):
                return msg
        left = DEADLINE - time.monotonic()
        if left <= 0:
            fatal("timed out waiting for %s" % what)
        ready, _, _ = select.select([res_r], [], [], min(left, 0.5))
        if ready:
            chunk = os.read(res_r, 1 << 20)
            if not chunk:
                fatal("chromium exited (code %s) while waiting for %s"
                      % (proc.poll(), what))
            buf += chunk


def call(method, params=None, session=None, ok_to_fail=False):
    i = send(method, params, session)
    msg = pump(lambda m: m.get("id") == i, method)
    if "error" in msg and not ok_to_fail:
        fatal("%s failed: %s" % (method, msg["error"].get("message")))
    return msg.get("result", {})


def pump_quiet(seconds):
    end = time.monotonic() + seconds
    global buf
    while time.monotonic() < end:
        ready, _, _ = select.select([res_r], [], [], max(0, end - time.monotonic()))
        if ready:
            chunk = os.read(res_r, 1 << 20)
            if not chunk:
                fatal("chromium exited (code %s)" % proc.poll())
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                if "method" in msg:
                    events.append((msg["method"], msg.get("params", {})))


url = "file://" + urllib.parse.quote(INDEX)
target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
sid = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
for m in ("Runtime.enable", "Log.enable", "Network.enable", "Page.enable"):
    call(m, session=sid)
# The report must not touch the network: block (and report) any such request.
# urlPatterns are URLPattern strings (the port needs its own wildcard); older
# Chromium only knows the glob list `urls`.
schemes = ("http", "https", "ws", "wss")
r = send("Network.setBlockedURLs", {"urlPatterns": [
    {"urlPattern": s + "://*:*/*", "block": True} for s in schemes]}, sid)
if "error" in pump(lambda m: m.get("id") == r, "Network.setBlockedURLs"):
    call("Network.setBlockedURLs", {"urls": [s + "://*" for s in schemes]}, sid)
call("Emulation.setDeviceMetricsOverride",
     {"width": WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": False}, sid)
n0 = len(events)
nav = call("Page.navigate", {"url": url}, sid)
if nav.get("errorText"):
    fatal("cannot load %s: %s" % (url, nav["errorText"]))
pump(lambda m: m.get("method") == "Page.loadEventFired"
     and m.get("sessionId") == sid, "the page's load event")
pump_quiet(0.5)  # late timers, errors and requests


def evaluate(expr):
    r = call("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                  "awaitPromise": True}, sid)
    if "exceptionDetails" in r:
        fatal("evaluating a check in the page failed: %s"
              % r["exceptionDetails"].get("text"))
    return r["result"].get("value")


info = evaluate(r"""(() => {
  const top = [...document.querySelectorAll('svg')].filter(s => !s.parentElement || !s.parentElement.closest('svg'));
  const name = el => { const f = el.closest('figure'); return (f && f.id) || el.id || el.getAttribute('src') || ''; };
  return {
    dom: '<!DOCTYPE html>\n' + document.documentElement.outerHTML,
    height: Math.ceil(Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)),
    svgs: top.map((s, i) => { const r = s.getBoundingClientRect();
      return {name: name(s) || ('svg #' + (i + 1)), w: r.width, h: r.height,
              marks: s.querySelectorAll('path,polyline,polygon,line,rect,circle,ellipse,text,image,use').length}; }),
    imgs: [...document.images].map(im => ({name: name(im), src: im.getAttribute('src') || '', url: im.currentSrc || im.src,
      complete: im.complete, nw: im.naturalWidth, nh: im.naturalHeight})),
  };
})()""")

# ---- screenshot: full page at WIDTH px.
height = max(600, min(int(info["height"] or 0), MAX_HEIGHT))
call("Emulation.setDeviceMetricsOverride",
     {"width": WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False}, sid)
pump_quiet(0.3)
shot = call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False}, sid)
try:
    with open(SHOT, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    print("check-report: screenshot " + SHOT, flush=True)
except OSError as e:
    problem("cannot write the screenshot: %s" % e)
if int(info["height"] or 0) > MAX_HEIGHT:
    print("check-report: note: page is %spx tall; screenshot cut at %dpx"
          % (info["height"], MAX_HEIGHT), file=sys.stderr)
call("Browser.close", ok_to_fail=True)
try:
    proc.wait(timeout=5)
except subprocess.TimeoutExpired:
    pass
kill_chromium()

# ---- the rendered DOM (what --dump-dom prints): references to files and to
# the network.
class Refs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs = []  # (element, attribute, URL)
        self.ids = set()
        self._style = None

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if v is None:
                continue
            if k in ("id", "name") and v:
                self.ids.add(v)
            if k in ("src", "href", "xlink:href", "data", "poster", "action", "formaction"):
                self.refs.append((tag, k, v.strip()))
            elif k in ("srcset", "imagesrcset"):
                self.refs += [(tag, k, c.split()[0]) for c in v.split(",") if c.strip()]
            elif k == "style":
                self.css(tag + " style", v)
        self._style = tag if tag == "style" else None

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._style = None

    def handle_endtag(self, tag):
        self._style = None

    def handle_data(self, data):
        if self._style:
            self.css("style", data)

    def css(self, where, text):
        for m in re.finditer(r"""(?i)url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""", text):
            self.refs.append((where, "url()", m.group(1) or m.group(2)))


def show(tag, attr, ref):
    return "<%s> url(%s)" % (tag, ref) if attr == "url()" else "<%s %s=%s>" % (tag, attr, ref)


dom = Refs()
dom.feed(info["dom"])
dom.close()
links = 0
missing = set()  # absolute paths referenced but absent
static_net = set()
for tag, attr, ref in dom.refs:
    if not ref:
        continue
    parts = urllib.parse.urlsplit(ref)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https", "ws", "wss", "ftp") or ref.startswith("//"):
        if tag in ("a", "area") and attr == "href":
            continue  # a plain link for the reader to follow
        static_net.update((ref, "file:" + ref))  # //host/x in a file:// page
        problem("%s loads from the network; the report must be self-contained"
                % show(tag, attr, ref))
        continue
    if scheme in ("data", "mailto", "javascript", "blob", "about", "tel"):
        continue
    if ref.startswith("#"):
        frag = urllib.parse.unquote(ref[1:])
        if frag and tag in ("a", "area") and frag not in dom.ids:
            problem("%s: no element with id %r on the page" % (show(tag, attr, ref), frag))
        continue
    if scheme not in ("", "file"):
        problem("%s: unexpected URL scheme %r" % (show(tag, attr, ref), scheme))
        continue
    path = os.path.normpath(os.path.join(DIR, urllib.parse.unquote(parts.path)))
    links += 1
    if not path.startswith(DIR + os.sep):
        print("check-report: note: %s points outside the report directory"
              % show(tag, attr, ref), file=sys.stderr)
    if not os.path.exists(path):
        missing.add(path)
        shown = os.path.relpath(path, DIR) if path.startswith(DIR + os.sep) else path
        problem("%s: %s does not exist" % (show(tag, attr, ref), shown))

# The raw files beside the report must be linked from it.
linked = {os.path.basename(urllib.parse.unquote(urllib.parse.urlsplit(r).path))
          for t, a, r in dom.refs if t == "a" and a == "href"}
for raw in ("results.json", "results.csv"):
    if os.path.exists(os.path.join(DIR, raw)) and raw not in linked:
        problem("%s is in the report directory but the page does not link to it" % raw)

# ---- console errors, uncaught exceptions and network requests (events).
def remote_text(o):
    if "value" in o:
        return o["value"] if isinstance(o["value"], str) else json.dumps(o["value"])
    return o.get("description") or o.get("unserializableValue") or o.get("type", "")


def where(url, line):
    if not url:
        return ""
    url = url.replace("file://" + urllib.parse.quote(DIR) + "/", "")
    return " (%s:%s)" % (url, line + 1 if isinstance(line, int) else "?")


def file_path(url):
    if not url.startswith("file://"):
        return None
    return os.path.normpath(urllib.parse.unquote(urllib.parse.urlsplit(url).path))


for method, p in events[n0:]:
    if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
        text = " ".join(remote_text(a) for a in p.get("args", []))
        if p["type"] == "assert" and not text:
            text = "assertion failed"
        fr = (p.get("stackTrace") or {}).get("callFrames") or [{}]
        problem("console.%s: %s%s" % (p["type"], text,
                                       where(fr[0].get("url"), fr[0].get("lineNumber"))))
    elif method == "Runtime.exceptionThrown":
        d = p.get("exceptionDetails", {})
        head = d.get("text") or "Uncaught"
        desc = ((d.get("exception") or {}).get("description") or "").split("\n")[0]
        problem("JavaScript exception: %s%s" % (
            (head + " " + desc).strip() if desc not in head else head,
            where(d.get("url"), d.get("lineNumber"))))
    elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
        e = p["entry"]
        u = e.get("url") or ""
        if file_path(u) in missing or u in static_net:
            continue  # already reported above as a missing file / network URL
        problem("console error (%s): %s%s" % (e.get("source", "?"), e.get("text", ""),
                                              " " + u if u else ""))
    elif method == "Network.requestWillBeSent":
        u = p.get("request", {}).get("url", "")
        if re.match(r"(?i)(https?|wss?|ftp):", u) and u not in static_net:
            problem("the page requested a network URL (blocked): " + u)

# ---- figures: inline SVGs drawn and non-empty, images present and decoded.
for s in info["svgs"]:
    if s["marks"] == 0:
        problem("figure %s: inline <svg> is empty (no shapes or text)" % s["name"])
    elif s["w"] < 2 or s["h"] < 2:
        problem("figure %s: inline <svg> renders at %dx%d px" % (s["name"], s["w"], s["h"]))
for im in info["imgs"]:
    if not im["src"]:
        problem("figure %s: <img> without src" % im["name"])
    elif im["src"] in static_net or file_path(im["url"]) in missing:
        continue  # reported above
    elif not im["complete"] or im["nw"] == 0 or im["nh"] == 0:
        problem("figure %s: <img src=%s> did not load or decode" % (im["name"], im["src"]))
figures = len(info["svgs"]) + len(info["imgs"])
if figures == 0:
    problem("the page has no figure (no inline <svg> and no <img>)")

if problems:
    finish(1)
print("check-report: ok — %d figures, %d links, screenshot %s" % (figures, links, SHOT))
PY

# In the background so that INT/TERM reach the checker (which then kills
# Chromium) at once instead of after it finishes; timeout runs its command in a
# process group of its own.
timeout -k 5 60 python3 "$tmp/check.py" "$dir" "$tmp" "$(command -v chromium)" &
pid=$!
trap 'kill -TERM "$pid" 2> /dev/null || true' INT TERM
rc=0
wait "$pid" || rc=$?
while kill -0 "$pid" 2> /dev/null; do # wait was cut short by a signal
    rc=0
    wait "$pid" || rc=$?
done
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "check-report: timed out after 60 s" >&2
fi
exit "$rc"
