"""The asyncio client against a real seatd: its commands, pipelines of 1,000, concurrent requests sharing one
connection, WATCH resuming across a kill -9, AUTH and FORBIDDEN, a keyed HOLD retried once."""

from __future__ import annotations

import asyncio
from typing import List

import seatd
from base import ServerTestCase
from harness import TOKENS
from test_scenarios import ROWS, DroppingProxy, _seat


class AsyncTests(ServerTestCase):
    def run_async(self, coroutine: object) -> None:
        asyncio.run(coroutine)  # type: ignore[arg-type]

    def test_commands(self) -> None:
        async def main() -> None:
            async with seatd.AsyncClient(port=self.server.port) as c:
                self.assertTrue(await c.ping())
                self.assertEqual(await c.create_hall("ah1", "A=6", "ga:pit=10"), 16)
                self.assertEqual(await c.hall("ah1"), ["A=6", "ga:pit=10"])
                await c.create_session("as1", "ah1", ttl=600)
                self.assertIn("as1", await c.sessions("ah1"))
                hold = await c.hold("as1", "ann", best=2, key="k1")
                self.assertEqual(hold.seats, ["A3", "A4"])
                added = await c.add("as1", hold.id, ["pit:2"])
                self.assertEqual(added.places, {"pit": 2})
                self.assertEqual((await c.confirm("as1", hold.id, ref="p1")).seats, ["A3", "A4"])
                self.assertEqual(await c.avail("as1"), seatd.Avail(12, 0, 4))
                self.assertEqual((await c.map("as1")).rows, {"A": "..xx.."})
                self.assertEqual((await c.list("as1", "ann"))[0].state, "sold")
                self.assertEqual(len(await c.history("as1", hold.id)), 3)
                with self.assertRaises(seatd.Taken) as caught:
                    await c.hold("as1", "bob", ["A3"])
                self.assertEqual(caught.exception.seats, ["A3"])
                self.assertEqual(await c.cancel("as1", hold.id, ["A3"]), seatd.Booking(hold.id, ["A3"]))
                self.assertGreaterEqual(await c.snapshot(), 1)
                self.assertIn("last_lsn", await c.stats())
        self.run_async(main())

    def test_pipeline_of_a_thousand_and_concurrent_requests(self) -> None:
        async def main() -> None:
            async with seatd.AsyncClient(port=self.server.port) as c:
                await c.create_hall("ah2", *(f"{row}=10" for row in ROWS))
                await c.create_session("as2", "ah2")
                p = c.pipeline()
                for i in range(500):
                    p.hold("as2", f"c{i}", [_seat(i)]).avail("as2")
                replies = await p.execute()
                self.assertEqual([r.seats for r in replies[0::2]], [[_seat(i)] for i in range(500)])
                self.assertEqual([r.held for r in replies[1::2]], list(range(1, 501)))
                # Concurrent coroutines share one connection; each still gets its own reply.
                maps = await asyncio.gather(*(c.list("as2", f"c{i}") for i in range(500)))
                self.assertEqual([m[0].seats for m in maps], [[_seat(i)] for i in range(500)])
                self.assertEqual(len(c._connections), 1)
        self.run_async(main())

    def test_keyed_hold_retried_once(self) -> None:
        proxy = DroppingProxy(self.server.port)
        self.addCleanup(proxy.close)

        async def main() -> None:
            async with seatd.AsyncClient(port=self.server.port) as direct:
                await direct.create_hall("ah3", "A=6")
                await direct.create_session("as3", "ah3")
                async with seatd.AsyncClient(port=proxy.port) as c:
                    hold = await c.hold("as3", "ann", ["A1", "A2"], key="order-9")
                self.assertEqual(proxy.dropped, 1)
                self.assertEqual((await direct.avail("as3")).held, 2)
                self.assertEqual(await direct.hold("as3", "ann", ["A1"], key="order-9"), hold)
        self.run_async(main())

    def test_watch_resumes_across_kill_9(self) -> None:
        async def main() -> None:
            c = seatd.AsyncClient(port=self.server.port)
            await c.create_hall("ah4", "A=6", "B=6")
            await c.create_session("as4", "ah4")
            seen: List[seatd.Event] = []
            async with c.watch("as4") as watch:
                for seat in ("A1", "A2"):
                    await c.hold("as4", "ann", [seat])
                self.server.kill()
                self.server.start()
                for seat in ("B1", "B2"):
                    await c.hold("as4", "bob", [seat], key=f"k-{seat}")
                async for event in watch:
                    seen.append(event)
                    if len(seen) == 4:
                        break
            fresh: List[seatd.Event] = []
            async with c.watch("as4", from_seq=1) as again:
                async for event in again:
                    fresh.append(event)
                    if len(fresh) == 4:
                        break
            self.assertEqual(seen, fresh)
            self.assertEqual([e.items for e in seen], [["A1"], ["A2"], ["B1"], ["B2"]])
            await c.close()
        asyncio.run(asyncio.wait_for(main(), 30))


class AsyncAuthTests(ServerTestCase):
    auth = True

    def test_auth_and_forbidden(self) -> None:
        async def main() -> None:
            for token in (None, "nope"):
                async with seatd.AsyncClient(port=self.server.port, auth=token) as refused:
                    with self.assertRaises(seatd.NoAuth):
                        await refused.ping()
            async with seatd.AsyncClient(port=self.server.port, auth=TOKENS["admin"]) as admin:
                await admin.create_hall("ah5", "A=3")
                await admin.create_session("as5", "ah5")
                async with seatd.AsyncClient(port=self.server.port, auth=TOKENS["reader"]) as reader:
                    self.assertEqual((await reader.avail("as5")).free, 3)
                    with self.assertRaises(seatd.Forbidden):
                        await reader.hold("as5", "ann", ["A1"])
                self.assertEqual((await admin.hold("as5", "ann", ["A1"])).seats, ["A1"])
        asyncio.run(main())
