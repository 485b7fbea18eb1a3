#!/usr/bin/env python3
"""A stand-in for seatd's HTTP port (docs/http.md), on top of a real seatd's line protocol.

It lets the page (Sources/Server/PageAssets.swift, read back out of the Swift literals) and the browser test be
developed and checked without building the Swift server: `seatmap_test.py` runs against it when
SEATD_BROWSER_MOCK=1. It follows every session from `WATCH * from=1`, keeps a model of each session's map built
from those events alone (so a map and its seq always agree), and serves the routes of docs/http.md from it.
`--retain N` (or SEATD_EVENTS_RETAIN_PER_SESSION, as seatd) keeps each session's newest N events only.

    python3 Tests/Browser/mock_server.py --seatd 127.0.0.1:7070 [--port 7080] [--retain N] [--ping-s 15]

Standard library only. Tokens, when auth is on: SEATD_AUTH_TOKENS (role:token,...), as seatd reads them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
ASSETS_SWIFT = os.path.join(HERE, "..", "..", "Sources", "Server", "PageAssets.swift")
SEAT = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,3})$")


def load_assets(path: str = ASSETS_SWIFT) -> Dict[str, str]:
    """The `static let <name>: String = #\"\"\"...\"\"\"#` literals of PageAssets.swift, with the closing
    delimiter's indentation taken off every line and the shared pieces (`\\#(tokenForm)`) put in, as Swift does."""
    text = open(path, encoding="utf-8").read()
    found = {}
    for name, body, indent in re.findall(r'static let (\w+): String = #"""\n(.*?)\n( *)"""#', text, re.S):
        found[name] = "".join(line[len(indent):] + "\n" for line in body.split("\n"))
    # The shared pieces, interpolated as Swift does (`\#(tokenForm)`).
    for name in list(found):
        for piece, value in found.items():
            found[name] = found[name].replace("\\#(" + piece + ")\n", value)
    missing = {"index", "session", "script", "style"} - set(found)
    if missing:
        raise SystemExit(f"{path}: no literal for {sorted(missing)}")
    return found


class LineClient:
    """One connection to seatd, one request at a time."""

    def __init__(self, address: Tuple[str, int], token: Optional[str]) -> None:
        self.address = address
        self.token = token
        self.lock = threading.Lock()
        self.file = None
        self.sock: Optional[socket.socket] = None

    def _open(self):
        self.sock = socket.create_connection(self.address, timeout=10)
        file = self.sock.makefile("rwb")
        if self.token:
            file.write(f"AUTH {self.token}\n".encode())
            file.flush()
            file.readline()
        return file

    def request(self, line: str) -> List[str]:
        """The reply's fields after OK; raises LookupError on ERR."""
        with self.lock:
            for attempt in range(2):
                try:
                    if self.file is None:
                        self.file = self._open()
                    self.file.write((line + "\n").encode())
                    self.file.flush()
                    reply = self.file.readline().decode().strip()
                    if not reply:
                        raise OSError("closed")
                    break
                except OSError:
                    self.file = None
                    if attempt == 1:
                        raise
        if not reply.startswith("OK"):
            raise LookupError(reply)
        return reply.split()[1:]


class Hall:
    """A hall's layout, from the normalised definition `HALL <hall>` answers."""

    def __init__(self, name: str, parts: List[str]) -> None:
        self.name = name
        self.rows: List[Tuple[str, List[Tuple[int, int]]]] = []
        self.areas: Dict[str, int] = {}
        self.category: Dict[str, str] = {}
        self.flags: Dict[str, List[str]] = {}
        for part in parts:
            key, _, value = part.partition("=")
            if key.startswith("ga:"):
                self.areas[key[3:]] = int(value)
            elif key.startswith("cat:"):
                for target in self._targets(value):
                    self.category[target] = key[4:]
            elif key.startswith("flag:"):
                for target in self._targets(value):
                    self.flags.setdefault(target, []).append(key[5:])
            else:
                ranges = []
                for r in value.split(","):
                    a, _, b = r.partition("-")
                    ranges.append((int(a), int(b)) if b else (1, int(a)))
                self.rows.append((key, ranges))
        self.seats = [row + str(n) for row, ranges in self.rows for a, b in ranges for n in range(a, b + 1)]
        self.capacity = len(self.seats) + sum(self.areas.values())

    def _targets(self, value: str) -> List[str]:
        out = []
        for target in value.split(","):
            first, _, last = target.partition("-")
            start, end = SEAT.match(first), SEAT.match(last) if last else None
            if start and end:
                row = start.group(1)
                lo, hi = int(start.group(2)), int(end.group(2))
                ranges = dict(self.rows).get(row, [])
                out += [row + str(n) for a, b in ranges for n in range(max(a, lo), min(b, hi) + 1)]
            else:
                out.append(target)
        return out


