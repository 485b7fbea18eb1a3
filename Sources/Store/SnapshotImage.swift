import SeatActors
import WAL

/// Everything a snapshot holds: every hall and every session image, and the LSN replay starts after.
public struct SnapshotImage: Sendable {
    /// Every change at or below it is in the images; replay starts after it (and skips, per session, what an
    /// image already holds: an image reflects its session's own `lastLSN`, which may be later).
    public let lsn: LSN
    public let halls: [Hall]
    public let sessions: [SessionState]

    public init(lsn: LSN, halls: [Hall], sessions: [SessionState]) {
        self.lsn = lsn
        self.halls = halls
        self.sessions = sessions
    }

    /// The registry state the image stands for.
    public var state: RegistryState {
        var state = RegistryState()
        for hall in self.halls { state.insert(hall) }
        for session in self.sessions { state.insert(session) }
        return state
    }
}
