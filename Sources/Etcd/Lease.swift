/// A lease granted by etcd: keys put with its `id` disappear when it runs out or is revoked.
public struct Lease: Sendable, Hashable {
    /// The lease's ID, to pass to `put(_:_:lease:)`, `keepAlive(lease:)` and `revoke(lease:)`.
    public var id: Int64
    /// The time to live etcd granted, in seconds (it raises very small requests: asked for 1, it grants 2).
    public var ttlSeconds: Int64

    /// A lease with the given ID and TTL.
    public init(id: Int64, ttlSeconds: Int64) {
        self.id = id
        self.ttlSeconds = ttlSeconds
    }
}
