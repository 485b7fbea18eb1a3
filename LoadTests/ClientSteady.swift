import NIOCore
import SeatActors
import SeatdClient
import Synchronization

/// `seat-load steady --driver client`: the steady workload through `SeatdClient`'s typed methods instead of
/// seat-load's own connections. connections x depth tasks share one client whose pool has `connections`
/// connections, so each connection pipelines about `depth` requests. The tasks run on the event loops of
/// `--threads` (`LoopTaskExecutor`), like seat-load's own connections. Each task loops like a `SteadyFlow`: HOLD k
/// random seats of a random session, then RELEASE, or CONFIRM and CANCEL; a HOLD refused with TAKEN is a conflict.
struct ClientSteady: Sendable {
    let shape: SteadyFlow.Shape
    let host: String
    let port: Int
    let token: String?
    let connections: Int
    let depth: Int
    let seed: UInt64

    /// Runs the tasks until `stopAtNs` and returns what they measured from `measureFromNs` on.
    func run(
        group: any EventLoopGroup, measureFromNs: UInt64, stopAtNs: UInt64, progress: LoadProgress
    ) async -> LoadResult {
        let client = SeatdClient(
            SeatdClient.Configuration(
                host: self.host, port: self.port, token: self.token, connections: self.connections,
                requestTimeout: .seconds(30), eventLoopGroup: group))
        defer { client.close() }
        let recorders = (0..<self.connections).map { _ in
            LoadRecorder(measureFromNs: measureFromNs, stopAtNs: stopAtNs, progress: progress)
        }
        let executors = (0..<self.connections).map { _ in LoopTaskExecutor(group.next()) }
        await withTaskGroup(of: Void.self) { tasks in
            for connection in 0..<self.connections {
                for flow in 0..<self.depth {
                    let seed = self.seed &+ UInt64(connection * self.depth + flow) &* 0x9E37_79B9
                    let customer = "c\(connection)-\(flow)"
                    tasks.addTask(executorPreference: executors[connection]) {
                        await self.loop(
                            client, customer: customer, seed: seed, stopAtNs: stopAtNs,
                            recorder: recorders[connection])
                    }
                }
            }
        }
        var total = LoadResult()
        for recorder in recorders { total.merge(recorder.finish()) }
        return total
    }

    private func loop(
        _ client: SeatdClient, customer: String, seed: UInt64, stopAtNs: UInt64, recorder: LoadRecorder
    ) async {
        var random = SplitMix64(seed: seed)
        let shape = self.shape
        while LoadClock.nowNs < stopAtNs {
            let session = shape.sessions[Int(random.next() % UInt64(shape.sessions.count))]
            var picked: [Int] = []
            while picked.count < shape.seatsPerHold {
                let seat = Int(random.next() % UInt64(shape.seats.count))
                if !picked.contains(seat) { picked.append(seat) }
            }
            picked.sort()
            let items = picked.map { Item.seat(shape.seats[$0]) }
            let confirming = Double(random.next() >> 11) / Double(1 << 53) < shape.confirmRatio
            guard
                let hold = await recorder.time(
                    .hold, { try await client.hold(session, customer: customer, items: items) })
            else { continue }
            if confirming, await recorder.time(.confirm, { try await client.confirm(session, hold: hold.id) }) != nil {
                _ = await recorder.time(.cancel, { try await client.cancel(session, hold: hold.id) })
            } else if !confirming {
                _ = await recorder.time(.release, { try await client.release(session, hold: hold.id) })
            }
        }
    }
}

/// Counts the replies of a group of tasks like a `LoadConnection` counts its own: in the measured window, and by
/// second for the progress lines.
final class LoadRecorder: Sendable {
    private struct Counts {
        var result = LoadResult()
        var interval = LoadResult()
        var second = 0
    }
    private let counts = Mutex(Counts())
    private let measureFromNs: UInt64
    private let stopAtNs: UInt64
    private let progress: LoadProgress

    init(measureFromNs: UInt64, stopAtNs: UInt64, progress: LoadProgress) {
        self.measureFromNs = measureFromNs
        self.stopAtNs = stopAtNs
        self.progress = progress
    }

    /// Runs one request and records its outcome; its value, or nil when it threw.
    func time<Value>(_ kind: RequestKind, _ body: () async throws -> Value) async -> Value? {
        let start = LoadClock.nowNs
        var reply: Substring = "OK"
        var value: Value?
        do {
            value = try await body()
        } catch {
            reply = Substring("ERR " + ((error as? SeatdError)?.code ?? "CLIENT"))
        }
        self.record(kind, reply: reply, startNs: start)
        return value
    }

    private func record(_ kind: RequestKind, reply: Substring, startNs: UInt64) {
        let now = LoadClock.nowNs
        guard now >= self.measureFromNs, now < self.stopAtNs else { return }
        let second = self.progress.second(of: now)
        let done: (LoadResult, Int)? = self.counts.withLock { counts in
            counts.result.record(kind, reply: reply, latencyNs: now &- startNs)
            var done: (LoadResult, Int)?
            if second != counts.second {
                done = (counts.interval, counts.second)
                counts.interval.reset()
                counts.second = second
            }
            counts.interval.record(kind, reply: reply, latencyNs: now &- startNs)
            return done
        }
        if let (interval, second) = done { self.progress.add(interval, second: second) }
    }

    /// The whole measured result; hands the last second to the progress.
    func finish() -> LoadResult {
        self.counts.withLock { counts in
            self.progress.add(counts.interval, second: counts.second)
            return counts.result
        }
    }
}
