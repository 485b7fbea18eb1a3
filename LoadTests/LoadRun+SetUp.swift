import NIOCore
import SeatdTestSupport

extension LoadRun {
    /// What a run starts from: the admin client, the sessions, and with a cluster of many shards how the sessions
    /// and connections are spread over them (nil: one server, or one shard).
    struct SetUp {
        var admin: any LineSender
        var sessions: [String]
        var plan: ShardPlan? = nil
    }

    /// Connects the admin client (AUTH first on seatd when a token is given; a `ClusterClient` with a cluster, or a
    /// `ShardedClient` when `CLUSTER SLOTS` names more than one shard), creates the hall (or finds it from an earlier
    /// run) and `count` new sessions of it named `<prefix>-<run id>-<n>` with `options`: n = 0..<count, or with many
    /// shards the n that give each shard an even share (`ShardPlan.sessionIDs`).
    static func setUp(
        _ target: Target, token: String?, hall: LoadHall, prefix: String, count: Int, options: String = "",
        cluster: ClusterSettings? = nil, group: any EventLoopGroup
    ) async throws -> SetUp {
        let run = String(UInt64.random(in: 0...UInt64.max) & 0xffff_ffff, radix: 16)
        let name = { (n: Int) in "\(prefix)-\(run)-\(n)" }
        var setUp: SetUp
        if let cluster {
            let (admin, slots) = try await Self.clusterAdmin(cluster, token: token, group: group)
            let sessions =
                try slots.map { try ShardPlan.sessionIDs(count: count, slots: $0, name: name) } ?? (0..<count).map(name)
            setUp = SetUp(
                admin: admin, sessions: sessions, plan: slots.map { ShardPlan(slots: $0, sessions: sessions) })
        } else {
            let client = try await LineClient.connect(target, group: group)
            if let token, target.kind == .seatd { try await client.ok("AUTH \(token)") }
            setUp = SetUp(admin: client, sessions: (0..<count).map(name))
        }
        if let plan = setUp.plan { say(plan.description) }
        let created = try await setUp.admin.send(["CREATE HALL \(hall.id) \(hall.rowSpecs)"])[0]
        guard created.hasPrefix("OK") || created.hasPrefix("ERR EXISTS") else {
            throw LoadError("CREATE HALL: \(created)")
        }
        let replies = try await setUp.admin.send(setUp.sessions.map { "CREATE SESSION \($0) \(hall.id)\(options)" })
        if let refused = replies.first(where: { !$0.hasPrefix("OK") }) { throw LoadError("CREATE SESSION: \(refused)") }
        return setUp
    }

    /// The admin client of a cluster: asks `CLUSTER SLOTS`; with more than one shard, a `ShardedClient` and the
    /// slots, else the `ClusterClient` that asked and nil.
    private static func clusterAdmin(
        _ cluster: ClusterSettings, token: String?, group: any EventLoopGroup
    ) async throws -> (admin: any LineSender, slots: ClusterSlots?) {
        let client = ClusterClient(cluster, token: token, group: group)
        let slots: ClusterSlots?
        do { slots = try await Self.slots(client) } catch {
            await client.close()
            throw error
        }
        guard let slots, slots.shards.count > 1 else { return (client, nil) }
        await client.close()
        return (ShardedClient(cluster, slots: slots, token: token, group: group), slots)
    }

    /// The cluster's slots, or nil when the node answers `CLUSTER SLOTS` with an error (a seatd without shards:
    /// one shard); throws on an OK that is not a valid answer.
    static func slots(_ client: some LineSender) async throws -> ClusterSlots? {
        let reply = try await client.send(["CLUSTER SLOTS"])[0]
        guard reply.hasPrefix("OK") else { return nil }
        guard let slots = ClusterSlots(reply: reply) else {
            throw LoadError("CLUSTER SLOTS: unreadable reply \(reply)")
        }
        return slots
    }
}
