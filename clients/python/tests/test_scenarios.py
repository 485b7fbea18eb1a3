"""Scenarios 3 to 6 (clients/scenarios.md): 1,000 pipelined requests in order, a HOLD retried with its key applied
once, WATCH resuming across a kill -9 of seatd, AUTH and FORBIDDEN."""

from __future__ import annotations

import socket
import threading
from typing import List

import seatd
from base import ServerTestCase
from harness import TOKENS


ROWS = [a + b for a in "ABC" for b in "ABCDEFGHIJKLMNOPQRST"]  # 60 rows of two letters


def _seat(i: int) -> str:
    return f"{ROWS[i // 10]}{i % 10 + 1}"


class PipelineTests(ServerTestCase):
    def test_a_thousand_requests_answered_in_order(self) -> None:
        c = self.client()
        s = self.fresh_session(c, *(f"{row}=10" for row in ROWS))
        with c.pipeline() as p:
            for i in range(500):
                p.hold(s, f"c{i}", [_seat(i)])
                p.avail(s)
            replies = p.execute()
        self.assertEqual(len(replies), 1000)
        for i in range(500):
            hold, avail = replies[2 * i], replies[2 * i + 1]
            self.assertEqual(hold.seats, [_seat(i)])
            self.assertEqual(avail.held, i + 1)  # each AVAIL sees exactly the holds before it

    def test_errors_keep_their_place(self) -> None:
        c = self.client()
        s = self.fresh_session(c)
        with c.pipeline() as p:
            p.hold(s, "ann", ["A1"]).hold(s, "bob", ["A1"]).avail(s)
            first, second, third = p.execute()
        self.assertIsInstance(first, seatd.Hold)
        self.assertIsInstance(second, seatd.Taken)
        self.assertEqual(third.held, 1)


class DroppingProxy:
    """A proxy to seatd whose first connection closes as the first reply arrives (the request was written and
    carried out, its reply never read); later connections are forwarded both ways."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.dropped = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self.listener.close()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            if self.dropped == 0:
                upstream.sendall(client.recv(65536))
                upstream.recv(65536)
                self.dropped += 1
                client.close()
                upstream.close()
                continue
            threading.Thread(target=_pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=_pump, args=(upstream, client), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    for s in (source, sink):
        s.close()


class KeyedRetryTests(ServerTestCase):
    def test_a_hold_retried_with_its_key_is_applied_once(self) -> None:
        direct = self.client()
        s = self.fresh_session(direct)
        proxy = DroppingProxy(self.server.port)
        self.addCleanup(proxy.close)
        c = seatd.Client(port=proxy.port)
        self.addCleanup(c.close)
        hold = c.hold(s, "ann", ["A1", "A2"], key="order-1")
        self.assertEqual(proxy.dropped, 1)
        self.assertEqual(direct.avail(s).held, 2)
        self.assertEqual(direct.list(s, "ann"), [seatd.CustomerHold(hold.id, "held", ["A1", "A2"])])
        self.assertEqual(direct.hold(s, "ann", ["A1", "A2"], key="order-1"), hold)

    def test_a_change_without_a_key_is_not_resent(self) -> None:
        direct = self.client()
        s = self.fresh_session(direct)
        proxy = DroppingProxy(self.server.port)
        self.addCleanup(proxy.close)
        c = seatd.Client(port=proxy.port)
        self.addCleanup(c.close)
        with self.assertRaises(seatd.ConnectionLost) as caught:
            c.hold(s, "ann", ["A1"])
        self.assertTrue(caught.exception.written)  # it may have been carried out: here it was
        self.assertEqual(direct.avail(s).held, 1)


class TimeoutTests(ServerTestCase):
    def test_a_request_that_times_out_closes_its_connection(self) -> None:
        # A listener that accepts and never answers, as a hung server would.
        silent = socket.create_server(("127.0.0.1", 0))
        self.addCleanup(silent.close)
        c = seatd.Client(port=silent.getsockname()[1], timeout=0.2)
        self.addCleanup(c.close)
        with self.assertRaises(seatd.Timeout) as caught:
            c.hold("s", "ann", ["A1"])  # a change without a key: sent once, not again
        self.assertTrue(caught.exception.written)
        self.assertEqual(c._connections, {})  # closed: a late reply can never be read as another's


class WatchResumeTests(ServerTestCase):
    def test_watch_resumes_across_kill_9(self) -> None:
        c = self.client()
        s = self.fresh_session(c)
        seen: List[seatd.Event] = []
        watch = c.watch(s)
        done = threading.Event()

        def consume() -> None:
            for event in watch:
                seen.append(event)
                if len(seen) == 6:
                    break
            done.set()

        threading.Thread(target=consume, daemon=True).start()
        for seat in ("A1", "A2", "A3"):
            c.hold(s, "ann", [seat])
        self.server.kill()
        self.server.start()
        for seat in ("B1", "B2", "B3"):
            c.hold(s, "bob", [seat])
        self.assertTrue(done.wait(20), f"watcher saw {seen}")
        watch.close()
        fresh = c.watch(s, from_seq=1)
        expected = [next(fresh) for _ in range(6)]
        fresh.close()
        self.assertEqual(seen, expected)
        self.assertEqual([e.items[0] for e in seen], ["A1", "A2", "A3", "B1", "B2", "B3"])


class AuthTests(ServerTestCase):
    auth = True

    def test_noauth_wrong_token_forbidden_and_admin(self) -> None:
        with self.assertRaises(seatd.NoAuth):
            self.client().ping()
        with self.assertRaises(seatd.NoAuth):
            self.client(auth="wrong-token").ping()
        admin = self.client(auth=TOKENS["admin"])
        s = self.fresh_session(admin)
        reader = self.client(auth=TOKENS["reader"])
        self.assertEqual(reader.avail(s).free, 18)
        with self.assertRaises(seatd.Forbidden):
            reader.hold(s, "ann", ["A1"])
        self.assertEqual(admin.hold(s, "ann", ["A1"]).seats, ["A1"])
        self.assertEqual(admin.execute_command("AUTH", TOKENS["reader"]), ["reader"])
