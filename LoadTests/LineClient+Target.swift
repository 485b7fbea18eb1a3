import Foundation
import NIOCore
import SeatdTestSupport

extension LineClient {
    /// A client to `target`; for Redis it loads seat-load's script when it connects.
    static func connect(_ target: Target, group: any EventLoopGroup) async throws -> LineClient {
        let client = try await LineClient.connect(to: try target.address(), group: group, tls: target.tls)
        // An open channel dropped on a throw traps in NIO ("Deinited NIOAsyncWriter without calling finish()"):
        // close it before giving up.
        do { if target.kind == .redis { try await client.loadRedisScript(try Self.redisScript()) } } catch {
            await client.close()
            throw error
        }
        return client
    }

    /// The Redis script shipped with seat-load (`LoadTests/redis/seats.lua`).
    private static func redisScript() throws -> String {
        guard let url = Bundle.module.url(forResource: "seats", withExtension: "lua") else {
            throw LoadError("seats.lua is missing from seat-load's resources")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
