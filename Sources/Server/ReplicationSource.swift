import Synchronization
import WAL

/// A primary's feed of the batches its log writes to the standby's connection: `LogWriter.Options.onBatch`
/// offers each batch here (on the log's thread, after the write, before the fsync) to the attached link, which
/// sends it at once (or keeps it while the standby catches up). One link at a time.
final class ReplicationSource: Sendable {
    private let link = Mutex<StandbyLink?>(nil)

    /// Called for every batch the log writes.
    func publish(_ batch: LogBatch) {
        self.link.withLock { $0 }?.offer(batch)
    }

    /// Feeds the batches written from now on to `link` (instead of any link before it).
    func attach(_ link: StandbyLink) {
        let previous = self.link.withLock { current in
            defer { current = link }
            return current
        }
        if let previous, previous !== link { previous.close() }
    }

    /// Stops feeding `link` if it is still the attached one.
    func detach(_ link: StandbyLink) {
        self.link.withLock { if $0 === link { $0 = nil } }
    }
}
