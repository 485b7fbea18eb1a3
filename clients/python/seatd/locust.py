"""A Locust `User` whose client reports every request to Locust's statistics.

    from seatd.locust import SeatdUser

    class Buyer(SeatdUser):
        @task
        def buy(self):
            hold = self.client.hold("premiere", "ann", best=2)

Each request is one entry named after its command (`HOLD`, `CONFIRM`, ...), timed from write to reply. `TAKEN`
and `SOLD_OUT` are what a rush is expected to meet: they count as successes under their own names
(`HOLD (taken)`, `HOLD (sold out)`) and are raised to the task as usual. Any other error is a failure. A
pipeline is one entry, `PIPELINE`, a failure if any of its replies is.
Locust is imported here only, so the package itself needs nothing beyond the standard library.
"""

from __future__ import annotations

import time
from typing import Any, Callable, List, Optional, Sequence
from urllib.parse import urlparse

from locust import User  # the package's only import of locust

from .client import Client
from .commands import Command
from .errors import SeatdError, SoldOut, Taken

# Outcomes of a rush that are not failures, and the suffix of their statistics' name.
EXPECTED = {Taken: "taken", SoldOut: "sold out"}


class LocustClient(Client):
    """A `seatd.Client` that fires Locust's request event for every request it sends."""

    def __init__(self, fire: Callable[..., Any], **options: Any) -> None:
        super().__init__(**options)
        self._fire = fire

    def run(self, commands: Sequence[Command[Any]]) -> List[Any]:
        """One entry per request; a pipeline is one entry, `PIPELINE`, failed if any reply is a failure."""
        start = time.perf_counter()
        results = super().run(commands)
        elapsed_ms = (time.perf_counter() - start) * 1000
        failures = [r for r in results if isinstance(r, SeatdError) and _expected(r) is None]
        name = commands[0].name if len(commands) == 1 else "PIPELINE"
        label = _expected(results[0]) if len(commands) == 1 else None
        if label is not None:
            name = f"{name} ({label})"
        self._fire(request_type="seatd", name=name, response_time=elapsed_ms, response_length=0,
                   exception=failures[0] if failures else None, context={})
        return results


def _expected(result: Any) -> Optional[str]:
    return next((label for cls, label in EXPECTED.items() if isinstance(result, cls)), None)


def parse_host(host: Optional[str]) -> "tuple[str, int]":
    """`seatd://host:port` (the default port is 7070)."""
    url = urlparse(host or SeatdUser.host)
    if url.scheme != "seatd":
        raise ValueError(f"a seatd host is seatd://host:port, not {host!r}")
    return url.hostname or "127.0.0.1", url.port or 7070


class SeatdUser(User):  # type: ignore[misc]
    """Set `auth` (a token) and `timeout` as class attributes if needed; `self.client` is a LocustClient."""

    abstract = True
    host = "seatd://127.0.0.1:7070"
    auth: Optional[str] = None
    timeout: float = 5.0

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        address, port = parse_host(self.host)
        self.client = LocustClient(environment.events.request.fire, host=address, port=port, auth=self.auth,
                                   timeout=self.timeout)

    def on_stop(self) -> None:
        self.client.close()
