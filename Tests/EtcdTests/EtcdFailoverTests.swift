import Etcd
import Foundation
import SeatdTestSupport
import Testing

/// Goal: a client given several URLs gets through while any of them answers, goes on with the one that answered,
/// and says `.unreachable` or `.timeout` when none does. Method: a real etcd behind a closed port (refused at once)
/// or behind a socket that listens but never answers (the per-call timeout), in front of it in the URL list.
@Suite(.enabled(if: EtcdServer.path != nil, "etcd is missing (apt-get install etcd-server); skipped"))
struct EtcdFailoverTests {
    @Test func aClosedFirstURLFailsOverToTheSecondAndItIsRemembered() async throws {
        let server = try await EtcdServer()
        defer { server.stop() }
        let refusing = try LoopbackPort.refusing()
        defer { close(refusing.fd) }
        let closed = "http://127.0.0.1:\(refusing.port)"
        let client = EtcdClient(endpoints: [closed, server.url], timeout: EtcdServer.callTimeout)
        #expect(client.currentEndpoint == closed)
        let revision = try await client.put(bytes("/f"), bytes("1"))
        #expect(client.currentEndpoint == server.url)
        #expect(try await client.get(bytes("/f"))?.modRevision == revision)
        #expect(await client.health())
        try await client.shutdown()
    }

    @Test func aSilentFirstURLFailsOverAfterTheTimeout() async throws {
        let server = try await EtcdServer()
        defer { server.stop() }
        let silent = try LoopbackPort.silent()
        defer { close(silent.fd) }
        let client = EtcdClient(endpoints: ["http://127.0.0.1:\(silent.port)", server.url], timeout: .seconds(5))
        // A read: it needs no disk, so the server answers within the timeout even on a loaded machine.
        #expect(try await client.get(bytes("/f")) == nil)
        #expect(client.currentEndpoint == server.url)
        #expect(try await client.get(bytes("/f")) == nil)
        try await client.shutdown()
    }

    @Test func noAnsweringURLIsUnreachableAndOnlySilentOnesTimeOut() async throws {
        let ports = [try LoopbackPort.refusing(), try LoopbackPort.refusing()]
        defer { for port in ports { close(port.fd) } }
        let closed = ports.map { "http://127.0.0.1:\($0.port)" }
        // A long timeout: `.unreachable`, not `.timeout`, shows that a refused connection is not waited out.
        let refusing = EtcdClient(endpoints: closed, timeout: EtcdServer.callTimeout)
        do {
            _ = try await refusing.get(bytes("/x"))
            Issue.record("a get through closed ports succeeded")
        } catch {
            guard case .unreachable(let failures) = error else {
                Issue.record("not unreachable: \(error)")
                return
            }
            #expect(failures.count == 2)
        }
        #expect(await refusing.health() == false)
        try await refusing.shutdown()

        let silent = try LoopbackPort.silent()
        defer { close(silent.fd) }
        let waiting = EtcdClient(endpoints: ["http://127.0.0.1:\(silent.port)"], timeout: .milliseconds(300))
        await #expect(throws: EtcdError.timeout("/v3/kv/range")) { try await waiting.get(bytes("/x")) }
        try await waiting.shutdown()
    }

    @Test func aCancelledCallSaysCancelled() async throws {
        let silent = try LoopbackPort.silent()
        defer { close(silent.fd) }
        let client = EtcdClient(endpoints: ["http://127.0.0.1:\(silent.port)"], timeout: .seconds(30))
        let call = Task { try await client.get(bytes("/x")) }
        try await Task.sleep(for: .milliseconds(200))
        call.cancel()
        await #expect(throws: EtcdError.cancelled) { try await call.value }
        try await client.shutdown()
    }
}
