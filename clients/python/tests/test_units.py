"""The parts that need no server: CRC-32C, the reply parsers, every error code's type, request forming, routing."""

from __future__ import annotations

import unittest

import seatd
from seatd import commands as c
from seatd.batch import outcome
from seatd.commands import Command
from seatd.routing import Router


class Crc32cTests(unittest.TestCase):
    def test_check_value(self) -> None:
        self.assertEqual(seatd.crc32c(b"123456789"), 0xE3069283)

    def test_empty_and_slot(self) -> None:
        self.assertEqual(seatd.crc32c(b""), 0)
        self.assertEqual(seatd.slot("123456789"), 0xE3069283 % 1024)


class ErrorTests(unittest.TestCase):
    def test_every_code_has_its_type(self) -> None:
        for code, cls in seatd.errors.ERRORS_BY_CODE.items():
            error = seatd.error_from_reply(f"ERR {code} some words")
            self.assertIs(type(error), cls)
            self.assertEqual(error.code, code)
            self.assertIsInstance(error, seatd.SeatdError)
        self.assertEqual(len(seatd.errors.ERRORS_BY_CODE), 21)

    def test_fields_of_taken_moved_tryagain_trimmed(self) -> None:
        taken = seatd.error_from_reply("ERR TAKEN B3 C1")
        assert isinstance(taken, seatd.Taken)
        self.assertEqual(taken.seats, ["B3", "C1"])
        moved = seatd.error_from_reply("ERR MOVED 341 127.0.0.1:7003")
        assert isinstance(moved, seatd.Moved)
        self.assertEqual((moved.slot, moved.address), (341, "127.0.0.1:7003"))
        again = seatd.error_from_reply("ERR TRYAGAIN 100")
        assert isinstance(again, seatd.TryAgain)
        self.assertEqual(again.ms, 100)
        trimmed = seatd.error_from_reply("ERR TRIMMED 57")
        assert isinstance(trimmed, seatd.Trimmed)
        self.assertEqual(trimmed.seq, 57)
        self.assertIsInstance(seatd.error_from_reply("ERR BUSY too many connections"), seatd.Busy)
        self.assertIsInstance(seatd.error_from_reply("ERR UNAVAILABLE disk full"), seatd.Unavailable)

    def test_unknown_code_keeps_the_base_type(self) -> None:
        error = seatd.error_from_reply("ERR NEW_CODE what")
        self.assertIs(type(error), seatd.SeatdError)
        self.assertEqual((error.code, error.message), ("NEW_CODE", "what"))


class ReplyTests(unittest.TestCase):
    def test_hold_with_places(self) -> None:
        hold = outcome(c.hold("s", "fay", ["C6", "pit:4"]), "OK 2835c4df 1796128100732 C6 pit:4")
        self.assertEqual(hold, seatd.Hold("2835c4df", 1796128100732, ["C6"], {"pit": 4}))

    def test_map_list_avail_slots(self) -> None:
        seat_map = outcome(c.map_("s"), "OK A:bb...... B:r......r pit:40/40")
        self.assertEqual(seat_map.rows, {"A": "bb......", "B": "r......r"})
        self.assertEqual(seat_map.areas, {"pit": (40, 40)})
        entries = outcome(c.list_("s", "fay"), "OK 2835:sold:C6,pit:3 99ff:held:A1")
        self.assertEqual(entries[0], seatd.CustomerHold("2835", "sold", ["C6"], {"pit": 3}))
        self.assertEqual(outcome(c.list_("s", "x"), "OK"), [])
        self.assertEqual(outcome(c.avail("s"), "OK free=60 held=0 sold=0 blocked=2 reserved=2"),
                         seatd.Avail(60, 0, 0, 2, 2))
        slots = outcome(c.cluster_slots(), "OK 0-340=s1@127.0.0.1:7001 341-1023=s2@-")
        self.assertEqual(slots, [seatd.SlotRange(0, 340, "s1", "127.0.0.1:7001"),
                                 seatd.SlotRange(341, 1023, "s2", None)])

    def test_event(self) -> None:
        event = c.parse_event("EVENT 4 reserved gala - press B1 B8")
        self.assertEqual(event, seatd.Event(4, "reserved", "gala", None, "press", ["B1", "B8"]))

    def test_err_is_returned_not_raised(self) -> None:
        self.assertIsInstance(outcome(c.ping(), "ERR NOAUTH auth first"), seatd.NoAuth)


class RequestTests(unittest.TestCase):
    def test_lines(self) -> None:
        self.assertEqual(c.hold("s", "ann", best=2, ttl=60, key="k", cat="vip").line,
                         b"HOLD s ann BEST 2 ttl=60 cat=vip key=k\n")
        self.assertEqual(c.hold("s", "ann", "A1 pit:2").line, b"HOLD s ann A1 pit:2\n")
        self.assertEqual(c.create_session("e", "h", ttl=600, orphans="avoid").line,
                         b"CREATE SESSION e h ttl=600 orphans=avoid\n")

    def test_a_value_with_a_space_or_newline_is_refused(self) -> None:
        # It would make two requests of one and every later reply would pair with the wrong request.
        with self.assertRaises(ValueError):
            c.hold("s", "ann\nDROP SESSION s", ["A1"])
        with self.assertRaises(ValueError):
            c.confirm("s", "h", ref="a b")

    def test_resend_safety(self) -> None:
        self.assertTrue(c.avail("s").resend_safe)
        self.assertTrue(c.hold("s", "a", best=1, key="k").resend_safe)
        self.assertFalse(c.hold("s", "a", best=1).resend_safe)
        self.assertFalse(c.create_hall("h", "A=1").resend_safe)


class RouterTests(unittest.TestCase):
    def test_routes_by_slot_and_follows_moved(self) -> None:
        router = Router(["n1:1", "n2:2"], cluster=True)
        router.update(c.cluster_slots().parse(["0-511=a@n1:1", "512-1023=b@n2:2"]))
        for session in ("eve1", "gala", "night", "x"):
            expected = "n1:1" if seatd.slot(session) < 512 else "n2:2"
            self.assertEqual(router.address(Command("AVAIL", [], list, session)), expected)
        router.moved(seatd.slot("eve1"), "n3:3")
        self.assertEqual(router.address(Command("AVAIL", [], list, "eve1")), "n3:3")
        self.assertTrue(router.stale)
