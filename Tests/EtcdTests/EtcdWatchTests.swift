import AsyncHTTPClient
import Etcd
import Foundation
import NIOCore
import SeatdTestSupport
import Testing

@testable import Etcd

/// Goal: a watch delivers every change in revision order, resumes from a given revision, reports a compacted
/// revision as `.watchCanceled`, and closes its HTTP request when the reader's task is cancelled. Method: a real
/// etcd per test; the watch's closing is seen in etcd's own gauge `etcd_debugging_mvcc_watch_stream_total`.
@Suite(.enabled(if: EtcdServer.path != nil, "etcd is missing (apt-get install etcd-server); skipped"))
struct EtcdWatchTests {
    @Test func aPrefixWatchSeesPutsAndDeletesInOrderAndResumesFromARevision() async throws {
        try await EtcdServer.with { _, client in
            let start = try await client.put(bytes("/other"), bytes("x")) + 1
            let stream = client.watchPrefix(bytes("/w/"), fromRevision: start)
            try await client.put(bytes("/w/1"), bytes("a"))
            try await client.put(bytes("/w/2"), bytes("b"))
            try await client.put(bytes("/x"), bytes("outside"))
            try await client.put(bytes("/w/1"), bytes("c"))
            try await client.delete(bytes("/w/2"))
            let events = try await collectEvents(stream, count: 4)
            #expect(events.map(\.key) == [bytes("/w/1"), bytes("/w/2"), bytes("/w/1"), bytes("/w/2")])
            #expect(zip(events, events.dropFirst()).allSatisfy { $0.modRevision < $1.modRevision })
            guard case .put(let rewritten) = events[2], case .delete = events[3] else {
                Issue.record("not put, put, put, delete: \(events)")
                return
            }
            #expect(rewritten.value == bytes("c") && rewritten.version == 2)
            #expect(rewritten.createRevision == events[0].modRevision)

            let resumed = try await collectEvents(
                client.watchPrefix(bytes("/w/"), fromRevision: events[1].modRevision + 1), count: 2)
            #expect(resumed == Array(events[2...]))
        }
    }

    @Test func aWatchOfOneKeySeesOnlyThatKey() async throws {
        try await EtcdServer.with { _, client in
            let start = try await client.put(bytes("/k0"), bytes("x")) + 1
            let stream = client.watch(bytes("/k"), fromRevision: start)
            try await client.put(bytes("/k1"), bytes("no"))
            try await client.put(bytes("/k"), bytes("yes"))
            let events = try await collectEvents(stream, count: 1)
            #expect(events.map(\.key) == [bytes("/k")])
        }
    }

    @Test func aCompactedRevisionEndsTheWatchWithWatchCanceled() async throws {
        try await EtcdServer.with { _, client in
            try await client.put(bytes("/c"), bytes("1"))
            let revision = try await client.put(bytes("/c"), bytes("2"))
            _ = try await client.call(
                "/v3/kv/compaction", ["revision": String(revision)], as: Wire.HeaderResponse.self)
            do {
                _ = try await collectEvents(client.watch(bytes("/c"), fromRevision: 1), count: 1)
                Issue.record("a watch from a compacted revision delivered events")
            } catch let error as EtcdError {
                #expect(error == .watchCanceled(reason: "", compactRevision: revision))
            }
            // Read anew, then watch from the read's revision + 1: the next change comes, and nothing older.
            let (keyValues, readRevision) = try await client.getPrefixWithRevision(bytes("/c"))
            #expect(keyValues.map(\.value) == [bytes("2")] && readRevision == revision)
            let stream = client.watchPrefix(bytes("/c"), fromRevision: readRevision + 1)
            let next = try await client.put(bytes("/c"), bytes("3"))
            #expect(try await collectEvents(stream, count: 1).map(\.modRevision) == [next])
        }
    }

    @Test func cancellingTheReaderClosesTheWatchRequest() async throws {
        try await EtcdServer.with { server, client in
            let stream = client.watch(bytes("/never"))
            let reader = Task { for try await _ in stream {} }
            let opened = try await Self.waitForWatchStreams(server, 1)
            #expect(opened, "the watch never opened")
            reader.cancel()
            let closed = try await Self.waitForWatchStreams(server, 0)
            #expect(closed, "the watch stayed open after the cancel")
        }
    }

    @Test(arguments: [false, true])
    func aStoppedOrKilledServerEndsTheWatchWithWatchEnded(killed: Bool) async throws {
        let server = try await EtcdServer()
        let client = server.client()
        let start = try await client.put(bytes("/s"), bytes("1")) + 1
        let stream = client.watch(bytes("/s"), fromRevision: start)
        try await client.put(bytes("/s"), bytes("2"))
        var iterator = stream.makeAsyncIterator()
        #expect(try await iterator.next()?.count == 1)
        if killed { server.kill() } else { server.stop() }
        do {
            _ = try await iterator.next()
            Issue.record("the watch went on after its server stopped")
        } catch let error as EtcdError {
            guard case .watchEnded(let reason) = error else {
                Issue.record("not watchEnded: \(error)")
                return
            }
            print("etcd: a watch whose server was \(killed ? "killed" : "stopped") ended with: \(reason)")
        }
        try await client.shutdown()
    }

    /// Waits up to 30 s for etcd's count of open watch streams to be `count`. A read of the gauge that fails or
    /// is slow (etcd shares two cores with the rest of a parallel run) counts as "not yet".
    static func waitForWatchStreams(_ server: EtcdServer, _ count: Int) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if (try? await Self.watchStreams(server)) == count { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// etcd's gauge of open watch streams, from `/metrics`.
    static func watchStreams(_ server: EtcdServer) async throws -> Int? {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: server.url + "/metrics"), timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 4 * 1024 * 1024))
        let prefix = "etcd_debugging_mvcc_watch_stream_total "
        let line = text.split(separator: "\n").first { $0.hasPrefix(prefix) }
        return line.flatMap { Int($0.dropFirst(prefix.count)) }
    }
}
