/// A node's `CLUSTER INFO` reply: `OK node=<id> shard=<s> role=primary|standby|joining epoch=<n>
/// replication=sync|async|out-of-sync lsn=<n> standby_lsn=<n|->`.
struct ClusterInfo: Sendable, Equatable {
    enum Role: String, Sendable { case primary, standby, joining }

    var node: String
    var shard: String
    var role: Role
    var epoch: UInt64
    /// On a primary: whether its standby is in sync; on a standby: whether it acknowledges every batch.
    var replication: String
    var lsn: UInt64
    /// The standby's LSN as the primary knows it; nil on a standby or without one (`-`).
    var standbyLSN: UInt64?

    /// nil when the reply is not a CLUSTER INFO answer (an error, a node that is not in a cluster).
    init?(_ reply: String) {
        let tokens = reply.split(separator: " ")
        guard tokens.first == "OK" else { return nil }
        var fields: [Substring: Substring] = [:]
        for token in tokens.dropFirst() {
            guard let equals = token.firstIndex(of: "=") else { return nil }
            fields[token[..<equals]] = token[token.index(after: equals)...]
        }
        guard let node = fields["node"], let shard = fields["shard"],
            let role = fields["role"].flatMap({ Role(rawValue: String($0)) }),
            let epoch = fields["epoch"].flatMap({ UInt64($0) }), let replication = fields["replication"],
            ["sync", "async", "out-of-sync"].contains(replication), let lsn = fields["lsn"].flatMap({ UInt64($0) }),
            let standby = fields["standby_lsn"], standby == "-" || UInt64(standby) != nil
        else { return nil }
        self.node = String(node)
        self.shard = String(shard)
        self.role = role
        self.epoch = epoch
        self.replication = String(replication)
        self.lsn = lsn
        self.standbyLSN = UInt64(standby)
    }

    /// A primary whose standby is in sync.
    var isPrimaryInSync: Bool { self.role == .primary && self.replication == "sync" }
    /// A standby that acknowledges every batch.
    var isStandbyInSync: Bool { self.role == .standby && self.replication == "sync" }
}
