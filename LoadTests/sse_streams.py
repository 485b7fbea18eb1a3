#!/usr/bin/env python3
"""Holds event streams of seatd's HTTP port open and reads them, for bench-http.sh: waits until at least
--sessions sessions exist (GET /api/sessions), opens --streams streams spread over them round-robin
(GET /sessions/<id>/events), reads until SIGTERM, then prints `streams=<n> open=<n> events=<n> bytes=<n>`
(events are `id:` lines). Standard library only; one thread, selectors."""
import argparse, json, selectors, signal, socket, sys, time, urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--streams", type=int, default=100)
parser.add_argument("--sessions", type=int, default=1)
args = parser.parse_args()

deadline = time.monotonic() + 60
while True:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/api/sessions", timeout=5) as reply:
            ids = [s["session"] for s in json.load(reply)["sessions"]]
    except OSError:
        ids = []
    if len(ids) >= args.sessions:
        break
    if time.monotonic() > deadline:
        sys.exit(f"sse_streams: only {len(ids)} sessions after 60 s")
    time.sleep(0.1)

selector = selectors.DefaultSelector()
for index in range(args.streams):
    session = ids[index % len(ids)]
    sock = socket.create_connection(("127.0.0.1", args.port))
    sock.sendall(f"GET /sessions/{session}/events HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
    sock.setblocking(False)
    selector.register(sock, selectors.EVENT_READ)

stopping = False
def stop(*_):
    global stopping
    stopping = True
signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
events = total = 0
open_streams = args.streams
while not stopping and open_streams:
    for key, _ in selector.select(timeout=0.5):
        data = key.fileobj.recv(1 << 16)
        if not data:
            selector.unregister(key.fileobj)
            key.fileobj.close()
            open_streams -= 1
            continue
        total += len(data)
        events += data.count(b"\nid: ") + data.startswith(b"id: ")
print(f"streams={args.streams} open={open_streams} events={events} bytes={total}", flush=True)
