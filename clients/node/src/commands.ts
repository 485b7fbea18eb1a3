/**
 * Every command as a value: the request line, how to parse its OK payload, whether it may be sent again after an
 * ambiguous failure (rule 5: reads, and changes with a key), and the session it names (cluster routing). Client,
 * Pipeline and ClusterClient all build their methods from this one table, so they cannot drift apart.
 */
import * as reply from "./replies.js";

export interface Command<T> {
    /** The request line, without its LF. */
    line: string;
    parse: (payload: string) => T;
    /** Safe to send again after the connection failed with the request written. */
    retry: boolean;
    /** The session the request names, for cluster routing; none for requests any primary carries out. */
    session?: string;
}

/** Seats and places (`["A1", "A2", "pit:2"]`), or the best block of n adjacent seats, or the n best seats. */
export type Selection = string[] | { best: number } | { any: number };

/** Options of HOLD, ADD and SELL (since 1.1: cat, flag, channel, orphans, fallback). */
export interface SelectOptions {
    cat?: string;
    flag?: string;
    channel?: string;
    orphans?: "avoid" | "allow";
    fallback?: "split";
    /** Idempotency key: the server answers a repeat with the first reply, and the client may retry it. */
    key?: string;
}

export interface HoldOptions extends SelectOptions {
    /** Seconds the hold lives (the session's ttl when left out). */
    ttl?: number;
}

export interface SellOptions extends SelectOptions {
    ref?: string;
}

export interface SessionOptions {
    ttl?: number;
    maxttl?: number;
    limit?: number;
    orphans?: "avoid";
    grace?: number;
    keyttl?: number;
}

/** The part of a session AVAIL counts: a category, a flag, or a GA area. */
export type AvailPart = { cat: string } | { flag: string } | { area: string };

/** One token of a request: refused here if it could split the line or the request (a space, CR or LF). */
export function token(value: string | number): string {
    const text = String(value);
    if (text === "" || /[\s\x00-\x1f\x7f]/.test(text)) {
        throw new TypeError(`not a protocol token: ${JSON.stringify(text)}`);
    }
    return text;
}

/** `name=value` for each option given, in the order given. */
function options(values: object): string[] {
    return Object.entries(values)
        .filter(([, value]) => value !== undefined && value !== null)
        .map(([name, value]) => `${token(name)}=${token(value as string | number)}`);
}

function selection(what: Selection): string[] {
    if (Array.isArray(what)) return what.map(token);
    if ("best" in what) return ["BEST", token(what.best)];
    return ["ANY", token(what.any)];
}

/** The verb is ours; every argument is checked to be one token. */
function line(verb: string, ...args: (string | number)[]): string {
    return args.length === 0 ? verb : verb + " " + args.map(token).join(" ");
}

function read<T>(text: string, parse: (payload: string) => T, session?: string): Command<T> {
    return { line: text, parse, retry: true, session };
}

function change<T>(text: string, parse: (payload: string) => T, key?: string, session?: string): Command<T> {
    return { line: text, parse, retry: key !== undefined, session };
}

const text = (payload: string) => payload;
const none = (_payload: string): void => undefined;
const list = (payload: string) => reply.fields(payload);
const named = (payload: string) => {
    const [name = "", capacity = "0"] = reply.fields(payload);
    return { name, capacity: Number(capacity) };
};
const seatsAfterSession = (payload: string) => reply.fields(payload).slice(1);

export const commands = {
    ping: () => read("PING", text),
    auth: (authToken: string) => read(line("AUTH", authToken), text),
    quit: () => change("QUIT", text),

    createHall: (hall: string, parts: string[]) => change(line("CREATE HALL", hall, ...parts), named),
    hall: (hall: string) => read(line("HALL", hall), list),
    halls: () => read("HALLS", list),
    sessions: (hall?: string) => read(hall === undefined ? "SESSIONS" : line("SESSIONS", hall), list),
    createSession: (session: string, hall: string, opts: SessionOptions = {}) =>
        change(line("CREATE SESSION", session, hall, ...options(opts)), named, undefined, session),
    dropSession: (session: string) => change(line("DROP SESSION", session), none, undefined, session),

    hold: (session: string, customer: string, what: Selection, opts: HoldOptions = {}) =>
        change(line("HOLD", session, customer, ...selection(what), ...options(opts)), reply.parseHold, opts.key,
            session),
    add: (session: string, hold: string, what: Selection, opts: SelectOptions = {}) =>
        change(line("ADD", session, hold, ...selection(what), ...options(opts)), reply.parseHold, opts.key, session),
    sell: (session: string, customer: string, what: Selection, opts: SellOptions = {}) =>
        change(line("SELL", session, customer, ...selection(what), ...options(opts)), reply.parseBooking, opts.key,
            session),
    extend: (session: string, hold: string, ttlSeconds: number, opts: { key?: string } = {}) =>
        change(line("EXTEND", session, hold, ttlSeconds, ...options(opts)), reply.parseExtended, opts.key, session),
    confirm: (session: string, hold: string, opts: { ref?: string; key?: string } = {}) =>
        change(line("CONFIRM", session, hold, ...options(opts)), reply.parseBooking, opts.key, session),
    /** The whole hold, or only `items` of it. */
    release: (session: string, hold: string, opts: { items?: string[]; key?: string } = {}) =>
        change(line("RELEASE", session, hold, ...(opts.items ?? []), ...options({ key: opts.key })),
            reply.parseBooking, opts.key, session),
    /** The whole booking, or only `items` of it. */
    cancel: (session: string, hold: string, opts: { items?: string[]; key?: string } = {}) =>
        change(line("CANCEL", session, hold, ...(opts.items ?? []), ...options({ key: opts.key })),
            reply.parseBooking, opts.key, session),

    avail: (session: string, part?: AvailPart) =>
        read(line("AVAIL", session, ...(part === undefined ? [] : "area" in part ? [part.area] : options(part))),
            reply.parseAvail, session),
    map: (session: string) => read(line("MAP", session), reply.parseMap, session),
    list: (session: string, customer: string) => read(line("LIST", session, customer), reply.parseList, session),
    /** The retained events of one hold. */
    history: (session: string, hold: string) =>
        read(line("HISTORY", session, hold), reply.parseHoldHistory, session),
    /** The retained events that touched a seat (or a GA area's places). */
    seatHistory: (session: string, seat: string) =>
        read(line("HISTORY", session, `seat=${token(seat)}`), reply.parseSeatHistory, session),

    block: (session: string, seats: string[]) =>
        change(line("BLOCK", session, ...seats), seatsAfterSession, undefined, session),
    unblock: (session: string, seats: string[]) =>
        change(line("UNBLOCK", session, ...seats), seatsAfterSession, undefined, session),
    reserve: (session: string, channel: string, seats: string[]) =>
        change(line("RESERVE", session, channel, ...seats), seatsAfterSession, undefined, session),
    unreserve: (session: string, seats: string[]) =>
        change(line("UNRESERVE", session, ...seats), seatsAfterSession, undefined, session),

    stats: () => read("STATS", reply.keyValues),
    snapshot: () => change("SNAPSHOT", (payload) => Number(payload)),
    clusterInfo: () => read("CLUSTER INFO", reply.keyValues),
    clusterSlots: () => read("CLUSTER SLOTS", reply.parseSlots),
    clusterFailover: () => change("CLUSTER FAILOVER", (payload) => Number(payload)),
};

export type Commands = typeof commands;
export type CommandName = keyof Commands;
/** What the command `K` resolves to. */
export type ResultOf<K extends CommandName> = ReturnType<Commands[K]> extends Command<infer T> ? T : never;
