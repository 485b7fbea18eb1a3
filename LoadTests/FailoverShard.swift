/// One shard of the failover run: its id, its sessions, its two nodes, and which of them is the primary now.
struct FailoverShard: Sendable {
    /// A shard's primary and its standby.
    typealias Roles = (primary: FailoverNode, standby: FailoverNode)

    /// Sessions per shard: one shard has today's s0, s1, s2 and s3.
    static let sessionsPerShard = 4

    let id: String
    let sessions: [String]
    var nodes: [FailoverNode] = []
    /// Set once the nodes settled, then after each trial of this shard.
    var roles: Roles?

    /// The node called `letter` (a, b) of shard `index` of `count`: `a` and `b` with one shard, else `s1-a`.
    static func nodeName(_ letter: String, shard index: Int, of count: Int) -> String {
        count == 1 ? letter : "s\(index)-\(letter)"
    }

    /// `count` shards s0, s1, ... in seatd's even split of the slots, each with `sessionsPerShard` sessions named
    /// s<n>, the n taken in order and skipped when their shard has its sessions already (one shard: s0...s3).
    static func layout(count: Int) throws -> [FailoverShard] {
        let ids = (0..<count).map { "s\($0)" }
        let slots = ClusterSlots(evenlyOver: ids.map { ClusterSlots.Shard(id: $0, primary: nil) })
        let sessions = try ShardPlan.sessionIDs(count: count * Self.sessionsPerShard, slots: slots) { "s\($0)" }
        return ids.indices.map { index in
            FailoverShard(id: ids[index], sessions: sessions.filter { slots.shard(of: $0) == index })
        }
    }

    /// The cluster's slots as seatd splits them over `shards`, with the primaries as they stand.
    static func slots(_ shards: [FailoverShard]) -> ClusterSlots {
        ClusterSlots(evenlyOver: shards.map { ClusterSlots.Shard(id: $0.id, primary: $0.roles?.primary.address) })
    }
}
