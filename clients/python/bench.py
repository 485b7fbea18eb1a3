"""The AsyncClient's pipelined rate against a running seatd (issue 30's figure: at least 20,000 requests/s).

    python3 clients/python/bench.py --port 7070 [--connections 4] [--batch 256] [--seconds 10]

Each connection (an AsyncClient of its own, its own session) repeats: one pipeline of `batch` HOLDs of 2 seats,
then one of their `batch` RELEASEs. Only OK replies count as work; any error reply is counted apart and makes the
run exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from typing import List

# Runs from the repository without installing the package.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import seatd  # noqa: E402

ROW_SEATS = 100


def seat_pairs(batch: int) -> List[List[str]]:
    rows = [chr(ord("A") + i // 26) + chr(ord("A") + i % 26) for i in range(batch * 2 // ROW_SEATS + 1)]
    return [[f"{rows[(2 * i) // ROW_SEATS]}{(2 * i) % ROW_SEATS + 1}",
             f"{rows[(2 * i) // ROW_SEATS]}{(2 * i) % ROW_SEATS + 2}"] for i in range(batch)]


async def worker(args: argparse.Namespace, index: int, hall: str, stop_at: float, counts: List[int]) -> None:
    session = f"bench-{int(time.time())}-{index}"
    async with seatd.AsyncClient(args.host, args.port, auth=args.auth) as client:
        await client.create_session(session, hall)
        pairs = seat_pairs(args.batch)
        while time.perf_counter() < stop_at:
            holds = client.pipeline()
            for n, seats in enumerate(pairs):
                holds.hold(session, f"c{n}", seats)
            replies = await holds.execute()
            ok = [r for r in replies if isinstance(r, seatd.Hold)]
            releases = client.pipeline()
            for hold in ok:
                releases.release(session, hold.id)
            released = await releases.execute()
            counts[0] += len(ok) + sum(isinstance(r, seatd.Booking) for r in released)
            counts[1] += len(replies) - len(ok) + len(released) - sum(isinstance(r, seatd.Booking) for r in released)


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7070)
    parser.add_argument("--auth")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    hall = f"bench-hall-{int(time.time())}"
    async with seatd.AsyncClient(args.host, args.port, auth=args.auth) as admin:
        labels = sorted({pair[0].rstrip("0123456789") for pair in seat_pairs(args.batch)})
        await admin.create_hall(hall, *(f"{label}={ROW_SEATS}" for label in labels))
    counts = [0, 0]  # OK replies, error replies
    start = time.perf_counter()
    stop_at = start + args.seconds
    await asyncio.gather(*(worker(args, i, hall, stop_at, counts) for i in range(args.connections)))
    elapsed = time.perf_counter() - start
    print(f"bench: {args.connections} connections, pipelines of {args.batch} HOLD (2 seats) then {args.batch} "
          f"RELEASE, {elapsed:.1f} s")
    print(f"ok replies {counts[0]}, error replies {counts[1]}, {counts[0] / elapsed:,.0f} requests/s")
    return 1 if counts[1] else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
