import SeatActors

/// The protocol's error codes: the only strings an `ERR` reply may carry as its code.
public enum ErrorCode: String, Sendable, CaseIterable {
    case badRequest = "BAD_REQUEST"
    case unknownCommand = "UNKNOWN_COMMAND"
    case noAuth = "NOAUTH"
    case forbidden = "FORBIDDEN"
    case exists = "EXISTS"
    case noSuchHall = "NO_SUCH_HALL"
    case noSuchSession = "NO_SUCH_SESSION"
    case noSuchSeat = "NO_SUCH_SEAT"
    case noSuchHold = "NO_SUCH_HOLD"
    case taken = "TAKEN"
    case soldOut = "SOLD_OUT"
    case noAdjacent = "NO_ADJACENT"
    case limit = "LIMIT"
    case expired = "EXPIRED"
    case notHeld = "NOT_HELD"
    case lineTooLong = "LINE_TOO_LONG"
    case busy = "BUSY"
    case unavailable = "UNAVAILABLE"
    /// WATCH `from=` older than the retained events (since 1.1): the message starts with the oldest retained seq.
    case trimmed = "TRIMMED"
    /// A cluster's standby refers the request to the shard's primary (since 1.2): `<slot> <host:port>`.
    case moved = "MOVED"
    /// A cluster's node cannot answer now (since 1.2): the message is the milliseconds to wait before retrying.
    case tryAgain = "TRYAGAIN"
}

extension SeatError {
    /// The code of each engine error. No `default:`: a new case must choose its code.
    var code: ErrorCode {
        switch self {
        case .badRequest: .badRequest
        case .exists: .exists
        case .noSuchHall: .noSuchHall
        case .noSuchSession: .noSuchSession
        case .noSuchSeat: .noSuchSeat
        case .noSuchHold: .noSuchHold
        case .taken: .taken
        case .soldOut, .areasSoldOut: .soldOut
        case .noAdjacent: .noAdjacent
        case .limit: .limit
        case .expired: .expired
        case .notHeld: .notHeld
        case .unavailable: .unavailable
        case .tryAgain: .tryAgain
        // Recovery refuses damaged data before any request; were it ever to reach a reply, it is the server's fault.
        case .damaged: .unavailable
        }
    }
}

extension ProtocolError.Code {
    var code: ErrorCode {
        switch self {
        case .badRequest: .badRequest
        case .unknownCommand: .unknownCommand
        }
    }
}
