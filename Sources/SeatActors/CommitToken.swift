/// What a reply waits for before it may leave: every change it reflects, which is durability through `lsn` in log
/// generation `epoch` (the log resumes at its durable LSN after a failure, so an LSN alone does not name a change
/// for ever). The log a change went to issues it (`ChangeLog.token(through:)`); the server's store decides when
/// it is durable (`LogService.durability(of:)`).
public struct CommitToken: Sendable, Equatable {
    public let epoch: Int
    public let lsn: LSN

    public init(epoch: Int, lsn: LSN) {
        self.epoch = epoch
        self.lsn = lsn
    }

    /// A reply that reflects no change: it may leave at once.
    public static let none = CommitToken(epoch: 0, lsn: 0)
}
