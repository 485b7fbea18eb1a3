import SeatActors
import Testing

@testable import Store
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
        let service = try LogService(
            data: "/d", storage: storage, segmentBytes: 64 << 10, clock: ManualClock(),
            ids: SeededHoldIDSource(seed: UInt64(seed)))
        var acknowledged: LSN = 0
        var failures = 0
        var holds: [HoldID] = []
        for step in 0..<160 {
            let (registry, epoch) = service.current
            if step == 0 {
                _ = try registry.createHall(id: "h", rows: [RowSpec(label: "A", ranges: [1...40])])
                _ = try registry.createSession(try SessionConfig(id: "s", hallID: "h"))
                try await service.sync()
                continue
            }
            guard let session = registry.session("s") else {
                Issue.record("seed \(seed): session lost")
                return
            }
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
            if outcome != nil, (try? await service.durable(CommitToken(epoch: epoch, lsn: lsn))) != nil {
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

/// Goal: a reply to a change the failed log lost is never released as OK, even once the resumed log is durable past
/// that LSN (before 1.1's events the resumed log started again at the durable LSN and gave it to another change). Method: a write fails (ENOSPC) with a
/// change pending, the service switches and resumes, new changes pass the lost LSN; waiting on the lost change's
/// (epoch, LSN) must fail, and on the new change's must succeed. Found while building the disk-full run: replies
/// waited on whichever log was current when they were written out.
struct LogServiceEpochTests {
    @Test func aLostChangeStaysLostWhenTheResumedLogReusesItsLSN() async throws {
        for faultAt in 8..<40 {
            // The session must survive the failure; later fault positions lose a hold instead.
            guard let (_, service) = try await serviceWithASession(faultAt: faultAt) else { continue }
            var (registry, epoch) = service.current
            var lost: (lsn: LSN, epoch: Int)? = nil
            for step in 0..<30 where lost == nil {
                let held = await registry.session("s")!.hold(customer: "c\(step)", selection: .any(1))
                guard case .success = held.result else { break }
                do { try await service.durable(CommitToken(epoch: epoch, lsn: held.lsn)) } catch {
                    lost = (held.lsn, epoch)
                }
            }
            guard let lost else {  // the fault did not hit a change's write
                service.close()
                continue
            }
            #expect(try service.handleFailure())
            #expect(try service.tryResume())
            (registry, epoch) = service.current
            #expect(epoch == lost.epoch + 2)
            var newest: LSN = 0
            while newest < lost.lsn {
                let held = await registry.session("s")!.hold(customer: "late", selection: .any(1))
                newest = held.lsn
                try await service.durable(CommitToken(epoch: epoch, lsn: newest))
            }
            // The resumed log is durable past the lost LSN: the current log alone would call it durable.
            try await service.writer!.waitDurable(through: lost.lsn)
            await #expect(throws: SeatError.self) {
                try await service.durable(CommitToken(epoch: lost.epoch, lsn: lost.lsn))
            }
            service.close()
            return
        }
        Issue.record("no fault position lost a change")
    }
}

/// Goal: one seq names one change for ever. After a failed write the log resumes past every LSN it handed out, so
/// the LSN (and event seq) of a lost change is never given to another; subscribers are cut off with the failure;
/// the skip is recorded so that recovery, after a power cut, accepts the gap and replays only durable changes,
/// with the history of exactly those. Method: `SimulatedStorage` with ENOSPC at each operation in turn, a hub
/// subscriber that collects every event published (lost ones too), holds before and after the resume. Before the
/// fix the resumed log reused the lost LSNs and this test saw two events with one seq.
struct LogServiceSeqTests {
    final class Collected: @unchecked Sendable {
        var events: [ChangeEvent] = []
    }

    @Test func noSeqEverNamesTwoChanges() async throws {
        var checked = 0
        for faultAt in 8..<48 {
            let hub = EventHub()
            guard let (storage, service) = try await serviceWithASession(faultAt: faultAt, hub: hub) else { continue }
            var (registry, epoch) = service.current
            let subscription = hub.subscribe(session: nil)
            let collected = Collected()
            let reader = Task { for await event in subscription.events { collected.events.append(event) } }
            var lost: [LSN] = []
            for step in 0..<30 {
                let held = await registry.session("s")!.hold(customer: "c\(step)", selection: .any(1))
                guard case .success = held.result else { break }
                do { try await service.durable(CommitToken(epoch: epoch, lsn: held.lsn)) } catch {
                    lost.append(held.lsn)
                    break
                }
            }
            guard !lost.isEmpty else {
                reader.cancel()
                service.close()
                continue
            }
            // Changes the writer took after the failed one are lost too.
            #expect(try service.handleFailure())
            await reader.value
            #expect(subscription.failed != nil, "fault at \(faultAt): a subscriber must be cut off when the log fails")
            #expect(try service.tryResume())
            (registry, epoch) = service.current
            let after = hub.subscribe(session: nil)
            let collectedAfter = Collected()
            let readerAfter = Task { for await event in after.events { collectedAfter.events.append(event) } }
            var newest: LSN = 0
            for step in 0..<5 {
                let held = await registry.session("s")!.hold(customer: "late\(step)", selection: .any(1))
                newest = held.lsn
                try await service.durable(CommitToken(epoch: epoch, lsn: newest))
            }
            after.cancel()
            await readerAfter.value
            let seqs = (collected.events + collectedAfter.events).map(\.seq)
            #expect(Set(seqs).count == seqs.count, "fault at \(faultAt): one seq named two changes: \(seqs)")
            #expect(collectedAfter.events.allSatisfy { $0.seq > lost.max()! })
            let durableHistory = await registry.session("s")!.history(from: 1)
            service.close()
            // After a power cut recovery accepts the skip, and the history holds only durable changes.
            let reopened = try DataDirectory.open("/d", storage: storage.afterPowerCut())
            #expect(reopened.recovered.lastLSN >= newest, "fault at \(faultAt)")
            let handle = reopened.recovered.state.handles["s"]!
            let replayed = reopened.recovered.state.sessions[handle]!.history.map(\.seq)
            #expect(!replayed.contains { lost.contains($0) }, "fault at \(faultAt): a lost change came back")
            if case .events(let live)? = durableHistory {
                #expect(replayed == live.map(\.seq), "fault at \(faultAt): replay rebuilt another history")
            } else {
                Issue.record("fault at \(faultAt): no history")
            }
            checked += 1
        }
        #expect(checked > 0, "no fault position lost a change")
    }
}

/// A service on a simulated disk that fails with ENOSPC at operation `faultAt`, with hall `h` (40 seats) and
/// session `s` durable; nil (and the service closed) when the fault came before they were.
func serviceWithASession(faultAt: Int, hub: EventHub = EventHub()) async throws -> (SimulatedStorage, LogService)? {
    let storage = SimulatedStorage(faultAt: faultAt, fault: .noSpace)
    let service = try LogService(
        data: "/d", storage: storage, segmentBytes: 64 << 10, hub: hub, clock: ManualClock(),
        ids: SeededHoldIDSource(seed: UInt64(faultAt)))
    let (registry, epoch) = service.current
    _ = try registry.createHall(id: "h", rows: [RowSpec(label: "A", ranges: [1...40])])
    _ = try registry.createSession(try SessionConfig(id: "s", hallID: "h"))
    guard (try? await service.durable(CommitToken(epoch: epoch, lsn: registry.log.lastLSN))) != nil else {
        service.close()
        return nil
    }
    return (storage, service)
}
