import Foundation
import SeatActors
import Testing

@testable import Store
@testable import WAL

func segmentPaths(_ directory: String) throws -> [String] {
    try PosixStorage().list(directory).filter { $0.hasSuffix(".wal") }.map { directory + "/" + $0 }
}

/// The byte ranges of every batch in a segment file.
func batchRanges(_ path: String) throws -> [Range<Int>] {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    var ranges: [Range<Int>] = []
    var offset = Format.segmentHeaderBytes
    while case .batch(_, _, let size) = Batch.read(bytes, at: offset, expectedLSN: nil, previousCRC: nil) {
        ranges.append(offset..<(offset + size))
        offset += size
    }
    return ranges
}

/// A registry writing to a real log in `directory`, after whatever is there already.
func openLog(
    _ directory: String, segmentBytes: Int = 64 << 10, clock: ManualClock = ManualClock()
)
    throws -> (Registry, LogWriter)
{
    let recovered = try Recovery.recover(directory: directory)
    let writer = try LogWriter(
        options: .init(directory: directory, segmentBytes: segmentBytes), lastLSN: recovered.lastLSN,
        tail: recovered.tail)
    let registry = Registry(
        state: recovered.state, log: WriterLog(writer), clock: clock, ids: SeededHoldIDSource(seed: 11))
    return (registry, writer)
}

/// Waits on `writer` alone, as a snapshotter of a test without a `LogService` does.
func durable(_ writer: LogWriter) -> @Sendable (LSN) async throws(SeatError) -> Void {
    { (lsn: LSN) async throws(SeatError) in
        do throws(WALError) { try await writer.waitDurable(through: lsn) } catch { throw error.seatError }
    }
}

/// Digests of every session, by id.
func digests(_ registry: Registry, history: Bool = true) async -> [String: String] {
    var result: [String: String] = [:]
    for session in registry.sessions { result[session.id] = await session.snapshot().digest(history: history) }
    return result
}

func digests(_ state: RegistryState, history: Bool = true) -> [String: String] {
    Dictionary(uniqueKeysWithValues: state.sessions.values.map { ($0.id, $0.digest(history: history)) })
}

/// Runs `count` mixed durable operations (one batch each) on session `s` of a 10x20 hall.
func workload(_ registry: Registry, _ writer: LogWriter, count: Int, seed: UInt64 = 1) async throws {
    if registry.session("s") == nil {
        _ = try registry.createHall(
            id: "h", rows: (0..<10).map { RowSpec(label: String(UnicodeScalar(UInt8(65 + $0))), ranges: [1...20]) })
        _ = try registry.createSession(try SessionConfig(id: "s", hallID: "h"))
    }
    let session = registry.session("s")!
    var state = seed
    func next(_ n: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(n))
    }
    var holds: [HoldID] = []
    var bookings: [HoldID] = []
    for _ in 0..<count {
        let lsn: LSN
        switch next(5) {
        case 0 where !holds.isEmpty:
            let id = holds.removeFirst()
            bookings.append(id)
            lsn = await session.confirm(id, ref: "pay-\(next(1000))").lsn
        case 1 where !holds.isEmpty:
            lsn = await session.release(holds.removeLast()).lsn
        case 2 where !bookings.isEmpty:
            lsn = await session.cancel(bookings.removeFirst()).lsn
        default:
            let outcome = await session.hold(
                customer: "cust-\(next(50))", selection: .best(1 + next(4)),
                key: next(3) == 0 ? "key-\(next(100_000))" : nil)
            if case .success(let reply) = outcome.result { holds.append(reply.holdID) }
            lsn = outcome.lsn
        }
        try await writer.waitDurable(through: lsn)
    }
}
