#!/usr/bin/env python3
"""The seat-map page in a real browser (docs/http.md): headless Chromium, driven over the DevTools protocol.

Goal: the page a browser draws from seatd's HTTP port shows exactly what `MAP` says, after a rush and after its
event stream was cut. Method:
1. start a real seatd ($SEATD_BIN) on a temporary data directory, with its HTTP port on any free port;
2. create a hall with an aisle, categories, flags and a GA area, and a session with some seats blocked and
   reserved;
3. put a TCP proxy between the browser and the HTTP port, load /sessions/<id> and wait until it streams;
4. rush the session over the line protocol (threads mixing HOLD, ADD, CONFIRM, RELEASE, SELL, CANCEL, EXTEND,
   BLOCK, UNBLOCK, RESERVE and UNRESERVE, with seats and places), cutting every proxied connection halfway;
5. after the rush, one last change (UNRESERVE of a seat set aside that the rush never takes) gives the last seq;
   wait until the page's data-seq reaches it, then compare every seat's data-state and each area bar with MAP,
   the counts line with AVAIL, and check that the page reconnected; save a screenshot;
6. with 5 events kept per session, a cut stream that misses more is told `trimmed`, and the page reloads the map;
7. with auth on: the page asks for a token (a wrong one is refused and asked again), then draws and follows.

Standard library only (plus clients/python of this repository). Chromium: $CHROMIUM or `chromium` on PATH; the
test says SKIP and passes only when there is none. SEATD_BROWSER_MOCK=1 serves HTTP with Tests/Browser/
mock_server.py in front of seatd's line port instead of seatd's own HTTP port (to develop the page without a
Swift build). The screenshot: .build/browser/seatmap.png (and seatmap-auth.png) under the repository root.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))
sys.path.insert(0, HERE)

import seatd  # noqa: E402  (clients/python)
from mock_server import Hall  # noqa: E402

SESSION = "eve1"
HALL_PARTS = [
    "A=12", "B=12", "C=1-4,7-14", "D=1-4,7-14", "E=1-5,8-12", "F=12",
    "cat:vip=B3-B10,C3-C4,C7-C10", "cat:box=F1-F2,F11-F12",
    "flag:wheelchair=E1,E12", "flag:companion=E2,E11", "flag:restricted=A1,A12",
    "ga:pit=40", "ga:balcony=12", "cat:standing=pit",
]
MARKER_SEAT = "A6"  # reserved for a channel of its own, so the rush never takes it; its UNRESERVE comes last
RUSH_SECONDS = 5.0
RUSH_THREADS = 4
CATCH_UP_SECONDS = 20.0
STATE_OF_CHAR = {".": "free", "h": "held", "x": "sold", "b": "blocked", "r": "reserved"}
SCREENSHOTS = os.path.join(ROOT, ".build", "browser")
MOCK = os.environ.get("SEATD_BROWSER_MOCK") == "1"


class Failure(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


def wait_until(probe: Callable[[], Any], seconds: float, what: str, every_s: float = 0.1) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure(f"timed out after {seconds:g} s waiting for {what}")
        time.sleep(every_s)


# ---- seatd and its HTTP port ----

class Server:
    """seatd on free ports (the line protocol and HTTP), logging to a file the ports are read from."""

    def __init__(self, binary: str, directory: str, tokens: Optional[Dict[str, str]] = None,
                 env: Optional[Dict[str, str]] = None) -> None:
        os.makedirs(directory, exist_ok=True)
        self.directory = directory
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SEATD_") or k == "SEATD_BIN"}
        self.env.update(env or {})
        if tokens:
            self.env["SEATD_AUTH_TOKENS"] = ",".join(f"{role}:{token}" for role, token in tokens.items())
        args = [binary, "--port", "0", "--data", os.path.join(directory, "data"), "--fsync", "off"]
        if not MOCK:
            args += ["--http-port", "0"]
        self.log_path = os.path.join(directory, "seatd.log")
        self.processes: List[subprocess.Popen] = [self._spawn(args, self.log_path)]
        self.port = self._port(self.log_path, self.processes[0], r"port=(\d+) \[\w+\] listening$")
        if MOCK:
            mock_log = os.path.join(directory, "mock.log")
            mock = [sys.executable, os.path.join(HERE, "mock_server.py"), "--seatd", f"127.0.0.1:{self.port}",
                    "--port", "0"]
            self.processes.append(self._spawn(mock, mock_log))
            self.http_port = self._port(mock_log, self.processes[1], r"port=(\d+) .*http listening")
        else:
            self.http_port = self._port(self.log_path, self.processes[0], r"port=(\d+) .*http listening")

    def _spawn(self, args: List[str], log_path: str) -> subprocess.Popen:
        with open(log_path, "ab") as log:
            return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=self.env)

    @staticmethod
    def _port(log_path: str, process: subprocess.Popen, pattern: str) -> int:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open(log_path, errors="replace") as log:
                for line in log:
                    found = re.search(pattern, line.rstrip("\n"))
                    if found:
                        return int(found.group(1))
            if process.poll() is not None:
                raise Failure(f"{process.args[0]} exited ({process.returncode}); its log {log_path}:\n"
                              + open(log_path, errors="replace").read()[-3000:])
            time.sleep(0.05)
        raise Failure(f"no line matching {pattern!r} in {log_path} within 30 s (is the HTTP port implemented? "
                      f"seatd must log 'http listening' with port=<n> for --http-port 0):\n"
                      + open(log_path, errors="replace").read()[-3000:])

    def http(self, path: str, token: Optional[str] = None) -> Tuple[int, str]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.http_port}{path}")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


# ---- a TCP proxy whose connections the test can cut ----

class Proxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.sockets: List[socket.socket] = []
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    target.shutdown(socket.SHUT_WR)
                    return
                target.sendall(data)
        except OSError:
            for s in (source, target):
                try:
                    s.close()
                except OSError:
                    pass

    def cut_all(self) -> int:
        """Resets every connection open now (the browser sees its stream and any fetch fail)."""
        with self.lock:
            sockets, self.sockets = self.sockets, []
            self.cuts += 1
        for s in sockets:
            try:  # shutdown wakes the pump blocked in recv (close alone would not); linger 0 sends a reset
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        return len(sockets) // 2

    def close(self) -> None:
        self.listener.close()
        self.cut_all()


# ---- Chromium over the DevTools protocol (--remote-debugging-pipe: fd 3 in, fd 4 out, NUL-separated JSON) ----

class Browser:
    def __init__(self, binary: str, directory: str) -> None:
        os.makedirs(directory, exist_ok=True)
        commands_read, self.commands = os.pipe()
        self.replies, replies_write = os.pipe()
        # The child's ends move to fds >= 10 first, so that putting them at 3 and 4 can never close one.
        commands_read, replies_write = (self._high(fd) for fd in (commands_read, replies_write))
        flags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--user-data-dir={os.path.join(directory, 'profile')}", "--remote-debugging-pipe",
                 "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update", "--mute-audio",
                 "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                 "--window-size=1280,1000", "about:blank"]
        shell = f'exec "$0" "$@" 3<&{commands_read} 4>&{replies_write} {commands_read}<&- {replies_write}>&-'
        self.log_path = os.path.join(directory, "chromium.log")
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(["bash", "-c", shell, binary, *flags], stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT,
                                            pass_fds=(commands_read, replies_write))
        os.close(commands_read)
        os.close(replies_write)
        self.next_id = 0
        self.lock = threading.Lock()
        self.waiting: Dict[int, Tuple[threading.Event, List[dict]]] = {}
        self.console: List[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        try:
            self.call("Browser.getVersion", timeout_s=30)
        except Failure as e:
            self.process.kill()
            raise Failure(f"{e}; {self.log_path}:\n" + open(self.log_path, errors="replace").read()[-2000:])

    @staticmethod
    def _high(fd: int) -> int:
        high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(fd)
        return high

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self.replies, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self.lock:
                    for done, box in self.waiting.values():
                        box.append({"error": {"message": "chromium closed the pipe"}})
                        done.set()
                return
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                if "id" in message:
                    with self.lock:
                        done, box = self.waiting.pop(message["id"], (None, None))
                    if done is not None:
                        box.append(message)
                        done.set()
                else:
                    self._note(message)

    def _note(self, message: dict) -> None:
        params = message.get("params", {})
        if message.get("method") == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            self.console.append(f"console.{params.get('type')}: {text}")
        elif message.get("method") == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description", details.get("text", ""))
            self.console.append(f"exception: {text}")

    def call(self, method: str, params: Optional[dict] = None, session: Optional[str] = None,
             timeout_s: float = 15) -> dict:
        with self.lock:
            self.next_id += 1
            ident = self.next_id
            done, box = threading.Event(), []
            self.waiting[ident] = (done, box)
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        if not done.wait(timeout_s):
            raise Failure(f"chromium did not answer {method} within {timeout_s} s")
        reply = box[0]
        if "error" in reply:
            raise Failure(f"chromium: {method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def new_page(self) -> "Page":
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        page.call("Page.enable")
        page.call("Runtime.enable")
        page.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
        return page

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout_s=5)
        except Failure:
            pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self.commands, self.replies):
            try:
                os.close(fd)
            except OSError:
                pass


class Page:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session

    def call(self, method: str, params: Optional[dict] = None, timeout_s: float = 15) -> dict:
        return self.browser.call(method, params, self.session, timeout_s)

    def go(self, url: str) -> None:
        self.call("Page.navigate", {"url": url})
        wait_until(lambda: self.evaluate("document.readyState") == "complete", 15, f"{url} to load")

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            raise Failure(f"the page threw on {expression!r}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def body(self) -> Dict[str, str]:
        return self.evaluate("Object.assign({}, document.body.dataset)") or {}

    def screenshot(self, path: str) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        time.sleep(0.4)  # let the seats' colour transitions finish
        shot = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def drawn(self) -> Dict[str, Any]:
        return self.evaluate("""({
            seats: [...document.querySelectorAll('[data-seat]')].map(e => [e.dataset.seat, e.dataset.state]),
            areas: [...document.querySelectorAll('[data-area]')].map(e =>
                [e.dataset.area, Number(e.dataset.free), Number(e.dataset.capacity)]),
            counts: Object.fromEntries([...document.querySelectorAll('[data-count]')].map(e =>
                [e.dataset.count, Number(e.querySelector('b').textContent)])),
        })""")


# ---- what MAP says ----

def expected_map(client: seatd.Client, hall: Hall, session: str) -> Tuple[Dict[str, str], Dict[str, Tuple[int, int]]]:
    answer = client.map(session)
    seats: Dict[str, str] = {}
    for row, ranges in hall.rows:
        labels = [row + str(n) for a, b in ranges for n in range(a, b + 1)]
        states = answer.rows.get(row, "")
        check(len(states) == len(labels), f"MAP row {row} has {len(states)} seats, the hall {len(labels)}")
        seats.update(zip(labels, (STATE_OF_CHAR[c] for c in states)))
    return seats, dict(answer.areas)


def compare(page: Page, client: seatd.Client, hall: Hall, session: str) -> int:
    """Fails naming every seat and area the page draws differently from MAP; answers how many seats it draws."""
    seats, areas = expected_map(client, hall, session)
    drawn = page.drawn()
    drawn_seats = dict(drawn["seats"])
    check(len(drawn["seats"]) == len(drawn_seats), "the page draws a seat twice")
    wrong = [f"{s}: page {drawn_seats.get(s)}, MAP {state}" for s, state in seats.items()
             if drawn_seats.get(s) != state]
    extra = sorted(set(drawn_seats) - set(seats))
    check(not wrong and not extra, f"{len(wrong)} seats differ from MAP: {wrong[:20]}; seats not in the hall: "
                                   f"{extra[:20]}")
    drawn_areas = {name: (free, capacity) for name, free, capacity in drawn["areas"]}
    check(drawn_areas == areas, f"areas: page {drawn_areas}, MAP {areas}")
    avail = client.avail(session)
    want = {"free": avail.free, "held": avail.held, "sold": avail.sold, "blocked": avail.blocked,
            "reserved": avail.reserved}
    check(drawn["counts"] == want, f"counts line: page {drawn['counts']}, AVAIL {want}")
    return len(drawn_seats)


# ---- the rush ----

class Rush:
    """Threads of random changes to one session until stopped; every ERR is an expected outcome of a rush."""

    def __init__(self, port: int, token: Optional[str], session: str, seats: List[str], areas: List[str]) -> None:
        self.port, self.token, self.session = port, token, session
        self.seats, self.areas = seats, areas
        self.stop = threading.Event()
        self.ok = 0
        self.refused = 0
        self.failures: List[str] = []
        self.lock = threading.Lock()

    def run(self, threads: int, seconds: float, halfway: Callable[[], None]) -> None:
        workers = [threading.Thread(target=self._work, args=(n,)) for n in range(threads)]
        for w in workers:
            w.start()
        time.sleep(seconds / 2)
        halfway()
        time.sleep(seconds / 2)
        self.stop.set()
        for w in workers:
            w.join(30)
        check(not self.failures, f"the rush failed: {self.failures[:5]}")

    def _items(self, rng: random.Random, places: bool = True) -> List[str]:
        items = rng.sample(self.seats, rng.randint(1, 3))
        if places and rng.random() < 0.35:
            items.append(f"{rng.choice(self.areas)}:{rng.randint(1, 3)}")
        return items

    def _work(self, n: int) -> None:
        rng = random.Random(1000 + n)
        holds: List[Tuple[str, List[str]]] = []  # live holds of this thread
        bookings: List[Tuple[str, List[str]]] = []
        client = seatd.Client(port=self.port, auth=self.token, timeout=10)
        s = self.session
        try:
            while not self.stop.is_set():
                roll = rng.random()
                try:
                    if roll < 0.22 or not holds:
                        channel = {"channel": "press"} if rng.random() < 0.15 else {}
                        h = client.hold(s, f"c{n}", self._items(rng), **channel)
                        holds.append((h.id, h.seats + [f"{a}:{k}" for a, k in h.places.items()]))
                    elif roll < 0.30:
                        hid, items = rng.choice(holds)
                        h = client.add(s, hid, self._items(rng))
                        holds.remove((hid, items))
                        holds.append((hid, h.seats + [f"{a}:{k}" for a, k in h.places.items()]))
                    elif roll < 0.40:
                        hid, items = holds.pop(rng.randrange(len(holds)))
                        client.confirm(s, hid, ref=f"pay-{n}")
                        bookings.append((hid, items))
                    elif roll < 0.52:
                        hid, items = holds.pop(rng.randrange(len(holds)))
                        if len(items) > 1 and rng.random() < 0.5:
                            client.release(s, hid, items[:1])
                            holds.append((hid, items[1:]))
                        else:
                            client.release(s, hid)
                    elif roll < 0.57:
                        client.sell(s, f"box{n}", self._items(rng), ref=f"cash-{n}")
                    elif roll < 0.69 and bookings:
                        hid, items = bookings.pop(rng.randrange(len(bookings)))
                        if len(items) > 1 and rng.random() < 0.5:
                            client.cancel(s, hid, items[:1])
                            bookings.append((hid, items[1:]))
                        else:
                            client.cancel(s, hid)
                    elif roll < 0.72:
                        client.extend(s, rng.choice(holds)[0], 600)
                    elif roll < 0.81:
                        seats = rng.sample(self.seats, rng.randint(1, 2))
                        (client.block if rng.random() < 0.4 else client.unblock)(s, *seats)
                    elif roll < 0.90:
                        seats = rng.sample(self.seats, rng.randint(1, 2))
                        if rng.random() < 0.4:
                            client.reserve(s, rng.choice(["press", "partner"]), *seats)
                        else:
                            client.unreserve(s, *seats)
                    else:
                        h = client.hold(s, f"c{n}", best=rng.randint(1, 3))
                        holds.append((h.id, h.seats))
                    with self.lock:
                        self.ok += 1
                except seatd.ConnectionLost as e:
                    with self.lock:
                        self.failures.append(f"thread {n}: {e!r}")
                    return
                except seatd.SeatdError:
                    with self.lock:
                        self.refused += 1
        finally:
            client.close()


# ---- the two checks ----

def rush_check(binary: str, chromium: str, directory: str) -> None:
    server = Server(binary, os.path.join(directory, "rush"))
    proxy = None
    browser = None
    try:
        client = seatd.Client(port=server.port, timeout=10)
        client.create_hall("main", *HALL_PARTS)
        client.create_session(SESSION, "main", ttl=600)
        hall = Hall("main", client.hall("main"))
        routes_check(server)
        client.block(SESSION, "A2", "A11")
        client.reserve(SESSION, "press", "B1", "B12")
        client.hold(SESSION, "early", ["D1", "pit:5"])
        client.reserve(SESSION, "marker", MARKER_SEAT)
        proxy = Proxy(server.http_port)
        browser = Browser(chromium, os.path.join(directory, "browser"))
        page = browser.new_page()
        page.go(f"http://127.0.0.1:{proxy.port}/sessions/{SESSION}")
        wait_until(lambda: page.body().get("live") == "1", 15, "the page to stream (data-live=1)")
        check(compare(page, client, hall, SESSION) == len(hall.seats), "the page does not draw every seat")

        pool = [s for s in hall.seats if s != MARKER_SEAT]
        rush = Rush(server.port, None, SESSION, pool, list(hall.areas))
        cut = []
        rush.run(RUSH_THREADS, RUSH_SECONDS, lambda: cut.append(proxy.cut_all()))
        client.unreserve(SESSION, MARKER_SEAT)
        last = client.history(SESSION, seat=MARKER_SEAT)[-1].seq

        def caught_up() -> bool:
            seq = page.body().get("seq")
            return seq is not None and int(seq) >= last

        try:
            wait_until(caught_up, CATCH_UP_SECONDS, f"the page's data-seq to reach {last}")
        except Failure as e:
            api = server.http(f"/api/sessions/{SESSION}")[1][:300]
            raise Failure(f"{e}; the page is at {page.body()}; console: {browser.console[-10:]}; /api: {api}")
        body = page.body()
        seats = compare(page, client, hall, SESSION)
        check(int(body["reconnects"]) >= 1, f"the page did not reconnect after the cut: {body}")
        check(body["live"] == "1", f"the page is not streaming at the end: {body}")
        status, text = server.http(f"/api/sessions/{SESSION}")
        check(status == 200 and json.loads(text)["seq"] >= last, f"/api/sessions/{SESSION}: {status} {text[:200]}")
        page.screenshot(os.path.join(SCREENSHOTS, "seatmap.png"))

        page.go(f"http://127.0.0.1:{proxy.port}/")
        wait_until(lambda: page.evaluate(f"!!document.querySelector('a[href=\"/sessions/{SESSION}\"]')"), 10,
                   "the index page to link the session")
        print(f"seatmap: {seats} seats and {len(hall.areas)} areas drawn as MAP says after a rush of {rush.ok} "
              f"changes ({rush.refused} refused) up to seq {last}; the page reconnected {body['reconnects']} "
              f"time(s) after the cut of {cut[0]} connection(s); data-seq {body['seq']}")
    finally:
        if browser:
            if browser.console:
                print("seatmap: the page's console:\n  " + "\n  ".join(browser.console[-20:]))
            browser.close()
        if proxy:
            proxy.close()
        server.stop()


def routes_check(server: Server) -> None:
    """The routes the page relies on, as docs/http.md gives them."""
    for path, status, body in (("/health", 200, "ok"), ("/ready", 200, "ready")):
        got = server.http(path)
        check(got[0] == status and got[1].strip() == body, f"GET {path}: {got}, not {status} {body}")
    kinds = {"/": "text/html", f"/sessions/{SESSION}": "text/html", "/assets/seatd.js": "javascript",
             "/assets/seatd.css": "text/css", f"/api/sessions/{SESSION}": "application/json",
             "/api/sessions": "application/json"}
    for path, kind in kinds.items():
        request = urllib.request.Request(f"http://127.0.0.1:{server.http_port}{path}")
        with urllib.request.urlopen(request, timeout=10) as response:
            got = response.headers.get("Content-Type", "")
            check(response.status == 200 and kind in got, f"GET {path}: {response.status} {got!r}, not {kind}")
    for path in ("/sessions/nope", "/api/sessions/nope", "/sessions/nope/events"):
        got = server.http(path)
        check(got[0] == 404, f"GET {path} (no such session): {got[0]}, not 404")
    got = server.http(f"/sessions/{SESSION}/events?from=soon")
    check(got[0] == 400, f"GET /sessions/{SESSION}/events?from=soon: {got[0]}, not 400")


def trimmed_check(binary: str, chromium: str, directory: str) -> None:
    """A session that keeps 5 events: the page, cut off while 12 changes happen, is told `trimmed` on its
    reconnect, loads the map again and goes on from there."""
    server = Server(binary, os.path.join(directory, "trimmed"), env={"SEATD_EVENTS_RETAIN_PER_SESSION": "5"})
    proxy = None
    browser = None
    try:
        client = seatd.Client(port=server.port, timeout=10)
        client.create_hall("small", "A=8", "B=1-3,6-8", "ga:pit=10")
        client.create_session("eve3", "small", ttl=600)
        hall = Hall("small", client.hall("small"))
        proxy = Proxy(server.http_port)
        browser = Browser(chromium, os.path.join(directory, "browser-trimmed"))
        page = browser.new_page()
        page.go(f"http://127.0.0.1:{proxy.port}/sessions/eve3")
        wait_until(lambda: page.body().get("live") == "1", 15, "the page to stream (data-live=1)")
        proxy.cut_all()
        for n, seat in enumerate(["A1", "A2", "A3", "A4", "A5", "A6"]):
            client.hold("eve3", f"c{n}", [seat, "pit:1"])
        client.sell("eve3", "box", ["B1", "B2", "pit:2"])
        client.block("eve3", "B3", "B6")
        client.reserve("eve3", "press", "B7", "B8")
        client.unblock("eve3", "B6")
        client.hold("eve3", "late", ["B6"], channel="x")
        last = client.history("eve3", seat="B6")[-1].seq
        wait_until(lambda: int(page.body().get("seq") or 0) >= last, 15, f"the page's data-seq to reach {last}")
        compare(page, client, hall, "eve3")
        body = page.body()
        check(int(body.get("reloads") or 0) >= 1, f"the page was not told `trimmed` (or did not reload): {body}")
        print(f"seatmap: after a cut and 12 changes past the 5 events kept, the page reloaded the map "
              f"({body['reloads']} time(s)) and drew it as MAP says")
    finally:
        if browser:
            browser.close()
        if proxy:
            proxy.close()
        server.stop()


def auth_check(binary: str, chromium: str, directory: str) -> None:
    tokens = {"admin": "admin-token-browser", "reader": "reader-token-browser"}
    server = Server(binary, os.path.join(directory, "auth"), tokens)
    browser = None
    try:
        client = seatd.Client(port=server.port, auth=tokens["admin"], timeout=10)
        client.create_hall("small", "A=6", "B=1-2,5-6", "cat:vip=A3-A4", "flag:wheelchair=B1", "ga:pit=10")
        client.create_session("eve2", "small", ttl=600)
        hall = Hall("small", client.hall("small"))
        client.hold("eve2", "ann", ["A3", "pit:2"])
        for path in ("/api/sessions", "/api/sessions/eve2", "/sessions/eve2/events"):
            status, _ = server.http(path)
            check(status == 401, f"GET {path} without a token: {status}, not 401")
            status, _ = server.http(path, "not-a-token")
            check(status == 401, f"GET {path} with an unknown token: {status}, not 401")
        status, _ = server.http("/api/sessions/eve2", tokens["reader"])
        check(status == 200, f"GET /api/sessions/eve2 with the reader's token: {status}")
        for path in ("/sessions/eve2", "/", "/assets/seatd.js", "/assets/seatd.css", "/health"):
            status, _ = server.http(path)
            check(status == 200, f"GET {path} without a token: {status}, not 200")

        browser = Browser(chromium, os.path.join(directory, "browser-auth"))
        page = browser.new_page()
        page.go(f"http://127.0.0.1:{server.http_port}/sessions/eve2")
        asked = "!document.getElementById('token-form').hidden"
        wait_until(lambda: page.evaluate(asked), 10, "the page to ask for a token")
        submit = ("(() => { document.getElementById('token').value = %s; "
                  "document.getElementById('token-form').requestSubmit(); return true; })()")
        page.evaluate(submit % json.dumps("wrong-token"))
        wait_until(lambda: page.evaluate(asked + " && !document.getElementById('token-refused').hidden"), 10,
                   "the page to refuse the wrong token and ask again")
        page.evaluate(submit % json.dumps(tokens["reader"]))
        wait_until(lambda: page.body().get("live") == "1", 15, "the page to stream with the token")
        compare(page, client, hall, "eve2")
        client.sell("eve2", "box", ["B5", "pit:1"])
        last = client.history("eve2", seat="B5")[-1].seq
        wait_until(lambda: int(page.body().get("seq") or 0) >= last, 10, "the page to follow a SELL")
        compare(page, client, hall, "eve2")
        stored = page.evaluate("sessionStorage.getItem('seatd.token')")
        check(stored == tokens["reader"], f"the token kept in sessionStorage: {stored!r}")
        page.screenshot(os.path.join(SCREENSHOTS, "seatmap-auth.png"))
        print("seatmap: with auth on, the page asked for a token, refused a wrong one, then drew and followed")
    finally:
        if browser:
            browser.close()
        server.stop()


def main() -> int:
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("seatmap: SKIP: no chromium (set CHROMIUM or install Debian's chromium package)")
        return 0
    binary = os.environ.get("SEATD_BIN") or os.path.join(ROOT, ".build", "debug", "seatd")
    if not os.access(binary, os.X_OK):
        print(f"seatmap: FAIL: no seatd at {binary} (build it, or set SEATD_BIN)")
        return 1
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a timeout's SIGTERM still stops seatd and chromium
    directory = tempfile.mkdtemp(prefix="seatd-browser-")
    keep = False
    try:
        rush_check(binary, chromium, directory)
        trimmed_check(binary, chromium, directory)
        auth_check(binary, chromium, directory)
    except Exception as e:  # a Failure, or a bug of the test: either way keep the logs
        keep = True
        detail = str(e) if isinstance(e, Failure) else repr(e)
        print(f"seatmap: FAIL: {detail}\nseatmap: logs kept in {directory}")
        if not isinstance(e, Failure):
            raise
        return 1
    finally:
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)
    print(f"seatmap: PASS (screenshots in {SCREENSHOTS})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
