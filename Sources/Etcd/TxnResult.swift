/// What a transaction did: which branch ran and each of its operations' results, in order.
public struct TxnResult: Sendable, Hashable {
    /// One operation's result (`etcdserverpb.ResponseOp`).
    public enum OpResult: Sendable, Hashable {
        /// A put's result: the store's revision after the transaction.
        case put(revision: Int64)
        /// A range's keys.
        case range([KeyValue])
        /// How many keys a delete removed.
        case delete(deleted: Int64)
    }

    /// True when every comparison held and the success branch ran; false when the failure branch ran.
    public var succeeded: Bool
    /// The store's revision after the transaction.
    public var revision: Int64
    /// The results of the branch that ran, one per operation.
    public var results: [OpResult]

    /// A result with the given fields.
    public init(succeeded: Bool, revision: Int64, results: [OpResult]) {
        self.succeeded = succeeded
        self.revision = revision
        self.results = results
    }
}
