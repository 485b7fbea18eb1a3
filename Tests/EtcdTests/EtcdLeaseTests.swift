import Etcd
import Foundation
import SeatdTestSupport
import Testing

/// Goal: a key attached to a lease lives while the lease is kept alive and goes when the lease is revoked or runs
/// out, and a watcher hears that DELETE. Method: a real etcd per test; the lapse is waited for against a generous
/// deadline (etcd deletes 0.2-0.5 s after the TTL runs out), and the measured time is printed, not asserted.
@Suite(.enabled(if: EtcdServer.path != nil, "etcd is missing (apt-get install etcd-server); skipped"))
struct EtcdLeaseTests {
    @Test func aKeptAliveLeaseKeepsItsKeyAndReportsItsTTL() async throws {
        try await EtcdServer.with { _, client in
            let lease = try await client.grantLease(ttlSeconds: 5)
            #expect(lease.id != 0 && lease.ttlSeconds == 5)
            try await client.put(bytes("/leader"), bytes("me"), lease: lease.id)
            #expect(try await client.get(bytes("/leader"))?.lease == lease.id)
            #expect(try await client.keepAlive(lease: lease.id) == 5)
        }
    }

    @Test func aRevokedLeaseTakesItsKeyAndKeepAliveThenSaysNil() async throws {
        try await EtcdServer.with { _, client in
            let lease = try await client.grantLease(ttlSeconds: 30)
            try await client.put(bytes("/leader"), bytes("me"), lease: lease.id)
            try await client.revoke(lease: lease.id)
            #expect(try await client.get(bytes("/leader")) == nil)
            #expect(try await client.keepAlive(lease: lease.id) == nil)
            await #expect(throws: EtcdError.self) { try await client.revoke(lease: lease.id) }
            do {
                try await client.revoke(lease: lease.id)
            } catch let error as EtcdError {
                guard case .http(404, 5, let message) = error else {
                    Issue.record("revoking a gone lease: \(error)")
                    return
                }
                #expect(message.contains("lease not found"))
            }
        }
    }

    @Test func aLeaseThatLapsesDeletesItsKeyAndAWatcherHearsIt() async throws {
        try await EtcdServer.with { _, client in
            // 5 s, not less: under the parallel test run a TTL of 2 s lapsed before the PUT that uses the lease.
            let lease = try await client.grantLease(ttlSeconds: 5)
            let revision = try await client.put(bytes("/leader"), bytes("me"), lease: lease.id)
            let granted = ContinuousClock.now
            let events = try await collectEvents(
                client.watch(bytes("/leader"), fromRevision: revision + 1), count: 1, within: .seconds(20))
            let lapsed = ContinuousClock.now - granted
            #expect(events == [.delete(key: bytes("/leader"), modRevision: events.first?.modRevision ?? 0)])
            #expect((events.first?.modRevision ?? 0) > revision)
            #expect(try await client.get(bytes("/leader")) == nil)
            #expect(try await client.keepAlive(lease: lease.id) == nil)
            print("etcd: a lease of TTL \(lease.ttlSeconds) s lapsed; its DELETE was heard after \(lapsed)")
        }
    }

    @Test func aSmallTTLIsRaisedByEtcd() async throws {
        try await EtcdServer.with { _, client in
            let lease = try await client.grantLease(ttlSeconds: 1)
            #expect(lease.ttlSeconds >= 1)
            print("etcd: asked for a TTL of 1 s, granted \(lease.ttlSeconds) s")
        }
    }
}
