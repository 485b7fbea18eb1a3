"""Scenarios 1, 2 and 7 (clients/scenarios.md): every command parsed into its type, every error code the server
sends as its own error type, and lines the server refuses, each against a real seatd."""

from __future__ import annotations

import threading
import time

import seatd
from base import ServerTestCase
from harness import Server


class CommandTests(ServerTestCase):
    def test_halls_and_sessions(self) -> None:
        c = self.client()
        self.assertTrue(c.ping())
        parts = ("A=8", "B=8", "C=1-4,6-9", "cat:vip=B2-B7", "flag:wheelchair=C1,C9", "flag:companion=C2,C8",
                 "ga:pit=40", "cat:standing=pit")
        self.assertEqual(c.create_hall("prem", *parts), 64)
        self.assertEqual(c.hall("prem"), ["A=8", "B=8", "C=1-4,6-9", "ga:pit=40", "cat:vip=B2-B7",
                                          "cat:standing=pit", "flag:wheelchair=C1,C9", "flag:companion=C2,C8"])
        self.assertIn("prem", c.halls())
        self.assertEqual(c.create_session("gala", "prem", ttl=600, maxttl=3600, limit=10, orphans="avoid",
                                          grace=60, keyttl=3600), 64)
        self.assertEqual(c.sessions("prem"), ["gala"])
        self.assertIn("gala", c.sessions())
        self.assertIsNone(c.drop_session("gala"))
        self.assertEqual(c.sessions("prem"), [])

    def test_venue_commands(self) -> None:
        c = self.client()
        s = self.fresh_session(c, "A=8", "B=8", "C=1-4,6-9", "cat:vip=B2-B7", "flag:wheelchair=C1,C9", "ga:pit=40")
        self.assertEqual(c.block(s, "A1", "A2"), ["A1", "A2"])
        self.assertEqual(c.reserve(s, "press", "B1", "B8"), ["B1", "B8"])
        self.assertEqual(c.map(s), seatd.SeatMap({"A": "bb......", "B": "r......r", "C": "........"},
                                                 {"pit": (40, 40)}))
        self.assertEqual(c.avail(s), seatd.Avail(60, 0, 0, 2, 2))
        vip = c.hold(s, "ann", best=4, cat="vip", ttl=120)
        self.assertEqual(vip.seats, ["B3", "B4", "B5", "B6"])
        self.assertEqual(c.hold(s, "cy", any=1, flag="wheelchair").seats, ["C1"])
        self.assertEqual(c.hold(s, "dee", ["B1"], channel="press").seats, ["B1"])
        fay = c.hold(s, "fay", ["pit:4", "C6"])
        self.assertEqual((fay.seats, fay.places), (["C6"], {"pit": 4}))
        self.assertEqual(c.avail(s, "pit"), seatd.Avail(36, 4, 0, 0, 0))
        self.assertEqual(c.avail(s, cat="vip").held, 4)
        self.assertEqual(c.avail(s, flag="wheelchair").held, 1)
        self.assertEqual(c.unblock(s, "A1"), ["A1"])
        self.assertEqual(c.unreserve(s, "B8"), ["B8"])
        self.assertEqual(c.history(s, seat="pit")[0].customer, "fay")
        first = c.history(s, seat="A1")[0]
        self.assertEqual((first.type, first.hold, first.customer), ("blocked", None, None))

    def test_checkout_commands(self) -> None:
        c = self.client()
        s = self.fresh_session(c, "A=10", "B=10", "ga:pit=50", ttl=600, grace=300)
        hold = c.hold(s, "ann", ["A4", "A5"], key="cart-1")
        added = c.add(s, hold.id, ["A6", "pit:1"], key="cart-2")
        self.assertEqual((added.id, added.expires_ms), (hold.id, hold.expires_ms))
        self.assertEqual((added.seats, added.places), (["A4", "A5", "A6"], {"pit": 1}))
        self.assertEqual(c.release(s, hold.id, ["A4"], key="cart-3"), seatd.Booking(hold.id, ["A4"]))
        self.assertEqual(c.list(s, "ann"), [seatd.CustomerHold(hold.id, "held", ["A5", "A6"], {"pit": 1})])
        self.assertGreaterEqual(c.extend(s, hold.id, 300, key="cart-4"), hold.expires_ms - 600_000)
        booking = c.confirm(s, hold.id, ref="pay-77", key="pay-77")
        self.assertEqual(booking, seatd.Booking(hold.id, ["A5", "A6"], {"pit": 1}))
        self.assertEqual(c.confirm(s, hold.id, ref="pay-77", key="pay-77"), booking)
        self.assertEqual(c.cancel(s, hold.id, ["pit:1"]), seatd.Booking(hold.id, [], {"pit": 1}))
        sold = c.sell(s, "box", ["B1", "B2"], ref="cash-3", key="till-9")
        self.assertEqual(sold.seats, ["B1", "B2"])
        self.assertEqual(c.sell(s, "box", best=2).seats.__len__(), 2)
        self.assertEqual(c.add(s, c.hold(s, "eve", best=1).id, best=1).seats.__len__(), 2)
        whole = c.hold(s, "gus", ["B9"])
        self.assertEqual(c.release(s, whole.id), seatd.Booking(whole.id))
        history = c.history(s, hold.id)
        self.assertEqual([h.type for h in history], ["held", "added", "released", "extended", "confirmed",
                                                     "cancelled"])
        self.assertEqual(history[1].places, {"pit": 1})
        self.assertEqual(c.avail(s).sold, 2 + 2 + 2)

    def test_stats_snapshot_quit(self) -> None:
        c = self.client()
        self.fresh_session(c)
        stats = c.stats()
        self.assertGreaterEqual(stats["last_lsn"], 1)
        self.assertGreaterEqual(c.snapshot(), 1)
        self.assertIsNone(c.quit())
        self.assertTrue(c.ping())  # a new connection after QUIT

    def test_watch(self) -> None:
        c = self.client()
        s = self.fresh_session(c)
        with c.watch(s) as watch:
            hold = c.hold(s, "ann", ["A1"])
            c.confirm(s, hold.id)
            events = [next(watch), next(watch)]
        self.assertEqual([(e.type, e.hold, e.customer, e.items) for e in events],
                         [("held", hold.id, "ann", ["A1"]), ("confirmed", hold.id, "ann", ["A1"])])
        self.assertLess(events[0].seq, events[1].seq)


