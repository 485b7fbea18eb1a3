"""The blocking client: one connection per node, safe to share between threads (one request at a time)."""

from __future__ import annotations

import threading
import time
from typing import Any, Dict, List, Optional, Sequence, TypeVar, Union

from . import commands as c
from .batch import Batch
from .commands import Command, Items
from .connection import Connection
from .errors import ConnectionLost, SeatdError
from .pipeline import PipelineCommands
from .routing import Router
from .types import Avail, Booking, CustomerHold, Hold, HoldHistory, SeatHistory, SeatMap, SlotRange
from .watch import Watch

T = TypeVar("T")


class Client:
    """A seatd client. `cluster=["host:port", ...]` names a cluster's nodes; requests then go by slot (rule 7)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 7070, auth: Optional[str] = None,
                 timeout: Optional[float] = 5.0, cluster: Optional[Sequence[str]] = None) -> None:
        self.auth = auth
        self.timeout = timeout
        self.router = Router(list(cluster) if cluster else [f"{host}:{port}"], cluster is not None)
        self._connections: Dict[str, Connection] = {}
        self._lock = threading.RLock()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            for connection in self._connections.values():
                connection.close()
            self._connections.clear()

    def execute(self, command: Command[T]) -> T:
        """Sends one request (resending it as the rules allow) and returns its reply or raises its error."""
        result = self.run([command])[0]
        if isinstance(result, SeatdError):
            raise result
        return result  # type: ignore[no-any-return]

    def execute_command(self, *tokens: Any) -> List[str]:
        """Any request line; the reply's fields after OK. Never resent: it may be a change."""
        return self.execute(c.raw(*tokens))

    def run(self, commands: Sequence[Command[Any]]) -> List[Any]:
        """Every request in one round of writes per node; each reply or error object in request order."""
        with self._lock:
            batch = Batch(commands, self.router)
            while True:
                if self.router.stale:
                    self._read_slots()
                for address, indices in batch.plan().items():
                    self._send(batch, address, indices)
                if not batch.next_round():
                    return batch.results
                time.sleep(batch.take_pause())

    def _send(self, batch: Batch, address: str, indices: List[int]) -> None:
        try:
            connection = self._connection(address)
        except ConnectionLost as e:
            batch.connect_failed(address, indices, e)
            return
        lines, error = connection.request([batch.commands[i].line for i in indices])
        if error is not None or any(line.startswith("ERR LINE_TOO_LONG") for line in lines):
            # The server closes a connection after LINE_TOO_LONG; the next request needs a new one.
            self._connections.pop(address, None)
            connection.close()
        batch.replied(address, indices, lines, error)

    def _connection(self, address: str) -> Connection:
        connection = self._connections.get(address)
        if connection is not None and connection.dead():
            connection.close()
            connection = None
        if connection is None:
            connection = Connection(address, self.auth, self.timeout)
            self._connections[address] = connection
        return connection

    def _read_slots(self) -> None:
        self.router.stale = False
        for address in list(self.router.nodes):
            try:
                lines, error = self._connection(address).request([c.cluster_slots().line])
            except ConnectionLost:
                continue
            if error is not None:
                self._connections.pop(address, None)
            elif lines[0].startswith("OK"):
                self.router.update(c.cluster_slots().parse(lines[0].split()[1:]))
                return

    def pipeline(self) -> "Pipeline":
        return Pipeline(self)

    def watch(self, session: str, from_seq: Optional[int] = None, reconnect_s: float = 60.0) -> Watch:
        """Events of a session (or "*") in seq order, resumed with from= over every reconnection (rule 6).

        It is watching when this returns: every later change is among its events.
        """
        watch = Watch(self, session, from_seq, reconnect_s)
        watch.start()
        return watch

    # One method per command (docs/protocol.md); each returns the parsed reply or raises its error.

    def ping(self) -> bool:
        return self.execute(c.ping())

    def create_hall(self, hall: str, *parts: str) -> int:
        return self.execute(c.create_hall(hall, *parts))

    def hall(self, hall: str) -> List[str]:
        return self.execute(c.hall(hall))

    def halls(self) -> List[str]:
        return self.execute(c.halls())

    def sessions(self, hall: Optional[str] = None) -> List[str]:
        return self.execute(c.sessions(hall))

    def create_session(self, session: str, hall: str, **options: Any) -> int:
        return self.execute(c.create_session(session, hall, **options))

    def drop_session(self, session: str) -> None:
        return self.execute(c.drop_session(session))

    def hold(self, session: str, customer: str, seats: Items = None, best: Optional[int] = None,
             any: Optional[int] = None, ttl: Optional[int] = None, key: Optional[str] = None, **options: Any) -> Hold:
        return self.execute(c.hold(session, customer, seats, best, any, ttl, key, **options))

    def add(self, session: str, hold: str, items: Items = None, best: Optional[int] = None,
            any: Optional[int] = None, key: Optional[str] = None, **options: Any) -> Hold:
        return self.execute(c.add(session, hold, items, best, any, key, **options))

    def sell(self, session: str, customer: str, items: Items = None, best: Optional[int] = None,
             any: Optional[int] = None, ref: Optional[str] = None, key: Optional[str] = None,
             **options: Any) -> Booking:
        return self.execute(c.sell(session, customer, items, best, any, ref, key, **options))

    def extend(self, session: str, hold: str, ttl: int, key: Optional[str] = None) -> int:
        return self.execute(c.extend(session, hold, ttl, key))

    def confirm(self, session: str, hold: str, ref: Optional[str] = None, key: Optional[str] = None) -> Booking:
        return self.execute(c.confirm(session, hold, ref, key))

    def release(self, session: str, hold: str, items: Items = None, key: Optional[str] = None) -> Booking:
        return self.execute(c.release(session, hold, items, key))

    def cancel(self, session: str, hold: str, items: Items = None, key: Optional[str] = None) -> Booking:
        return self.execute(c.cancel(session, hold, items, key))

    def avail(self, session: str, part: Optional[str] = None, cat: Optional[str] = None,
              flag: Optional[str] = None) -> Avail:
        return self.execute(c.avail(session, part, cat, flag))

    def map(self, session: str) -> SeatMap:
        return self.execute(c.map_(session))

    def list(self, session: str, customer: str) -> List[CustomerHold]:
        return self.execute(c.list_(session, customer))

    def history(self, session: str, hold: Optional[str] = None,
                seat: Optional[str] = None) -> Union[List[HoldHistory], List[SeatHistory]]:
        """Of a hold, or (seat=) of a seat or area."""
        if seat is not None:
            return self.execute(c.history_of_seat(session, seat))
        if hold is None:
            raise ValueError("history() needs a hold or seat=")
        return self.execute(c.history_of_hold(session, hold))

    def block(self, session: str, *seats: str) -> List[str]:
        return self.execute(c.block(session, *seats))

    def unblock(self, session: str, *seats: str) -> List[str]:
        return self.execute(c.unblock(session, *seats))

    def reserve(self, session: str, channel: str, *seats: str) -> List[str]:
        return self.execute(c.reserve(session, channel, *seats))

    def unreserve(self, session: str, *seats: str) -> List[str]:
        return self.execute(c.unreserve(session, *seats))

    def stats(self) -> Dict[str, Union[int, str]]:
        return self.execute(c.stats())

    def snapshot(self) -> int:
        return self.execute(c.snapshot())

    def cluster_info(self) -> Dict[str, str]:
        return self.execute(c.cluster_info())

    def cluster_slots(self) -> List[SlotRange]:
        return self.execute(c.cluster_slots())

    def cluster_failover(self) -> int:
        return self.execute(c.cluster_failover())

    def quit(self) -> None:
        """QUIT on every open connection, then close them."""
        with self._lock:
            for connection in self._connections.values():
                connection.request([c.quit().line])
            self.close()


class Pipeline(PipelineCommands):
    """Requests queued, then written in one round by `execute()`: replies in order, an error object for each ERR."""

    def __init__(self, client: Client) -> None:
        super().__init__()
        self.client = client

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.commands = []

    def execute(self) -> List[Any]:
        commands, self.commands = self.commands, []
        return self.client.run(commands)
