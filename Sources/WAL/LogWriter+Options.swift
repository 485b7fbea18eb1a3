extension LogWriter {
    /// Settings of the log.
    public struct Options: Sendable {
        public var directory: String
        public var segmentBytes: Int
        public var fsync: FsyncPolicy

        /// An fsync slower than this is logged as a warning (the disk is struggling; every reply waits for it).
        public var slowFsyncMs = 500

        /// Under load, how long the writer lets a new batch gather before it writes it (policy `always`): while
        /// the last fsync covered at least `commitDelayRecordsMin` records, more requests are surely on their way,
        /// and one fsync for all of them costs less CPU than one per handful. 0: never wait (a lone client never
        /// waits either way).
        public var commitDelayMicroseconds = 0
        /// Records the last fsync must have covered for the writer to wait `commitDelayMicroseconds`.
        public static let commitDelayRecordsMin = 4

        /// Called on the writer's thread with each batch once it is written and before its fsync: how a primary
        /// ships its batches to a standby while its own fsync runs.
        public var onBatch: (@Sendable (LogBatch) -> Void)? = nil

        public init(directory: String, segmentBytes: Int = 64 << 20, fsync: FsyncPolicy = .always) {
            precondition(segmentBytes >= 64 << 10, "segments must be at least 64 KiB")
            self.directory = directory
            self.segmentBytes = segmentBytes
            self.fsync = fsync
        }
    }
}
