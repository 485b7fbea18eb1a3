import Etcd
import Foundation
import SeatdTestSupport
import Testing

@testable import Server

/// Goal: `seatd cluster init` writes a cluster's layout once and refuses a second; `seatd cluster status` prints
/// each shard's primary, standby, epoch and sync state from what etcd holds, and a sync record of an older epoch
/// says nothing. Method: the real `seatd` binary against a throwaway real etcd; the primary's, standby's and sync
/// keys are written by the test as the nodes will write them (`docs/cluster.md`).
@Suite(.enabled(if: EtcdServer.path != nil, "etcd is missing (apt-get install etcd-server); skipped"))
struct ClusterCommandTests {
    @Test func initWritesTheLayoutOnceAndStatusShowsEachShard() async throws {
        try await EtcdServer.with { server, client in
            let etcd = ["--etcd", "http://127.0.0.1:1,\(server.url)"]
            let (status, printed) = try OperatorTests.seatd(["cluster", "status"] + etcd + ["--name", "c1"])
            #expect(status == 1 && printed.contains("no cluster named c1"), "\(printed)")
            let created = try OperatorTests.seatd(["cluster", "init"] + etcd + ["--name", "c1", "--shards", "s1,s2"])
            #expect(created.0 == 0 && created.1.hasPrefix("OK cluster c1: shards s1,s2"), "\(created.1)")
            #expect(created.1.contains("slots 0-511=s1 512-1023=s2"), "\(created.1)")
            let again = try OperatorTests.seatd(["cluster", "init"] + etcd + ["--name", "c1", "--shards", "s3"])
            #expect(again.0 == 1 && again.1.contains("exists already (shards s1,s2)"), "\(again.1)")
            // Another name is another cluster.
            #expect(try OperatorTests.seatd(["cluster", "init"] + etcd + ["--shards", "only"]).0 == 0)

            let empty = try OperatorTests.seatd(["cluster", "status"] + etcd + ["--name", "c1"])
            #expect(empty.0 == 0)
            #expect(
                empty.1.split(separator: "\n") == [
                    "s1 slots=0-511 primary=- standby=- epoch=- sync=-",
                    "s2 slots=512-1023 primary=- standby=- epoch=- sync=-",
                ])

            let leader = ClusterLayout.Node(node: "n1", client: "10.0.0.1:7070", replication: "10.0.0.1:7071")
            let lease = try await client.grantLease(ttlSeconds: 30)
            let taken = try await client.createIfAbsent(
                ClusterLayout.shardKey("c1", "s1", "leader"), ClusterLayout.encode(leader), lease: lease.id)
            guard case .created(let epoch) = taken else {
                Issue.record("leader key taken: \(taken)")
                return
            }
            _ = try await client.put(
                ClusterLayout.shardKey("c1", "s1", "standby"),
                ClusterLayout.encode(ClusterLayout.Node(node: "n2", client: "10.0.0.2:7070")))
            _ = try await client.put(
                ClusterLayout.shardKey("c1", "s1", "sync"),
                ClusterLayout.encode(ClusterLayout.Sync(epoch: epoch, standby: "n2", state: "in-sync")))
            // s2's sync record is of an epoch that is not its leader's (it has none): it is not shown.
            _ = try await client.put(
                ClusterLayout.shardKey("c1", "s2", "sync"),
                ClusterLayout.encode(ClusterLayout.Sync(epoch: 1, standby: "n4", state: "in-sync")))

            let shown = try OperatorTests.seatd(["cluster", "status"] + etcd + ["--name", "c1"])
            #expect(shown.0 == 0)
            #expect(
                shown.1.split(separator: "\n") == [
                    "s1 slots=0-511 primary=n1@10.0.0.1:7070 standby=n2@10.0.0.2:7070 epoch=\(epoch) sync=in-sync",
                    "s2 slots=512-1023 primary=- standby=- epoch=- sync=-",
                ])
        }
    }

    @Test func badArgumentsAndAnUnreachableEtcdAreClearErrors() async throws {
        let bad = try OperatorTests.seatd(["cluster", "init", "--etcd", "127.0.0.1:2379", "--shards", "s1"])
        #expect(bad.0 != 0 && bad.1.contains("--etcd: expected http://host:port"), "\(bad.1)")
        let shards = try OperatorTests.seatd(["cluster", "init", "--etcd", "http://127.0.0.1:1", "--shards", "a,a"])
        #expect(shards.0 != 0 && shards.1.contains("shard a is listed twice"), "\(shards.1)")
        let name = try OperatorTests.seatd([
            "cluster", "init", "--etcd", "http://127.0.0.1:1", "--name", "a/b", "--shards", "s1",
        ])
        #expect(name.0 != 0 && name.1.contains("--name must be 1-64 characters"), "\(name.1)")
        let down = try OperatorTests.seatd(["cluster", "status", "--etcd", "http://127.0.0.1:1"])
        #expect(down.0 == 2 && down.1.hasPrefix("error:"), "\(down.1)")
    }
}
