import Metrics

/// The publisher's metrics (`docs/operations.md`).
struct PublisherMetrics: Sendable {
    /// Events JetStream acknowledged.
    let published = Counter(label: "seatd_events_published_total")
    /// From sending a publish to its ack.
    let latency = Metrics.Timer(label: "seatd_event_publish_seconds")
    /// The log's last seq minus the acknowledged one.
    let lag = Gauge(label: "seatd_events_lag")
    /// Connections to NATS that ended and were tried again.
    let reconnects = Counter(label: "seatd_nats_reconnects_total")
    /// Events the history trimmed before NATS had them.
    let dropped = Counter(label: "seatd_events_dropped_total")
}
