// Debian ships no @types/node, so this declares the little of Node's API the client, its tests and its
// benchmark use. Only what is used: add a member here before using it.

declare function setTimeout(callback: (...args: never[]) => void, ms?: number): Timer;
declare function clearTimeout(timer: Timer | undefined): void;
declare function setImmediate(callback: () => void): unknown;
declare function queueMicrotask(callback: () => void): void;
interface Timer {
    unref(): Timer;
    refresh(): Timer;
}

declare const process: {
    env: Record<string, string | undefined>;
    argv: string[];
    pid: number;
    exitCode: number | undefined;
    exit(code?: number): never;
    hrtime: { bigint(): bigint };
    stdout: { write(text: string): boolean };
    stderr: { write(text: string): boolean };
};

declare module "node:net" {
    interface SocketEvents {
        data: (chunk: string) => void;
        error: (error: Error) => void;
        close: (hadError: boolean) => void;
        connect: () => void;
        end: () => void;
        drain: () => void;
    }
    export class Socket {
        readonly destroyed: boolean;
        readonly writableLength: number;
        remoteAddress?: string;
        setEncoding(encoding: "utf8"): this;
        setNoDelay(noDelay?: boolean): this;
        setKeepAlive(enable?: boolean, initialDelayMs?: number): this;
        write(data: string | Uint8Array, callback?: (error?: Error) => void): boolean;
        end(data?: string): this;
        destroy(error?: Error): this;
        pause(): this;
        resume(): this;
        pipe<T>(destination: T): T;
        on<K extends keyof SocketEvents>(event: K, listener: SocketEvents[K]): this;
        once<K extends keyof SocketEvents>(event: K, listener: SocketEvents[K]): this;
        off<K extends keyof SocketEvents>(event: K, listener: SocketEvents[K]): this;
        removeAllListeners(event?: string): this;
    }
    export function createConnection(options: { host: string; port: number }): Socket;
    export interface AddressInfo {
        address: string;
        port: number;
    }
    export class Server {
        listen(port: number, host: string, callback?: () => void): this;
        address(): AddressInfo | null;
        close(callback?: (error?: Error) => void): this;
        on(event: "error", listener: (error: Error) => void): this;
    }
    export function createServer(listener?: (socket: Socket) => void): Server;
}

declare module "node:child_process" {
    interface Readable {
        on(event: "data", listener: (chunk: { toString(): string }) => void): this;
    }
    export interface ChildProcess {
        readonly pid?: number;
        readonly exitCode: number | null;
        readonly signalCode: string | null;
        readonly stdout: Readable | null;
        readonly stderr: Readable | null;
        kill(signal?: "SIGKILL" | "SIGTERM" | "SIGINT"): boolean;
        once(event: "exit", listener: (code: number | null, signal: string | null) => void): this;
        on(event: "error", listener: (error: Error) => void): this;
    }
    export function spawn(
        command: string,
        args: string[],
        options?: {
            cwd?: string;
            env?: Record<string, string | undefined>;
            stdio?: ("pipe" | "ignore" | "inherit" | number)[];
        },
    ): ChildProcess;
    export function spawnSync(
        command: string,
        args: string[],
        options?: { stdio?: ("pipe" | "ignore" | "inherit")[]; encoding?: "utf8" },
    ): { status: number | null; stdout: string; stderr: string };
}

declare module "node:fs" {
    export function mkdtempSync(prefix: string): string;
    export function writeFileSync(path: string, data: string): void;
    export function readFileSync(path: string, encoding: "utf8"): string;
    export function rmSync(path: string, options?: { recursive?: boolean; force?: boolean }): void;
    export function existsSync(path: string): boolean;
    export function openSync(path: string, flags: "a"): number;
    export function closeSync(fd: number): void;
}

declare module "node:os" {
    export function tmpdir(): string;
}

declare module "node:path" {
    export function join(...parts: string[]): string;
}

declare module "node:test" {
    interface TestContext {
        skip(message?: string): void;
        diagnostic(message: string): void;
    }
    type TestFn = (t: TestContext) => unknown;
    interface TestOptions {
        skip?: boolean | string;
        timeout?: number;
    }
    export function test(name: string, fn: TestFn): Promise<void>;
    export function test(name: string, options: TestOptions, fn: TestFn): Promise<void>;
    export function describe(name: string, fn: () => void): void;
    export function describe(name: string, options: TestOptions, fn: () => void): void;
    export function it(name: string, fn: TestFn): void;
    export function it(name: string, options: TestOptions, fn: TestFn): void;
    export function before(fn: () => unknown, options?: { timeout?: number }): void;
    export function after(fn: () => unknown, options?: { timeout?: number }): void;
}

declare module "node:assert/strict" {
    interface Assert {
        (value: unknown, message?: string): asserts value;
        ok(value: unknown, message?: string): asserts value;
        equal<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
        notEqual(actual: unknown, expected: unknown, message?: string): void;
        deepEqual<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
        match(value: string, pattern: RegExp, message?: string): void;
        rejects(
            block: Promise<unknown> | (() => Promise<unknown>),
            expected?: (new (...args: never[]) => Error) | ((error: unknown) => boolean) | object,
            message?: string,
        ): Promise<void>;
        throws(
            block: () => unknown,
            expected?: (new (...args: never[]) => Error) | ((error: unknown) => boolean) | object,
            message?: string,
        ): void;
        fail(message?: string): never;
    }
    const assert: Assert;
    export default assert;
}