class SessionModel:
    """One session's map, from its events only: seats (state, reserved), areas, live holds' places."""

    def __init__(self, session: str, hall: Hall, retain: int) -> None:
        self.session = session
        self.hall = hall
        self.retain = retain
        self.seats = {label: ["free", False] for label in hall.seats}
        self.areas = {name: {"free": cap, "held": 0, "sold": 0, "capacity": cap} for name, cap in hall.areas.items()}
        self.holds: Dict[str, Dict[str, int]] = {}  # live hold -> area -> places held
        self.events: List[dict] = []
        self.dropped_through = 0
        self.seq = 0

    def apply(self, event: dict) -> None:
        if event["seq"] <= self.seq:
            return
        self.seq = event["seq"]
        self.events.append(event)
        if len(self.events) > self.retain:
            self.dropped_through = self.events.pop(0)["seq"]
        kind, hold = event["type"], event["hold"]
        for item in event["items"]:
            area, colon, count = item.partition(":")
            if colon:
                self._place(kind, hold, area, int(count))
            elif item in self.seats:
                self._seat(kind, self.seats[item])
        if kind in ("expired", "confirmed"):
            self.holds.pop(hold, None)  # a confirmed place can no longer come from this hold

    @staticmethod
    def _seat(kind: str, seat: list) -> None:
        state = seat[0]
        if kind in ("held", "added"):
            seat[0] = "held"
        elif kind == "confirmed":
            seat[0] = "sold"
        elif kind in ("released", "expired", "cancelled"):
            seat[0] = "free"
        elif kind == "blocked" and state == "free":
            seat[0] = "blocked"
        elif kind == "unblocked" and state == "blocked":
            seat[0] = "free"
        elif kind == "reserved":
            seat[1] = True
        elif kind == "unreserved":
            seat[1] = False

    def _place(self, kind: str, hold: Optional[str], name: str, n: int) -> None:
        area = self.areas[name]
        held = self.holds.setdefault(hold, {}) if hold else {}
        if kind in ("held", "added"):
            area["free"] -= n
            area["held"] += n
            held[name] = held.get(name, 0) + n
        elif kind in ("released", "expired"):
            area["held"] -= n
            area["free"] += n
            held[name] = held.get(name, 0) - n
        elif kind == "confirmed":
            from_hold = min(n, held.get(name, 0))  # the rest comes straight from free (SELL, late CONFIRM)
            area["held"] -= from_hold
            area["free"] -= n - from_hold
            area["sold"] += n
        elif kind == "cancelled":
            area["sold"] -= n
            area["free"] += n

    def shown(self, label: str) -> str:
        state, reserved = self.seats[label]
        return "reserved" if state == "free" and reserved else state

    def counts(self) -> Dict[str, int]:
        counts = {"free": 0, "held": 0, "sold": 0, "blocked": 0, "reserved": 0}
        for label in self.seats:
            counts[self.shown(label)] += 1
        for area in self.areas.values():
            for key in ("free", "held", "sold"):
                counts[key] += area[key]
        return counts

    def snapshot(self) -> dict:
        seats = []
        for label in self.hall.seats:
            seat = {"seat": label, "state": self.shown(label)}
            if self.seats[label][1] and seat["state"] != "reserved":
                seat["reserved"] = True
            if label in self.hall.category:
                seat["category"] = self.hall.category[label]
            if label in self.hall.flags:
                seat["flags"] = self.hall.flags[label]
            seats.append(seat)
        return {
            "session": self.session, "hall": self.hall.name, "seq": self.seq,
            "rows": [{"row": row, "ranges": [list(r) for r in ranges]} for row, ranges in self.hall.rows],
            "seats": seats,
            "areas": [{"area": name, **a} for name, a in self.areas.items()],
            "counts": self.counts(),
        }


