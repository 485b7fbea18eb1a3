import Etcd
import SeatdTestSupport
import Testing

/// Goal: keys, prefixes, transactions and the create-if-absent election behave against a real etcd as etcd's own
/// client would. Method: a throwaway single-member etcd per test (`EtcdServer`), calls through `EtcdClient`, and
/// the results compared with what etcd's data model says (revisions, versions, the holder of a key).
@Suite(.enabled(if: EtcdServer.path != nil, "etcd is missing (apt-get install etcd-server); skipped"))
struct EtcdKVTests {
    @Test func putGetPrefixAndDeleteSeeTheSameKeys() async throws {
        try await EtcdServer.with { _, client in
            #expect(try await client.get(bytes("/a/1")) == nil)
            let first = try await client.put(bytes("/a/1"), bytes("one"))
            let second = try await client.put(bytes("/a/2"), bytes("two"))
            try await client.put(bytes("/b/1"), bytes("other"))
            #expect(second == first + 1)
            let one = try #require(try await client.get(bytes("/a/1")))
            #expect(
                one
                    == KeyValue(
                        key: bytes("/a/1"), value: bytes("one"), createRevision: first, modRevision: first, version: 1))
            let rewritten = try await client.put(bytes("/a/1"), bytes("uno"))
            let again = try #require(try await client.get(bytes("/a/1")))
            #expect(again.createRevision == first && again.modRevision == rewritten && again.version == 2)
            #expect(try await client.getPrefix(bytes("/a/")).map(\.value) == [bytes("uno"), bytes("two")])
            #expect(try await client.delete(bytes("/a/1")) == 1)
            #expect(try await client.delete(bytes("/a/1")) == 0)
            #expect(try await client.get(bytes("/a/1")) == nil)
            #expect(try await client.getPrefix(bytes("/a/")).map(\.key) == [bytes("/a/2")])
        }
    }

    @Test func anEmptyValueAndBinaryBytesSurviveTheRoundTrip() async throws {
        try await EtcdServer.with { _, client in
            let key: [UInt8] = [0, 0xFF, 0x7B, 0x22]
            try await client.put(key, [])
            #expect(try await client.get(key)?.value == [])
            try await client.put(key, Array(0...255))
            #expect(try await client.get(key)?.value == Array(0...255))
            try await client.put([0xFF, 0xFF], bytes("last"))
            #expect(try await client.getPrefix([0xFF]).map(\.key) == [[0xFF, 0xFF]])
        }
    }

    @Test func theSecondCreateIfAbsentFindsTheHolderWithTheSameCreateRevision() async throws {
        try await EtcdServer.with { _, client in
            let lease = try await client.grantLease(ttlSeconds: 30)
            let created = try await client.createIfAbsent(bytes("/shard/1/leader"), bytes("primary-a"), lease: lease.id)
            guard case .created(let epoch) = created else {
                Issue.record("the first campaign did not create the key: \(created)")
                return
            }
            let second = try await client.createIfAbsent(bytes("/shard/1/leader"), bytes("primary-b"))
            guard case .exists(let holder) = second else {
                Issue.record("the second campaign did not find the holder: \(second)")
                return
            }
            #expect(holder.value == bytes("primary-a") && holder.lease == lease.id)
            #expect(holder.createRevision == epoch)
            #expect(try await client.get(bytes("/shard/1/leader"))?.createRevision == epoch)
        }
    }

    @Test func aTxnRunsTheSuccessBranchOnlyWhileTheEpochHolds() async throws {
        try await EtcdServer.with { _, client in
            let leader = bytes("/shard/1/leader")
            guard case .created(let epoch) = try await client.createIfAbsent(leader, bytes("a")) else {
                Issue.record("no epoch")
                return
            }
            let marker = bytes("/shard/1/out-of-sync")
            let held = try await client.txn(
                compare: [.createRevision(leader, .equal, epoch)], success: [.put(key: marker, value: bytes("1"))],
                failure: [.range(key: leader)])
            #expect(held.succeeded && held.results == [.put(revision: held.revision)])
            #expect(try await client.get(marker)?.modRevision == held.revision)

            try await client.delete(leader)
            _ = try await client.createIfAbsent(leader, bytes("b"))
            let lost = try await client.txn(
                compare: [.createRevision(leader, .equal, epoch)], success: [.delete(key: marker)],
                failure: [.range(key: leader)])
            #expect(!lost.succeeded)
            guard case .range(let holders) = lost.results.first else {
                Issue.record("no range result: \(lost.results)")
                return
            }
            #expect(holders.map(\.value) == [bytes("b")] && holders[0].createRevision > epoch)
            #expect(try await client.get(marker) != nil)
        }
    }

    /// (relation, operand, holds) for a key at version 2 whose value is "b": operand 2 is version 2, the key's
    /// mod revision, or "b"; 1 and 3 are one below and above ("a", "c").
    static let relations: [(Compare.Relation, Int64, Bool)] = [
        (.equal, 2, true), (.equal, 3, false), (.notEqual, 3, true), (.notEqual, 2, false), (.greater, 1, true),
        (.greater, 2, false), (.less, 3, true), (.less, 2, false),
    ]

    @Test func everyRelationHoldsOrNotOnVersionModRevisionAndValue() async throws {
        try await EtcdServer.with { _, client in
            let key = bytes("k")
            try await client.put(key, bytes("b"))
            let modRevision = try await client.put(key, bytes("b"))
            for (relation, operand, holds) in Self.relations {
                let value = operand == 2 ? bytes("b") : operand < 2 ? bytes("a") : bytes("c")
                for compare in [
                    Compare.version(key, relation, operand), .modRevision(key, relation, modRevision + operand - 2),
                    .value(key, relation, value),
                ] {
                    let result = try await client.txn(compare: [compare], success: [.range(key: key)])
                    #expect(result.succeeded == holds, "\(compare)")
                }
            }
        }
    }
}
