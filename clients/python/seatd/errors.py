"""The error types: one per code of `ERR <CODE> <message>` (docs/clients.md, rule 2), and the transport's own."""

from __future__ import annotations

from typing import Dict, List, Optional, Type


class SeatdError(Exception):
    """An `ERR <code> <message>` reply, or a failure of the connection (code `CONNECTION`)."""

    code: str = ""

    def __init__(self, message: str = "", code: Optional[str] = None) -> None:
        super().__init__(f"{code or self.code} {message}".rstrip())
        if code is not None:
            self.code = code
        self.message = message


class BadRequest(SeatdError):
    code = "BAD_REQUEST"


class UnknownCommand(SeatdError):
    code = "UNKNOWN_COMMAND"


class NoAuth(SeatdError):
    code = "NOAUTH"


class Forbidden(SeatdError):
    code = "FORBIDDEN"


class Exists(SeatdError):
    code = "EXISTS"


class NoSuchHall(SeatdError):
    code = "NO_SUCH_HALL"


class NoSuchSession(SeatdError):
    code = "NO_SUCH_SESSION"


class NoSuchSeat(SeatdError):
    code = "NO_SUCH_SEAT"


class NoSuchHold(SeatdError):
    code = "NO_SUCH_HOLD"


class Taken(SeatdError):
    """Every seat that was not free: the message is the list of seats."""

    code = "TAKEN"

    def __init__(self, message: str = "", code: Optional[str] = None) -> None:
        super().__init__(message, code)
        self.seats: List[str] = message.split()


class SoldOut(SeatdError):
    code = "SOLD_OUT"


class NoAdjacent(SeatdError):
    code = "NO_ADJACENT"


class Limit(SeatdError):
    code = "LIMIT"


class Expired(SeatdError):
    code = "EXPIRED"


class NotHeld(SeatdError):
    code = "NOT_HELD"


class LineTooLong(SeatdError):
    code = "LINE_TOO_LONG"


class Busy(SeatdError):
    code = "BUSY"


class Unavailable(SeatdError):
    code = "UNAVAILABLE"


class Trimmed(SeatdError):
    """`WATCH from=` before the oldest retained event; `seq` is that event's."""

    code = "TRIMMED"

    def __init__(self, message: str = "", code: Optional[str] = None) -> None:
        super().__init__(message, code)
        self.seq = _int_or_none(message)


class Moved(SeatdError):
    """The request belongs to another node: `slot` and `address` (host:port) of its primary."""

    code = "MOVED"

    def __init__(self, message: str = "", code: Optional[str] = None) -> None:
        super().__init__(message, code)
        fields = message.split()
        self.slot = _int_or_none(fields[0]) if fields else None
        self.address = fields[1] if len(fields) > 1 else ""


class TryAgain(SeatdError):
    """No node can carry the request out now; send it again after `ms` milliseconds."""

    code = "TRYAGAIN"

    def __init__(self, message: str = "", code: Optional[str] = None) -> None:
        super().__init__(message, code)
        self.ms = _int_or_none(message.split()[0] if message else "") or 100


class ConnectionLost(SeatdError, ConnectionError):
    """The connection failed. With `written` the request was sent and may or may not have been carried out."""

    code = "CONNECTION"

    def __init__(self, message: str = "", written: bool = False) -> None:
        super().__init__(message)
        self.written = written


class Timeout(ConnectionLost, TimeoutError):
    """No reply within the timeout; the connection was closed so a late reply is never misread."""

    code = "TIMEOUT"


ERRORS_BY_CODE: Dict[str, Type[SeatdError]] = {
    cls.code: cls
    for cls in (
        BadRequest, UnknownCommand, NoAuth, Forbidden, Exists, NoSuchHall, NoSuchSession, NoSuchSeat, NoSuchHold,
        Taken, SoldOut, NoAdjacent, Limit, Expired, NotHeld, LineTooLong, Busy, Unavailable, Trimmed, Moved,
        TryAgain,
    )
}


def error_from_reply(line: str) -> SeatdError:
    """`ERR <CODE> <message>` as its error type; a code this client does not know keeps the base type."""
    _, _, rest = line.partition(" ")
    code, _, message = rest.partition(" ")
    cls = ERRORS_BY_CODE.get(code)
    return cls(message) if cls is not None else SeatdError(message, code)


def _int_or_none(text: str) -> Optional[int]:
    try:
        return int(text)
    except ValueError:
        return None
