import CoreMetrics
import Prometheus

/// swift-prometheus's factory with each metric's HELP text (`docs/operations.md` lists them): the registry prints
/// `# HELP` only for a metric made with one, and swift-metrics' API has no place for it, so this factory looks
/// each label up here and makes the metric through the registry's own API. `promtool check metrics` is clean.
struct DescribedMetricsFactory: CoreMetrics.MetricsFactory {
    let registry: PrometheusCollectorRegistry
    /// The same factory without help texts: its bucket settings, and the handlers' destruction.
    let plain: PrometheusMetricsFactory

    static let help: [String: String] = [
        "seatd_requests_total": "Requests answered, by command.",
        "seatd_errors_total": "ERR replies, by command and code.",
        "seatd_auth_failures_total": "Connections refused or closed for want of authentication, by reason.",
        "seatd_request_seconds": "From reading a request to its reply being ready (after durability).",
        "seatd_fsync_seconds": "Each fdatasync of the log.",
        "seatd_records_per_fsync": "Records made durable by one fdatasync (group-commit batch sizes).",
        "seatd_wal_bytes_total": "Bytes written to the log.",
        "seatd_connections": "Open connections of the line protocol.",
        "seatd_sessions": "Sessions, refreshed at each scrape.",
        "seatd_holds_live": "Holds and bookings alive, refreshed at each scrape.",
        "seatd_seats_held": "Seats and places held, refreshed at each scrape.",
        "seatd_seats_sold": "Seats and places sold, refreshed at each scrape.",
        "seatd_durable_lsn": "The last LSN known durable.",
        "seatd_events_published_total": "Events NATS JetStream acknowledged.",
        "seatd_event_publish_seconds": "From sending an event to NATS to its acknowledgement.",
        "seatd_events_lag": "The last LSN less the last seq NATS acknowledged.",
        "seatd_nats_reconnects_total": "Connections to NATS that ended and were tried again.",
        "seatd_events_dropped_total": "Events the history trimmed before NATS had them.",
    ]

    init(registry: PrometheusCollectorRegistry, plain: PrometheusMetricsFactory) {
        self.registry = registry
        self.plain = plain
    }

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: Self.help[label] ?? label)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        self.registry.makeCounter(descriptor: self.descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        self.registry.makeCounter(descriptor: self.descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return self.registry.makeGauge(descriptor: self.descriptor(label), labels: dimensions) }
        let buckets = self.plain.valueHistogramBuckets[label] ?? self.plain.defaultValueHistogramBuckets
        return self.registry.makeValueHistogram(
            descriptor: self.descriptor(label), labels: dimensions, buckets: buckets)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        self.registry.makeGauge(descriptor: self.descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let buckets = self.plain.durationHistogramBuckets[label] ?? self.plain.defaultDurationHistogramBuckets
        return self.registry.makeDurationHistogram(
            descriptor: self.descriptor(label), labels: dimensions, buckets: buckets)
    }

    func destroyCounter(_ handler: any CounterHandler) { self.plain.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        self.plain.destroyFloatingPointCounter(handler)
    }
    func destroyRecorder(_ handler: any RecorderHandler) { self.plain.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { self.plain.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { self.plain.destroyTimer(handler) }
}
