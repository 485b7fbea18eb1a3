"""The asyncio client: the blocking client's methods as coroutines. It connects on the first request; concurrent
requests share each node's connection and are pipelined on it."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Sequence, TypeVar, Union

from . import commands as c
from .aio_connection import AsyncConnection
from .batch import Batch
from .commands import Command, Items
from .aio_watch import AsyncWatch
from .errors import ConnectionLost, SeatdError
from .pipeline import PipelineCommands
from .routing import Router
from .types import Avail, Booking, CustomerHold, Hold, HoldHistory, SeatHistory, SeatMap, SlotRange

T = TypeVar("T")


class AsyncClient:
    """As `seatd.Client`, with coroutines; also `async with`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 7070, auth: Optional[str] = None,
                 timeout: Optional[float] = 5.0, cluster: Optional[Sequence[str]] = None) -> None:
        self.auth = auth
        self.timeout = timeout
        self.router = Router(list(cluster) if cluster else [f"{host}:{port}"], cluster is not None)
        self._connections: Dict[str, "asyncio.Future[AsyncConnection]"] = {}
        self._slots_lock: Optional[asyncio.Lock] = None

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        for opening in self._connections.values():
            if _opened(opening):
                opening.result().close()
            else:
                opening.cancel()
        self._connections.clear()

    async def execute(self, command: Command[T]) -> T:
        result = (await self.run([command]))[0]
        if isinstance(result, SeatdError):
            raise result
        return result  # type: ignore[no-any-return]

    async def execute_command(self, *tokens: Any) -> List[str]:
        return await self.execute(c.raw(*tokens))

    async def run(self, commands: Sequence[Command[Any]]) -> List[Any]:
        batch = Batch(commands, self.router)
        while True:
            if self.router.stale:
                await self._read_slots()
            groups = batch.plan()
            if len(groups) == 1:
                address, indices = next(iter(groups.items()))
                await self._send(batch, address, indices)
            else:
                await asyncio.gather(*(self._send(batch, a, i) for a, i in groups.items()))
            if not batch.next_round():
                return batch.results
            await asyncio.sleep(batch.take_pause())

    async def _send(self, batch: Batch, address: str, indices: List[int]) -> None:
        try:
            connection = await self._connection(address)
        except ConnectionLost as e:
            batch.connect_failed(address, indices, e)
            return
        lines, error = await connection.request([batch.commands[i].line for i in indices])
        if error is not None or any(line.startswith("ERR LINE_TOO_LONG") for line in lines):
            # The server closes a connection after LINE_TOO_LONG; the next request needs a new one.
            self._forget(address, connection)
            connection.close()
        batch.replied(address, indices, lines, error)

    async def _connection(self, address: str) -> AsyncConnection:
        opening = self._connections.get(address)
        if opening is not None and opening.done() and not (_opened(opening) and not opening.result().closed):
            opening = None
        if opening is None:
            # One connection per node, however many coroutines ask for it at once.
            opening = asyncio.ensure_future(AsyncConnection.open(address, self.auth, self.timeout))
            self._connections[address] = opening
        return await asyncio.shield(opening)

    def _forget(self, address: str, connection: AsyncConnection) -> None:
        opening = self._connections.get(address)
        if opening is not None and _opened(opening) and opening.result() is connection:
            del self._connections[address]

    async def _read_slots(self) -> None:
        if self._slots_lock is None:
            self._slots_lock = asyncio.Lock()
        async with self._slots_lock:
            if not self.router.stale:
                return
            self.router.stale = False
            for address in list(self.router.nodes):
                try:
                    lines, error = await (await self._connection(address)).request([c.cluster_slots().line])
                except ConnectionLost:
                    continue
                if error is None and lines[0].startswith("OK"):
                    self.router.update(c.cluster_slots().parse(lines[0].split()[1:]))
                    return

    def pipeline(self) -> "AsyncPipeline":
        return AsyncPipeline(self)

    def watch(self, session: str, from_seq: Optional[int] = None, reconnect_s: float = 60.0) -> AsyncWatch:
        """Events of a session (or "*"); `async with` it to be watching before the next change."""
        return AsyncWatch(self, session, from_seq, reconnect_s)

    async def ping(self) -> bool:
        return await self.execute(c.ping())

    async def create_hall(self, hall: str, *parts: str) -> int:
        return await self.execute(c.create_hall(hall, *parts))

    async def hall(self, hall: str) -> List[str]:
        return await self.execute(c.hall(hall))

    async def halls(self) -> List[str]:
        return await self.execute(c.halls())

    async def sessions(self, hall: Optional[str] = None) -> List[str]:
        return await self.execute(c.sessions(hall))

    async def create_session(self, session: str, hall: str, **options: Any) -> int:
        return await self.execute(c.create_session(session, hall, **options))

    async def drop_session(self, session: str) -> None:
        return await self.execute(c.drop_session(session))

    async def hold(self, session: str, customer: str, seats: Items = None, best: Optional[int] = None,
                   any: Optional[int] = None, ttl: Optional[int] = None, key: Optional[str] = None,
                   **options: Any) -> Hold:
        return await self.execute(c.hold(session, customer, seats, best, any, ttl, key, **options))

    async def add(self, session: str, hold: str, items: Items = None, best: Optional[int] = None,
                  any: Optional[int] = None, key: Optional[str] = None, **options: Any) -> Hold:
        return await self.execute(c.add(session, hold, items, best, any, key, **options))

    async def sell(self, session: str, customer: str, items: Items = None, best: Optional[int] = None,
                   any: Optional[int] = None, ref: Optional[str] = None, key: Optional[str] = None,
                   **options: Any) -> Booking:
        return await self.execute(c.sell(session, customer, items, best, any, ref, key, **options))

    async def extend(self, session: str, hold: str, ttl: int, key: Optional[str] = None) -> int:
        return await self.execute(c.extend(session, hold, ttl, key))

    async def confirm(self, session: str, hold: str, ref: Optional[str] = None,
                      key: Optional[str] = None) -> Booking:
        return await self.execute(c.confirm(session, hold, ref, key))

    async def release(self, session: str, hold: str, items: Items = None, key: Optional[str] = None) -> Booking:
        return await self.execute(c.release(session, hold, items, key))

    async def cancel(self, session: str, hold: str, items: Items = None, key: Optional[str] = None) -> Booking:
        return await self.execute(c.cancel(session, hold, items, key))

    async def avail(self, session: str, part: Optional[str] = None, cat: Optional[str] = None,
                    flag: Optional[str] = None) -> Avail:
        return await self.execute(c.avail(session, part, cat, flag))

    async def map(self, session: str) -> SeatMap:
        return await self.execute(c.map_(session))

    async def list(self, session: str, customer: str) -> List[CustomerHold]:
        return await self.execute(c.list_(session, customer))

    async def history(self, session: str, hold: Optional[str] = None,
                      seat: Optional[str] = None) -> Union[List[HoldHistory], List[SeatHistory]]:
        if seat is not None:
            return await self.execute(c.history_of_seat(session, seat))
        if hold is None:
            raise ValueError("history() needs a hold or seat=")
        return await self.execute(c.history_of_hold(session, hold))

    async def block(self, session: str, *seats: str) -> List[str]:
        return await self.execute(c.block(session, *seats))

    async def unblock(self, session: str, *seats: str) -> List[str]:
        return await self.execute(c.unblock(session, *seats))

    async def reserve(self, session: str, channel: str, *seats: str) -> List[str]:
        return await self.execute(c.reserve(session, channel, *seats))

    async def unreserve(self, session: str, *seats: str) -> List[str]:
        return await self.execute(c.unreserve(session, *seats))

    async def stats(self) -> Dict[str, Union[int, str]]:
        return await self.execute(c.stats())

    async def snapshot(self) -> int:
        return await self.execute(c.snapshot())

    async def cluster_info(self) -> Dict[str, str]:
        return await self.execute(c.cluster_info())

    async def cluster_slots(self) -> List[SlotRange]:
        return await self.execute(c.cluster_slots())

    async def cluster_failover(self) -> int:
        return await self.execute(c.cluster_failover())


def _opened(opening: "asyncio.Future[AsyncConnection]") -> bool:
    return opening.done() and not opening.cancelled() and opening.exception() is None


class AsyncPipeline(PipelineCommands):
    def __init__(self, client: AsyncClient) -> None:
        super().__init__()
        self.client = client

    async def __aenter__(self) -> "AsyncPipeline":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.commands = []

    def __enter__(self) -> "AsyncPipeline":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.commands = []

    async def execute(self) -> List[Any]:
        commands, self.commands = self.commands, []
        return await self.client.run(commands)