class Mock:
    def __init__(self, address: Tuple[str, int], tokens: Dict[str, str], retain: int, ping_s: float) -> None:
        self.address = address
        self.tokens = set(tokens.values())
        own = tokens.get("admin") or tokens.get("reader") or next(iter(tokens.values()), None)
        self.own_token = own
        self.client = LineClient(address, own)
        self.retain = retain
        self.ping_s = ping_s
        self.models: Dict[str, SessionModel] = {}
        self.changed = threading.Condition()
        self.assets = load_assets()
        threading.Thread(target=self._watch, daemon=True).start()

    def halls(self) -> List[Hall]:
        return [Hall(name, self.client.request(f"HALL {name}")) for name in self.client.request("HALLS")]

    def model(self, session: str) -> Optional[SessionModel]:
        with self.changed:
            if session in self.models:
                return self.models[session]
        for hall in self.halls():
            if session in self.client.request(f"SESSIONS {hall.name}"):
                with self.changed:
                    return self.models.setdefault(session, SessionModel(session, hall, self.retain))
        return None

    def _watch(self) -> None:
        watcher = LineClient(self.address, self.own_token)
        watcher.request("WATCH * from=1")
        watcher.sock.settimeout(None)  # events may be far apart
        while True:
            line = watcher.file.readline().decode().strip()
            if not line.startswith("EVENT "):
                print(f"mock: the watch ended: {line!r}", file=sys.stderr, flush=True)
                os._exit(3)
            _, seq, kind, session, hold, customer, *items = line.split(" ")
            event = {"seq": int(seq), "type": kind, "session": session, "hold": None if hold == "-" else hold,
                     "customer": None if customer == "-" else customer, "items": items, "ref": None,
                     "ms": int(time.time() * 1000)}
            model = self.model(session)
            with self.changed:
                if model is not None:
                    model.apply(event)
                self.changed.notify_all()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    mock: Mock

    def log_message(self, format: str, *args) -> None:
        pass

    def send(self, status: int, body, kind: str = "text/plain; charset=utf-8") -> None:
        data = body if isinstance(body, bytes) else (json.dumps(body) if kind.startswith("application/json")
                                                     else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def authorized(self) -> bool:
        if not self.mock.tokens:
            return True
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer ") and header[7:] in self.mock.tokens:
            return True
        self.send(401, "a token is needed: Authorization: Bearer <token>\n")
        return False

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.split("/")[1:]]
        html = "text/html; charset=utf-8"
        if url.path == "/health":
            return self.send(200, "ok\n")
        if url.path == "/ready":
            return self.send(200, "ready\n")
        if url.path == "/":
            return self.send(200, self.mock.assets["index"], html)
        if url.path == "/assets/seatd.js":
            return self.send(200, self.mock.assets["script"], "text/javascript; charset=utf-8")
        if url.path == "/assets/seatd.css":
            return self.send(200, self.mock.assets["style"], "text/css; charset=utf-8")
        if url.path == "/api/sessions":
            return self.authorized() and self.sessions()
        if len(parts) == 3 and parts[:2] == ["api", "sessions"]:
            if not self.authorized():
                return
            model = self.mock.model(parts[2])
            if model is None:
                return self.send(404, f"no session {parts[2]}\n")
            with self.mock.changed:
                return self.send(200, model.snapshot(), "application/json")
        if len(parts) == 2 and parts[0] == "sessions":
            if self.mock.model(parts[1]) is None:
                return self.send(404, f"no session {parts[1]}\n")
            return self.send(200, self.mock.assets["session"], html)
        if len(parts) == 3 and parts[0] == "sessions" and parts[2] == "events":
            return self.authorized() and self.events(parts[1], parse_qs(url.query))
        self.send(404, "not found\n")

    def sessions(self) -> None:
        halls, sessions = [], []
        for hall in self.mock.halls():
            halls.append({"hall": hall.name, "seats": hall.capacity})
            for session in self.mock.client.request(f"SESSIONS {hall.name}"):
                model = self.mock.model(session)
                if model is not None:
                    with self.mock.changed:
                        sessions.append({"session": session, "hall": hall.name, **model.counts()})
        self.send(200, {"halls": halls, "sessions": sessions}, "application/json")

    def events(self, session: str, query: Dict[str, List[str]]) -> None:
        model = self.mock.model(session)
        if model is None:
            return self.send(404, f"no session {session}\n")
        try:
            last = self.headers.get("Last-Event-ID")
            start = int(last) + 1 if last is not None else int(query.get("from", ["0"])[0])
            if start < 0:
                raise ValueError
        except ValueError:
            return self.send(400, "from= and Last-Event-ID take a seq\n")
        print(f"mock: {session}: a stream from {start}", file=sys.stderr, flush=True)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            while True:
                with self.mock.changed:
                    if start <= model.dropped_through:
                        oldest = model.events[0]["seq"] if model.events else model.seq + 1
                        self.wfile.write(f"event: trimmed\ndata: {oldest}\n\n".encode())
                        print(f"mock: {session}: from {start} is trimmed (oldest {oldest})", file=sys.stderr,
                              flush=True)
                        return
                    batch = [e for e in model.events if e["seq"] >= start]
                    if not batch:
                        self.mock.changed.wait(self.mock.ping_s)
                        batch = [e for e in model.events if e["seq"] >= start]
                if batch:
                    out = "".join(f"id: {e['seq']}\ndata: {json.dumps(e)}\n\n" for e in batch)
                    start = batch[-1]["seq"] + 1
                else:
                    out = ": ping\n\n"
                self.wfile.write(out.encode())
                self.wfile.flush()
        except OSError:
            return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seatd", default="127.0.0.1:7070", help="host:port of seatd's line protocol")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7080, help="0 for any free port")
    parser.add_argument("--retain", type=int, help="events kept per session",
                        default=int(os.environ.get("SEATD_EVENTS_RETAIN_PER_SESSION", "100000")))
    parser.add_argument("--ping-s", type=float, default=15.0, help="seconds between heartbeats")
    args = parser.parse_args()
    host, _, port = args.seatd.rpartition(":")
    tokens = {}
    for entry in filter(None, os.environ.get("SEATD_AUTH_TOKENS", "").split(",")):
        role, _, token = entry.partition(":")
        tokens[role] = token
    Handler.mock = Mock((host, int(port)), tokens, args.retain, args.ping_s)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print(f"mock: host={args.host} port={server.server_address[1]} [Mock] http listening", file=sys.stderr,
          flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
