/**
 * `Client`: one connection to one seatd, shared by every call (calls made together are pipelined on it). It
 * connects on the first call, sends AUTH first on every connection (rule 4), and after a failed connection sends a
 * request again only when that cannot apply a change twice (rule 5).
 */
import { Command, commands, CommandName, ResultOf } from "./commands.js";
import { Connection } from "./connection.js";
import { ConnectionError, errorFromReply } from "./errors.js";
import { Pipeline } from "./pipeline.js";
import { settle, sleep } from "./settle.js";
import { Watch, WatchOptions } from "./watch.js";

export interface ClientOptions {
    host?: string;
    port?: number;
    /** AUTH token, sent first on every connection. */
    auth?: string;
    /** Milliseconds to connect and for each reply (rule 3). Default 5000. */
    timeout?: number;
    /** Times a request is sent again after a failed connection, when rule 5 allows it. Default 2. */
    retries?: number;
}

/** One method per command, resolving to its parsed reply or rejecting with its `SeatdError`. */
export type ClientMethods = {
    [K in CommandName]: (...args: Parameters<(typeof commands)[K]>) => Promise<ResultOf<K>>;
};

export interface Client extends ClientMethods {}

export class Client {
    readonly host: string;
    readonly port: number;
    readonly timeoutMs: number;
    private readonly authToken: string | undefined;
    private readonly retries: number;
    private connection: Connection | null = null;
    private connecting: Promise<Connection> | null = null;

    constructor(options: ClientOptions = {}) {
        this.host = options.host ?? "127.0.0.1";
        this.port = options.port ?? 7070;
        this.authToken = options.auth;
        this.timeoutMs = options.timeout ?? 5000;
        this.retries = options.retries ?? 2;
    }

    /** A client whose connection is open (and AUTH done): connection errors show here rather than on a call. */
    static async connect(options: ClientOptions = {}): Promise<Client> {
        const client = new Client(options);
        await client.open();
        return client;
    }

    /** Sends a command and parses its reply; the methods named after the commands call this. */
    async run<T>(command: Command<T>): Promise<T> {
        for (let attempt = 0; ; attempt++) {
            let line: string;
            try {
                const connection = this.connection?.closed === false ? this.connection : await this.open();
                line = await connection.request(command.line);
            } catch (error) {
                // Sent and not safe to repeat: the change may or may not have been applied (rule 5).
                if (!(error instanceof ConnectionError) || (error.sent && !command.retry) || attempt >= this.retries) {
                    throw error;
                }
                if (!error.sent) await sleep(50 * (attempt + 1));
                continue;
            }
            return settle(command, line);
        }
    }

    /** Sends any request line and resolves to its OK payload (never retried: it may be a change). */
    call(line: string): Promise<string> {
        if (/[\r\n]/.test(line)) return Promise.reject(new TypeError("a request is one line"));
        return this.run({ line, parse: (payload) => payload, retry: false });
    }

    /** A batch of requests written in one write; `exec()` resolves to the replies in order, errors in place. */
    pipeline(): Pipeline {
        return new Pipeline(async (batch) => {
            const connection = this.connection?.closed === false ? this.connection : await this.open();
            return connection.requestAll(batch.map((command) => command.line));
        });
    }

    /** The session's events (`*` for every session), resuming after a dropped connection (rule 6). */
    watch(session: string, options: WatchOptions = {}): Watch {
        return new Watch(session, options, () => this.openConnection());
    }

    /** Closes the connection; a later call opens a new one. */
    close(): void {
        this.connection?.close();
        this.connection = null;
    }

    /** The shared connection, opened (and authenticated) once however many callers wait for it. */
    private open(): Promise<Connection> {
        if (this.connecting === null) {
            this.connecting = this.openConnection().then(
                (connection) => {
                    this.connecting = null;
                    this.connection = connection;
                    return connection;
                },
                (error) => {
                    this.connecting = null;
                    throw error;
                },
            );
        }
        return this.connecting;
    }

    /** A new connection of its own, AUTH done. */
    async openConnection(): Promise<Connection> {
        const connection = await Connection.open(this.host, this.port, this.timeoutMs);
        if (this.authToken !== undefined) {
            try {
                const line = await connection.request(`AUTH ${this.authToken}`);
                if (!line.startsWith("OK")) throw errorFromReply(line);
            } catch (error) {
                connection.close();
                throw error;
            }
        }
        return connection;
    }
}

for (const name of Object.keys(commands) as CommandName[]) {
    const build = commands[name] as (...args: unknown[]) => Command<unknown>;
    (Client.prototype as unknown as Record<string, unknown>)[name] = function (this: Client, ...args: unknown[]) {
        // A bad argument rejects like any other failure, rather than throwing before the promise exists.
        try {
            return this.run(build(...args));
        } catch (error) {
            return Promise.reject(error);
        }
    };
}
