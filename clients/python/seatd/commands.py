"""Requests as values: each builder checks its arguments, forms the line and says how to parse the reply.

The clients (blocking, asyncio, pipelines) only carry Commands; nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Generic, Iterable, List, Optional, TypeVar, Union

from .types import Avail, Booking, CustomerHold, Event, Hold, HoldHistory, SeatHistory, SeatMap, SlotRange, split_items

T = TypeVar("T")
Items = Union[str, Iterable[str], None]

# Reads are retried freely after a failed connection (rule 5); everything else only with key=.
READS = {"PING", "AVAIL", "MAP", "LIST", "HISTORY", "HALL", "HALLS", "SESSIONS", "STATS", "CLUSTER INFO",
         "CLUSTER SLOTS"}


@dataclass
class Command(Generic[T]):
    """One request: its tokens, its reply parser, the session it routes by, and whether a resend is safe."""

    name: str
    tokens: List[str]
    parse: Callable[[List[str]], T]
    session: Optional[str] = None
    resend_safe: bool = False

    @property
    def line(self) -> bytes:
        return (" ".join(self.tokens) + "\n").encode()


def command(name: str, tokens: List[Any], parse: Callable[[List[str]], T], session: Optional[str] = None,
            key: Optional[str] = None) -> Command[T]:
    words = [_token(t) for t in tokens if t is not None]
    if key is not None:
        words.append("key=" + _token(key))
    return Command(name, words, parse, session, name in READS or key is not None)


def routed_by(session: str) -> Command[List[str]]:
    """No request: only where one on this session would go (a WATCH's connection)."""
    return Command("WATCH", [], _fields, session)


def raw(*tokens: Any) -> Command[List[str]]:
    """Any line, for what has no method; the reply's fields after OK. Never resent (it may be a change)."""
    words = [str(t) for t in tokens]
    if any("\n" in w or "\r" in w for w in words):
        raise ValueError("a line break would make two requests of one")
    return Command(" ".join(words[:1]).upper(), words, _fields)


def _token(value: Any) -> str:
    # A space or line break inside a value would split the request or make two of it: replies would pair wrongly.
    text = str(value)
    if not text or any(c.isspace() or ord(c) < 32 for c in text):
        raise ValueError(f"not a protocol token: {text!r}")
    return text


def _items(items: Items) -> List[str]:
    if items is None:
        return []
    if isinstance(items, str):
        return items.split()
    return list(items)


def _options(options: Dict[str, Any]) -> List[str]:
    return [f"{name}={value}" for name, value in options.items() if value is not None]


def _choice(items: Items, best: Optional[int], any: Optional[int]) -> List[str]:
    if best is not None:
        return ["BEST", str(best)]
    if any is not None:
        return ["ANY", str(any)]
    return _items(items)


# Reply parsers: each gets the fields after OK.

def _fields(fields: List[str]) -> List[str]:
    return fields


def _none(fields: List[str]) -> None:
    return None


def _first(fields: List[str]) -> str:
    return fields[0]


def _true(fields: List[str]) -> bool:
    return True


def _int_at(index: int) -> Callable[[List[str]], int]:
    return lambda fields: int(fields[index])


def _hold(fields: List[str]) -> Hold:
    seats, places = split_items(fields[2:])
    return Hold(fields[0], int(fields[1]), seats, places)


def _booking(fields: List[str]) -> Booking:
    seats, places = split_items(fields[1:])
    return Booking(fields[0], seats, places)


def _pairs(fields: List[str]) -> Dict[str, str]:
    return dict(f.partition("=")[::2] for f in fields)


def _avail(fields: List[str]) -> Avail:
    return Avail(**{k: int(v) for k, v in _pairs(fields).items()})


def _stats(fields: List[str]) -> Dict[str, Union[int, str]]:
    return {k: int(v) if v.isdigit() else v for k, v in _pairs(fields).items()}


def _map(fields: List[str]) -> SeatMap:
    seat_map = SeatMap()
    for f in fields:
        name, _, states = f.partition(":")
        if "/" in states:
            free, _, capacity = states.partition("/")
            seat_map.areas[name] = (int(free), int(capacity))
        else:
            seat_map.rows[name] = states
    return seat_map


def _list(fields: List[str]) -> List[CustomerHold]:
    out = []
    for f in fields:
        hold, state, items = f.split(":", 2)
        seats, places = split_items(items.split(","))
        out.append(CustomerHold(hold, state, seats, places))
    return out


def _hold_history(fields: List[str]) -> List[HoldHistory]:
    out = []
    for f in fields:
        seq, kind, items = f.split(":", 2)
        seats, places = split_items(items.split(",") if items else [])
        out.append(HoldHistory(int(seq), kind, seats, places))
    return out


def _seat_history(fields: List[str]) -> List[SeatHistory]:
    out = []
    for f in fields:
        seq, kind, hold, customer = f.split(":", 3)
        out.append(SeatHistory(int(seq), kind, _dash(hold), _dash(customer)))
    return out


def _slots(fields: List[str]) -> List[SlotRange]:
    out = []
    for f in fields:
        span, _, where = f.partition("=")
        first, _, last = span.partition("-")
        shard, _, address = where.partition("@")
        out.append(SlotRange(int(first), int(last), shard, _dash(address)))
    return out


def _dash(text: str) -> Optional[str]:
    return None if text == "-" else text


def parse_event(line: str) -> Event:
    """`EVENT <seq> <type> <session> <hold> <customer> <item>...`."""
    f = line.split()
    return Event(int(f[1]), f[2], f[3], _dash(f[4]), _dash(f[5]), f[6:])


# The builders, one per command, named as the clients' methods are.

def ping() -> Command[bool]:
    return command("PING", ["PING"], _true)


def auth(token: str) -> Command[str]:
    return command("AUTH", ["AUTH", token], _first)


def create_hall(hall: str, *parts: str) -> Command[int]:
    return command("CREATE HALL", ["CREATE", "HALL", hall, *parts], _int_at(1))


def hall(hall: str) -> Command[List[str]]:
    return command("HALL", ["HALL", hall], _fields)


def halls() -> Command[List[str]]:
    return command("HALLS", ["HALLS"], _fields)


def sessions(hall: Optional[str] = None) -> Command[List[str]]:
    return command("SESSIONS", ["SESSIONS", hall], _fields)


def create_session(session: str, hall: str, **options: Any) -> Command[int]:
    return command("CREATE SESSION", ["CREATE", "SESSION", session, hall, *_options(options)], _int_at(1), session)


def drop_session(session: str) -> Command[None]:
    return command("DROP SESSION", ["DROP", "SESSION", session], _none, session)


def hold(session: str, customer: str, seats: Items = None, best: Optional[int] = None, any: Optional[int] = None,
         ttl: Optional[int] = None, key: Optional[str] = None, **options: Any) -> Command[Hold]:
    tokens = ["HOLD", session, customer, *_choice(seats, best, any), *_options(dict(ttl=ttl, **options))]
    return command("HOLD", tokens, _hold, session, key)


def add(session: str, hold: str, items: Items = None, best: Optional[int] = None, any: Optional[int] = None,
        key: Optional[str] = None, **options: Any) -> Command[Hold]:
    tokens = ["ADD", session, hold, *_choice(items, best, any), *_options(options)]
    return command("ADD", tokens, _hold, session, key)


def sell(session: str, customer: str, items: Items = None, best: Optional[int] = None, any: Optional[int] = None,
         ref: Optional[str] = None, key: Optional[str] = None, **options: Any) -> Command[Booking]:
    tokens = ["SELL", session, customer, *_choice(items, best, any), *_options(dict(ref=ref, **options))]
    return command("SELL", tokens, _booking, session, key)


def extend(session: str, hold: str, ttl: int, key: Optional[str] = None) -> Command[int]:
    return command("EXTEND", ["EXTEND", session, hold, ttl], _int_at(1), session, key)


def confirm(session: str, hold: str, ref: Optional[str] = None, key: Optional[str] = None) -> Command[Booking]:
    return command("CONFIRM", ["CONFIRM", session, hold, *_options(dict(ref=ref))], _booking, session, key)


def release(session: str, hold: str, items: Items = None, key: Optional[str] = None) -> Command[Booking]:
    return command("RELEASE", ["RELEASE", session, hold, *_items(items)], _booking, session, key)


def cancel(session: str, hold: str, items: Items = None, key: Optional[str] = None) -> Command[Booking]:
    return command("CANCEL", ["CANCEL", session, hold, *_items(items)], _booking, session, key)


def avail(session: str, part: Optional[str] = None, cat: Optional[str] = None,
          flag: Optional[str] = None) -> Command[Avail]:
    tokens = ["AVAIL", session, part, *_options(dict(cat=cat, flag=flag))]
    return command("AVAIL", tokens, _avail, session)


def map_(session: str) -> Command[SeatMap]:
    return command("MAP", ["MAP", session], _map, session)


def list_(session: str, customer: str) -> Command[List[CustomerHold]]:
    return command("LIST", ["LIST", session, customer], _list, session)


def history_of_hold(session: str, hold: str) -> Command[List[HoldHistory]]:
    return command("HISTORY", ["HISTORY", session, hold], _hold_history, session)


def history_of_seat(session: str, seat: str) -> Command[List[SeatHistory]]:
    return command("HISTORY", ["HISTORY", session, "seat=" + seat], _seat_history, session)


def block(session: str, *seats: str) -> Command[List[str]]:
    return command("BLOCK", ["BLOCK", session, *seats], _after_first, session)


def unblock(session: str, *seats: str) -> Command[List[str]]:
    return command("UNBLOCK", ["UNBLOCK", session, *seats], _after_first, session)


def reserve(session: str, channel: str, *seats: str) -> Command[List[str]]:
    return command("RESERVE", ["RESERVE", session, channel, *seats], _after_first, session)


def unreserve(session: str, *seats: str) -> Command[List[str]]:
    return command("UNRESERVE", ["UNRESERVE", session, *seats], _after_first, session)


def _after_first(fields: List[str]) -> List[str]:
    return fields[1:]


def stats() -> Command[Dict[str, Union[int, str]]]:
    return command("STATS", ["STATS"], _stats)


def snapshot() -> Command[int]:
    return command("SNAPSHOT", ["SNAPSHOT"], _int_at(0))


def cluster_info() -> Command[Dict[str, str]]:
    return command("CLUSTER INFO", ["CLUSTER", "INFO"], _pairs)


def cluster_slots() -> Command[List[SlotRange]]:
    return command("CLUSTER SLOTS", ["CLUSTER", "SLOTS"], _slots)


def cluster_failover() -> Command[int]:
    return command("CLUSTER FAILOVER", ["CLUSTER", "FAILOVER"], _int_at(0))


def quit() -> Command[None]:
    return command("QUIT", ["QUIT"], _none)
