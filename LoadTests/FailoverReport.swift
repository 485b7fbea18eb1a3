import Foundation

/// The fault a failover trial injects into the shard's primary.
enum FailoverFault: String, CaseIterable, Sendable {
    /// SIGKILL; the node is restarted (same data directory and flags) once its successor serves.
    case kill
    /// SIGSTOP until the standby serves as primary and has acknowledged a change, then SIGCONT.
    case stop
    /// No fault: `CLUSTER FAILOVER` to the standby (a planned switchover).
    case switchover
}

/// What a failover run measured and found.
struct FailoverReport: Sendable {
    struct Trial: Sendable {
        var number: Int
        var fault: FailoverFault
        /// The primary faulted and the standby that took over (node names).
        var from: String
        var to: String
        /// The shard they serve.
        var shard = ""
        /// From the fault (for a switchover: from sending CLUSTER FAILOVER) to the first OK of a change from the
        /// new primary, as a client received it.
        var failoverMs: Double?
        /// A switchover: from sending CLUSTER FAILOVER to its `OK <epoch>`.
        var switchoverReplyMs: Double?
        /// From the restart (kill) or SIGCONT (stop) or the switchover's reply until the old primary says
        /// role=standby replication=sync.
        var rejoinMs: Double?
        /// The new primary's epoch.
        var epoch: UInt64?

        var line: String {
            var parts = ["trial \(self.number): \(self.fault.rawValue) \(self.from) -> \(self.to)"]
            if let ms = self.switchoverReplyMs { parts.append("CLUSTER FAILOVER answered in \(Self.format(ms)) ms") }
            parts.append("first acknowledged change after \(self.failoverMs.map(Self.format) ?? "-") ms")
            parts.append("rejoined in sync after \(self.rejoinMs.map(Self.format) ?? "-") ms")
            if let epoch = self.epoch { parts.append("epoch \(epoch)") }
            return parts.joined(separator: ", ")
        }

        static func format(_ ms: Double) -> String { String(format: "%.0f", ms) }
    }

    var seed: UInt64
    var shards = 1
    var etcdMembers = 0
    var leaseTTLSeconds = 0
    var clients = 0
    var trials: [Trial] = []
    var operations = 0
    var retried = 0
    var acknowledged = 0
    var counts = ClusterCounts()
    /// Seats (and places) the clients were told they hold or have booked that the final state does not show so.
    var lost: [String] = []
    /// Seats in two of the clients' holds or bookings at once.
    var double: [String] = []
    /// Seats the final state shows held or sold that no client holds.
    var unexplained: [String] = []
    /// OKs from a replaced primary after its successor's first OK.
    var fencedAcknowledgements: [Acknowledgement] = []
    var checkedSessions = 0
    var failures: [String] = []
    var data = ""

    var passed: Bool { self.failures.isEmpty }

    /// The median of `values` (the mean of the middle two for an even count), nil for none.
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// `<name>: median <m> ms, max <x> ms over <n>`, or nil when no trial measured it.
    static func figure(_ name: String, _ values: [Double]) -> String? {
        guard let median = Self.median(values), let max = values.max() else { return nil }
        return "\(name): median \(Trial.format(median)) ms, max \(Trial.format(max)) ms over \(values.count) trials"
    }

    /// The failover time by fault, the switchover reply and the rejoin time of `trials`, each line after `prefix`.
    static func figures(_ trials: [Trial], prefix: String) -> [String] {
        var lines: [String] = []
        for fault in FailoverFault.allCases {
            let measured = trials.filter { $0.fault == fault }.compactMap(\.failoverMs)
            if let line = Self.figure("\(fault.rawValue): fault to first acknowledged change", measured) {
                lines.append(prefix + line)
            }
        }
        if let line = Self.figure("switchover reply", trials.compactMap(\.switchoverReplyMs)) {
            lines.append(prefix + line)
        }
        if let line = Self.figure("rejoin", trials.compactMap(\.rejoinMs)) { lines.append(prefix + line) }
        return lines
    }

    var summary: String {
        var lines = [
            "failover, seed \(self.seed): shards=\(self.shards), \(self.trials.count) trials, etcd "
                + "\(self.etcdMembers) members, lease ttl \(self.leaseTTLSeconds) s, \(self.clients) clients"
                + (self.shards > 1 ? " per shard" : "")
        ]
        lines += self.trials.map { "  " + (self.shards > 1 ? "shard \($0.shard) " : "") + $0.line }
        lines += Self.figures(self.trials, prefix: "")
        if self.shards > 1 {
            for shard in Set(self.trials.map(\.shard)).sorted() {
                lines += Self.figures(self.trials.filter { $0.shard == shard }, prefix: "  shard \(shard) ")
            }
        }
        lines.append(
            "operations=\(self.operations) retried=\(self.retried) acknowledged=\(self.acknowledged) "
                + "moved=\(self.counts.moved) tryagain=\(self.counts.tryAgain) unavailable=\(self.counts.unavailable) "
                + "reconnects=\(self.counts.reconnects) indeterminate=\(self.counts.resent)")
        lines.append(
            "lost=\(self.lost.count) double=\(self.double.count) unexplained=\(self.unexplained.count) "
                + "fenced_acks=\(self.fencedAcknowledgements.count) sessions_explained=\(self.checkedSessions)")
        if self.failures.isEmpty {
            lines.append("no failures")
        } else {
            lines.append("\(self.failures.count) FAILURES (data kept in \(self.data)):")
            lines += self.failures.map { "  " + $0 }
        }
        return lines.joined(separator: "\n")
    }
}

/// When a node was a replaced primary: from its successor's first acknowledgement until the next fault (after
/// which it may be promoted again) or the end of the run.
struct FencedWindow: Sendable, Equatable {
    var address: Target
    var fromNs: UInt64
    var untilNs = UInt64.max

    /// The acknowledgements that came from a replaced primary inside its window.
    static func fenced(_ acknowledgements: [Acknowledgement], windows: [FencedWindow]) -> [Acknowledgement] {
        acknowledgements.filter { acknowledgement in
            windows.contains {
                $0.address == acknowledgement.address && acknowledgement.receivedNs > $0.fromNs
                    && acknowledgement.receivedNs < $0.untilNs
            }
        }
    }
}