class ErrorCodeTests(ServerTestCase):
    def assertCode(self, cls: type, call: object, *args: object, **kwargs: object) -> seatd.SeatdError:
        with self.assertRaises(cls) as caught:
            call(*args, **kwargs)  # type: ignore[operator]
        self.assertEqual(caught.exception.code, cls.code)  # type: ignore[attr-defined]
        return caught.exception

    def test_every_code_the_server_sends(self) -> None:
        c = self.client()
        s = self.fresh_session(c, "A=3", "B=6", limit=4)
        self.assertCode(seatd.BadRequest, c.hold, s, "ann", ["A1", "A1"])
        self.assertCode(seatd.UnknownCommand, c.execute_command, "FROB", "x")
        self.assertCode(seatd.Exists, c.create_session, s, "h1")
        self.assertCode(seatd.NoSuchHall, c.hall, "no-hall")
        self.assertCode(seatd.NoSuchSession, c.avail, "no-session")
        self.assertCode(seatd.NoSuchSeat, c.hold, s, "ann", ["Z1"])
        self.assertCode(seatd.NoSuchHold, c.confirm, s, "no-hold")
        c.hold(s, "ann", ["A2"])
        taken = self.assertCode(seatd.Taken, c.hold, s, "bob", ["A1", "A2", "A3"])
        self.assertEqual(taken.seats, ["A2"])  # type: ignore[attr-defined]
        narrow = self.fresh_session(c, "A=3")
        c.hold(narrow, "ann", ["A2"])
        self.assertCode(seatd.NoAdjacent, c.hold, narrow, "bob", best=2)
        self.assertCode(seatd.SoldOut, c.hold, narrow, "dee", any=3)
        self.assertCode(seatd.Limit, c.hold, s, "cy", ["B1", "B2", "B3", "B4", "B5"])
        sold = c.sell(s, "eve", ["B6"])
        self.assertCode(seatd.NotHeld, c.release, s, sold.id)
        short = c.hold(s, "fay", ["B1"], ttl=1)
        time.sleep(1.2)
        self.assertCode(seatd.Expired, c.confirm, s, short.id)

    def test_trimmed(self) -> None:
        server = Server(env={"SEATD_EVENTS_RETAIN_PER_SESSION": "2"})
        self.addCleanup(server.stop)
        c = seatd.Client(port=server.port)
        self.addCleanup(c.close)
        c.create_hall("t", "A=9")
        c.create_session("t1", "t")
        for seat in ("A1", "A2", "A3", "A4"):
            c.hold("t1", "ann", [seat])
        with self.assertRaises(seatd.Trimmed) as caught:
            next(c.watch("t1", from_seq=1))
        self.assertGreater(caught.exception.seq or 0, 1)


class RefusedLineTests(ServerTestCase):
    def test_line_too_long_then_the_next_request_works(self) -> None:
        c = self.client()
        s = self.fresh_session(c)
        with self.assertRaises(seatd.LineTooLong):
            c.execute_command("HALL", "x" * 5000)
        # The server closed that connection; a change (no key) must still go through on a fresh one.
        self.assertEqual(c.hold(s, "ann", ["A1"]).seats, ["A1"])

    def test_bad_request_then_the_next_request_works(self) -> None:
        c = self.client()
        s = self.fresh_session(c)
        with self.assertRaises(seatd.BadRequest):
            c.execute_command("HOLD", s)
        with self.assertRaises(seatd.BadRequest):
            c.create_session("s-bad", "h1", ttl=0)
        self.assertEqual(c.avail(s).free, 18)


class WatchCloseTests(ServerTestCase):
    def test_close_from_another_thread_ends_the_iteration(self) -> None:
        c = self.client()
        s = self.fresh_session(c)
        watch = c.watch(s)
        ended = threading.Event()

        def consume() -> None:
            for _ in watch:
                pass
            ended.set()

        threading.Thread(target=consume, daemon=True).start()
        threading.Timer(0.2, watch.close).start()
        self.assertTrue(ended.wait(5))
