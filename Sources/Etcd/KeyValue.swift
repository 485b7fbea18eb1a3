/// One key as etcd stores it (`mvccpb.KeyValue`): the bytes and the revisions that order its changes.
public struct KeyValue: Sendable, Hashable {
    /// The key's bytes.
    public var key: [UInt8]
    /// The value's bytes (empty for a DELETE event, which carries no value).
    public var value: [UInt8]
    /// The revision that created the key (since its last deletion): a leader key's epoch.
    public var createRevision: Int64
    /// The revision of the key's last change.
    public var modRevision: Int64
    /// How many times the key was written since it was created (1 after the first put).
    public var version: Int64
    /// The lease the key is attached to, or 0.
    public var lease: Int64

    /// A key-value with every field given; the revisions default to the zero values etcd leaves out.
    public init(
        key: [UInt8], value: [UInt8], createRevision: Int64 = 0, modRevision: Int64 = 0, version: Int64 = 0,
        lease: Int64 = 0
    ) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }
}
