import Testing

@testable import SeatLoad

/// Goal: seat-load reads `CLUSTER SLOTS` as the contract says, places sessions where seatd does, and spreads a
/// run's sessions and connections evenly over the shards. Method: tables of replies (valid and broken), known CRC-32C
/// answers, seatd's even split at boundary shard counts (1, 2, 3, 7, 1023, 1024) checked against a simple model
/// of it, and the id choice checked for every count from 0 to 101 over 1 to 5 shards.
@Suite struct ClusterSlotsTests {
    static let example = "OK 0-340=s1@127.0.0.1:7001 341-681=s2@127.0.0.1:7003 682-1023=s3@-"

    static func shards(_ count: Int) -> [ClusterSlots.Shard] {
        (0..<count).map { ClusterSlots.Shard(id: "s\($0)", primary: Target(argument: "127.0.0.1:\(7_000 + $0)")) }
    }

    @Test func theContractsExampleParses() throws {
        let slots = try #require(ClusterSlots(reply: Self.example))
        #expect(slots.shards.map(\.id) == ["s1", "s2", "s3"])
        #expect(
            slots.shards.map(\.primary) == [
                Target(argument: "127.0.0.1:7001"), Target(argument: "127.0.0.1:7003"), nil,
            ])
        #expect([0, 340, 341, 681, 682, 1_023].map { slots.shard(ofSlot: $0) } == [0, 0, 1, 1, 2, 2])
        #expect(slots.description == Self.example)
        #expect(slots == ClusterSlots(evenlyOver: slots.shards))
    }

    @Test(arguments: [
        "ERR BAD_REQUEST usage: CLUSTER INFO|FAILOVER",
        "OK",
        "OK 0-1022=s1@127.0.0.1:1",
        "OK 0-1024=s1@127.0.0.1:1",
        "OK 1-1023=s1@127.0.0.1:1",
        "OK 0-511=s1@127.0.0.1:1 511-1023=s2@-",
        "OK 0-511=s1@127.0.0.1:1 513-1023=s2@-",
        "OK 512-1023=s2@- 0-511=s1@127.0.0.1:1",
        "OK 0-511=s1@127.0.0.1:1 512-1023=@-",
        "OK 0-511=s1@127.0.0.1:1 512-1023=s2@nowhere",
        "OK 0-511=s1@127.0.0.1:1 512-1023=s2@redis://127.0.0.1:2",
        "OK 0-511=s1@127.0.0.1:1 512-1023=s2",
        "OK 0-511=s1@127.0.0.1:1 512=s2@-",
        "OK 0-511=s1@127.0.0.1:1 600-512=s2@-",
        "OK 0-99=s1@127.0.0.1:1 100-199=s2@- 200-1023=s1@127.0.0.1:2",
    ])
    func brokenRepliesAreRefused(reply: String) {
        #expect(ClusterSlots(reply: reply) == nil)
    }

    @Test func aShardMayHaveSeveralRangesWithOnePrimary() throws {
        let slots = try #require(
            ClusterSlots(reply: "OK 0-99=a@127.0.0.1:1 100-199=b@- 200-1023=a@127.0.0.1:1"))
        #expect(slots.shards.map(\.id) == ["a", "b"])
        #expect([99, 100, 199, 200].map { slots.shard(ofSlot: $0) } == [0, 1, 1, 0])
        #expect(slots.ranges.map(\.slots) == [0...99, 100...199, 200...1_023])
    }

    @Test(arguments: [1, 2, 3, 7, 1_023, 1_024])
    func theEvenSplitIsContiguousAndMatchesTheFormula(count: Int) {
        let slots = ClusterSlots(evenlyOver: Self.shards(count))
        for slot in 0..<ClusterSlots.slotCount {
            // Model: the shard i with i*1024/n <= slot <= (i+1)*1024/n - 1.
            let shard = (0..<count).last { $0 * 1_024 / count <= slot }!
            #expect(slots.shard(ofSlot: slot) == shard)
        }
        let ranges = ClusterSlots.evenRanges(count)
        #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == 1_023)
        #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound + 1 == $1.lowerBound })
        #expect(ClusterSlots(reply: slots.description) == slots)
    }

    @Test func threeShardsSplitAsTheContractSays() {
        #expect(ClusterSlots.evenRanges(3) == [0...340, 341...681, 682...1_023])
    }

    @Test func aSessionsSlotIsItsIDsCRC32CModulo1024() {
        // CRC-32C("123456789") = 0xE3069283; docs/cluster.md's standby sends HOLD s1 to slot 382.
        #expect(ClusterSlots.slot(of: "123456789") == 0x283)
        #expect(ClusterSlots.slot(of: "s1") == 382)
        #expect(ClusterSlots.slot(of: "") == 0)
    }
}

@Suite struct ShardPlanTests {
    @Test func oneShardKeepsTodaysIDs() throws {
        let slots = ClusterSlots(evenlyOver: ClusterSlotsTests.shards(1))
        #expect(try ShardPlan.sessionIDs(count: 5, slots: slots) { "load-ab-\($0)" } == (0..<5).map { "load-ab-\($0)" })
    }

