/// How a run spreads its sessions and its load connections over a cluster of many shards: the session ids are
/// chosen so that every shard gets an even share, and each load connection works on the sessions of one shard,
/// starting at that shard's primary, the shards taken in turn (connection c: the shard `c mod` the shards with
/// sessions). So the steady state has no MOVED; a MOVED, TRYAGAIN or lost connection is the failover path.
struct ShardPlan: Sendable, Equatable {
    /// One shard's part of the run.
    struct Group: Sendable, Equatable {
        var shard: ClusterSlots.Shard
        var sessions: [String]
    }

    /// The most candidate ids `sessionIDs` tries: a shard of one slot takes about 1024 tries per session.
    static let candidatesMax = 10_000_000

    /// The shards that have sessions, in shard order.
    let groups: [Group]

    init(slots: ClusterSlots, sessions: [String]) {
        var sessionsByShard = Array(repeating: [String](), count: slots.shards.count)
        for session in sessions { sessionsByShard[slots.shard(of: session)].append(session) }
        self.groups = zip(slots.shards, sessionsByShard).filter { !$0.1.isEmpty }.map { Group(shard: $0, sessions: $1) }
        precondition(sessions.isEmpty || !self.groups.isEmpty, "every session has a shard")
    }

    /// The group load connection `connection` works on.
    func group(ofConnection connection: Int) -> Group {
        precondition(!self.groups.isEmpty, "a plan without sessions has no connections")
        return self.groups[connection % self.groups.count]
    }

    /// `count` session ids `name(0)`, `name(1)`, ... in that order, skipping each whose shard already has its share:
    /// shard i of n gets `count / n`, one more for the first `count % n` shards. With one shard, `name(0..<count)`.
    /// Throws when `candidatesMax` candidates did not fill every share.
    static func sessionIDs(count: Int, slots: ClusterSlots, name: (Int) -> String) throws -> [String] {
        let shards = slots.shards.count
        var wanted = (0..<shards).map { count / shards + ($0 < count % shards ? 1 : 0) }
        var ids: [String] = []
        ids.reserveCapacity(count)
        var candidate = 0
        while ids.count < count {
            guard candidate < Self.candidatesMax else {
                throw LoadError(
                    "no ids for \(count) sessions spread over \(shards) shards in \(Self.candidatesMax) tries")
            }
            let id = name(candidate)
            candidate += 1
            let shard = slots.shard(of: id)
            guard wanted[shard] > 0 else { continue }
            wanted[shard] -= 1
            ids.append(id)
        }
        return ids
    }

    /// `shards: s1 34 sessions @127.0.0.1:7001, ...`, for the run's header.
    var description: String {
        "shards: "
            + self.groups.map { group in
                "\(group.shard.id) \(group.sessions.count) sessions @"
                    + (group.shard.primary.map { "\($0.host):\($0.port)" } ?? "-")
            }.joined(separator: ", ")
    }
}
