import SeatActors
import Testing

@testable import Store
@testable import WAL

/// Goal: a reply about absence waits for durability too. A request that reached a session actor just after the
/// session was dropped answers NO_SUCH_SESSION with the LSN of the drop record, so the reply leaves only once the
/// drop is durable. Method: the log's fsyncs held back at a gate on the simulated disk, the session dropped, a
/// request answered by the dropped actor, then a power cut: the drop was not durable, so the session comes back,
/// and a NO_SUCH_SESSION released before the drop was durable would have been false.
struct DropDurabilityTests {
    @Test func aDroppedSessionsRefusalWaitsForTheDropRecord() async throws {
        let disk = SimulatedStorage()
        let storage = GatedStorage(disk)
        let service = try LogService(
            data: "/d", storage: storage, segmentBytes: 64 << 10, clock: ManualClock(),
            ids: SeededHoldIDSource(seed: 3))
        let registry = service.registry
        _ = try registry.createHall(id: "h", rows: [RowSpec(label: "A", ranges: [1...5])])
        let session = try registry.createSession(try SessionConfig(id: "s", hallID: "h"))
        try await service.sync()
        storage.shut()
        let dropLSN = try await registry.dropSession("s")
        // A request that looked the session up before the drop removed it from the registry.
        let read = await session.counts()
        let change = await session.hold(customer: "c", selection: .best(1))
        for outcome in [read.lsn, change.lsn] { #expect(outcome >= dropLSN) }
        #expect(read.result == .failure(.noSuchSession("s")))
        // The drop is not durable: after a power cut now the session is there again.
        let recovered = try DataDirectory.open("/d", storage: disk.afterPowerCut(), repair: false)
        #expect(recovered.recovered.state.handles["s"] != nil)
        storage.reopen()
        try await service.durable(registry.log.token(through: dropLSN))
        service.close()
    }
}
