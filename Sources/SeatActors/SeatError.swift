/// Every way a request to the engine can fail. The server maps each case to one protocol error code.
public enum SeatError: Error, Equatable, Sendable {
    /// Malformed arguments the parser could not catch (row specs, duplicate seats, bad option values).
    case badRequest(String)
    /// The hall id is taken, or the session id is.
    case exists(String)
    /// No hall of that id.
    case noSuchHall(String)
    /// No session of that id.
    case noSuchSession(String)
    /// Well-formed seats (and, since 1.1, GA areas) that the hall does not have.
    case noSuchSeat([SeatLabel], areas: [String] = [])
    /// No live hold or booking of that id in the session.
    case noSuchHold(String)
    /// Seats held or sold by others: every one of them, in hall order.
    case taken([SeatLabel])
    /// Fewer free seats than asked for.
    case soldOut(requested: Int, free: Int)
    /// GA areas without as many free places as asked for: every one of them, in hall order (since 1.1).
    case areasSoldOut([String])
    /// Enough free seats but no block of that many adjacent ones.
    case noAdjacent(Int)
    /// A limit: the customer's seat limit, maxttl, seats per hold.
    case limit(String)
    /// The hold lapsed before this request.
    case expired(String)
    /// The hold is in the wrong state for the request (sold for EXTEND/RELEASE, held for CANCEL).
    case notHeld(String)
    /// The log cannot take changes now.
    case unavailable(String)
    /// A cluster's node that cannot acknowledge changes now: a primary whose lease is not fresh or that stepped
    /// down, a shard whose primary is not known yet. Try again after `ms` milliseconds (since 1.2; a single node
    /// never says it).
    case tryAgain(ms: Int)
    /// Log or snapshot data that does not describe a possible state (a record that does not apply, a session image
    /// with a seat in two holds): recovery refuses it, so it never answers a request.
    case damaged(String)

    /// True for SOLD_OUT and NO_ADJACENT: too few free seats.
    public var isShortage: Bool {
        switch self {
        case .soldOut, .noAdjacent, .areasSoldOut: true
        default: false
        }
    }

    /// The human-readable part of the error reply.
    public var message: String {
        switch self {
        case .badRequest(let text), .limit(let text), .notHeld(let text), .unavailable(let text), .damaged(let text):
            text
        case .exists(let id): "\(id) exists"
        case .noSuchHall(let id): "no hall \(id)"
        case .noSuchSession(let id): "no session \(id)"
        case .noSuchSeat(let seats, let areas): (seats.map(\.description) + areas).joined(separator: " ")
        case .noSuchHold(let id): "no hold \(id)"
        case .taken(let seats): seats.map(\.description).joined(separator: " ")
        case .soldOut(let requested, let free): "\(requested) seats requested, \(free) free"
        case .areasSoldOut(let areas): areas.joined(separator: " ")
        case .noAdjacent(let count): "no block of \(count) adjacent free seats"
        case .expired(let id): "hold \(id) expired"
        case .tryAgain(let ms): "\(ms)"
        }
    }
}
