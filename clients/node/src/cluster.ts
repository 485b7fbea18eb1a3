/**
 * `ClusterClient`: the client of a cluster (rule 7). It reads `CLUSTER SLOTS`, sends each session's requests to
 * the primary of its slot (crc32c(session) mod 1024) and the others to any primary, follows `ERR MOVED` (and reads
 * the slots again), waits out `ERR TRYAGAIN`, and on a failed connection tries another node. A request is sent
 * again after a failed connection only as rule 5 allows; MOVED and TRYAGAIN are not ambiguous (nothing was done).
 */
import { Client, ClientOptions } from "./client.js";
import { Command, CommandName, commands, ResultOf } from "./commands.js";
import { Connection } from "./connection.js";
import { slotCount, slotOf } from "./crc32c.js";
import { ConnectionError, MovedError, SeatdError, TryAgainError } from "./errors.js";
import { Pipeline } from "./pipeline.js";
import { sleep } from "./settle.js";
import { Watch, WatchOptions } from "./watch.js";

export interface ClusterOptions extends Omit<ClientOptions, "host" | "port"> {
    /** Every node, `host:port`: any of them can tell where the rest are. */
    addresses: string[];
    /** Milliseconds one request may spend following MOVED, waiting out TRYAGAIN and trying other nodes
     * (a failover takes a lease's lifetime, seconds). Default 15000. */
    failoverTimeout?: number;
}

export type ClusterMethods = {
    [K in CommandName]: (...args: Parameters<(typeof commands)[K]>) => Promise<ResultOf<K>>;
};

export interface ClusterClient extends ClusterMethods {}

export class ClusterClient {
    private readonly options: ClusterOptions;
    private readonly nodes = new Map<string, Client>();
    /** Each slot's primary, null where none is known yet. */
    private readonly slots: (string | null)[] = new Array<string | null>(slotCount).fill(null);
    private readonly known: string[];
    private refreshing: Promise<void> | null = null;
    private loaded = false;

    constructor(options: ClusterOptions) {
        if (options.addresses.length === 0) throw new TypeError("a cluster client needs at least one address");
        this.options = options;
        this.known = [...options.addresses];
    }

    static async connect(options: ClusterOptions): Promise<ClusterClient> {
        const client = new ClusterClient(options);
        await client.refresh();
        return client;
    }

    /** The primary that serves `session`'s slot (or any node, while none is known). */
    addressOf(session?: string): string {
        const address = session === undefined ? this.slots.find((slot) => slot !== null) : this.slots[slotOf(session)];
        return address ?? this.known[0]!;
    }

    async run<T>(command: Command<T>): Promise<T> {
        if (!this.loaded) await this.refresh();
        const deadlineMs = Date.now() + (this.options.failoverTimeout ?? 15_000);
        for (;;) {
            const address = this.addressOf(command.session);
            try {
                return await this.node(address).run(command);
            } catch (error) {
                if (Date.now() > deadlineMs) throw error;
                if (error instanceof MovedError) {
                    this.slots[error.slot] = error.address;
                    this.remember(error.address);
                    void this.refresh().catch(() => undefined);
                } else if (error instanceof TryAgainError) {
                    await sleep(error.ms);
                } else if (error instanceof ConnectionError && (!error.sent || command.retry)) {
                    // That node is gone or going: ask the others where the primary is now.
                    this.forget(address);
                    await sleep(100);
                    await this.refresh().catch(() => undefined);
                } else {
                    throw error;
                }
            }
        }
    }

    /** Requests of a batch go to their own primaries, each node's share written together. */
    pipeline(): Pipeline {
        return new Pipeline(async (batch) =>
            batch.map((command) =>
                this.run({ ...command, parse: (payload) => (payload === "" ? "OK" : `OK ${payload}`) }).catch(
                    (error) => {
                        if (error instanceof SeatdError) return `ERR ${error.code} ${error.message}`;
                        throw error;
                    },
                ),
            ),
        );
    }

    /** A session's events from its primary, following a failover or a MOVED (rule 6 and 7). */
    watch(session: string, options: WatchOptions = {}): Watch {
        return new Watch(
            session,
            options,
            async (moved) => {
                if (moved !== undefined) await this.refresh().catch(() => undefined);
                const address = moved?.address ?? this.addressOf(session === "*" ? undefined : session);
                return this.node(address).openConnection();
            },
            true,
        );
    }

    /** Reads CLUSTER SLOTS from the first node that answers. */
    refresh(): Promise<void> {
        this.refreshing ??= this.readSlots().finally(() => (this.refreshing = null));
        return this.refreshing;
    }

    close(): void {
        for (const node of this.nodes.values()) node.close();
        this.nodes.clear();
    }

    private async readSlots(): Promise<void> {
        let lastError: unknown = new Error("no node answered CLUSTER SLOTS");
        for (const address of [...this.known]) {
            try {
                const ranges = await this.node(address).run({ ...commands.clusterSlots(), retry: false });
                for (const range of ranges) {
                    if (range.address !== null) this.remember(range.address);
                    for (let slot = range.first; slot <= range.last; slot++) this.slots[slot] = range.address;
                }
                this.loaded = true;
                return;
            } catch (error) {
                lastError = error;
            }
        }
    }

    private node(address: string): Client {
        let node = this.nodes.get(address);
        if (node === undefined) {
            const colon = address.lastIndexOf(":");
            node = new Client({
                ...this.options,
                host: address.slice(0, colon),
                port: Number(address.slice(colon + 1)),
                retries: 0,
            });
            this.nodes.set(address, node);
        }
        return node;
    }

    private remember(address: string): void {
        if (!this.known.includes(address)) this.known.push(address);
    }

    /** Drops a node's connection and every slot routed to it; the list of nodes to ask keeps it. */
    private forget(address: string): void {
        this.nodes.get(address)?.close();
        for (let slot = 0; slot < slotCount; slot++) if (this.slots[slot] === address) this.slots[slot] = null;
        // Ask the others first next time.
        this.known.push(...this.known.splice(this.known.indexOf(address), 1));
    }
}

for (const name of Object.keys(commands) as CommandName[]) {
    const build = commands[name] as (...args: unknown[]) => Command<unknown>;
    (ClusterClient.prototype as unknown as Record<string, unknown>)[name] = function (
        this: ClusterClient,
        ...args: unknown[]
    ) {
        // A bad argument rejects like any other failure, rather than throwing before the promise exists.
        try {
            return this.run(build(...args));
        } catch (error) {
            return Promise.reject(error);
        }
    };
}

export type { Connection };
