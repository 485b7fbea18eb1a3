import SeatActors
import Testing

@testable import SeatLoad

/// Goal: the engine benchmark counts only work that succeeded, and its workload does not refuse itself: one task
/// always releases or cancels what it held, so every one of its holds must succeed. Method: the benchmark's
/// worker on a real registry for a short, fixed number of seconds, with and without a log.
struct EngineBenchmarkTests {
    func run(tasks: Int) async throws -> [Worker.Result] {
        let registry = Registry(log: InMemoryChangeLog(), ids: SeededHoldIDSource(seed: 1))
        let specs = (0..<4).map { RowSpec(label: RowSpec.label(forRowIndex: $0), ranges: [1...10]) }
        _ = try registry.createHall(id: "h", rows: specs)
        let sessions = try (0..<3).map { try registry.createSession(try SessionConfig(id: "s\($0)", hallID: "h")) }
        let labels = specs.flatMap { spec in (1...10).map { SeatLabel(row: spec.label, number: $0) } }
        let deadline = ContinuousClock.now + .milliseconds(300)
        var results: [Worker.Result] = []
        for task in 0..<tasks {
            results.append(
                await Worker(sessions: sessions, labels: labels, seed: UInt64(task + 1), service: nil)
                    .run(until: deadline))
        }
        return results
    }

    @Test func aSingleTaskIsNeverRefusedAndEveryOperationChangesState() async throws {
        let result = try #require(try await self.run(tasks: 1).first)
        #expect(result.operations > 0)
        #expect(result.refusals.isEmpty, "\(result.refusals)")
        #expect(result.seatOperations == 2 * result.operations)
    }
}
