import ArgumentParser

/// The addresses of a seatd cluster's nodes, `host:port[,host:port...]` (each may carry `seatd://`).
struct ClusterAddresses: ExpressibleByArgument, CustomStringConvertible, Sendable, Equatable {
    let addresses: [Target]

    init(_ addresses: [Target]) {
        precondition(!addresses.isEmpty)
        self.addresses = addresses
    }

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        let addresses = parts.compactMap { Target(argument: String($0)) }
        guard !addresses.isEmpty, addresses.count == parts.count, addresses.allSatisfy({ $0.kind == .seatd }) else {
            return nil
        }
        self.addresses = addresses
    }

    var description: String { "cluster " + self.addresses.map { "\($0.host):\($0.port)" }.joined(separator: ",") }
}

/// `--cluster` of the rush, steady and open scenarios: the load goes to a cluster instead of `--target`.
struct ClusterOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A seatd cluster's nodes, host:port[,host:port...], instead of --target.",
            discussion: """
                Each connection starts at the first address that answers, follows ERR MOVED to the primary and waits
                out ERR TRYAGAIN (at most 1 s) before sending the request again; when its connection drops, or a
                reply does not come within --cluster-reply-timeout-ms, it tries the listed addresses in turn and
                sends again the requests it got no reply to (counted as indeterminate, never as answered). List every
                node, so that a connection whose node died finds another.

                Many shards: the run asks CLUSTER SLOTS first (an ERR reply means one shard, as before). The session
                ids are then chosen so that every shard gets an even share of --sessions (ids <prefix>-<run>-<n>
                with the n whose shard already has its share skipped), each CREATE SESSION goes to its shard's
                primary, and each load connection works on the sessions of one shard and starts at that shard's
                primary (the connections go to the shards in turn; rush buyers stay on their connection's shard), so
                the steady state has no MOVED. The admin client sends each request to its session's shard.
                """))
    var cluster: ClusterAddresses?

    @Option(help: "With --cluster: ms to wait for a reply before taking the connection as lost.")
    var clusterReplyTimeoutMs = 2_000

    func validate() throws {
        guard self.clusterReplyTimeoutMs >= 1 else { throw ValidationError("--cluster-reply-timeout-ms must be >= 1") }
    }

    /// The cluster's connection settings, or nil without `--cluster`.
    var settings: ClusterSettings? {
        self.cluster.map { ClusterSettings(addresses: $0.addresses, replyTimeoutMs: self.clusterReplyTimeoutMs) }
    }
}

/// How the clients of a run reach a cluster.
struct ClusterSettings: Sendable {
    var addresses: [Target]
    /// Where a client starts (a shard's primary); nil: the first of `addresses`.
    var start: Target? = nil
    /// A reply that has not come this long after its request was written counts as lost with its connection (a
    /// stopped node keeps its connections open and answers nothing).
    var replyTimeoutMs = 2_000
    /// A client that has had no connection for this long gives up.
    var unreachableMsMax = 30_000

    var description: String { ClusterAddresses(self.addresses).description }

    /// These settings for a client that starts at `start` (nil: the first address).
    func starting(at start: Target?) -> ClusterSettings {
        var settings = self
        settings.start = start
        return settings
    }
}
