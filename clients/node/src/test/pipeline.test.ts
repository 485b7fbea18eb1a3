/**
 * Scenario 3: 1,000 pipelined requests answered in order. Scenario 4: a HOLD whose reply was lost (a proxy cuts
 * the connection after the request went through) is retried with its key and applied once; without a key the
 * client raises the failure instead of retrying.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client, ConnectionError, SeatdError, TakenError } from "../index.js";
import type { Avail, Hold } from "../index.js";
import { CuttingProxy } from "./proxy.js";
import { Seatd } from "./seatd.js";

describe("pipelining and retries", () => {
    let server: Seatd;
    let admin: Client;
    before(async () => {
        server = await Seatd.start();
        admin = await Client.connect({ port: server.port });
        await admin.createHall("big", ["A=25", "B=25", "C=25", "D=25", "E=25", "F=25", "G=25", "H=25", "J=25",
            "K=25", "L=25", "M=25", "N=25", "P=25", "Q=25", "R=25", "S=25", "T=25", "U=25", "V=25"]);
        await admin.createSession("p", "big");
        await admin.createSession("r", "big");
    });
    after(async () => {
        admin.close();
        await server.stop();
    });

    it("1,000 pipelined HOLD/AVAIL requests, every reply matched to its request", async () => {
        const rows = "ABCDEFGHJKLMNPQRSTUV";
        const pipeline = admin.pipeline();
        const expected: ({ seat: string } | { avail: true } | { taken: string })[] = [];
        for (let index = 0; index < 1000; index++) {
            if (index % 2 === 1) {
                pipeline.avail("p");
                expected.push({ avail: true });
            } else if (index % 10 === 8) {
                // Asks again for the seat the HOLD before the last AVAIL took: TAKEN, with that seat.
                const seat = `${rows[(index - 2) / 2 % 20]}${Math.floor((index - 2) / 2 / 20) + 1}`;
                pipeline.hold("p", "c", [seat]);
                expected.push({ taken: seat });
            } else {
                const seat = `${rows[index / 2 % 20]}${Math.floor(index / 2 / 20) + 1}`;
                pipeline.hold("p", `c${index}`, [seat]);
                expected.push({ seat });
            }
        }
        const replies = await pipeline.exec();
        assert.equal(replies.length, 1000);
        let held = 0;
        replies.forEach((reply, index) => {
            const want = expected[index]!;
            if ("seat" in want) {
                assert.deepEqual((reply as Hold).seats, [want.seat], `reply ${index}`);
                held++;
            } else if ("taken" in want) {
                assert.ok(reply instanceof TakenError, `reply ${index}`);
                assert.deepEqual(reply.seats, [want.taken]);
            } else {
                assert.equal((reply as Avail).held, held, `reply ${index}`);
            }
        });
        assert.equal((await admin.avail("p")).held, 400);
    });

    it("concurrent calls on one client are pipelined and each gets its own reply", async () => {
        const seats = ["A1", "A2", "A3", "B1", "B2"];
        const holds = await Promise.all(seats.map((seat) => admin.hold("r", "x", [seat])));
        assert.deepEqual(holds.map((hold) => hold.seats[0]), seats);
        await Promise.all(holds.map((hold) => admin.release("r", hold.id)));
    });

    it("a HOLD with a key is retried after a lost reply and applied once", async () => {
        const proxy = await CuttingProxy.start(server.port);
        const client = new Client({ port: proxy.port });
        try {
            assert.equal(await client.ping(), "PONG");
            proxy.dropReplies = 1;
            const hold = await client.hold("r", "ann", ["C1", "C2"], { key: "retry-1" });
            assert.equal(proxy.dropReplies, 0, "the first reply was dropped");
            assert.deepEqual(hold.seats, ["C1", "C2"]);
            assert.deepEqual(await admin.avail("r"), { free: 498, held: 2, sold: 0, blocked: 0, reserved: 0 });
            const listed = await admin.list("r", "ann");
            assert.deepEqual(listed, [{ id: hold.id, state: "held", seats: ["C1", "C2"], places: {} }]);
            const again = await admin.hold("r", "ann", ["C1", "C2"], { key: "retry-1" });
            assert.equal(again.id, hold.id, "the retry's reply names the same hold");
        } finally {
            client.close();
            await proxy.close();
        }
    });

    it("a HOLD without a key is not retried: the failure is raised, marked as possibly applied", async () => {
        const proxy = await CuttingProxy.start(server.port);
        const client = new Client({ port: proxy.port });
        try {
            await client.ping();
            proxy.dropReplies = 1;
            const error = await client.hold("r", "bob", ["D1"]).then(() => null, (caught: unknown) => caught);
            assert.ok(error instanceof ConnectionError && !(error instanceof SeatdError));
            assert.equal(error.sent, true);
            assert.deepEqual((await admin.list("r", "bob")).map((entry) => entry.seats), [["D1"]]);
            proxy.dropReplies = 1;
            assert.deepEqual(await client.avail("r"), await admin.avail("r"), "a read is retried freely");
        } finally {
            client.close();
            await proxy.close();
        }
    });
});
