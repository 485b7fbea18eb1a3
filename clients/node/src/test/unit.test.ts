/**
 * Unit tests without seatd: CRC-32C and slots, the reply parser (the error codes a single node never sends:
 * BUSY, UNAVAILABLE, MOVED, TRYAGAIN), the reply forms, and the timeout rule against a server that never answers.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { describe, it } from "node:test";
import * as seatd from "../index.js";

describe("crc32c and slots", () => {
    it("matches the check value and the slot formula", () => {
        assert.equal(seatd.crc32c("123456789"), 0xe3069283);
        assert.equal(seatd.crc32c(""), 0);
        assert.equal(seatd.slotOf("123456789"), 0xe3069283 % 1024);
    });
});

describe("the reply parser", () => {
    it("gives each code its class and fields", () => {
        const moved = seatd.errorFromReply("ERR MOVED 866 127.0.0.1:7003");
        assert.ok(moved instanceof seatd.MovedError);
        assert.equal(moved.slot, 866);
        assert.equal(moved.address, "127.0.0.1:7003");
        const again = seatd.errorFromReply("ERR TRYAGAIN 100");
        assert.ok(again instanceof seatd.TryAgainError);
        assert.equal(again.ms, 100);
        const busy = seatd.errorFromReply("ERR BUSY too many connections");
        assert.ok(busy instanceof seatd.BusyError);
        assert.equal(busy.message, "too many connections");
        assert.ok(seatd.errorFromReply("ERR UNAVAILABLE log failed") instanceof seatd.UnavailableError);
        const taken = seatd.errorFromReply("ERR TAKEN A1 B12");
        assert.ok(taken instanceof seatd.TakenError);
        assert.deepEqual(taken.seats, ["A1", "B12"]);
        const trimmed = seatd.errorFromReply("ERR TRIMMED 42");
        assert.ok(trimmed instanceof seatd.TrimmedError);
        assert.equal(trimmed.seq, 42);
        const unknown = seatd.errorFromReply("ERR SOMETHING_NEW text");
        assert.equal(unknown.constructor, seatd.SeatdError);
        assert.equal(unknown.code, "SOMETHING_NEW");
        for (const code of Object.keys(seatd.errorClasses)) {
            const error = seatd.errorFromReply(`ERR ${code} x`);
            assert.equal(error.code, code);
            assert.equal(error.constructor, seatd.errorClasses[code]);
        }
    });

    it("parses events, slots, lists and maps", () => {
        assert.deepEqual(seatd.parseEvent("EVENT 8 held gala 2835c4df101edac5 fay C6 pit:4"), {
            seq: 8, type: "held", session: "gala", hold: "2835c4df101edac5", customer: "fay",
            items: ["C6", "pit:4"], seats: ["C6"], places: { pit: 4 },
        });
        assert.deepEqual(seatd.parseEvent("EVENT 4 reserved gala - press B1 B8")?.hold, null);
        assert.deepEqual(seatd.parseSlots("0-340=s1@127.0.0.1:7001 341-681=s2@- 682-1023=s3@127.0.0.1:7005"), [
            { first: 0, last: 340, shard: "s1", address: "127.0.0.1:7001" },
            { first: 341, last: 681, shard: "s2", address: null },
            { first: 682, last: 1023, shard: "s3", address: "127.0.0.1:7005" },
        ]);
        assert.deepEqual(seatd.parseList("2835c4df101edac5:sold:C6,pit:3"), [
            { id: "2835c4df101edac5", state: "sold", seats: ["C6"], places: { pit: 3 } },
        ]);
        assert.deepEqual(seatd.parseMap("A:bb...... pit:0/40"), {
            rows: { A: "bb......" }, areas: { pit: { free: 0, capacity: 40 } },
        });
        assert.deepEqual(seatd.parseHold("732a60f6f76f6aef 1795387822882 A3 A4"), {
            id: "732a60f6f76f6aef", expiresMs: 1795387822882, seats: ["A3", "A4"], places: {},
        });
    });
});

describe("timeouts (rule 3)", () => {
    it("a request without a reply times out and closes its connection", async () => {
        const silent: net.Socket[] = [];
        const server = net.createServer((socket) => silent.push(socket));
        const port = await new Promise<number>((resolve) =>
            server.listen(0, "127.0.0.1", () => resolve(server.address()!.port)));
        const client = new seatd.Client({ port, timeout: 200, retries: 0 });
        const started = Date.now();
        const error = await client.avail("s").then(() => null, (caught: unknown) => caught);
        assert.ok(error instanceof seatd.TimeoutError);
        assert.equal(error.sent, true);
        assert.ok(Date.now() - started < 2000);
        client.close();
        for (const socket of silent) socket.destroy();
        await new Promise((resolve) => server.close(() => resolve(undefined)));
    });
});
