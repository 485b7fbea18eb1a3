import Logging
import SeatActors
import ServiceLifecycle

/// The log's background work as one service: lapsed holds swept every 250 ms (on a cluster's primary only), snapshots on schedule, a failed
/// writer supervised and resumed. Shut down last: it then takes a snapshot (so the next start replays little)
/// and closes the log, which writes and syncs everything appended.
public struct Maintenance: Service {
    let service: LogService
    /// A snapshot is due after this many records (`snapshot.every_records`)...
    let snapshotEveryRecords: UInt64
    /// ... or after this many seconds with any change (`snapshot.every_seconds`).
    let snapshotEverySeconds: Int
    let logger: Logger

    public init(service: LogService, snapshotEveryRecords: UInt64, snapshotEverySeconds: Int, logger: Logger) {
        self.service = service
        self.snapshotEveryRecords = snapshotEveryRecords
        self.snapshotEverySeconds = snapshotEverySeconds
        self.logger = logger
    }

    public func run() async throws {
        let service = self.service
        let logger = self.logger
        let records = self.snapshotEveryRecords
        let seconds = self.snapshotEverySeconds
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    while !Task.isCancelled {
                        // Only a primary expires holds: a standby applies its primary's expiries.
                        if service.gate?.isServing ?? true { _ = await service.registry.sweep() }
                        try? await Task.sleep(for: .milliseconds(250))
                    }
                }
                group.addTask { await service.supervise { logger.warning("\($0)") } }
                group.addTask {
                    await Self.snapshots(service, everyRecords: records, everySeconds: seconds, logger: logger)
                }
            }
        }
        do {
            let lsn = try await service.takeSnapshot()
            logger.info("snapshot at shutdown", metadata: ["lsn": "\(lsn)"])
        } catch {
            logger.warning("no snapshot at shutdown: \(error)")
        }
        await service.shutDown()
    }

    static func snapshots(_ service: LogService, everyRecords: UInt64, everySeconds: Int, logger: Logger) async {
        var last = service.registry.log.lastLSN
        var lastTime = ContinuousClock.now
        while !Task.isCancelled {
            // A cheap check (two loads): often, so a server that is restarted often still takes its snapshots
            // (the crash loop found a log growing without bound when seatd never lived a whole second).
            try? await Task.sleep(for: .milliseconds(100))
            let current = service.registry.log.lastLSN
            let due =
                current - min(last, current) >= everyRecords
                || (current > last && lastTime.duration(to: .now) >= .seconds(everySeconds))
            guard due else { continue }
            do {
                let lsn = try await service.takeSnapshot()
                logger.info("snapshot", metadata: ["lsn": "\(lsn)"])
            } catch {
                logger.warning("snapshot failed: \(error)")
                continue
            }
            last = current
            lastTime = .now
        }
    }
}
