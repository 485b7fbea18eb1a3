"""One round of requests and what to do with each reply: the rules of docs/clients.md with no I/O in them.

A driver (the blocking or the asyncio client) asks `plan()` which requests go to which node, writes each group as
one pipelined write, reports what came back, and repeats while `next_round()` says so, after `pause_s`.
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional, Sequence

from .commands import Command
from .errors import ConnectionLost, Moved, SeatdError, TryAgain, error_from_reply
from .routing import CLUSTER_RETRY_S, RECONNECT_PAUSE_S, SINGLE_NODE_ATTEMPTS_MAX, Router


def outcome(command: Command[Any], line: str) -> Any:
    """The parsed reply, or the error of an ERR line (returned, not raised: a pipeline keeps it in its place)."""
    if line == "OK" or line.startswith("OK "):
        return command.parse(line.split()[1:])
    if line.startswith("ERR "):
        return error_from_reply(line)
    return SeatdError(f"unexpected reply {line[:200]!r}", "PROTOCOL")


class Batch:
    def __init__(self, commands: Sequence[Command[Any]], router: Router) -> None:
        self.commands = commands
        self.router = router
        self.results: List[Any] = [None] * len(commands)
        self.todo: List[int] = list(range(len(commands)))
        self.again: List[int] = []
        self.attempts = 0
        self.pause_s = 0.0
        self.started = time.monotonic()

    def plan(self) -> Dict[str, List[int]]:
        groups: Dict[str, List[int]] = {}
        for i in self.todo:
            groups.setdefault(self.router.address(self.commands[i]), []).append(i)
        return groups

    def connect_failed(self, address: str, indices: List[int], error: SeatdError) -> None:
        # Nothing was written, so every request may go again, changes without a key included.
        self.router.failed(address)
        for i in indices:
            self.results[i] = error
        self.again.extend(indices)
        self.pause_s = max(self.pause_s, RECONNECT_PAUSE_S)

    def replied(self, address: str, indices: List[int], lines: List[str], error: Optional[ConnectionLost]) -> None:
        for i, line in zip(indices, lines):
            result = outcome(self.commands[i], line)
            self.results[i] = result
            if isinstance(result, Moved):
                # Not carried out: send it where the slot lives.
                self.router.moved(result.slot, result.address)
                self.again.append(i)
            elif isinstance(result, TryAgain):
                self.router.cluster = self.router.stale = True  # only a cluster's node sends it
                self.router.tryagain_total += 1
                self.pause_s = max(self.pause_s, result.ms / 1000)
                self.again.append(i)
        if error is None:
            return
        self.router.failed(address)
        self.pause_s = max(self.pause_s, RECONNECT_PAUSE_S)
        for i in indices[len(lines):]:
            self.results[i] = error
            # Written and unanswered: it may have been carried out. Only a read or a keyed change goes again.
            if self.commands[i].resend_safe or not error.written:
                self.again.append(i)

    def next_round(self) -> bool:
        """Whether another round is due; otherwise `results` holds each reply or error in request order."""
        self.todo, self.again = sorted(self.again), []
        self.attempts += 1
        if not self.todo:
            return False
        if self.router.cluster:
            return time.monotonic() - self.started < CLUSTER_RETRY_S
        return self.attempts < SINGLE_NODE_ATTEMPTS_MAX

    def take_pause(self) -> float:
        pause, self.pause_s = self.pause_s, 0.0
        return pause
