import ArgumentParser
import Foundation
import SeatActors

/// `seat-load checkout`: what ADD and RELEASE of items cost beside HOLD and RELEASE of the same seats, and whether
/// a session's idempotency keys slow requests that have none. In-process (no network, no log), one session of a
/// 20 x 25 hall, one task; each variant runs --seconds and reports the mean time of each call.
struct CheckoutBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkout",
        abstract: "ADD and RELEASE of items beside HOLD and RELEASE in-process; unkeyed requests with many keys live.")

    @Option(help: "Seats per HOLD and per ADD.")
    var seats = 2
    @Option(help: "Seconds each variant runs.")
    var seconds = 2.0
    @Option(help: "Keys the session holds in the keyed variant.")
    var keys = 200_000

    func run() async throws {
        print(
            "checkout: 1 session x 500 seats, \(self.seats) seats per call, "
                + String(format: "%.1f s", self.seconds) + " per variant, mean us per successful call")
        let plain = try await self.measure(keyed: false, add: false, preloadKeys: 0)
        let add = try await self.measure(keyed: false, add: true, preloadKeys: 0)
        let withKeys = try await self.measure(keyed: false, add: false, preloadKeys: self.keys)
        let keyed = try await self.measure(keyed: true, add: false, preloadKeys: 0)
        func row(_ name: String, _ result: (first: Double, second: Double, count: Int)) {
            print(
                name.padding(toLength: 52, withPad: " ", startingAt: 0)
                    + String(format: "%7.2f us %7.2f us  (%d pairs)", result.first, result.second, result.count))
        }
        print("variant".padding(toLength: 52, withPad: " ", startingAt: 0) + "  change   undo")
        row("HOLD \(self.seats) seats, RELEASE", plain)
        row("ADD \(self.seats) seats to a hold, RELEASE of those items", add)
        row("HOLD, RELEASE (unkeyed) with \(self.keys) keys live", withKeys)
        row("HOLD key=, RELEASE key= (a new key each)", keyed)
    }

    /// Runs one variant; returns the mean microseconds of the change (HOLD or ADD), of its undo (RELEASE, whole or
    /// of the items), and how many pairs ran.
    func measure(keyed: Bool, add: Bool, preloadKeys: Int) async throws -> (first: Double, second: Double, count: Int) {
        let registry = Registry(log: InMemoryChangeLog(), ids: SeededHoldIDSource(seed: 1))
        let specs = (0..<20).map { RowSpec(label: RowSpec.label(forRowIndex: $0), ranges: [1...25]) }
        _ = try registry.createHall(id: "h", rows: specs)
        let session = try registry.createSession(try SessionConfig(id: "s", hallID: "h", keyTTLSeconds: 86_400))
        let labels = specs.flatMap { spec in (1...25).map { SeatLabel(row: spec.label, number: $0) } }
        for index in 0..<preloadKeys {
            let held = try await session.hold(customer: "pre", selection: .explicit([labels[0]]), key: "pre-\(index)")
                .result.get()
            _ = try await session.release(held.holdID).result.get()
        }
        let base = try await session.hold(
            customer: "base", selection: .explicit([labels[labels.count - 1]]), ttlSeconds: 7_200
        ).result.get()
        var random = SplitMix64(seed: 7)
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(self.seconds * 1_000))
        var (first, second) = (Duration.zero, Duration.zero)
        var count = 0
        var serial = 0
        while clock.now < deadline {
            let start = Int(random.below(labels.count - 1 - self.seats))
            let seats = Array(labels[start..<(start + self.seats)])
            serial += 1
            let key = keyed ? "k\(serial)" : nil
            if add {
                let t0 = clock.now
                guard case .success = await session.add(base.holdID, selection: .explicit(seats), key: key).result
                else { continue }
                let t1 = clock.now
                _ = try await session.release(base.holdID, seats: seats, key: key.map { $0 + "r" }).result.get()
                (first, second) = (first + (t1 - t0), second + (clock.now - t1))
            } else {
                let t0 = clock.now
                guard
                    case .success(let held) = await session.hold(customer: "c", selection: .explicit(seats), key: key)
                        .result
                else { continue }
                let t1 = clock.now
                _ = try await session.release(held.holdID, key: key.map { $0 + "r" }).result.get()
                (first, second) = (first + (t1 - t0), second + (clock.now - t1))
            }
            count += 1
        }
        func us(_ duration: Duration) -> Double {
            (Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12)
                / Double(max(count, 1))
        }
        return (us(first), us(second), count)
    }
}
