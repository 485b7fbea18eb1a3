import NIOCore
import SeatdTestSupport

/// The request/reply client of a cluster of many shards (the scenarios' admin client, the failover run's set up and
/// final read): one `ClusterClient` per shard, each starting at its shard's primary, and each request sent through
/// the client of its session's shard; a request without a session (CREATE HALL, HALLS, STATS, WATCH *...) goes
/// through the first shard's. Each client follows MOVED, TRYAGAIN and lost connections as `ClusterClient` does, so a
/// failover on the way costs time, not the answer. One request at a time; unchecked Sendable for the same reason.
final class ShardedClient: LineSender, @unchecked Sendable {
    let wire = Wire.seatd
    let slots: ClusterSlots
    /// One per shard of `slots`, in its order; each connects on its first request.
    private let clients: [ClusterClient]

    init(
        _ settings: ClusterSettings, slots: ClusterSlots, token: String? = nil, group: any EventLoopGroup,
        retryUnavailable: Bool = false
    ) {
        self.slots = slots
        self.clients = slots.shards.map {
            ClusterClient(
                settings.starting(at: $0.primary), token: token, group: group, retryUnavailable: retryUnavailable)
        }
    }

    func send(_ requests: [String]) async throws -> [String] {
        var replies: [String] = []
        for request in requests { replies.append(try await self.request(request).reply) }
        return replies
    }

    /// Sends `line` through the client of its session's shard until a node answers it.
    func request(_ line: String) async throws -> ClusterClient.Answer {
        let shard = Self.session(of: line[...]).map { self.slots.shard(of: $0) } ?? 0
        return try await self.clients[shard].request(line)
    }

    func close() async {
        for client in self.clients { await client.close() }
    }

    /// What following the cluster cost, over every shard's client.
    var counts: ClusterCounts {
        self.clients.reduce(into: ClusterCounts()) { $0.merge($1.counts) }
    }

    /// The session a request line names, or nil for a request without one.
    static func session(of line: Substring) -> Substring? {
        let tokens = line.split(maxSplits: 3) { $0 == " " || $0 == "\n" || $0 == "\r" }
        guard tokens.count >= 2 else { return nil }
        switch tokens[0].uppercased() {
        case "CREATE", "DROP":
            return tokens.count >= 3 && tokens[1].uppercased() == "SESSION" ? tokens[2] : nil
        case "WATCH":
            return tokens[1] == "*" ? nil : tokens[1]
        case "HOLD", "EXTEND", "CONFIRM", "RELEASE", "CANCEL", "ADD", "SELL", "AVAIL", "BLOCK", "UNBLOCK", "RESERVE",
            "UNRESERVE", "MAP", "LIST", "HISTORY":
            return tokens[1]
        default:
            return nil
        }
    }
}
