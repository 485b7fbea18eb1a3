/// Everything that can go wrong with the log and snapshots.
public enum WALError: Error, Equatable, Sendable {
    /// Bytes that do not decode: a record, a batch or a snapshot that passed no check.
    case corrupt(String)
    /// Damage that recovery must not repair on its own: the file, the offset and the LSN where it is.
    case damaged(file: String, offset: Int, lsn: LSN, reason: String)
    /// An operating-system call failed.
    case io(String, errno: Int32)
    /// The log failed earlier and takes no more changes.
    case unavailable(String)
}

extension WALError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .corrupt(let reason): "corrupt: \(reason)"
        case .damaged(let file, let offset, let lsn, let reason): "\(file) at offset \(offset) (LSN \(lsn)): \(reason)"
        case .io(let call, let errno): "\(call) failed: errno \(errno)"
        case .unavailable(let reason): "log unavailable: \(reason)"
        }
    }
}
