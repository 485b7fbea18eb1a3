import Synchronization
import WAL

/// A primary's feed of the batches its log writes, for the standby's connection: `LogWriter.Options.onBatch`
/// publishes each batch here (on the log's thread, after the write, before the fsync), and the connection that
/// serves the standby reads them. One reader at a time: attaching ends the previous one's stream. A reader that
/// falls more than `bufferMax` batches behind misses batches, and reads the gap back from the log's files.
final class ReplicationSource: Sendable {
    private let feed = Mutex<(id: Int, continuation: AsyncStream<LogBatch>.Continuation)?>(nil)
    private let nextID = Atomic<Int>(1)
    static let bufferMax = 1 << 16

    /// Called for every batch the log writes.
    func publish(_ batch: LogBatch) {
        guard let continuation = self.feed.withLock({ $0?.continuation }) else { return }
        continuation.yield(batch)
    }

    /// The batches written from now on, and the id that detaches them.
    func attach() -> (id: Int, batches: AsyncStream<LogBatch>) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: LogBatch.self, bufferingPolicy: .bufferingOldest(Self.bufferMax))
        let id = self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let previous = self.feed.withLock { feed in
            defer { feed = (id, continuation) }
            return feed?.continuation
        }
        previous?.finish()
        return (id, stream)
    }

    /// Ends the stream `id` if it is still the attached one.
    func detach(_ id: Int) {
        let ended = self.feed.withLock { feed -> AsyncStream<LogBatch>.Continuation? in
            guard let current = feed, current.id == id else { return nil }
            feed = nil
            return current.continuation
        }
        ended?.finish()
    }
}
