/**
 * Scenarios 2 and 7 (clients/scenarios.md): every error code the server sends a client, each raised as its own
 * class with its fields; an over-long line and a malformed request, after which the client goes on working.
 * The seatd here retains 3 events a session, so that `WATCH from=1` is TRIMMED.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as seatd from "../index.js";
import { Client } from "../index.js";
import { Seatd } from "./seatd.js";

describe("every error code", () => {
    let server: Seatd;
    let client: Client;
    before(async () => {
        server = await Seatd.start({ yaml: "events:\n  retain_per_session: 3\n" });
        client = await Client.connect({ port: server.port });
        await client.createHall("h", ["A=3", "B=6", "ga:pit=2"]);
        await client.createSession("s", "h", { limit: 4 });
    });
    after(async () => {
        client.close();
        await server.stop();
    });

    /** Rejects with exactly `Class` and `code`. */
    async function refused(promise: Promise<unknown>, Class: Function, code: string): Promise<seatd.SeatdError> {
        try {
            await promise;
        } catch (error) {
            assert.ok(error instanceof Class, `${String(error)} is a ${Class.name}`);
            assert.ok(error instanceof seatd.SeatdError);
            assert.equal(error.code, code);
            return error;
        }
        assert.fail(`no ${code}`);
    }

    it("BAD_REQUEST, UNKNOWN_COMMAND", async () => {
        await refused(client.call("HOLD s"), seatd.BadRequestError, "BAD_REQUEST");
        await refused(client.call("FROBNICATE s"), seatd.UnknownCommandError, "UNKNOWN_COMMAND");
    });

    it("EXISTS, NO_SUCH_HALL, NO_SUCH_SESSION, NO_SUCH_SEAT, NO_SUCH_HOLD", async () => {
        await refused(client.createHall("h", ["A=1"]), seatd.ExistsError, "EXISTS");
        await refused(client.createSession("t", "nohall"), seatd.NoSuchHallError, "NO_SUCH_HALL");
        await refused(client.avail("nosession"), seatd.NoSuchSessionError, "NO_SUCH_SESSION");
        const error = await refused(client.hold("s", "ann", ["Z9"]), seatd.NoSuchSeatError, "NO_SUCH_SEAT");
        assert.match(error.message, /Z9/);
        await refused(client.confirm("s", "feedfacecafebeef"), seatd.NoSuchHoldError, "NO_SUCH_HOLD");
    });

    it("TAKEN with its seats, SOLD_OUT, NO_ADJACENT, LIMIT, NOT_HELD, EXPIRED", async () => {
        const hold = await client.hold("s", "ann", ["A2", "B1"]);
        const taken = await refused(client.hold("s", "bob", ["A1", "A2", "B1"]), seatd.TakenError, "TAKEN");
        assert.deepEqual((taken as seatd.TakenError).seats, ["A2", "B1"]);
        await refused(client.hold("s", "bob", ["pit:3"]), seatd.SoldOutError, "SOLD_OUT");
        await client.block("s", ["B3", "B5"]);
        await refused(client.hold("s", "cy", { best: 2 }), seatd.NoAdjacentError, "NO_ADJACENT");
        await refused(client.hold("s", "ann", ["B2", "B4", "B6"]), seatd.LimitError, "LIMIT");
        await client.confirm("s", hold.id);
        await refused(client.release("s", hold.id), seatd.NotHeldError, "NOT_HELD");
        const short = await client.hold("s", "dee", ["B2"], { ttl: 1 });
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, short.expiresMs - Date.now()) + 100));
        await refused(client.confirm("s", short.id), seatd.ExpiredError, "EXPIRED");
    });

    it("TRIMMED with the oldest retained seq", async () => {
        const watch = client.watch("s", { from: 1 });
        const iterator = watch[Symbol.asyncIterator]();
        const error = await refused(iterator.next(), seatd.TrimmedError, "TRIMMED");
        assert.ok((error as seatd.TrimmedError).seq > 1);
        watch.close();
    });

    it("LINE_TOO_LONG, then the client reconnects and goes on", async () => {
        await refused(client.call("PING " + "x".repeat(5000)), seatd.LineTooLongError, "LINE_TOO_LONG");
        assert.equal(await client.ping(), "PONG");
        await refused(client.call("HOLD s ann A1 A1"), seatd.BadRequestError, "BAD_REQUEST");
        assert.equal(await client.ping(), "PONG");
    });

    it("a token that would split the request is refused before it is sent", async () => {
        await assert.rejects(client.hold("s", "ann bob", ["A1"]), TypeError);
        await assert.rejects(client.avail("s\nQUIT"), TypeError);
        await assert.rejects(client.call("PING\nPING"), TypeError);
    });
});
