/**
 * Scenario 1 (clients/scenarios.md): every command against a real seatd, each reply parsed into the client's
 * types. The replies are the protocol's examples (docs/protocol.md), so the expected values are exact.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client } from "../index.js";
import { Seatd } from "./seatd.js";

describe("every command", () => {
    let seatd: Seatd;
    let client: Client;
    before(async () => {
        seatd = await Seatd.start();
        client = await Client.connect({ port: seatd.port });
    });
    after(async () => {
        client.close();
        await seatd.stop();
    });

    it("PING, AUTH (auth off: admin), halls and sessions", async () => {
        assert.equal(await client.ping(), "PONG");
        assert.equal(await client.auth("anything"), "admin");
        const created = await client.createHall("prem", [
            "A=8", "B=8", "C=1-4,6-9", "cat:vip=B2-B7", "flag:wheelchair=C1,C9", "flag:companion=C2,C8",
            "ga:pit=40", "cat:standing=pit",
        ]);
        assert.deepEqual(created, { name: "prem", capacity: 64 });
        assert.deepEqual(await client.hall("prem"), [
            "A=8", "B=8", "C=1-4,6-9", "ga:pit=40", "cat:vip=B2-B7", "cat:standing=pit", "flag:wheelchair=C1,C9",
            "flag:companion=C2,C8",
        ]);
        assert.deepEqual(await client.createSession("gala", "prem",
            { ttl: 600, maxttl: 7200, limit: 20, orphans: "avoid", grace: 60, keyttl: 3600 }),
            { name: "gala", capacity: 64 });
        assert.deepEqual(await client.createSession("spare", "prem"), { name: "spare", capacity: 64 });
        assert.deepEqual(await client.halls(), ["prem"]);
        assert.deepEqual(await client.sessions(), ["gala", "spare"]);
        assert.deepEqual(await client.sessions("prem"), ["gala", "spare"]);
        assert.equal(await client.dropSession("spare"), undefined);
        assert.deepEqual(await client.sessions("prem"), ["gala"]);
    });

    it("BLOCK, RESERVE, HOLD (BEST, ANY, seats, places, channel, ttl, key), MAP, AVAIL", async () => {
        assert.deepEqual(await client.block("gala", ["A1", "A2"]), ["A1", "A2"]);
        assert.deepEqual(await client.reserve("gala", "press", ["B1", "B8"]), ["B1", "B8"]);
        assert.deepEqual(await client.map("gala"), {
            rows: { A: "bb......", B: "r......r", C: "........" },
            areas: { pit: { free: 40, capacity: 40 } },
        });
        assert.deepEqual(await client.avail("gala"), { free: 60, held: 0, sold: 0, blocked: 2, reserved: 2 });
        const ann = await client.hold("gala", "ann", { best: 4 }, { cat: "vip" });
        assert.deepEqual(ann.seats, ["B3", "B4", "B5", "B6"]);
        assert.deepEqual(ann.places, {});
        assert.ok(ann.id.length > 0 && ann.expiresMs > Date.now());
        const cy = await client.hold("gala", "cy", { any: 1 }, { flag: "wheelchair" });
        assert.deepEqual(cy.seats, ["C1"]);
        const dee = await client.hold("gala", "dee", ["B1"], { channel: "press", ttl: 60 });
        assert.deepEqual(dee.seats, ["B1"]);
        assert.ok(dee.expiresMs <= Date.now() + 61_000);
        const fay = await client.hold("gala", "fay", ["C6", "pit:4"], { key: "fay-1" });
        assert.deepEqual({ seats: fay.seats, places: fay.places }, { seats: ["C6"], places: { pit: 4 } });
        assert.deepEqual(await client.hold("gala", "fay", ["C6", "pit:4"], { key: "fay-1" }), fay);
        const counts = (free: number, held: number) => ({ free, held, sold: 0, blocked: 0, reserved: 0 });
        assert.deepEqual(await client.avail("gala", { cat: "vip" }), counts(2, 4));
        assert.deepEqual(await client.avail("gala", { flag: "wheelchair" }), counts(1, 1));
        assert.deepEqual(await client.avail("gala", { area: "pit" }), counts(36, 4));
        assert.deepEqual(await client.unreserve("gala", ["B8"]), ["B8"]);
        assert.deepEqual(await client.unblock("gala", ["A2"]), ["A2"]);
        assert.deepEqual((await client.map("gala")).rows, { A: "b.......", B: "h.hhhh..", C: "h...h..." });
    });

    it("ADD, RELEASE (part, whole), EXTEND, CONFIRM, CANCEL (part, whole), SELL, LIST, HISTORY", async () => {
        const hold = await client.hold("gala", "gus", ["A3", "A4"], { key: "cart-1" });
        const added = await client.add("gala", hold.id, ["A5", "pit:2"], { key: "cart-2" });
        assert.deepEqual({ id: added.id, expiresMs: added.expiresMs }, { id: hold.id, expiresMs: hold.expiresMs });
        assert.deepEqual(added.seats, ["A3", "A4", "A5"]);
        assert.deepEqual(added.places, { pit: 2 });
        const released = await client.release("gala", hold.id, { items: ["A3", "pit:1"], key: "cart-3" });
        assert.deepEqual(released, { id: hold.id, seats: ["A3"], places: { pit: 1 } });
        const extended = await client.extend("gala", hold.id, 300, { key: "cart-4" });
        assert.equal(extended.id, hold.id);
        assert.ok(extended.expiresMs > Date.now() + 290_000);
        assert.deepEqual(await client.list("gala", "gus"),
            [{ id: hold.id, state: "held", seats: ["A4", "A5"], places: { pit: 1 } }]);
        const confirmed = await client.confirm("gala", hold.id, { ref: "pay-77", key: "pay-77" });
        assert.deepEqual(confirmed, { id: hold.id, seats: ["A4", "A5"], places: { pit: 1 } });
        const cancelled = await client.cancel("gala", hold.id, { items: ["A4"] });
        assert.deepEqual(cancelled, { id: hold.id, seats: ["A4"], places: {} });
        assert.deepEqual(await client.list("gala", "gus"),
            [{ id: hold.id, state: "sold", seats: ["A5"], places: { pit: 1 } }]);
        const types = (await client.history("gala", hold.id)).map((entry) => entry.type);
        assert.deepEqual(types, ["held", "added", "released", "extended", "confirmed", "cancelled"]);
        const first = (await client.history("gala", hold.id))[1]!;
        assert.deepEqual({ seats: first.seats, places: first.places }, { seats: ["A5"], places: { pit: 2 } });
        const seat = await client.seatHistory("gala", "A4");
        assert.deepEqual(seat.map((entry) => [entry.type, entry.hold, entry.customer]),
            [["held", hold.id, "gus"], ["extended", hold.id, "gus"], ["confirmed", hold.id, "gus"],
                ["cancelled", hold.id, "gus"]]);
        const blocks = await client.seatHistory("gala", "A1");
        assert.deepEqual(blocks.map((entry) => [entry.type, entry.hold, entry.customer]), [["blocked", null, null]]);
        assert.deepEqual(await client.cancel("gala", hold.id), { id: hold.id, seats: ["A5"], places: { pit: 1 } });
        const whole = await client.hold("gala", "gus", ["A6"]);
        assert.deepEqual(await client.release("gala", whole.id), { id: whole.id, seats: [], places: {} });
        const sold = await client.sell("gala", "box", ["A7", "A8"], { ref: "cash-3", key: "till-9" });
        assert.deepEqual({ seats: sold.seats, places: sold.places }, { seats: ["A7", "A8"], places: {} });
        const best = await client.sell("gala", "box", { best: 2 }, { fallback: "split" });
        assert.equal(best.seats.length, 2);
        assert.deepEqual(await client.list("gala", "nobody"), []);
    });

    it("STATS, SNAPSHOT, WATCH and QUIT", async () => {
        const stats = await client.stats();
        assert.equal(stats["sessions"], 1);
        assert.equal(typeof stats["last_lsn"], "number");
        const lsn = await client.snapshot();
        assert.ok(lsn >= (stats["last_lsn"] as number));
        const watch = client.watch("gala", { from: 1 });
        const events = [];
        for await (const event of watch) {
            events.push(event);
            if (events.length === 3) break;
        }
        assert.deepEqual(events.map((event) => [event.type, event.hold, event.customer, event.items]), [
            ["blocked", null, null, ["A1", "A2"]],
            ["reserved", null, "press", ["B1", "B8"]],
            ["held", events[2]!.hold, "ann", ["B3", "B4", "B5", "B6"]],
        ]);
        assert.equal(events[0]!.session, "gala");
        assert.ok(events[0]!.seq < events[1]!.seq && events[1]!.seq < events[2]!.seq);
        assert.equal(await client.quit(), "BYE");
        assert.equal(await client.ping(), "PONG", "a call after QUIT opens a new connection");
    });
});
