import SeatActors
import Testing

@testable import WAL

/// Goal: after a failed write or fsync the service refuses changes with UNAVAILABLE, keeps answering reads from
/// the durable state, resumes in a fresh segment when the disk allows, and after a later power cut everything
/// acknowledged (before and after the failure) is there and nothing refuses to start. Method: `SimulatedStorage`
/// with EIO or ENOSPC at a chosen operation, seeded workloads.
struct LogServiceTests {
    @Test(arguments: 1...40)
    func theLogResumesAfterAFailedWriteOrFsync(seed: Int) async throws {
        var random = SplitMix64(seed: UInt64(seed))
        let fault: SimulatedStorage.Fault = seed % 2 == 0 ? .ioError : .noSpace
        let storage = SimulatedStorage(faultAt: 8 + random.below(120), fault: fault)
        let service = try LogService(data: "/d", storage: storage, segmentBytes: 64 << 10, clock: ManualClock(),
                                     ids: SeededHoldIDSource(seed: UInt64(seed)))
        var acknowledged: LSN = 0
        var failures = 0
        var holds: [HoldID] = []
        for step in 0..<160 {
            let registry = service.registry
            if step == 0 {
                _ = try registry.createHall(id: "h", rows: [RowSpec(label: "A", ranges: [1...40])])
                _ = try registry.createSession(try SessionConfig(id: "s", hallID: "h"))
                try await service.writer!.waitDurable(through: registry.log.lastLSN)
                continue
            }
            guard let session = registry.session("s") else { Issue.record("seed \(seed): session lost"); return }
            let outcome: LSN?
            if random.below(3) == 0, !holds.isEmpty {
                let id = holds.removeFirst()
                outcome = (try? await session.confirm(id).result.get()).map { _ in 0 }
            } else {
                let held = await session.hold(customer: "c\(step % 7)", selection: .any(1))
                if case .success(let reply) = held.result { holds.append(reply.holdID) }
                outcome = (try? held.result.get()).map { _ in held.lsn }
            }
            let lsn = registry.log.lastLSN
            if outcome != nil, (try? await registry.log.waitDurable(through: lsn)) != nil {
                acknowledged = max(acknowledged, lsn)
            }
            if try service.handleFailure() {
                failures += 1
                let readOnly = service.registry
                let counts = await readOnly.session("s")!.counts()
                #expect((try? counts.result.get()) != nil, "seed \(seed): reads must go on")
                #expect(counts.lsn >= acknowledged || counts.lsn == readOnly.log.lastLSN)
                let refused = await readOnly.session("s")!.hold(customer: "x", selection: .any(1))
                guard case .failure(.unavailable) = refused.result else {
                    Issue.record("seed \(seed): a change was taken while unavailable: \(refused.result)")
                    return
                }
                #expect(readOnly.log.lastLSN >= acknowledged, "seed \(seed): acknowledged changes must be durable")
                #expect(try service.tryResume(), "seed \(seed): the disk is fine again")
                holds.removeAll()
            }
        }
        let live = await digests(service.registry)
        service.close()
        #expect(failures == (storage.faultHappened == nil ? 0 : 1), "seed \(seed)")
        let reopened = try DataDirectory.open("/d", storage: storage.afterPowerCut())
        #expect(reopened.recovered.lastLSN >= acknowledged, "seed \(seed)")
        #expect(digests(reopened.recovered.state) == live, "seed \(seed): the reopened state differs from the live one")
    }
}
