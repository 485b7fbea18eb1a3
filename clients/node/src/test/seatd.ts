/**
 * A real seatd for the tests: the binary SEATD_BIN names, on a free loopback port, with a fresh data directory
 * and a YAML config of the test's choosing. It can be killed with SIGKILL and started again on the same port and
 * data directory (the WATCH scenario).
 */
import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SeatdOptions {
    /** `role:token` entries of auth.tokens; none: auth off. */
    tokens?: string[];
    /** More YAML, appended to the config file. */
    yaml?: string;
}

/** How long seatd may take to answer its first request after it starts. */
const startTimeoutMs = 20_000;

export class Seatd {
    readonly port: number;
    readonly dir: string;
    private process: ChildProcess | null = null;
    private log = "";

    private constructor(port: number, dir: string) {
        this.port = port;
        this.dir = dir;
    }

    static async start(options: SeatdOptions = {}): Promise<Seatd> {
        const dir = mkdtempSync(join(tmpdir(), "seatd-node-test-"));
        let yaml = "fsync: always\n";
        if (options.tokens !== undefined) {
            yaml += "auth:\n  tokens:\n" + options.tokens.map((entry) => `    - "${entry}"\n`).join("");
        }
        writeFileSync(join(dir, "seatd.yaml"), yaml + (options.yaml ?? ""));
        const seatd = new Seatd(await freePort(), dir);
        try {
            await seatd.launch();
        } catch (error) {
            await seatd.stop();
            throw error;
        }
        return seatd;
    }

    /** Starts the process (again, on the same port and data directory) and waits until it answers. */
    async launch(): Promise<void> {
        const bin = process.env["SEATD_BIN"];
        if (bin === undefined || bin === "") throw new Error("SEATD_BIN is not set (make test sets it)");
        const args = ["serve", "--port", String(this.port), "--data", join(this.dir, "data")];
        args.push("--config", join(this.dir, "seatd.yaml"), "--log-level", "warning");
        const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
        child.stdout?.on("data", (chunk) => (this.log += chunk.toString()));
        child.stderr?.on("data", (chunk) => (this.log += chunk.toString()));
        this.process = child;
        const deadlineMs = Date.now() + startTimeoutMs;
        while (!(await answers(this.port))) {
            if (child.exitCode !== null || Date.now() > deadlineMs) {
                throw new Error(`seatd did not start on port ${this.port}:\n${this.log}`);
            }
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
    }

    /** SIGKILL, and wait until the process is gone. */
    async kill9(): Promise<void> {
        const child = this.process;
        if (child === null || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
        this.process = null;
    }

    async stop(): Promise<void> {
        await this.kill9();
        rmSync(this.dir, { recursive: true, force: true });
    }
}

/** A port the kernel had free a moment ago. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = server.address()!.port;
            server.close(() => resolve(port));
        });
    });
}

/** Whether a server on `port` answers a PING with a line (any line: NOAUTH counts). */
function answers(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.createConnection({ host: "127.0.0.1", port });
        socket.setEncoding("utf8");
        socket.on("error", () => resolve(false));
        socket.on("data", (chunk) => {
            socket.destroy();
            resolve(chunk.includes("\n"));
        });
        socket.on("connect", () => socket.write("PING\n"));
    });
}
