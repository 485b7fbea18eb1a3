/// Every failure a `SeatdClient` call can throw: one case per error code of the protocol (`ERR <CODE> <message>`,
/// `docs/protocol.md`, Error codes), each carrying the server's message, and the client's own failures (the
/// connection, a timeout, a reply that breaks the protocol).
public enum SeatdError: Error, Sendable, Equatable {
    case badRequest(String)
    case unknownCommand(String)
    case noAuth(String)
    case forbidden(String)
    case exists(String)
    case noSuchHall(String)
    case noSuchSession(String)
    case noSuchSeat(String)
    case noSuchHold(String)
    /// `ERR TAKEN <seat>...`: every seat that was not free.
    case taken(seats: [String])
    case soldOut(String)
    case noAdjacent(String)
    case limit(String)
    case expired(String)
    case notHeld(String)
    case lineTooLong(String)
    case busy(String)
    case unavailable(String)
    /// `ERR TRIMMED <seq>`: `WATCH from=` asked for events older than the oldest retained one, `oldestSeq`.
    case trimmed(oldestSeq: UInt64?, message: String)
    /// `ERR MOVED <slot> <host:port>` (cluster mode): nothing was carried out; send it to that address.
    case moved(slot: Int, address: String)
    /// `ERR TRYAGAIN <ms>` (cluster mode): nothing can answer it now; retry after that many milliseconds.
    case tryAgain(milliseconds: Int)
    /// An `ERR` with a code this client does not know (a newer server).
    case other(code: String, message: String)

    /// The connection was lost after the request was written and before its reply: it may or may not have been
    /// carried out. Thrown for a change without a key (a keyed change is retried instead).
    case connectionLost(String)
    /// The request was never written (no connection could be opened, or it closed first): not carried out.
    case notConnected(String)
    /// No reply within the request timeout; the connection was closed (its outcome is as unknown as with
    /// `connectionLost`).
    case timeout
    /// The server sent something the protocol does not allow (a reply with no request, a reply of the wrong form).
    case protocolViolation(String)
    /// The client was closed.
    case closed
}

extension SeatdError {
    /// The protocol's code (`TAKEN`), or nil for the client's own failures.
    public var code: String? {
        switch self {
        case .badRequest: "BAD_REQUEST"
        case .unknownCommand: "UNKNOWN_COMMAND"
        case .noAuth: "NOAUTH"
        case .forbidden: "FORBIDDEN"
        case .exists: "EXISTS"
        case .noSuchHall: "NO_SUCH_HALL"
        case .noSuchSession: "NO_SUCH_SESSION"
        case .noSuchSeat: "NO_SUCH_SEAT"
        case .noSuchHold: "NO_SUCH_HOLD"
        case .taken: "TAKEN"
        case .soldOut: "SOLD_OUT"
        case .noAdjacent: "NO_ADJACENT"
        case .limit: "LIMIT"
        case .expired: "EXPIRED"
        case .notHeld: "NOT_HELD"
        case .lineTooLong: "LINE_TOO_LONG"
        case .busy: "BUSY"
        case .unavailable: "UNAVAILABLE"
        case .trimmed: "TRIMMED"
        case .moved: "MOVED"
        case .tryAgain: "TRYAGAIN"
        case .other(let code, _): code
        case .connectionLost, .notConnected, .timeout, .protocolViolation, .closed: nil
        }
    }

    /// True when the request may have been carried out without its reply reaching the client.
    public var isAmbiguous: Bool {
        switch self {
        case .connectionLost, .timeout: true
        default: false
        }
    }

    /// Parses an `ERR <CODE> <message>` reply line; nil for any other line.
    public init?(replyLine line: some StringProtocol) {
        guard line.hasPrefix("ERR ") else { return nil }
        let rest = line.dropFirst(4)
        let code = rest.prefix { $0 != " " }
        let message = String(rest.dropFirst(code.count).drop { $0 == " " })
        self = Self.make(code: String(code), message: message)
    }

    private static func make(code: String, message: String) -> SeatdError {
        let words = message.split(separator: " ").map(String.init)
        switch code {
        case "BAD_REQUEST": return .badRequest(message)
        case "UNKNOWN_COMMAND": return .unknownCommand(message)
        case "NOAUTH": return .noAuth(message)
        case "FORBIDDEN": return .forbidden(message)
        case "EXISTS": return .exists(message)
        case "NO_SUCH_HALL": return .noSuchHall(message)
        case "NO_SUCH_SESSION": return .noSuchSession(message)
        case "NO_SUCH_SEAT": return .noSuchSeat(message)
        case "NO_SUCH_HOLD": return .noSuchHold(message)
        case "TAKEN": return .taken(seats: words)
        case "SOLD_OUT": return .soldOut(message)
        case "NO_ADJACENT": return .noAdjacent(message)
        case "LIMIT": return .limit(message)
        case "EXPIRED": return .expired(message)
        case "NOT_HELD": return .notHeld(message)
        case "LINE_TOO_LONG": return .lineTooLong(message)
        case "BUSY": return .busy(message)
        case "UNAVAILABLE": return .unavailable(message)
        case "TRIMMED": return .trimmed(oldestSeq: words.first.flatMap { UInt64($0) }, message: message)
        case "MOVED" where words.count >= 2 && Int(words[0]) != nil:
            return .moved(slot: Int(words[0])!, address: words[1])
        case "TRYAGAIN" where words.first.flatMap({ Int($0) }) != nil:
            return .tryAgain(milliseconds: Int(words[0])!)
        default: return .other(code: code, message: message)
        }
    }
}
