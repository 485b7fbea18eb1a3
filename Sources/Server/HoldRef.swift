import SeatActors

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
