/// Where a cluster client sends its next request: the address it is on (its start, a shard's primary, or the first
/// listed one to begin with, then wherever a MOVED pointed), the listed addresses it tries in turn when a connection
/// drops or cannot be made, and how long it waits before the next try. Pure: the clients (`LoadLink`,
/// `ClusterClient`) do the I/O.
struct ClusterRoute: Sendable {
    /// The first wait after two tries in a row without an answer; it doubles with every further one.
    static let retryDelayMsMin = 10
    /// The longest wait between tries, so a client notices a new primary within this long of its first answer.
    static let retryDelayMsMax = 100

    /// The addresses given with `--cluster`, in order.
    let addresses: [Target]
    /// Where the next request goes.
    private(set) var current: Target
    /// Tries in a row that ended without an answer: a refused, failed or dropped connection, or a MOVED.
    private(set) var failures = 0
    /// The listed address tried after the next drop.
    private var nextIndex: Int

    /// A route that starts at `start` (a shard's primary, listed or not), or at the first address.
    init(_ addresses: [Target], start: Target? = nil) {
        precondition(!addresses.isEmpty, "a cluster route needs an address")
        self.addresses = addresses
        self.current = start ?? addresses[0]
        // After a drop: the listed address after the start, or the first one when the start is not listed.
        let index = addresses.firstIndex(of: self.current) ?? -1
        self.nextIndex = (index + 1) % addresses.count
    }

    /// A node answered `ERR MOVED ... address`: go there.
    mutating func moved(to address: Target) {
        self.current = address
        self.failures += 1
    }

    /// The connection to `current` dropped or could not be made: the next listed address other than `current`
    /// (the same one when it is the only one).
    mutating func dropped() {
        self.failures += 1
        for _ in self.addresses.indices {
            let candidate = self.addresses[self.nextIndex]
            self.nextIndex = (self.nextIndex + 1) % self.addresses.count
            if candidate != self.current || self.addresses.count == 1 {
                self.current = candidate
                return
            }
        }
    }

    /// A request got its answer (anything but MOVED, TRYAGAIN or UNAVAILABLE): the route works again.
    mutating func answered() { self.failures = 0 }

    /// The wait before the next try: none after one failure (a MOVED, or the first drop, goes on at once), then
    /// `retryDelayMsMin` doubling up to `retryDelayMsMax`, so that clients redirected to a dead primary until a
    /// standby takes over do not spin.
    var delayMs: Int {
        guard self.failures > 1 else { return 0 }
        return min(Self.retryDelayMsMin << min(self.failures - 2, 16), Self.retryDelayMsMax)
    }
}

/// What following a cluster cost a client, summed over a run: none of it is counted as work.
struct ClusterCounts: Sendable, Equatable {
    /// `ERR MOVED` replies followed.
    var moved = 0
    /// `ERR TRYAGAIN` replies waited out.
    var tryAgain = 0
    /// `ERR UNAVAILABLE` replies to changes sent again (the failover clients only; a benchmark counts them as
    /// errors).
    var unavailable = 0
    /// Connections made after the first one.
    var reconnects = 0
    /// Requests sent again because their connection dropped (or their reply did not come within the reply
    /// timeout) before the reply: their first attempt's outcome is unknown (indeterminate).
    var resent = 0

    mutating func merge(_ other: ClusterCounts) {
        self.moved += other.moved
        self.tryAgain += other.tryAgain
        self.unavailable += other.unavailable
        self.reconnects += other.reconnects
        self.resent += other.resent
    }

    /// The rows of a summary table.
    var summary: String {
        [
            LoadResult.row("cluster: moved", "\(self.moved)"),
            LoadResult.row("  tryagain", "\(self.tryAgain)"),
            LoadResult.row("  reconnects", "\(self.reconnects)"),
            LoadResult.row("  indeterminate", "\(self.resent)"),
        ].joined(separator: "\n")
            + (self.unavailable > 0 ? "\n" + LoadResult.row("  unavailable", "\(self.unavailable)") : "")
    }
}
