/// Where the log ends: the newest segment and the offset after its last valid batch.
public struct LogTail: Sendable, Equatable {
    public let path: String
    public let firstLSN: LSN
    public let offset: Int
    /// CRC of the last batch (the next batch chains to it).
    public let lastCRC: UInt32
}
