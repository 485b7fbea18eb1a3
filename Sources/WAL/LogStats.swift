/// What the writer has done since it started.
public struct LogStats: Sendable, Equatable {
    public init() {}

    public var batches: UInt64 = 0
    public var records: UInt64 = 0
    public var fsyncs: UInt64 = 0
    public var fsyncNanoseconds: UInt64 = 0
    public var bytesWritten: UInt64 = 0
    public var segments: UInt64 = 0
    var lastRecordLSN: LSN = 0
}
