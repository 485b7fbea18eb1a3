/// One change seen by a watch.
public enum WatchEvent: Sendable, Hashable {
    /// The key was written: its whole new state.
    case put(KeyValue)
    /// The key was deleted (or its lease ran out) at `modRevision`.
    case delete(key: [UInt8], modRevision: Int64)

    /// The revision of the change: resume a watch from the last one + 1.
    public var modRevision: Int64 {
        switch self {
        case .put(let keyValue): keyValue.modRevision
        case .delete(_, let modRevision): modRevision
        }
    }

    /// The key that changed.
    public var key: [UInt8] {
        switch self {
        case .put(let keyValue): keyValue.key
        case .delete(let key, _): key
        }
    }
}
