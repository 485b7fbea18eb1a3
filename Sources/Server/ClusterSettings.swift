/// How a node takes part in a cluster (`cluster.*` settings, `docs/cluster.md`): cluster mode is on when
/// `cluster.etcd` is set.
struct ClusterSettings: Sendable, Equatable {
    enum Replication: String, Sendable {
        /// A change is acknowledged once the standby has it durable too (while it is in sync).
        case sync
        /// A change is acknowledged once durable here; the standby gets it soon after (lost on a failover if not).
        case async
    }

    /// etcd's client URLs.
    var etcd: [String]
    /// The etcd key prefix is `/seatd/<name>/`.
    var name = "seatd"
    /// This node's id, unique in the cluster.
    var node: String
    /// The shard this node serves.
    var shard: String
    /// Where clients reach this node (`host:port`).
    var advertise: String
    /// Where this node listens for its standby (`host:port`), and where a standby's primary is dialled.
    var replicationListen: String
    var leaseTTLSeconds = 3
    var replication = Replication.sync
    /// The shared secret replication connections prove (16 or more characters).
    var secret: String

    static let secretBytesMin = 16
    static let leaseTTLRange = 2...60

    /// Splits `host:port` (an IPv6 host in brackets), or nil.
    static func address(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65_535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(" ") else { return nil }
        return (host, port)
    }
}
