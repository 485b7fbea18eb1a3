/**
 * Scenario 5: a watcher streams events while the test makes changes, kills seatd with SIGKILL, starts it again on
 * the same data directory and port, and makes more; the watcher yields every event once, in seq order, the same
 * as `WATCH <session> from=1` read afresh afterwards.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client, Event } from "../index.js";
import { Seatd } from "./seatd.js";

describe("WATCH resumes", () => {
    let server: Seatd;
    before(async () => {
        server = await Seatd.start();
    });
    after(async () => {
        await server.stop();
    });

    it("across a kill -9 of seatd, with every event once and in order", async () => {
        const admin = new Client({ port: server.port, timeout: 2000 });
        await admin.createHall("w", ["A=10", "B=10"]);
        await admin.createSession("ws", "w");
        const watcher = new Client({ port: server.port, timeout: 2000 });
        // from=1: creating the session is no event, so the first hold's is the first, whenever the watch starts.
        const watch = watcher.watch("ws", { from: 1 });
        const seen: Event[] = [];
        let wanted = 0;
        let reached: () => void = () => undefined;
        const consumer = (async () => {
            for await (const event of watch) {
                seen.push(event);
                if (seen.length >= wanted) reached();
            }
        })();
        const until = (count: number) =>
            new Promise<void>((resolve) => {
                wanted = count;
                reached = resolve;
                if (seen.length >= count) resolve();
            });

        const first = await admin.hold("ws", "ann", ["A1", "A2"]);
        await admin.confirm("ws", first.id);
        const second = await admin.hold("ws", "bob", ["B1"]);
        await until(3);

        await server.kill9();
        await admin.hold("ws", "cy", ["A5"]).then(
            () => assert.fail("seatd is down"),
            () => undefined,
        );
        await server.launch();
        await admin.release("ws", second.id);
        const third = await admin.hold("ws", "dee", ["A9", "A10"], { key: "k1" });
        await admin.cancel("ws", first.id, { items: ["A1"] });
        await until(6);

        const fresh = new Client({ port: server.port }).watch("ws", { from: 1 });
        const history: Event[] = [];
        for await (const event of fresh) {
            history.push(event);
            if (history.length === 6) break;
        }
        watch.close();
        await consumer;
        admin.close();
        watcher.close();

        assert.deepEqual(seen, history);
        assert.deepEqual(seen.map((event) => [event.type, event.customer, event.items]), [
            ["held", "ann", ["A1", "A2"]],
            ["confirmed", "ann", ["A1", "A2"]],
            ["held", "bob", ["B1"]],
            ["released", "bob", ["B1"]],
            ["held", "dee", ["A9", "A10"]],
            ["cancelled", "ann", ["A1"]],
        ]);
        assert.equal(seen[4]!.hold, third.id);
        for (let index = 1; index < seen.length; index++) assert.ok(seen[index - 1]!.seq < seen[index]!.seq);
    });
});
