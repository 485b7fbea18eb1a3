/// What a connection may do. Each role may do everything the roles below it may.
public enum Role: String, Sendable, Comparable {
    case reader, client, admin

    private var rank: Int {
        switch self {
        case .reader: 0
        case .client: 1
        case .admin: 2
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}

extension Request {
    /// The least role that may send the request (the command table's flags, as in Redis).
    var roleRequired: Role {
        switch self {
        case .ping, .auth, .avail, .map, .list, .watch, .stats, .quit: .reader
        case .hold, .extend, .confirm, .release, .cancel: .client
        case .createHall, .createSession, .dropSession, .snapshot: .admin
        }
    }

    /// True for the commands a connection may send before AUTH when auth is on.
    var allowedUnauthenticated: Bool {
        switch self {
        case .auth, .quit: true
        default: false
        }
    }
}
