import Metrics

/// The writer's metrics (no-ops unless the process bootstrapped a metrics backend).
struct WriterMetrics {
    let fsync = Metrics.Timer(label: "seatd_fsync_seconds")
    let recordsPerFsync = Recorder(label: "seatd_records_per_fsync", aggregate: true)
    let bytes = Counter(label: "seatd_wal_bytes_total")
}
