"""seatd.locust's SeatdUser against a real seatd: every request is a Locust statistics entry named after its
command; TAKEN and SOLD_OUT are successes under their own names, other errors failures. Skipped without locust."""

from __future__ import annotations

import importlib.util
import unittest

import seatd
from base import ServerTestCase


@unittest.skipIf(importlib.util.find_spec("locust") is None,
                 "locust is not installed (python3 -m pip install locust): the SeatdUser test is skipped")
class LocustUserTests(ServerTestCase):
    def test_statistics(self) -> None:
        from locust.env import Environment

        from seatd.locust import SeatdUser

        class Buyer(SeatdUser):
            host = f"seatd://127.0.0.1:{self.server.port}"

        environment = Environment(user_classes=[Buyer])
        environment.create_local_runner()
        user = Buyer(environment)
        self.addCleanup(user.on_stop)
        s = self.fresh_session(self.client(), "A=2")
        hold = user.client.hold(s, "ann", ["A1"])
        user.client.confirm(s, hold.id)
        with self.assertRaises(seatd.Taken):
            user.client.hold(s, "bob", ["A1"])
        with self.assertRaises(seatd.SoldOut):
            user.client.hold(s, "bob", any=2)
        with self.assertRaises(seatd.NoSuchHold):
            user.client.confirm(s, "nope")
        with user.client.pipeline() as p:
            p.avail(s).hold(s, "cy", ["A1"])
            self.assertIsInstance(p.execute()[1], seatd.Taken)
        stats = environment.stats
        self.assertEqual(stats.get("PIPELINE", "seatd").num_requests, 1)
        self.assertEqual(stats.get("PIPELINE", "seatd").num_failures, 0)
        self.assertEqual(stats.get("HOLD", "seatd").num_requests, 1)
        self.assertEqual(stats.get("CONFIRM", "seatd").num_requests, 2)
        self.assertEqual(stats.get("CONFIRM", "seatd").num_failures, 1)
        self.assertEqual(stats.get("HOLD (taken)", "seatd").num_failures, 0)
        self.assertEqual(stats.get("HOLD (taken)", "seatd").num_requests, 1)
        self.assertEqual(stats.get("HOLD (sold out)", "seatd").num_requests, 1)
        self.assertEqual(stats.total.num_failures, 1)
