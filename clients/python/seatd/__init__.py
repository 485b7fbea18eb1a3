"""seatd: the Python client of the seatd seat reservation server (docs/protocol.md, docs/clients.md)."""

from .aio import AsyncClient, AsyncPipeline
from .aio_watch import AsyncWatch
from .client import Client, Pipeline
from .commands import Command
from .crc32c import crc32c, slot
from .errors import (
    BadRequest, Busy, ConnectionLost, Exists, Expired, Forbidden, LineTooLong, Limit, Moved, NoAdjacent, NoAuth,
    NoSuchHall, NoSuchHold, NoSuchSeat, NoSuchSession, NotHeld, SeatdError, SoldOut, Taken, Timeout, Trimmed,
    TryAgain, Unavailable, UnknownCommand, error_from_reply,
)
from .types import Avail, Booking, CustomerHold, Event, Hold, HoldHistory, SeatHistory, SeatMap, SlotRange
from .watch import Watch

__version__ = "0.1.0"

__all__ = [
    "AsyncClient", "AsyncPipeline", "AsyncWatch", "Avail", "BadRequest", "Booking", "Busy", "Client", "Command",
    "ConnectionLost", "CustomerHold", "Event", "Exists", "Expired", "Forbidden", "Hold", "HoldHistory", "LineTooLong",
    "Limit", "Moved", "NoAdjacent", "NoAuth", "NoSuchHall", "NoSuchHold", "NoSuchSeat", "NoSuchSession", "NotHeld",
    "Pipeline", "SeatHistory", "SeatMap", "SeatdError", "SlotRange", "SoldOut", "Taken", "Timeout", "Trimmed",
    "TryAgain", "Unavailable", "UnknownCommand", "Watch", "crc32c", "error_from_reply", "slot",
]
