"""WATCH as an iterator that resumes with from= after a dropped connection (rule 6)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Iterator, Optional

from . import commands as c
from .connection import Connection
from .errors import Busy, ConnectionLost, Moved, SeatdError, TryAgain, Unavailable, error_from_reply
from .routing import RECONNECT_PAUSE_S
from .types import Event

if TYPE_CHECKING:
    from .client import Client

# Errors after which a watch connects again and resumes; any other ERR (TRIMMED, NO_SUCH_SESSION, ...) is raised.
RESUMABLE = (Busy, Unavailable, TryAgain, Moved)


class Watch(Iterator[Event]):
    """Iterate for events; `close()` (or leaving a `with` block) ends it. `next_seq` is where it would resume."""

    def __init__(self, client: "Client", session: str, from_seq: Optional[int], reconnect_s: float) -> None:
        self.client = client
        self.session = session
        self.next_seq = from_seq
        self.reconnect_s = reconnect_s
        self._connection: Optional[Connection] = None
        self._closed = False

    def __enter__(self) -> "Watch":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        if self._connection is not None:
            self._connection.close()

    def start(self) -> None:
        """Connects now, so that the watch sees every change made after this returns."""
        try:
            self._open()
        except (ConnectionLost, *RESUMABLE):
            pass  # __next__ retries

    def __next__(self) -> Event:
        failing_since: Optional[float] = None
        while not self._closed:
            try:
                if self._connection is None:
                    self._open()
                    failing_since = None
                assert self._connection is not None
                line = self._connection.read_line()
            except (ConnectionLost, *RESUMABLE) as e:
                failing_since = failing_since or time.monotonic()
                self._retry_later(e, failing_since)
                continue
            if line.startswith("EVENT "):
                event = c.parse_event(line)
                if self.next_seq is not None and event.seq < self.next_seq:
                    continue  # already yielded before a reconnection
                self.next_seq = event.seq + 1
                return event
            error = error_from_reply(line)
            if not isinstance(error, RESUMABLE):
                self.close()
                raise error
            self._retry_later(error, time.monotonic())
        raise StopIteration

    def _retry_later(self, error: SeatdError, failing_since: float) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if isinstance(error, Moved):
            self.client.router.moved(error.slot, error.address)
        else:
            self.client.router.failed(self._address())
        if self._closed:
            return
        if time.monotonic() - failing_since > self.reconnect_s:
            self.close()
            raise error
        time.sleep(error.ms / 1000 if isinstance(error, TryAgain) else RECONNECT_PAUSE_S)

    def _address(self) -> str:
        return self.client.router.address(c.routed_by(self.session))

    def _open(self) -> None:
        if self.client.router.stale:
            self.client._read_slots()
        connection = Connection(self._address(), self.client.auth, self.client.timeout)
        try:
            if self.next_seq is None:
                # Start after the node's last change, not "live": a reconnection then knows where to resume.
                lines, error = connection.request([c.stats().line])
                if error is not None:
                    raise error
                if not lines[0].startswith("OK"):
                    raise error_from_reply(lines[0])
                self.next_seq = int(c.stats().parse(lines[0].split()[1:])["last_lsn"]) + 1
            lines, error = connection.request([f"WATCH {self.session} from={self.next_seq}\n".encode()])
            if error is not None:
                raise error
            if lines[0] != "OK":
                raise error_from_reply(lines[0])
        except BaseException:
            connection.close()
            raise
        connection.set_timeout(None)  # events may be minutes apart; a dead server shows as a closed connection
        self._connection = connection
