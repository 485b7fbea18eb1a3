"""A TestCase with a real seatd per class and a fresh session per test."""

from __future__ import annotations

import itertools
import unittest

import seatd
from harness import Server

_numbers = itertools.count(1)


class ServerTestCase(unittest.TestCase):
    auth = False
    server: Server

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = Server(auth=cls.auth)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def client(self, **options: object) -> seatd.Client:
        client = seatd.Client(port=self.server.port, **options)  # type: ignore[arg-type]
        self.addCleanup(client.close)
        return client

    def fresh_session(self, client: seatd.Client, *parts: str, **options: object) -> str:
        """A new hall (default: rows A-C of 6 seats) and a session of it."""
        number = next(_numbers)
        hall, session = f"h{number}", f"s{number}"
        client.create_hall(hall, *(parts or ("A=6", "B=1-3,5-7", "C=6")))
        client.create_session(session, hall, **options)
        return session
