extension LogWriter {
    /// Settings of the log.
    public struct Options: Sendable {
        public var directory: String
        public var segmentBytes: Int
        public var fsync: FsyncPolicy

        /// An fsync slower than this is logged as a warning (the disk is struggling; every reply waits for it).
        public var slowFsyncMs = 500

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
