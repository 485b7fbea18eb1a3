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

/// One row of the command table (Redis's command flags): the command's metric label, the least role that may
/// send it, whether a connection may send it before AUTH (when auth is on), and whether a watching connection
/// takes it.
struct CommandFlags: Sendable {
    let command: ServerMetrics.Command
    let role: Role
    /// Allowed before AUTH when auth is on.
    var beforeAuth = false
    /// Allowed on a watching connection (every other line there is BAD_REQUEST).
    var whileWatching = false
}

extension Request {
    /// The command table: one exhaustive switch, so a new command that is missing here does not compile.
    var flags: CommandFlags {
        switch self {
        case .ping: CommandFlags(command: .ping, role: .reader, whileWatching: true)
        case .auth: CommandFlags(command: .auth, role: .reader, beforeAuth: true)
        case .createHall: CommandFlags(command: .createHall, role: .admin)
        case .createSession: CommandFlags(command: .createSession, role: .admin)
        case .hall: CommandFlags(command: .hall, role: .reader)
        case .halls: CommandFlags(command: .halls, role: .reader)
        case .sessions: CommandFlags(command: .sessions, role: .reader)
        case .dropSession: CommandFlags(command: .dropSession, role: .admin)
        case .session(_, let request): request.flags
        case .watch: CommandFlags(command: .watch, role: .reader)
        case .stats: CommandFlags(command: .stats, role: .reader)
        case .snapshot: CommandFlags(command: .snapshot, role: .admin)
        case .quit: CommandFlags(command: .quit, role: .reader, beforeAuth: true, whileWatching: true)
        case .clusterInfo: CommandFlags(command: .clusterInfo, role: .reader)
        case .clusterFailover: CommandFlags(command: .clusterFailover, role: .admin)
        case .clusterSlots: CommandFlags(command: .clusterSlots, role: .reader)
        }
    }

    /// The least role that may send the request.
    var roleRequired: Role { self.flags.role }

    /// The request's metric label.
    var command: ServerMetrics.Command { self.flags.command }

    /// True for the commands a connection may send before AUTH when auth is on.
    var allowedUnauthenticated: Bool { self.flags.beforeAuth }

    /// True for the commands a watching connection takes.
    var allowedWhileWatching: Bool { self.flags.whileWatching }
}

extension SessionRequest {
    /// The session commands' rows of the command table.
    var flags: CommandFlags {
        switch self {
        case .hold: CommandFlags(command: .hold, role: .client)
        case .add: CommandFlags(command: .add, role: .client)
        case .sell: CommandFlags(command: .sell, role: .client)
        case .extend: CommandFlags(command: .extend, role: .client)
        case .confirm: CommandFlags(command: .confirm, role: .client)
        case .release: CommandFlags(command: .release, role: .client)
        case .cancel: CommandFlags(command: .cancel, role: .client)
        case .avail, .availPart: CommandFlags(command: .avail, role: .reader)
        case .block(_, true): CommandFlags(command: .block, role: .admin)
        case .block(_, false): CommandFlags(command: .unblock, role: .admin)
        case .reserve(_, .some): CommandFlags(command: .reserve, role: .admin)
        case .reserve(_, nil): CommandFlags(command: .unreserve, role: .admin)
        case .map: CommandFlags(command: .map, role: .reader)
        case .list: CommandFlags(command: .list, role: .reader)
        case .history: CommandFlags(command: .history, role: .reader)
        }
    }
}
