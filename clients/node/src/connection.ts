/**
 * One TCP connection speaking the line protocol: requests are queued and written together at the end of the
 * current tick (so concurrent callers pipeline without asking), and each reply line settles the oldest waiting
 * request (rule 1). A request that outlives its timeout closes the connection, failing every request behind it,
 * so a late reply can never be paired with a later request (rule 3). Lines that arrive with no request waiting
 * (WATCH's events) go to `onLine`.
 */
import * as net from "node:net";
import { ConnectionError, TimeoutError } from "./errors.js";

interface Waiting {
    resolve: (line: string) => void;
    reject: (error: Error) => void;
    deadlineMs: number;
    sent: boolean;
}

/** Waiting requests past which the head index is compacted away. */
const compactAfter = 1024;

export class Connection {
    /** Called with each line that answers no request (WATCH events), in order. */
    onLine: ((line: string) => void) | null = null;
    /** Called once when the connection is gone, with why. */
    onClose: ((error: ConnectionError) => void) | null = null;

    private readonly socket: net.Socket;
    private readonly timeoutMs: number;
    private buffered = "";
    private waiting: Waiting[] = [];
    private head = 0;
    private outbox: string[] = [];
    private flushQueued = false;
    private timer: Timer | undefined;
    private failure: ConnectionError | null = null;

    private constructor(socket: net.Socket, timeoutMs: number) {
        this.socket = socket;
        this.timeoutMs = timeoutMs;
        socket.setEncoding("utf8");
        socket.setNoDelay(true);
        socket.on("data", (chunk) => this.receive(chunk));
        socket.on("error", (error) => this.fail(new ConnectionError(`connection failed: ${error.message}`, true)));
        socket.on("close", () => this.fail(new ConnectionError("connection closed by the server", true)));
    }

    /** Connects within `timeoutMs`. */
    static open(host: string, port: number, timeoutMs: number): Promise<Connection> {
        return new Promise((resolve, reject) => {
            const socket = net.createConnection({ host, port });
            const timer = setTimeout(() => {
                socket.destroy();
                reject(new TimeoutError(`no connection to ${host}:${port} within ${timeoutMs} ms`, false));
            }, timeoutMs);
            socket.once("error", (error) => {
                clearTimeout(timer);
                reject(new ConnectionError(`cannot connect to ${host}:${port}: ${error.message}`, false));
            });
            socket.once("connect", () => {
                clearTimeout(timer);
                socket.removeAllListeners("error");
                resolve(new Connection(socket, timeoutMs));
            });
        });
    }

    get closed(): boolean {
        return this.failure !== null;
    }

    /** Requests written but not answered yet. */
    get inFlight(): number {
        return this.waiting.length - this.head;
    }

    /** Sends one request (at the end of this tick, with any others) and resolves to its reply line. */
    request(line: string): Promise<string> {
        return new Promise((resolve, reject) => {
            if (this.failure !== null) return reject(new ConnectionError(this.failure.message, false));
            this.waiting.push({ resolve, reject, deadlineMs: Date.now() + this.timeoutMs, sent: false });
            this.outbox.push(line);
            if (!this.flushQueued) {
                this.flushQueued = true;
                queueMicrotask(() => this.flush());
            }
            this.armTimer();
        });
    }

    /** Sends the requests in one write now and resolves each to its reply line. */
    requestAll(lines: readonly string[]): Promise<string>[] {
        const replies = lines.map((line) => this.request(line));
        this.flush();
        return replies;
    }

    /** Stops reading (backpressure for a slow WATCH consumer) and starts again. */
    pause(): void {
        this.socket.pause();
    }
    resume(): void {
        this.socket.resume();
    }

    close(): void {
        this.fail(new ConnectionError("connection closed by the client", true));
    }

    private flush(): void {
        this.flushQueued = false;
        if (this.outbox.length === 0 || this.failure !== null) return;
        this.socket.write(this.outbox.join("\n") + "\n");
        // Every request not yet marked sent is at the tail: walk back until one is.
        for (let index = this.waiting.length - 1; index >= this.head && !this.waiting[index]!.sent; index--) {
            this.waiting[index]!.sent = true;
        }
        this.outbox = [];
    }

    private receive(chunk: string): void {
        let text = this.buffered === "" ? chunk : this.buffered + chunk;
        let start = 0;
        for (let end = text.indexOf("\n", start); end >= 0; end = text.indexOf("\n", start)) {
            const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
            start = end + 1;
            this.deliver(line);
        }
        this.buffered = start === text.length ? "" : text.slice(start);
    }

    private deliver(line: string): void {
        if (this.head === this.waiting.length) {
            this.onLine?.(line);
            return;
        }
        const waiting = this.waiting[this.head++]!;
        if (this.head === this.waiting.length) {
            this.waiting = [];
            this.head = 0;
        } else if (this.head >= compactAfter) {
            this.waiting = this.waiting.slice(this.head);
            this.head = 0;
        }
        waiting.resolve(line);
    }

    /** One timer for the oldest request: later requests have later deadlines, so it is always due first. */
    private armTimer(): void {
        if (this.timer !== undefined || this.head === this.waiting.length) return;
        const delayMs = Math.max(0, this.waiting[this.head]!.deadlineMs - Date.now());
        this.timer = setTimeout(() => this.checkTimeout(), delayMs);
    }

    private checkTimeout(): void {
        this.timer = undefined;
        if (this.head === this.waiting.length) return;
        if (Date.now() >= this.waiting[this.head]!.deadlineMs) {
            this.fail(new TimeoutError(`no reply within ${this.timeoutMs} ms`, true));
        } else {
            this.armTimer();
        }
    }

    private fail(error: ConnectionError): void {
        if (this.failure !== null) return;
        this.failure = error;
        clearTimeout(this.timer);
        this.socket.destroy();
        const waiting = this.waiting.slice(this.head);
        this.waiting = [];
        this.head = 0;
        this.outbox = [];
        for (const request of waiting) {
            const Class = error instanceof TimeoutError ? TimeoutError : ConnectionError;
            request.reject(new Class(error.message, request.sent));
        }
        this.onClose?.(error);
    }
}
