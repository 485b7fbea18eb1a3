"""An asyncio connection that many coroutines share: their requests are pipelined, replies paired by order."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Deque, List, Optional, Tuple

from .errors import ConnectionLost, Timeout, error_from_reply
from .routing import parse_address


class _Waiter:
    """The replies one write awaits: `count` lines, then `future` gets them."""

    __slots__ = ("count", "lines", "future")

    def __init__(self, count: int, future: "asyncio.Future[None]") -> None:
        self.count = count
        self.lines: List[str] = []
        self.future = future


class AsyncConnection(asyncio.Protocol):
    def __init__(self, address: str, timeout: Optional[float]) -> None:
        self.address = address
        self.timeout = timeout
        self._loop = asyncio.get_running_loop()
        self._transport: Optional[asyncio.Transport] = None
        self._buffer = bytearray()
        self._waiters: Deque[_Waiter] = deque()
        self.error: Optional[ConnectionLost] = None

    @classmethod
    async def open(cls, address: str, auth: Optional[str], timeout: Optional[float]) -> "AsyncConnection":
        host, port = parse_address(address)
        connection = cls(address, timeout)
        try:
            await asyncio.wait_for(connection._loop.create_connection(lambda: connection, host, port), timeout)
        except (OSError, asyncio.TimeoutError) as e:
            raise ConnectionLost(f"cannot connect to {address}: {e!r}", written=False) from e
        if auth is not None:
            lines, error = await connection.request([f"AUTH {auth}\n".encode()])
            if error is not None:
                raise ConnectionLost(f"AUTH on {address}: {error}", written=False)
            if not lines[0].startswith("OK"):
                connection.close()
                raise error_from_reply(lines[0])
        return connection

    @property
    def closed(self) -> bool:
        return self.error is not None

    async def request(self, lines: List[bytes]) -> Tuple[List[str], Optional[ConnectionLost]]:
        """Writes the lines at once; the replies, or those that came and the error that ended the connection."""
        if self.error is not None or self._transport is None:
            return [], ConnectionLost(f"{self.address}: the connection is closed", written=False)
        waiter = _Waiter(len(lines), self._loop.create_future())
        self._waiters.append(waiter)
        self._transport.write(b"".join(lines))
        timer = None
        if self.timeout is not None:
            timer = self._loop.call_later(self.timeout, self._timed_out, waiter)
        try:
            await waiter.future
        except ConnectionLost as e:
            return waiter.lines, e
        finally:
            if timer is not None:
                timer.cancel()
        return waiter.lines, None

    def _timed_out(self, waiter: _Waiter) -> None:
        # A late reply must never be paired with a later request (rule 3): close, failing everything in flight.
        if not waiter.future.done():
            self._fail(Timeout(f"no reply from {self.address} within {self.timeout} s", written=True))

    def close(self) -> None:
        self._fail(ConnectionLost(f"{self.address}: closed by the client", written=True))

    def _fail(self, error: ConnectionLost) -> None:
        if self.error is None:
            self.error = error
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.future.done():
                waiter.future.set_exception(self.error)
                waiter.future.exception()  # retrieved here, so an abandoned request logs no warning
        if self._transport is not None:
            self._transport.abort()

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        start = 0
        buffer = self._buffer
        waiters = self._waiters
        while True:
            end = buffer.find(b"\n", start)
            if end < 0:
                break
            line = buffer[start:end].decode()
            start = end + 1
            if not waiters:
                continue  # no request awaits it: the connection is being closed
            waiter = waiters[0]
            waiter.lines.append(line)
            if len(waiter.lines) == waiter.count:
                waiters.popleft()
                if not waiter.future.done():
                    waiter.future.set_result(None)
        del buffer[:start]

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._fail(ConnectionLost(f"{self.address}: {exc or 'closed by the server'}", written=True))
