/// One operation of a transaction's success or failure branch (`etcdserverpb.RequestOp`).
public enum TxnOp: Sendable, Hashable {
    /// Writes `value` at `key`, attached to `lease` when it is given.
    case put(key: [UInt8], value: [UInt8], lease: Int64? = nil)
    /// Reads `key`, or the keys in [`key`, `rangeEnd`) when `rangeEnd` is given.
    case range(key: [UInt8], rangeEnd: [UInt8]? = nil)
    /// Deletes `key`, or the keys in [`key`, `rangeEnd`) when `rangeEnd` is given.
    case delete(key: [UInt8], rangeEnd: [UInt8]? = nil)
}
