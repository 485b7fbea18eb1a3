import SeatActors

/// One request of the seatd line protocol, version 1.1 (`docs/protocol.md`).
public enum Request: Sendable, Equatable {
    case ping
    case auth(token: String)
    case createHall(id: String, rows: [RowSpec], parts: [HallPart] = [])
    case createSession(
        id: String, hall: String, ttlSeconds: Int?, maxTTLSeconds: Int?, limit: Int?, avoidsOrphans: Bool = false,
        graceSeconds: Int? = nil, keyTTLSeconds: Int? = nil)
    /// HALL <hall> (since 1.1): the hall's parts.
    case hall(String)
    /// HALLS (since 1.1).
    case halls
    /// SESSIONS [<hall>] (since 1.1).
    case sessions(hall: String?)
    case dropSession(String)
    /// A request that one session's actor answers: the session's id and what it asks.
    case session(String, SessionRequest)
    /// nil: every session (`WATCH *`). `from` (since 1.1): first the retained events with seq >= from.
    case watch(session: String?, from: LSN? = nil)
    case stats
    case snapshot
    case quit
}

/// What a request asks of one session (`Request.session`).
public enum SessionRequest: Sendable, Equatable {
    case hold(
        customer: String, selection: SeatSelection, ttlSeconds: Int?, key: String?, options: HoldOptions = HoldOptions()
    )
    case extend(hold: HoldRef, ttlSeconds: Int, key: String? = nil)
    case confirm(hold: HoldRef, ref: String?, key: String? = nil)
    /// RELEASE of the whole hold (`seats` nil and no places) or, since 1.1, of some of its items.
    case release(hold: HoldRef, seats: [SeatLabel]? = nil, places: [AreaPlaces] = [], key: String? = nil)
    case cancel(hold: HoldRef, seats: [SeatLabel]?, places: [AreaPlaces] = [], key: String? = nil)
    /// ADD (since 1.1): items for a live hold, chosen as HOLD chooses them.
    case add(hold: HoldRef, selection: SeatSelection, key: String?, options: HoldOptions)
    /// SELL (since 1.1): HOLD and CONFIRM in one change.
    case sell(customer: String, selection: SeatSelection, ref: String?, key: String?, options: HoldOptions)
    case avail
    /// AVAIL <session> cat=<c>|flag=<f>|<area> (since 1.1).
    case availPart(SessionState.Part)
    case map
    case list(customer: String)
    /// BLOCK (true) or UNBLOCK (false) of seats (since 1.1).
    case block(seats: [SeatLabel], Bool)
    /// RESERVE for a channel, or UNRESERVE (nil) (since 1.1).
    case reserve(seats: [SeatLabel], channel: String?)
    /// HISTORY (since 1.1): the retained events of a hold, a seat or a GA area.
    case history(HistoryTarget)
}

/// What HISTORY asks about (since 1.1).
public enum HistoryTarget: Sendable, Equatable {
    case hold(HoldRef)
    case seat(SeatLabel)
    case area(String)
}

/// A hold as a request names it. The server chooses hold ids and the protocol gives clients no form for them, so
/// any well-formed id (`[A-Za-z0-9._:-]`, 1..64 characters) may name a hold: one of the form the server issues,
/// or a token no hold of any session can have, which the session answers with `NO_SUCH_HOLD`.
public enum HoldRef: Sendable, Equatable, CustomStringConvertible {
    case id(HoldID)
    case unissued(String)

    public var description: String {
        switch self {
        case .id(let id): id.description
        case .unissued(let token): token
        }
    }
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
