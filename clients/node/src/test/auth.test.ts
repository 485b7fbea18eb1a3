/**
 * Scenario 6: against a seatd with tokens, a request before AUTH is NOAUTH, a wrong token is refused, a reader's
 * change is FORBIDDEN and an admin's goes through; the client sends AUTH first on every connection (rule 4),
 * reconnections included.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client, ForbiddenError, NoAuthError } from "../index.js";
import { Seatd } from "./seatd.js";

describe("AUTH and FORBIDDEN", () => {
    let server: Seatd;
    before(async () => {
        server = await Seatd.start({ tokens: ["admin:adm-secret", "client:cli-secret", "reader:read-secret"] });
    });
    after(async () => {
        await server.stop();
    });

    it("a request before AUTH is NOAUTH, and so is a wrong token", async () => {
        const anonymous = new Client({ port: server.port });
        await assert.rejects(anonymous.ping(), NoAuthError);
        await assert.rejects(Client.connect({ port: server.port, auth: "wrong-token" }), NoAuthError);
        anonymous.close();
    });

    it("a reader's change is FORBIDDEN, an admin's goes through, a client holds", async () => {
        const admin = await Client.connect({ port: server.port, auth: "adm-secret" });
        const reader = await Client.connect({ port: server.port, auth: "read-secret" });
        const client = await Client.connect({ port: server.port, auth: "cli-secret" });
        assert.equal(await admin.auth("adm-secret"), "admin");
        assert.equal(await reader.auth("read-secret"), "reader");
        await assert.rejects(reader.createHall("r", ["A=2"]), ForbiddenError);
        await assert.rejects(client.createHall("r", ["A=2"]), ForbiddenError);
        assert.deepEqual(await admin.createHall("r", ["A=2"]), { name: "r", capacity: 2 });
        await admin.createSession("rs", "r");
        await assert.rejects(reader.hold("rs", "ann", ["A1"]), ForbiddenError);
        assert.deepEqual((await client.hold("rs", "ann", ["A1"])).seats, ["A1"]);
        assert.equal((await reader.avail("rs")).held, 1);

        // A new connection (after QUIT) is authenticated again before the request.
        await reader.quit();
        assert.equal((await reader.avail("rs")).held, 1);
        for (const each of [admin, reader, client]) each.close();
    });
});
