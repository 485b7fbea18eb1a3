import Foundation
import SeatdClient
import Testing

/// Goal: after an ambiguous failure (the connection closed after the request went out, before its reply) a change
/// with a key is sent again and applied once, and a change without one is thrown to the caller. Method: a
/// `CuttingProxy` in front of seatd passes the first request on and closes the client's side without the reply;
/// the client's retry goes through the proxy's next connection; MAP and LIST then show one hold.
struct KeyedRetryTests {
    /// seatd with the venue, an admin client straight to it, and a client of one connection through the proxy.
    func throughProxy(
        _ name: String, _ body: (_ admin: SeatdClient, _ client: SeatdClient, CuttingProxy) async throws -> Void
    ) async throws {
        let fixture = try await ClientFixture(name)
        defer { fixture.stop() }
        let admin = fixture.client()
        defer { admin.close() }
        try await fixture.venue(admin)
        let proxy = try CuttingProxy(upstreamPort: fixture.port)
        defer { proxy.stop() }
        let client = fixture.client(connections: 1, port: proxy.port)
        defer { client.close() }
        try await body(admin, client, proxy)
    }

    @Test func keyedHoldIsRetriedAndAppliedOnce() async throws {
        try await self.throughProxy("client-retry") { admin, client, proxy in
            let hold = try await client.hold(
                "s", customer: "ann", .items(["A3", "A4"]), options: HoldOptions(key: .generated))
            #expect(proxy.droppedRequests.count == 1)
            #expect(proxy.droppedRequests.first?.hasPrefix("HOLD s ann A3 A4 key=sc-") == true)
            #expect(hold.items == ["A3", "A4"])
            #expect(try await admin.list("s", customer: "ann").map(\.hold) == [hold.id])
            #expect(try await admin.map("s").rows[0].seats == [.free, .free, .held, .held, .free, .free])
        }
    }

    @Test func unkeyedHoldThrowsTheAmbiguousFailure() async throws {
        try await self.throughProxy("client-nokey") { admin, client, _ async throws in
            await #expect {
                _ = try await client.hold("s", customer: "bob", items: ["B1"])
            } throws: { error in
                (error as? SeatdError)?.isAmbiguous == true
            }
            #expect(try await admin.list("s", customer: "bob").count == 1)  // it was carried out after all
            #expect(try await client.avail("s").held == 1)  // the pool goes on with a new connection
        }
    }
}
