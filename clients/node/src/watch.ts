/**
 * `Watch`: a session's events as an async iterator that survives a dropped connection (rule 6). It remembers the
 * last seq it yielded and, on a new connection, sends `WATCH <session> from=<last + 1>`, so no event is lost or
 * repeated. Without `from`, it first reads STATS' last_lsn on the watch connection and watches from the one after,
 * so even the first reconnection has a seq to resume from. `ERR TRIMMED` is raised to the caller; `BUSY`,
 * `UNAVAILABLE`, `TRYAGAIN` and a dropped connection are resumed from; `MOVED` is followed when the client is a
 * cluster client (it reopens at the session's primary) and raised otherwise.
 */
import { Connection } from "./connection.js";
import {
    BusyError,
    ConnectionError,
    errorFromReply,
    MovedError,
    TryAgainError,
    UnavailableError,
} from "./errors.js";
import { Event, keyValues, parseEvent } from "./replies.js";
import { sleep } from "./settle.js";
import { token } from "./commands.js";

export interface WatchOptions {
    /** The first seq wanted (events retained from then on come first). Default: only changes from now. */
    from?: number;
    /** Milliseconds to keep trying to reconnect before the iterator rejects. Default 30000. */
    reconnectTimeout?: number;
}

/** Events queued before the socket is paused, so a slow consumer slows the reads instead of filling memory. */
const queuedEventsMax = 10_000;

/** Opens a new connection for the watch; `moved` is the redirect that made the last one useless, if any. */
export type WatchOpener = (moved?: MovedError) => Promise<Connection>;

export class Watch implements AsyncIterable<Event> {
    readonly session: string;
    /** The seq the next connection asks from: one past the last event yielded. */
    next: number | undefined;
    private readonly reconnectTimeoutMs: number;
    private readonly open: WatchOpener;
    private readonly follows: boolean;
    private connection: Connection | null = null;
    private stopped = false;

    /** `follows`: whether MOVED is followed (cluster) or raised. */
    constructor(session: string, options: WatchOptions, open: WatchOpener, follows = false) {
        this.session = token(session);
        this.next = options.from;
        this.reconnectTimeoutMs = options.reconnectTimeout ?? 30_000;
        this.open = open;
        this.follows = follows;
    }

    /** Ends the iteration (the iterator then finishes) and closes the connection. */
    close(): void {
        this.stopped = true;
        this.connection?.close();
    }

    async *[Symbol.asyncIterator](): AsyncGenerator<Event> {
        let failingSinceMs: number | null = null;
        let moved: MovedError | undefined;
        try {
            while (!this.stopped) {
                const lines = new LineQueue();
                try {
                    this.connection = await this.open(moved);
                    moved = undefined;
                    this.connection.onLine = (line) => lines.push(line, this.connection!);
                    this.connection.onClose = (error) => lines.end(error);
                    await this.start(this.connection);
                    failingSinceMs = null;
                    for (let line = await lines.take(); line !== null; line = await lines.take()) {
                        const event = parseEvent(line);
                        if (event === null) throw errorFromReply(line);
                        if (this.next !== undefined && event.seq < this.next) continue;
                        this.next = event.seq + 1;
                        yield event;
                    }
                } catch (error) {
                    if (this.stopped) return;
                    this.connection?.close();
                    const waitMs = this.resumeAfterMs(error);
                    if (error instanceof MovedError) moved = error;
                    failingSinceMs ??= Date.now();
                    if (Date.now() - failingSinceMs > this.reconnectTimeoutMs) throw error;
                    await sleep(waitMs);
                }
            }
        } finally {
            this.stopped = true;
            this.connection?.close();
        }
    }

    /** Sends STATS (when there is no seq yet) and WATCH; resolves once the server said OK. */
    private async start(connection: Connection): Promise<void> {
        if (this.next === undefined) {
            const stats = await connection.request("STATS");
            if (!stats.startsWith("OK")) throw errorFromReply(stats);
            this.next = Number(keyValues(stats.slice(3))["last_lsn"] ?? 0) + 1;
        }
        const reply = await connection.request(`WATCH ${this.session} from=${this.next}`);
        if (reply !== "OK") throw errorFromReply(reply);
    }

    /** How long to wait before resuming after `error`; throws it when it is not one to resume from. */
    private resumeAfterMs(error: unknown): number {
        if (error instanceof TryAgainError) return error.ms;
        if (error instanceof MovedError && this.follows) return 0;
        if (error instanceof BusyError || error instanceof UnavailableError) return 100;
        if (error instanceof ConnectionError) return 200;
        throw error;
    }
}

/** Lines of one connection waiting for the consumer; pauses the socket past `queuedEventsMax`. */
class LineQueue {
    private lines: string[] = [];
    private head = 0;
    private ended: ConnectionError | null = null;
    private wake: (() => void) | null = null;
    private paused: Connection | null = null;

    push(line: string, connection: Connection): void {
        this.lines.push(line);
        if (this.lines.length - this.head > queuedEventsMax && this.paused === null) {
            this.paused = connection;
            connection.pause();
        }
        this.wake?.();
    }

    end(error: ConnectionError): void {
        this.ended = error;
        this.wake?.();
    }

    /** The next line; null never (a closed connection throws its error once the queue is drained). */
    async take(): Promise<string | null> {
        while (this.head === this.lines.length) {
            if (this.ended !== null) throw this.ended;
            await new Promise<void>((resolve) => (this.wake = resolve));
            this.wake = null;
        }
        const line = this.lines[this.head++]!;
        if (this.head === this.lines.length) {
            this.lines = [];
            this.head = 0;
            this.paused?.resume();
            this.paused = null;
        }
        return line;
    }
}
