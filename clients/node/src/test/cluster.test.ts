/**
 * Rule 7 against a real cluster of two shards (one node each), started as LoadTests/bench-shards.sh does: etcd
 * on loopback, `seatd cluster init`, `seatd serve --cluster-*`. Requests go to the primary of their session's
 * slot, a stale route is corrected by MOVED, and TRYAGAIN (a shard without a primary) is waited out until the
 * shard's node is back. Skipped, with a message, when etcd is not on PATH.
 */
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Client, ClusterClient, MovedError, slotOf, TryAgainError } from "../index.js";
import { freePort } from "./seatd.js";

const etcdMissing = spawnSync("sh", ["-c", "command -v etcd"], { encoding: "utf8" }).status !== 0;
const skip = etcdMissing ? "etcd is not on PATH (apt-get install etcd-server): cluster routing not tested" : false;
if (etcdMissing) process.stdout.write(`# clients/node: ${skip}\n`);

// Ports the kernel hands out (as the other suites do): fixed or random ones can collide with a port still in use.
const ports = { etcd: 0, etcdPeer: 0, s0: 0, s0Replication: 0, s1: 0, s1Replication: 0 };
let etcdURL = "";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("cluster mode", { skip }, () => {
    const dir = etcdMissing ? "" : mkdtempSync(join(tmpdir(), "seatd-node-cluster-"));
    const children: ChildProcess[] = [];
    const nodes: Record<string, ChildProcess> = {};

    /** Starts a process with its stdout and stderr in `<dir>/<name>.log`, for the message of a failed start. */
    function launch(name: string, bin: string, args: string[]): ChildProcess {
        const log = openSync(join(dir, `${name}.log`), "a");
        const child = spawn(bin, args, { stdio: ["ignore", log, log] });
        closeSync(log);
        children.push(child);
        return child;
    }

    /** The last lines of each process's log: what a timed-out wait shows. */
    function logs(): string {
        return ["etcd", "s0", "s1"].map((name) => {
            const path = join(dir, `${name}.log`);
            const text = existsSync(path) ? readFileSync(path, "utf8").split("\n").slice(-15).join("\n") : "(none)";
            return `--- ${name}.log\n${text}`;
        }).join("\n");
    }

    function startNode(shard: "s0" | "s1"): void {
        const port = ports[shard];
        nodes[shard] = launch(shard, process.env["SEATD_BIN"]!, [
            "serve", "--data", join(dir, shard), "--port", String(port), "--log-level", "warning",
            "--cluster-etcd", etcdURL, "--cluster-name", "nodetest", "--cluster-node", `${shard}a`,
            "--cluster-shard", shard, "--cluster-advertise", `127.0.0.1:${port}`,
            "--cluster-replication-listen", `127.0.0.1:${ports[`${shard}Replication`]}`,
            "--cluster-lease-ttl-s", "2", "--cluster-secret", "node-client-test-secret",
        ]);
    }

    async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
        const deadlineMs = Date.now() + timeoutMs;
        while (!(await check().catch(() => false))) {
            if (Date.now() > deadlineMs) throw new Error(`timed out waiting for ${what}\n${logs()}`);
            await sleep(100);
        }
    }

    before(async () => {
        const taken = new Set<number>();
        for (const name of Object.keys(ports) as (keyof typeof ports)[]) {
            do ports[name] = await freePort(); while (taken.has(ports[name]));
            taken.add(ports[name]);
        }
        etcdURL = `http://127.0.0.1:${ports.etcd}`;
        const peerURL = `http://127.0.0.1:${ports.etcdPeer}`;
        launch("etcd", "etcd", [
            "--name", "e1", "--data-dir", join(dir, "etcd"), "--listen-client-urls", etcdURL,
            "--advertise-client-urls", etcdURL, "--listen-peer-urls", peerURL,
            "--initial-advertise-peer-urls", peerURL, "--initial-cluster", `e1=${peerURL}`,
        ]);
        await until("etcd", () => httpOK(ports.etcd, "/health"));
        const init = spawnSync(process.env["SEATD_BIN"]!, [
            "cluster", "init", "--etcd", etcdURL, "--name", "nodetest", "--shards", "s0,s1",
        ], { encoding: "utf8" });
        assert.equal(init.status, 0, init.stdout + init.stderr);
        startNode("s0");
        startNode("s1");
        const probe = new Client({ port: ports.s0, retries: 0, timeout: 1000 });
        await until("both primaries in CLUSTER SLOTS", async () =>
            (await probe.clusterSlots()).every((range) => range.address !== null));
        probe.close();
    }, { timeout: 40_000 });

    after(async () => {
        for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
        await sleep(200);
        rmSync(dir, { recursive: true, force: true });
    });

    /** A session id of the given shard: slots 0-511 are s0's, 512-1023 s1's (cluster init splits evenly). */
    function sessionOf(shard: "s0" | "s1", prefix: string): string {
        for (let n = 0; ; n++) {
            const id = `${prefix}-${n}`;
            if ((slotOf(id) < 512) === (shard === "s0")) return id;
        }
    }

    it("routes each session to its slot's primary and follows MOVED", { timeout: 30_000 }, async () => {
        const cluster = await ClusterClient.connect({ addresses: [`127.0.0.1:${ports.s0}`, `127.0.0.1:${ports.s1}`] });
        const slots = await cluster.clusterSlots();
        assert.deepEqual(slots.map((range) => [range.first, range.last, range.address]), [
            [0, 511, `127.0.0.1:${ports.s0}`], [512, 1023, `127.0.0.1:${ports.s1}`],
        ]);
        await cluster.createHall("ch", ["A=10"]);
        const sessions = { s0: sessionOf("s0", "e"), s1: sessionOf("s1", "e") };
        for (const shard of ["s0", "s1"] as const) {
            await cluster.createSession(sessions[shard], "ch");
            const hold = await cluster.hold(sessions[shard], "ann", ["A1", "A2"], { key: `k-${shard}` });
            await cluster.confirm(sessions[shard], hold.id);
            assert.equal((await cluster.avail(sessions[shard])).sold, 2);
            // The other shard's node refuses the session with MOVED to the right primary.
            const other = new Client({ port: ports[shard === "s0" ? "s1" : "s0"], retries: 0 });
            const moved = await other.avail(sessions[shard]).then(() => null, (error: unknown) => error);
            assert.ok(moved instanceof MovedError);
            assert.equal(moved.slot, slotOf(sessions[shard]));
            assert.equal(moved.address, `127.0.0.1:${ports[shard]}`);
            other.close();
        }
        // A stale route (every slot at s1) is corrected by MOVED.
        (cluster as unknown as { slots: string[] }).slots.fill(`127.0.0.1:${ports.s1}`);
        assert.equal((await cluster.avail(sessions.s0)).sold, 2);
        cluster.close();
    });

    it("waits out TRYAGAIN while a shard has no primary", { timeout: 40_000 }, async () => {
        const cluster = await ClusterClient.connect({
            addresses: [`127.0.0.1:${ports.s0}`, `127.0.0.1:${ports.s1}`],
            failoverTimeout: 30_000,
        });
        const session = sessionOf("s1", "t");
        await cluster.createHall("ct", ["A=4"]);
        await cluster.createSession(session, "ct");
        const killed = new Promise((resolve) => nodes["s1"]!.once("exit", resolve));
        nodes["s1"]!.kill("SIGKILL");
        await killed;
        // Once s1's lease lapses, s0 answers s1's sessions with TRYAGAIN.
        const s0 = new Client({ port: ports.s0, retries: 0 });
        await until("TRYAGAIN from s0", async () =>
            (await s0.avail(session).then(() => null, (error: unknown) => error)) instanceof TryAgainError);
        s0.close();
        const answer = cluster.avail(session);
        await sleep(300);
        startNode("s1");
        assert.deepEqual(await answer, { free: 4, held: 0, sold: 0, blocked: 0, reserved: 0 });
        cluster.close();
    });
});

/** Whether GET `path` on loopback `port` answers 200. */
function httpOK(port: number, path: string): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.createConnection({ host: "127.0.0.1", port });
        socket.setEncoding("utf8");
        let text = "";
        socket.on("error", () => resolve(false));
        socket.on("data", (chunk) => (text += chunk));
        socket.on("close", () => resolve(text.startsWith("HTTP/1.1 200")));
        const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
        socket.on("connect", () => socket.write(request));
    });
}
