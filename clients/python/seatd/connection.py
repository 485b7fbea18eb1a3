"""A blocking connection: AUTH first (rule 4), pipelined writes, replies read in order, a timeout that closes."""

from __future__ import annotations

import select
import socket
from typing import List, Optional, Tuple

from .errors import ConnectionLost, SeatdError, Timeout, error_from_reply
from .routing import parse_address

READ_BYTES = 65536


class Connection:
    def __init__(self, address: str, auth: Optional[str], timeout: Optional[float]) -> None:
        self.address = address
        self.timeout = timeout
        self._buffer = bytearray()
        host, port = parse_address(address)
        try:
            self._sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as e:
            raise ConnectionLost(f"cannot connect to {address}: {e}", written=False) from e
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if auth is not None:
            self._authenticate(auth)

    def _authenticate(self, token: str) -> None:
        if any(c.isspace() for c in token):
            raise ValueError("an AUTH token has no spaces")
        lines, error = self.request([f"AUTH {token}\n".encode()])
        if error is not None:
            raise ConnectionLost(f"AUTH on {self.address}: {error}", written=False)
        if not lines[0].startswith("OK"):
            self.close()
            raise error_from_reply(lines[0])

    def request(self, lines: List[bytes]) -> Tuple[List[str], Optional[ConnectionLost]]:
        """Writes the lines at once and reads as many replies; on a failure, the replies so far and the error."""
        try:
            self._sock.sendall(b"".join(lines))
        except OSError as e:
            self.close()
            return [], ConnectionLost(f"{self.address}: {e}", written=True)
        replies: List[str] = []
        try:
            while len(replies) < len(lines):
                replies.append(self.read_line())
        except ConnectionLost as e:
            return replies, e
        return replies, None

    def dead(self) -> bool:
        """Whether the server closed it while it was idle. seatd sends nothing unasked, so anything to read
        now is the end: a new connection then spares a request the ambiguity of a write into a closed one."""
        if self._buffer:
            return True
        try:
            if hasattr(select, "poll"):
                poller = select.poll()
                poller.register(self._sock, select.POLLIN)
                return bool(poller.poll(0))
            return bool(select.select([self._sock], [], [], 0)[0])
        except (OSError, ValueError):
            return True

    def read_line(self) -> str:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line = self._buffer[:end].decode()
                del self._buffer[: end + 1]
                return line
            self._receive()

    def _receive(self) -> None:
        try:
            data = self._sock.recv(READ_BYTES)
        except socket.timeout as e:
            # A late reply must never be read as the answer to a later request (rule 3).
            self.close()
            raise Timeout(f"no reply from {self.address} within {self.timeout} s", written=True) from e
        except OSError as e:
            self.close()
            raise ConnectionLost(f"{self.address}: {e}", written=True) from e
        if not data:
            self.close()
            raise ConnectionLost(f"{self.address} closed the connection", written=True)
        self._buffer += data

    def set_timeout(self, timeout: Optional[float]) -> None:
        self.timeout = timeout
        self._sock.settimeout(timeout)

    def close(self) -> None:
        # shutdown first: it wakes a thread blocked reading this socket (a watch closed from another thread).
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()


def check_reply(line: str) -> None:
    if not line.startswith("OK"):
        raise error_from_reply(line) if line.startswith("ERR ") else SeatdError(line, "PROTOCOL")
