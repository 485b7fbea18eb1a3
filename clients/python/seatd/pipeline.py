"""The queueing half of a pipeline, shared by the blocking and the asyncio one: each method adds one request."""

from __future__ import annotations

from typing import Any, List, Optional, TypeVar

from . import commands as c
from .commands import Command, Items

P = TypeVar("P", bound="PipelineCommands")


class PipelineCommands:
    def __init__(self) -> None:
        self.commands: List[Command[Any]] = []

    def __len__(self) -> int:
        return len(self.commands)

    def queue(self: P, command: Command[Any]) -> P:
        self.commands.append(command)
        return self

    def execute_command(self: P, *tokens: Any) -> P:
        return self.queue(c.raw(*tokens))

    def ping(self: P) -> P:
        return self.queue(c.ping())

    def create_hall(self: P, hall: str, *parts: str) -> P:
        return self.queue(c.create_hall(hall, *parts))

    def hall(self: P, hall: str) -> P:
        return self.queue(c.hall(hall))

    def halls(self: P) -> P:
        return self.queue(c.halls())

    def sessions(self: P, hall: Optional[str] = None) -> P:
        return self.queue(c.sessions(hall))

    def create_session(self: P, session: str, hall: str, **options: Any) -> P:
        return self.queue(c.create_session(session, hall, **options))

    def drop_session(self: P, session: str) -> P:
        return self.queue(c.drop_session(session))

    def hold(self: P, session: str, customer: str, seats: Items = None, best: Optional[int] = None,
             any: Optional[int] = None, ttl: Optional[int] = None, key: Optional[str] = None, **options: Any) -> P:
        return self.queue(c.hold(session, customer, seats, best, any, ttl, key, **options))

    def add(self: P, session: str, hold: str, items: Items = None, best: Optional[int] = None,
            any: Optional[int] = None, key: Optional[str] = None, **options: Any) -> P:
        return self.queue(c.add(session, hold, items, best, any, key, **options))

    def sell(self: P, session: str, customer: str, items: Items = None, best: Optional[int] = None,
             any: Optional[int] = None, ref: Optional[str] = None, key: Optional[str] = None, **options: Any) -> P:
        return self.queue(c.sell(session, customer, items, best, any, ref, key, **options))

    def extend(self: P, session: str, hold: str, ttl: int, key: Optional[str] = None) -> P:
        return self.queue(c.extend(session, hold, ttl, key))

    def confirm(self: P, session: str, hold: str, ref: Optional[str] = None, key: Optional[str] = None) -> P:
        return self.queue(c.confirm(session, hold, ref, key))

    def release(self: P, session: str, hold: str, items: Items = None, key: Optional[str] = None) -> P:
        return self.queue(c.release(session, hold, items, key))

    def cancel(self: P, session: str, hold: str, items: Items = None, key: Optional[str] = None) -> P:
        return self.queue(c.cancel(session, hold, items, key))

    def avail(self: P, session: str, part: Optional[str] = None, cat: Optional[str] = None,
              flag: Optional[str] = None) -> P:
        return self.queue(c.avail(session, part, cat, flag))

    def map(self: P, session: str) -> P:
        return self.queue(c.map_(session))

    def list(self: P, session: str, customer: str) -> P:
        return self.queue(c.list_(session, customer))

    def history(self: P, session: str, hold: Optional[str] = None, seat: Optional[str] = None) -> P:
        if seat is not None:
            return self.queue(c.history_of_seat(session, seat))
        if hold is None:
            raise ValueError("history() needs a hold or seat=")
        return self.queue(c.history_of_hold(session, hold))

    def block(self: P, session: str, *seats: str) -> P:
        return self.queue(c.block(session, *seats))

    def unblock(self: P, session: str, *seats: str) -> P:
        return self.queue(c.unblock(session, *seats))

    def reserve(self: P, session: str, channel: str, *seats: str) -> P:
        return self.queue(c.reserve(session, channel, *seats))

    def unreserve(self: P, session: str, *seats: str) -> P:
        return self.queue(c.unreserve(session, *seats))

    def stats(self: P) -> P:
        return self.queue(c.stats())

    def snapshot(self: P) -> P:
        return self.queue(c.snapshot())
