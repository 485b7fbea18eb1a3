/** The client's types for replies and events, and the pure functions that parse them from a reply's fields. */

/** A hold's (or booking's) items: seat labels in hall order, and GA places by area (`{pit: 4}`). */
export interface Items {
    seats: string[];
    places: Record<string, number>;
}

/** `OK <hold> <expires-unix-ms> <item>...` (HOLD, ADD). */
export interface Hold extends Items {
    id: string;
    expiresMs: number;
}

/** `OK <hold> <item>...` (CONFIRM, SELL, CANCEL, partial RELEASE; no items for a whole RELEASE). */
export interface Booking extends Items {
    id: string;
}

/** `OK <hold> <expires-unix-ms>` (EXTEND). */
export interface Extended {
    id: string;
    expiresMs: number;
}

/** AVAIL: `blocked` and `reserved` are 0 when the server left them out (the session has none). */
export interface Avail {
    free: number;
    held: number;
    sold: number;
    blocked: number;
    reserved: number;
}

/** MAP: each row's states (`.` free, `h` held, `x` sold, `b` blocked, `r` reserved), then each area's counts. */
export interface SeatMap {
    rows: Record<string, string>;
    areas: Record<string, { free: number; capacity: number }>;
}

/** One of LIST's `<hold>:<held|sold>:<items>`. */
export interface ListEntry extends Items {
    id: string;
    state: "held" | "sold";
}

/** One of `HISTORY <session> <hold>`'s `<seq>:<type>:<items>`. */
export interface HoldHistoryEntry extends Items {
    seq: number;
    type: string;
}

/** One of `HISTORY <session> seat=<seat>`'s `<seq>:<type>:<hold>:<customer>`; `-` becomes null. */
export interface SeatHistoryEntry {
    seq: number;
    type: string;
    hold: string | null;
    customer: string | null;
}

/** `EVENT <seq> <type> <session> <hold> <customer> <item>...`; `-` becomes null (BLOCK and the like). */
export interface Event extends Items {
    seq: number;
    type: string;
    session: string;
    hold: string | null;
    customer: string | null;
    /** The items as sent, seats then places (`["C6", "pit:4"]`). */
    items: string[];
}

/** One range of CLUSTER SLOTS; `address` is null while the shard has no known primary. */
export interface SlotRange {
    first: number;
    last: number;
    shard: string;
    address: string | null;
}

/** The fields of an OK reply's payload. */
export function fields(payload: string): string[] {
    return payload === "" ? [] : payload.split(" ").filter((field) => field !== "");
}

/** Splits item tokens into seats and places: a place is `<area>:<n>` (areas start lower case, rows upper). */
export function items(tokens: readonly string[]): Items {
    const result: Items = { seats: [], places: {} };
    for (const token of tokens) {
        const colon = token.indexOf(":");
        if (colon > 0) {
            result.places[token.slice(0, colon)] = Number(token.slice(colon + 1));
        } else if (token !== "") {
            result.seats.push(token);
        }
    }
    return result;
}

export function parseHold(payload: string): Hold {
    const [id = "", expires = "0", ...rest] = fields(payload);
    return { id, expiresMs: Number(expires), ...items(rest) };
}

export function parseBooking(payload: string): Booking {
    const [id = "", ...rest] = fields(payload);
    return { id, ...items(rest) };
}

export function parseExtended(payload: string): Extended {
    const [id = "", expires = "0"] = fields(payload);
    return { id, expiresMs: Number(expires) };
}

/** `key=value` fields as numbers where they are numbers (STATS, AVAIL). */
export function keyValues(payload: string): Record<string, number | string> {
    const result: Record<string, number | string> = {};
    for (const field of fields(payload)) {
        const equals = field.indexOf("=");
        const value = field.slice(equals + 1);
        result[field.slice(0, equals)] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    }
    return result;
}

export function parseAvail(payload: string): Avail {
    const values = keyValues(payload);
    const count = (name: string) => Number(values[name] ?? 0);
    return {
        free: count("free"),
        held: count("held"),
        sold: count("sold"),
        blocked: count("blocked"),
        reserved: count("reserved"),
    };
}

export function parseMap(payload: string): SeatMap {
    const result: SeatMap = { rows: {}, areas: {} };
    for (const field of fields(payload)) {
        const colon = field.indexOf(":");
        const name = field.slice(0, colon);
        const value = field.slice(colon + 1);
        const slash = value.indexOf("/");
        if (slash >= 0) {
            result.areas[name] = { free: Number(value.slice(0, slash)), capacity: Number(value.slice(slash + 1)) };
        } else {
            result.rows[name] = value;
        }
    }
    return result;
}

export function parseList(payload: string): ListEntry[] {
    return fields(payload).map((field) => {
        // Ids may hold a colon, items do (pit:2): find the state between colons instead of splitting.
        const match = /^(.*?):(held|sold):(.*)$/.exec(field);
        const [, id = field, state = "held", list = ""] = match ?? [];
        return { id, state: state as "held" | "sold", ...items(list.split(",")) };
    });
}

export function parseHoldHistory(payload: string): HoldHistoryEntry[] {
    return fields(payload).map((field) => {
        const [seq = "0", type = ""] = field.split(":", 2);
        const list = field.split(":").slice(2).join(":");
        return { seq: Number(seq), type, ...items(list.split(",")) };
    });
}

export function parseSeatHistory(payload: string): SeatHistoryEntry[] {
    return fields(payload).map((field) => {
        const [seq = "0", type = "", hold = "-", ...customer] = field.split(":");
        return { seq: Number(seq), type, hold: dash(hold), customer: dash(customer.join(":") || "-") };
    });
}

/** An `EVENT ...` line, or null for any other line. */
export function parseEvent(line: string): Event | null {
    const [verb, seq = "0", type = "", session = "", hold = "-", customer = "-", ...rest] = line.split(" ");
    if (verb !== "EVENT") return null;
    const list = rest.filter((token) => token !== "");
    return { seq: Number(seq), type, session, hold: dash(hold), customer: dash(customer), items: list, ...items(list) };
}

export function parseSlots(payload: string): SlotRange[] {
    return fields(payload).map((field) => {
        const match = /^(\d+)-(\d+)=([^@]+)@(.+)$/.exec(field);
        if (match === null) throw new Error(`unexpected CLUSTER SLOTS item: ${field}`);
        const [, first, last, shard, address] = match;
        return { first: Number(first), last: Number(last), shard: shard!, address: dash(address!) };
    });
}

function dash(token: string): string | null {
    return token === "-" ? null : token;
}
