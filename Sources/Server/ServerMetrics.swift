import Metrics
import SeatActors
import Synchronization

/// The server's metrics through swift-metrics (Prometheus names; `docs/operations.md` lists them). Without a
/// bootstrapped backend every one of them is a no-op. The per-command handles are made once, so a request costs
/// an array index, not a factory lookup.
final class ServerMetrics: Sendable {
    /// The commands as metric labels; `invalid` is a line that did not parse.
    enum Command: Int, CaseIterable, Sendable {
        case ping, auth, createHall, createSession, dropSession, hold, extend, confirm, release, cancel, avail, map
        case list, watch, stats, snapshot, quit, invalid
        case block, unblock, reserve, unreserve, hall, halls, sessions, add, sell, history
        case clusterInfo, clusterFailover, clusterSlots

        var label: String {
            switch self {
            case .createHall: "create_hall"
            case .createSession: "create_session"
            case .dropSession: "drop_session"
            case .clusterInfo: "cluster_info"
            case .clusterFailover: "cluster_failover"
            case .clusterSlots: "cluster_slots"
            default: "\(self)"
            }
        }
    }

    private let requests: [Counter]
    private let latency: [Metrics.Timer]
    private let errors = Mutex<[String: Counter]>([:])
    private let authFailures = Mutex<[String: Counter]>([:])
    private let factory: any MetricsFactory
    let connections: Gauge
    let sessions: Gauge
    let seatsHeld: Gauge
    let seatsSold: Gauge
    let holdsLive: Gauge
    let durableLSN: Gauge

    init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        self.requests = Command.allCases.map {
            Counter(label: "seatd_requests_total", dimensions: [("command", $0.label)], factory: factory)
        }
        self.latency = Command.allCases.map {
            Metrics.Timer(label: "seatd_request_seconds", dimensions: [("command", $0.label)], factory: factory)
        }
        self.connections = Gauge(label: "seatd_connections", factory: factory)
        self.sessions = Gauge(label: "seatd_sessions", factory: factory)
        self.seatsHeld = Gauge(label: "seatd_seats_held", factory: factory)
        self.seatsSold = Gauge(label: "seatd_seats_sold", factory: factory)
        self.holdsLive = Gauge(label: "seatd_holds_live", factory: factory)
        self.durableLSN = Gauge(label: "seatd_durable_lsn", factory: factory)
    }

    /// Counts a connection refused or closed for want of authentication, by `reason`: `invalid_token`,
    /// `too_many` (the last failed AUTH), `timeout` (no AUTH in time), `evicted` (the oldest stranger, to make
    /// room), `per_ip` (`limits.connections_per_ip`).
    func authFailure(_ reason: String) {
        let counter = self.authFailures.withLock { counters in
            if let counter = counters[reason] { return counter }
            let counter = Counter(
                label: "seatd_auth_failures_total", dimensions: [("reason", reason)], factory: self.factory)
            counters[reason] = counter
            return counter
        }
        counter.increment()
    }

    /// Counts a reply sent after `nanoseconds` (from the request's parse to its reply being released), and an
    /// error reply by its code.
    func record(_ command: Command, _ response: Response, nanoseconds: UInt64) {
        self.requests[command.rawValue].increment()
        self.latency[command.rawValue].recordNanoseconds(Int64(truncatingIfNeeded: nanoseconds))
        guard let code = response.errorCode else { return }
        let key = "\(command.label) \(code.rawValue)"
        let counter = self.errors.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: "seatd_errors_total",
                dimensions: [("command", command.label), ("code", code.rawValue)], factory: self.factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
    }
}
