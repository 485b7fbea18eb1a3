/**
 * Errors: one class per error code of the protocol (docs/clients.md rule 2), all subclasses of `SeatdError`,
 * which carries the code and the server's message. `errorFromReply` is the one place that maps a code to a class.
 */

/** An `ERR <CODE> <message>` reply. `code` is the protocol's code, `message` the rest of the line. */
export class SeatdError extends Error {
    readonly code: string;
    constructor(code: string, message: string) {
        super(message);
        this.name = "SeatdError";
        this.code = code;
    }
}

export class BadRequestError extends SeatdError {}
export class UnknownCommandError extends SeatdError {}
export class NoAuthError extends SeatdError {}
export class ForbiddenError extends SeatdError {}
export class ExistsError extends SeatdError {}
export class NoSuchHallError extends SeatdError {}
export class NoSuchSessionError extends SeatdError {}
export class NoSuchSeatError extends SeatdError {}
export class NoSuchHoldError extends SeatdError {}
export class SoldOutError extends SeatdError {}
export class NoAdjacentError extends SeatdError {}
export class LimitError extends SeatdError {}
export class ExpiredError extends SeatdError {}
export class NotHeldError extends SeatdError {}
/** The server closes the connection after this one; the client reconnects on the next request. */
export class LineTooLongError extends SeatdError {}
export class BusyError extends SeatdError {}
export class UnavailableError extends SeatdError {}

/** `ERR TAKEN <seat>...`: every seat that was held, sold, blocked or reserved for another channel. */
export class TakenError extends SeatdError {
    readonly seats: string[];
    constructor(code: string, message: string) {
        super(code, message);
        this.seats = message.split(" ").filter((token) => token !== "");
    }
}

/** `ERR TRIMMED <seq>`: WATCH from= asked for events the history no longer holds; `seq` is the oldest retained. */
export class TrimmedError extends SeatdError {
    readonly seq: number;
    constructor(code: string, message: string) {
        super(code, message);
        this.seq = Number.parseInt(message, 10);
    }
}

/** `ERR MOVED <slot> <host:port>`: nothing was carried out; the primary at `address` serves `slot`. */
export class MovedError extends SeatdError {
    readonly slot: number;
    readonly address: string;
    constructor(code: string, message: string) {
        super(code, message);
        const [slot, address] = message.split(" ");
        this.slot = Number.parseInt(slot ?? "", 10);
        this.address = address ?? "";
    }
}

/** `ERR TRYAGAIN <ms>`: no node can carry the request out now; send it again after `ms`. */
export class TryAgainError extends SeatdError {
    readonly ms: number;
    constructor(code: string, message: string) {
        super(code, message);
        this.ms = Number.parseInt(message, 10);
    }
}

type ErrorClass = new (code: string, message: string) => SeatdError;

/** Every code the protocol defines, and its class. A code not listed here becomes a plain `SeatdError`. */
export const errorClasses: Readonly<Record<string, ErrorClass>> = {
    BAD_REQUEST: BadRequestError,
    UNKNOWN_COMMAND: UnknownCommandError,
    NOAUTH: NoAuthError,
    FORBIDDEN: ForbiddenError,
    EXISTS: ExistsError,
    NO_SUCH_HALL: NoSuchHallError,
    NO_SUCH_SESSION: NoSuchSessionError,
    NO_SUCH_SEAT: NoSuchSeatError,
    NO_SUCH_HOLD: NoSuchHoldError,
    TAKEN: TakenError,
    SOLD_OUT: SoldOutError,
    NO_ADJACENT: NoAdjacentError,
    LIMIT: LimitError,
    EXPIRED: ExpiredError,
    NOT_HELD: NotHeldError,
    LINE_TOO_LONG: LineTooLongError,
    BUSY: BusyError,
    UNAVAILABLE: UnavailableError,
    TRIMMED: TrimmedError,
    MOVED: MovedError,
    TRYAGAIN: TryAgainError,
};

/** The error of an `ERR ...` line. */
export function errorFromReply(line: string): SeatdError {
    const rest = line.slice(4);
    const space = rest.indexOf(" ");
    const code = space < 0 ? rest : rest.slice(0, space);
    const message = space < 0 ? "" : rest.slice(space + 1);
    const Class = errorClasses[code] ?? SeatdError;
    const error = new Class(code, message);
    error.name = Class === SeatdError ? "SeatdError" : Class.name;
    return error;
}

/**
 * The connection failed before the reply came (dropped, refused, or timed out). `sent` tells whether the request
 * may have reached the server: if it did, a change without a key may or may not have been applied (rule 5).
 */
export class ConnectionError extends Error {
    readonly sent: boolean;
    constructor(message: string, sent: boolean) {
        super(message);
        this.name = "ConnectionError";
        this.sent = sent;
    }
}

/** No reply within the timeout; the connection was closed so that a late reply is never paired with another. */
export class TimeoutError extends ConnectionError {
    constructor(message: string, sent: boolean) {
        super(message, sent);
        this.name = "TimeoutError";
    }
}
