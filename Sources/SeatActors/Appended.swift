/// Where a record went: its LSN, and when the log took it (unix ms; the records of one batch share the time the
/// batch began, which the log keeps with them so that replay gives every event the time it had live).
public struct Appended: Sendable, Equatable {
    public let lsn: LSN
    public let atMs: Int64

    public init(lsn: LSN, atMs: Int64) {
        self.lsn = lsn
        self.atMs = atMs
    }
}
