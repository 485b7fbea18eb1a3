import Foundation
import Histogram
import Synchronization

/// What one connection (or, merged, one run) measured: replies by kind, refusals, errors by code, latency.
struct LoadResult: Sendable {
    var replies = [Int](repeating: 0, count: RequestKind.allCases.count)
    /// HOLDs refused because the seats were taken or sold out: contention, not failure.
    var conflicts = 0
    /// Every other ERR reply, by code.
    var errors: [String: Int] = [:]
    var latencyNs = LoadResult.histogram()
    /// With `--cluster`: MOVED, TRYAGAIN, reconnections and requests sent again, over the whole run (none of them
    /// is a reply above).
    var cluster = ClusterCounts()

    static func histogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    }

    var requests: Int { self.replies.reduce(0, +) }
    var errorCount: Int { self.errors.values.reduce(0, +) }

    mutating func record(_ kind: RequestKind, reply: Substring, latencyNs: UInt64) {
        self.replies[kind.rawValue] += 1
        _ = self.latencyNs.record(latencyNs)
        guard reply.hasPrefix("ERR ") else { return }
        let code = SteadyFlow.token(1, of: reply)
        if Self.conflictCodes.contains(code) {
            self.conflicts += 1
        } else {
            self.errors[String(code), default: 0] += 1
        }
    }

    static let conflictCodes: Set<Substring> = ["TAKEN", "SOLD_OUT", "NO_ADJACENT"]

    mutating func merge(_ other: LoadResult) {
        for index in self.replies.indices { self.replies[index] += other.replies[index] }
        self.conflicts += other.conflicts
        self.errors.merge(other.errors, uniquingKeysWith: +)
        self.latencyNs.add(other.latencyNs)
        self.cluster.merge(other.cluster)
    }

    func microseconds(atPercentile percentile: Double) -> Double {
        Double(self.latencyNs.valueAtPercentile(percentile)) / 1_000
    }
}

/// Figures of the measured window by second, which connections add to as replies arrive: each connection cuts its
/// interval at every second boundary, so a second's line holds exactly the replies of that second, and the lines
/// of a run add up to its total.
final class LoadProgress: Sendable {
    /// When measuring starts: second 0 begins here.
    let measureFromNs: UInt64
    private let seconds = Mutex<[Int: LoadResult]>([:])

    init(measureFromNs: UInt64) {
        self.measureFromNs = measureFromNs
    }

    /// The second of the measured window a reply at `ns` falls in.
    func second(of ns: UInt64) -> Int { Int((ns &- self.measureFromNs) / 1_000_000_000) }

    /// Adds a connection's figures of one second.
    func add(_ result: LoadResult, second: Int) {
        guard result.requests > 0 else { return }
        self.seconds.withLock { $0[second, default: LoadResult()].merge(result) }
    }

    /// The figures of `second` (removed: each second is printed once).
    func take(second: Int) -> LoadResult { self.seconds.withLock { $0.removeValue(forKey: second) } ?? LoadResult() }

    /// Every second not taken yet, in order.
    func takeRest() -> [(second: Int, result: LoadResult)] {
        self.seconds.withLock { seconds in
            defer { seconds.removeAll() }
            return seconds.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }
}

extension LoadResult {
    /// The one-line report of an interval: rate, p50, p99, conflicts and errors.
    func progressLine(second: Int, seconds: Double) -> String {
        String(
            format: "%4ds %9.0f req/s  p50 %8.1f us  p99 %8.1f us  conflicts %d  errors %d", second,
            Double(self.requests) / seconds, self.microseconds(atPercentile: 50),
            self.microseconds(atPercentile: 99), self.conflicts, self.errorCount)
    }

    /// A line of a summary table.
    static func row(_ name: String, _ value: String) -> String {
        name.padding(toLength: 22, withPad: " ", startingAt: 0)
            + String(repeating: " ", count: max(0, 14 - value.count)) + value
    }

    /// The final summary table.
    func summary(title: String, seconds: Double) -> String {
        let row = Self.row
        var lines = [title]
        lines.append(row("requests/s", String(format: "%.0f", Double(self.requests) / seconds)))
        lines.append(row("requests", "\(self.requests)"))
        for kind in RequestKind.allCases where self.replies[kind.rawValue] > 0 {
            lines.append(row("  " + kind.name, "\(self.replies[kind.rawValue])"))
        }
        lines.append(row("conflicts", "\(self.conflicts)"))
        lines.append(row("errors", "\(self.errorCount)"))
        for (code, count) in self.errors.sorted(by: { $0.key < $1.key }) { lines.append(row("  " + code, "\(count)")) }
        for percentile in [50.0, 90.0, 99.0, 99.9, 100.0] {
            let name = percentile == 100 ? "latency max" : "latency p\(Self.format(percentile))"
            lines.append(row(name, String(format: "%.1f us", self.microseconds(atPercentile: percentile))))
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
