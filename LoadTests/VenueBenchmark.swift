import ArgumentParser
import Foundation
import SeatActors

/// `seat-load venue`: BEST with the 1.1 hall model in-process, beside plain BEST in the same run. One session of
/// a --rows x --seats-per-row hall with a VIP category (every other row) is half taken (random seats held), then
/// each variant runs --seconds: HOLD BEST --count (plain; cat=vip orphans=avoid; fallback=split) then RELEASE
/// it, so the hall stays half taken. Only successful holds are counted, and refusals are reported apart.
struct VenueBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "venue",
        abstract: "BEST with categories, orphans=avoid and fallback=split in-process, beside plain BEST.")

    @Option(help: "Rows of the hall.")
    var rows = 100
    @Option(help: "Seats per row.")
    var seatsPerRow = 100
    @Option(help: "Seats BEST asks for.")
    var count = 4
    @Option(help: "Fraction of the seats taken before the runs.")
    var taken = 0.5
    @Option(help: "Seconds each variant runs.")
    var seconds = 3.0
    @Option(help: "Seed of the seats taken.")
    var seed: UInt64 = 1

    func validate() throws {
        guard self.rows >= 1, self.rows <= 702, self.seatsPerRow >= self.count, self.count >= 1,
            (0..<1).contains(self.taken), self.seconds > 0
        else { throw ValidationError("need 1...702 rows, seats per row >= count >= 1, 0 <= taken < 1, seconds > 0") }
    }

    func run() async throws {
        let registry = Registry(log: InMemoryChangeLog(), ids: SeededHoldIDSource(seed: self.seed))
        let specs = (0..<self.rows).map {
            RowSpec(label: RowSpec.label(forRowIndex: $0), ranges: [1...self.seatsPerRow])
        }
        let vip = stride(from: 0, to: self.rows, by: 2).map { row -> HallTarget in
            let label = RowSpec.label(forRowIndex: row)
            return .seats(SeatLabel(row: label, number: 1), through: SeatLabel(row: label, number: self.seatsPerRow))
        }
        _ = try registry.createHall(id: "venue", rows: specs, parts: [.category("vip", vip)])
        let session = try registry.createSession(try SessionConfig(id: "s", hallID: "venue", maxTTLSeconds: 7_200))
        var random = SplitMix64(seed: self.seed)
        let capacity = self.rows * self.seatsPerRow
        var taken = 0
        while Double(taken) < Double(capacity) * self.taken {
            let index = random.below(capacity)
            let seat = SeatLabel(
                row: RowSpec.label(forRowIndex: index / self.seatsPerRow), number: index % self.seatsPerRow + 1)
            if case .success = await session.hold(customer: "pre", selection: .explicit([seat]), ttlSeconds: 7_200)
                .result
            {
                taken += 1
            }
        }
        print(
            "venue: 1 session x \(capacity) seats, \(taken) taken, BEST \(self.count) then RELEASE, "
                + String(format: "%.1f s", self.seconds) + " per variant")
        let variants: [(String, HoldOptions)] = [
            ("plain BEST", HoldOptions()),
            ("BEST cat=vip", HoldOptions(category: "vip")),
            ("BEST orphans=avoid", HoldOptions(avoidOrphans: true)),
            ("BEST cat=vip orphans=avoid", HoldOptions(category: "vip", avoidOrphans: true)),
            (
                "BEST cat=vip orphans=avoid fallback=split",
                HoldOptions(category: "vip", avoidOrphans: true, split: true)
            ),
        ]
        for (name, options) in variants {
            let (holds, refused, seconds) = await self.measure(session, options)
            print(
                name.padding(toLength: 44, withPad: " ", startingAt: 0)
                    + String(
                        format: "%9.0f successful holds/s (%d holds, %d refused)", Double(holds) / seconds, holds,
                        refused))
        }
    }

    /// Holds and releases in a loop for `seconds`; returns the successful holds, the refusals and the time taken.
    func measure(_ session: Session, _ options: HoldOptions) async -> (Int, Int, Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int(self.seconds * 1_000))
        var holds = 0
        var refused = 0
        while clock.now < deadline {
            for _ in 0..<64 {
                switch await session.hold(customer: "b", selection: .best(self.count), options: options).result {
                case .success(let reply):
                    holds += 1
                    _ = await session.release(reply.holdID)
                case .failure:
                    refused += 1
                }
            }
        }
        let elapsed = start.duration(to: clock.now)
        return (holds, refused, elapsed.inSeconds)
    }
}
