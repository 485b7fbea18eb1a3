"""WATCH for the asyncio client: an async iterator that resumes with from= after a dropped connection (rule 6)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, AsyncIterator, Optional

from . import commands as c
from .errors import ConnectionLost, Moved, TryAgain, error_from_reply
from .routing import RECONNECT_PAUSE_S
from .types import Event
from .watch import RESUMABLE

if TYPE_CHECKING:
    from .aio import AsyncClient


class AsyncWatch(AsyncIterator[Event]):
    """`async for event in client.watch(session)`; resumes with from= as the blocking Watch does."""

    def __init__(self, client: "AsyncClient", session: str, from_seq: Optional[int], reconnect_s: float) -> None:
        self.client = client
        self.session = session
        self.next_seq = from_seq
        self.reconnect_s = reconnect_s
        self._reader: Optional[asyncio.StreamReader] = None
        self._writer: Optional[asyncio.StreamWriter] = None
        self._closed = False

    async def __aenter__(self) -> "AsyncWatch":
        await self.start()
        return self

    async def start(self) -> None:
        """Connects now, so that the watch sees every change made after this returns (else: at the first event)."""
        try:
            await self._open()
        except (ConnectionLost, OSError, *RESUMABLE):
            pass  # __anext__ retries

    async def __aexit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        self._drop()

    def _drop(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def __anext__(self) -> Event:
        loop = asyncio.get_running_loop()
        failing_since: Optional[float] = None
        while not self._closed:
            try:
                if self._reader is None:
                    await self._open()
                    failing_since = None
                assert self._reader is not None
                line = (await self._reader.readline()).decode().rstrip("\n")
                if not line:
                    raise ConnectionLost(f"{self.session}: the watch connection closed", written=True)
                if not line.startswith("EVENT "):
                    raise error_from_reply(line)
            except (ConnectionLost, OSError, *RESUMABLE) as e:
                failing_since = failing_since or loop.time()
                await self._retry_later(e, loop.time() - failing_since)
                continue
            event = c.parse_event(line)
            if self.next_seq is not None and event.seq < self.next_seq:
                continue
            self.next_seq = event.seq + 1
            return event
        raise StopAsyncIteration

    async def _retry_later(self, error: Exception, failing_s: float) -> None:
        self._drop()
        address = self._address()
        if isinstance(error, Moved):
            self.client.router.moved(error.slot, error.address)
        else:
            self.client.router.failed(address)
        if failing_s > self.reconnect_s:
            self.close()
            raise error
        await asyncio.sleep(error.ms / 1000 if isinstance(error, TryAgain) else RECONNECT_PAUSE_S)

    def _address(self) -> str:
        return self.client.router.address(c.routed_by(self.session))

    async def _ask(self, line: bytes) -> str:
        assert self._reader is not None and self._writer is not None
        self._writer.write(line)
        reply = await asyncio.wait_for(self._reader.readline(), self.client.timeout)
        if not reply:
            raise ConnectionLost(f"{self.session}: the watch connection closed", written=True)
        text = reply.decode().rstrip("\n")
        if not text.startswith("OK"):
            raise error_from_reply(text)
        return text

    async def _open(self) -> None:
        if self.client.router.stale:
            await self.client._read_slots()
        host, _, port = self._address().rpartition(":")
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(host, int(port), limit=1 << 20), self.client.timeout)
            if self.client.auth is not None:
                await self._ask(f"AUTH {self.client.auth}\n".encode())
            if self.next_seq is None:
                stats = await self._ask(c.stats().line)
                self.next_seq = int(c.stats().parse(stats.split()[1:])["last_lsn"]) + 1
            await self._ask(f"WATCH {self.session} from={self.next_seq}\n".encode())
        except asyncio.TimeoutError as e:
            self._drop()
            raise ConnectionLost(f"{self.session}: no reply within {self.client.timeout} s", written=True) from e
        except BaseException:
            self._drop()
            raise
