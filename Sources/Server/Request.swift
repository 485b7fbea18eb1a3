import SeatActors

/// One request of the seatd line protocol, version 1 (`docs/protocol.md`).
public enum Request: Sendable, Equatable {
    case ping
    case auth(token: String)
    case createHall(id: String, rows: [RowSpec])
    case createSession(id: String, hall: String, ttlSeconds: Int?, maxTTLSeconds: Int?, limit: Int?)
    case dropSession(String)
    case hold(session: String, customer: String, selection: SeatSelection, ttlSeconds: Int?, key: String?)
    case extend(session: String, hold: HoldID, ttlSeconds: Int)
    case confirm(session: String, hold: HoldID, ref: String?)
    case release(session: String, hold: HoldID)
    case cancel(session: String, hold: HoldID, seats: [SeatLabel]?)
    case avail(session: String)
    case map(session: String)
    case list(session: String, customer: String)
    /// nil: every session (`WATCH *`).
    case watch(session: String?)
    case stats
    case snapshot
    case quit
}

/// Why a line is not a request: `BAD_REQUEST` or `UNKNOWN_COMMAND`, with a message.
public struct ProtocolError: Error, Equatable, Sendable {
    public enum Code: String, Sendable {
        case badRequest = "BAD_REQUEST"
        case unknownCommand = "UNKNOWN_COMMAND"
    }

    public let code: Code
    public let message: String

    static func bad(_ message: String) -> ProtocolError { ProtocolError(code: .badRequest, message: message) }
}