    @Test(arguments: 1...5)
    func everyShardGetsItsEvenShareInCandidateOrder(shards: Int) throws {
        let slots = ClusterSlots(evenlyOver: ClusterSlotsTests.shards(shards))
        for count in 0...101 {
            let ids = try ShardPlan.sessionIDs(count: count, slots: slots) { "r-\($0)" }
            #expect(ids.count == count)
            let numbers = ids.map { Int($0.dropFirst(2))! }
            #expect(numbers == numbers.sorted() && Set(numbers).count == count, "in candidate order, once each")
            let perShard = (0..<shards).map { shard in ids.count { slots.shard(of: $0) == shard } }
            #expect(perShard == (0..<shards).map { count / shards + ($0 < count % shards ? 1 : 0) })
            // A candidate was skipped only when its shard had its share already.
            let shardOf = (0...(numbers.last ?? 0)).map { slots.shard(of: "r-\($0)") }
            for skipped in shardOf.indices where !numbers.contains(skipped) {
                let before = numbers.count { $0 < skipped && shardOf[$0] == shardOf[skipped] }
                #expect(before == perShard[shardOf[skipped]], "r-\(skipped) skipped while its shard wanted more")
            }
        }
    }

    @Test func connectionsTakeTheShardsWithSessionsInTurn() throws {
        let slots = ClusterSlots(evenlyOver: ClusterSlotsTests.shards(3))
        let ids = try ShardPlan.sessionIDs(count: 7, slots: slots) { "x\($0)" }
        let plan = ShardPlan(slots: slots, sessions: ids)
        #expect(plan.groups.map(\.sessions.count) == [3, 2, 2])
        #expect(plan.groups.flatMap(\.sessions).sorted() == ids.sorted())
        for group in plan.groups {
            #expect(group.sessions.allSatisfy { slots.shards[slots.shard(of: $0)] == group.shard })
        }
        #expect((0..<6).map { plan.group(ofConnection: $0).shard.id } == ["s0", "s1", "s2", "s0", "s1", "s2"])
        // Fewer sessions than shards: only the shards with sessions take connections.
        let one = ShardPlan(slots: slots, sessions: try ShardPlan.sessionIDs(count: 1, slots: slots) { "x\($0)" })
        #expect(one.groups.map(\.shard.id) == ["s0"])
        #expect(one.group(ofConnection: 5).shard.id == "s0")
    }

    @Test func theFailoverRunsSessionsAreTodaysWithOneShardAndFourPerShardWithMore() throws {
        #expect(try FailoverShard.layout(count: 1).map(\.sessions) == [["s0", "s1", "s2", "s3"]])
        let shards = try FailoverShard.layout(count: 3)
        #expect(shards.map(\.id) == ["s0", "s1", "s2"])
        let slots = FailoverShard.slots(shards)
        for (index, shard) in shards.enumerated() {
            #expect(shard.sessions.count == FailoverShard.sessionsPerShard)
            #expect(shard.sessions.allSatisfy { slots.shard(of: $0) == index })
        }
        #expect(Set(shards.flatMap(\.sessions)).count == 12)
        #expect(FailoverShard.nodeName("a", shard: 0, of: 1) == "a")
        #expect(FailoverShard.nodeName("b", shard: 2, of: 3) == "s2-b")
    }
}

@Suite struct ShardRoutingTests {
    static let a = Target(argument: "127.0.0.1:1")!
    static let b = Target(argument: "127.0.0.1:2")!
    static let c = Target(argument: "127.0.0.1:3")!

    @Test func aRouteStartsAtItsStartAndDropsToTheListedAddressesAfterIt() {
        var route = ClusterRoute([Self.a, Self.b, Self.c], start: Self.b)
        #expect(route.current == Self.b)
        route.dropped()
        #expect(route.current == Self.c)
        route.dropped()
        #expect(route.current == Self.a)
        // A start that is not listed: the first listed address comes next.
        var unlisted = ClusterRoute([Self.a, Self.b], start: Self.c)
        #expect(unlisted.current == Self.c)
        unlisted.dropped()
        #expect(unlisted.current == Self.a)
        #expect(ClusterRoute([Self.a, Self.b], start: nil).current == Self.a)
    }

    @Test(
        arguments: [
            ("CREATE SESSION load-1 hall ttl=5", "load-1"), ("DROP SESSION load-1", "load-1"),
            ("CREATE HALL h A=10", nil),
            ("HOLD s3 c1 A1 key=k", "s3"), ("AVAIL s3", "s3"), ("MAP s3\n", "s3"), ("BLOCK s3 A1 A2", "s3"),
            ("RESERVE s3 box A1", "s3"), ("HISTORY s3 0123", "s3"), ("WATCH s3 from=4", "s3"), ("WATCH *", nil),
            ("HALLS", nil), ("SESSIONS h", nil), ("STATS", nil), ("CLUSTER SLOTS", nil), ("AUTH secret", nil),
            ("hold s4 c1 BEST 2", "s4"),
        ] as [(String, String?)])
    func requestsAreSentToTheirSessionsShard(line: String, session: String?) {
        #expect(ShardedClient.session(of: line[...]).map(String.init) == session)
    }
}
