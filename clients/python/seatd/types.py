"""The values replies are parsed into. Seats are labels (`A1`); places are `{area: count}` (`pit:4`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple


def split_items(items: List[str]) -> Tuple[List[str], Dict[str, int]]:
    """Seats and places of a reply's items: `A1 A2 pit:4` -> ([A1, A2], {pit: 4})."""
    seats: List[str] = []
    places: Dict[str, int] = {}
    for item in items:
        area, colon, count = item.partition(":")
        if colon:
            places[area] = places.get(area, 0) + int(count)
        else:
            seats.append(item)
    return seats, places


@dataclass
class Hold:
    """A live hold (HOLD, ADD): its id, expiry (unix ms) and every item it holds."""

    id: str
    expires_ms: int
    seats: List[str] = field(default_factory=list)
    places: Dict[str, int] = field(default_factory=dict)


@dataclass
class Booking:
    """A hold's id and the items a CONFIRM, SELL, CANCEL or RELEASE was about (none for a whole RELEASE)."""

    id: str
    seats: List[str] = field(default_factory=list)
    places: Dict[str, int] = field(default_factory=dict)


@dataclass
class CustomerHold:
    """One entry of LIST: a customer's hold (`state` "held") or booking ("sold")."""

    id: str
    state: str
    seats: List[str] = field(default_factory=list)
    places: Dict[str, int] = field(default_factory=dict)


@dataclass
class Avail:
    free: int
    held: int
    sold: int
    blocked: int = 0
    reserved: int = 0


@dataclass
class SeatMap:
    """MAP: each row's states (`.` free, `h` held, `x` sold, `b` blocked, `r` reserved), each area's free/capacity."""

    rows: Dict[str, str] = field(default_factory=dict)
    areas: Dict[str, Tuple[int, int]] = field(default_factory=dict)


@dataclass
class HoldHistory:
    """HISTORY of a hold: one change to it."""

    seq: int
    type: str
    seats: List[str] = field(default_factory=list)
    places: Dict[str, int] = field(default_factory=dict)


@dataclass
class SeatHistory:
    """HISTORY of a seat or area: one change that touched it (hold None for blocks and reservations)."""

    seq: int
    type: str
    hold: Optional[str]
    customer: Optional[str]


@dataclass
class Event:
    """A WATCH event. hold is None for blocked/unblocked/reserved/unreserved, customer None where the server sends -."""

    seq: int
    type: str
    session: str
    hold: Optional[str]
    customer: Optional[str]
    items: List[str] = field(default_factory=list)

    @property
    def seats(self) -> List[str]:
        return split_items(self.items)[0]

    @property
    def places(self) -> Dict[str, int]:
        return split_items(self.items)[1]


@dataclass
class SlotRange:
    """CLUSTER SLOTS: slots first..last belong to shard, whose primary is at address (None while unknown)."""

    first: int
    last: int
    shard: str
    address: Optional[str]
