"""Where each request goes: the one node, or in cluster mode the primary of its session's slot (rule 7)."""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

from .commands import Command
from .crc32c import SLOTS, slot
from .types import SlotRange

# Rounds of sending to one node before a lost connection's error is raised (the node restarting, say).
SINGLE_NODE_ATTEMPTS_MAX = 3
# How long a cluster client goes on after MOVED, TRYAGAIN and lost nodes: a failover takes the lease TTL (3 s
# by default) and then some.
CLUSTER_RETRY_S = 15.0
# Pause before connecting again to a node that refused or dropped a connection.
RECONNECT_PAUSE_S = 0.1


def parse_address(address: str) -> Tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


class Router:
    """The slot map of a cluster, learnt from CLUSTER SLOTS and corrected by MOVED; one address outside a cluster."""

    def __init__(self, addresses: Sequence[str], cluster: bool) -> None:
        self.cluster = cluster
        self.nodes: List[str] = list(addresses)
        self.primaries: List[Optional[str]] = [None] * SLOTS
        # True until CLUSTER SLOTS has been read, and again after MOVED or a lost node.
        self.stale = cluster
        # What the client met, for tests and statistics.
        self.moved_total = 0
        self.tryagain_total = 0

    def address(self, command: Command[Any]) -> str:
        if command.session is not None and command.session != "*":
            known = self.primaries[slot(command.session)]
            if known is not None:
                return known
        return next((a for a in self.primaries if a is not None), self.nodes[0])

    def update(self, ranges: List[SlotRange]) -> None:
        for r in ranges:
            for s in range(r.first, r.last + 1):
                self.primaries[s] = r.address
            if r.address is not None and r.address not in self.nodes:
                self.nodes.append(r.address)
        self.stale = False

    def moved(self, slot_number: Optional[int], address: str) -> None:
        # A node that answers MOVED is a cluster's, whether or not the client was told so.
        self.cluster = True
        self.moved_total += 1
        if slot_number is not None and 0 <= slot_number < SLOTS:
            self.primaries[slot_number] = address
        if address not in self.nodes:
            self.nodes.append(address)
        self.stale = True

    def failed(self, address: str) -> None:
        """A node dropped or refused a connection: ask another one first next time."""
        self.primaries = [None if a == address else a for a in self.primaries]
        if address in self.nodes and len(self.nodes) > 1:
            self.nodes.remove(address)
            self.nodes.append(address)
        self.stale = self.cluster
