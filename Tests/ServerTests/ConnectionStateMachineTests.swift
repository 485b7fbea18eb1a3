import NIOCore
import SeatActors
import Store
import Testing
import WAL

@testable import Server

/// Goal: a connection's decisions (order of replies, durability waits, backpressure, the end after QUIT, EOF,
/// the drain, watching, a lost event) hold as a value, with no socket. Method: `ConnectionStateMachine` driven
/// event by event; durability is a table of tokens, and the one "not yet" answer is a real ticket of a real store.
struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine
    static let timing = Machine.Timing(command: .ping, startedNs: 0)

    /// A store whose log is far behind `lsn`: its answer for that LSN is "waiting", with a real ticket.
    static func waiting() throws -> Durability {
        let service = try LogService(data: "/d", storage: SimulatedStorage())
        return service.durability(of: CommitToken(epoch: 0, lsn: 1_000_000))
    }

    static func lines(_ texts: String...) -> [ByteBuffer] { texts.map { ByteBuffer(string: $0) } }

    /// Executes every line the machine hands out, answering each with its own text.
    static func executeAll(_ machine: inout Machine, writable: Bool = true) -> [String] {
        var executed: [String] = []
        while let input = machine.nextInput(writable: writable) {
            guard case .line(let line) = input else { continue }
            let text = String(buffer: line)
            executed.append(text)
            machine.answer(.line(text), .none, Self.timing)
        }
        return executed
    }

    /// What one `takeWritable` handed out and decided.
    struct Taken {
        var responses: [Response] = []
        var halfClose = false
        var wait: DurabilityTicket?
    }

    static func take(_ machine: inout Machine, _ durability: (CommitToken) -> Durability) -> Taken {
        var taken = Taken()
        let writable = machine.takeWritable(durability) { response, _ in taken.responses.append(response) }
        (taken.halfClose, taken.wait) = (writable.halfClose, writable.wait)
        return taken
    }

    static func texts(_ taken: Taken) -> [String] {
        taken.responses.map { if case .line(let text) = $0 { text } else { "\($0)" } }
    }

    @Test func repliesLeaveInRequestOrderAndAPendingOneHoldsBackTheRest() {
        var machine = Machine(capacity: 16)
        machine.read(Self.lines("A", "B"))
        _ = machine.nextInput(writable: true)
        let slot = machine.reserve()
        #expect(Self.executeAll(&machine) == ["B"])
        let w1 = Self.take(&machine) { _ in .durable }
        #expect(w1.responses.isEmpty)
        machine.fill(slot, .reply(.line("A"), .none, Self.timing))
        let w2 = Self.take(&machine) { _ in .durable }
        #expect(Self.texts(w2) == ["A", "B"])
        let w3 = Self.take(&machine) { _ in .durable }
        #expect(w3.responses.isEmpty)
    }

    @Test func aReplyWaitsForItsChangeAndOneCallbackIsAskedFor() throws {
        var machine = Machine(capacity: 16)
        let waiting = try Self.waiting()
        let token = CommitToken(epoch: 0, lsn: 5)
        machine.answer(.line("OK 1"), .none, Self.timing)
        machine.answer(.line("OK 2"), token, Self.timing)
        machine.answer(.line("OK 3"), .none, Self.timing)
        let first = Self.take(&machine) { _ in waiting }
        #expect(Self.texts(first) == ["OK 1"])
        #expect(first.wait != nil)
        // A second pass before the callback fired asks for no second callback.
        let w4 = Self.take(&machine) { _ in waiting }
        #expect(w4.wait == nil)
        machine.durabilityDecided()
        let w5 = Self.take(&machine) { $0 == token ? .durable : waiting }
        #expect(Self.texts(w5) == ["OK 2", "OK 3"])
    }

    @Test func aLostChangeIsAnsweredUnavailable() {
        var machine = Machine(capacity: 16)
        machine.answer(.line("OK held"), CommitToken(epoch: 0, lsn: 7), Self.timing)
        let writable = Self.take(&machine) { _ in .lost(.unavailable("the log failed")) }
        #expect(writable.responses == [.error(.unavailable, "the log failed")])
        #expect(!writable.halfClose)
    }

    @Test func pastItsCapacityNothingIsExecutedAndReadsWaitForRoom() {
        var machine = Machine(capacity: 2)
        machine.read(Self.lines("A", "B", "C"))
        _ = machine.nextInput(writable: true)
        _ = machine.reserve()
        _ = machine.nextInput(writable: true)
        _ = machine.reserve()
        let r1 = machine.nextInput(writable: true)
        #expect(r1 == nil)
        let r2 = machine.readRequested(writable: true)
        #expect(!r2)
        #expect(machine.lifecycle == .backpressured(.requests))
        let r3 = machine.releaseRead(writable: true)
        #expect(!r3)
        machine.fill(0, .reply(.line("A"), .none, Self.timing))
        machine.fill(1, .reply(.line("B"), .none, Self.timing))
        let w6 = Self.take(&machine) { _ in .durable }
        #expect(Self.texts(w6) == ["A", "B"])
        // "C" still waits: reads stay held until it is executed.
        let r4 = machine.releaseRead(writable: true)
        #expect(!r4)
        #expect(Self.executeAll(&machine) == ["C"])
        _ = Self.take(&machine) { _ in .durable }
        let r5 = machine.releaseRead(writable: true)
        #expect(r5)
        #expect(machine.lifecycle == .reading(.requests))
    }

    @Test func aSocketThatIsBackedUpStopsExecutionAndReads() {
        var machine = Machine(capacity: 16)
        machine.read(Self.lines("A"))
        let r6 = machine.nextInput(writable: false)
        #expect(r6 == nil)
        let r7 = machine.readRequested(writable: false)
        #expect(!r7)
        #expect(Self.executeAll(&machine, writable: true) == ["A"])
    }

    @Test func afterQuitNothingMoreIsExecutedAndTheConnectionHalfCloses() {
        var machine = Machine(capacity: 16)
        machine.read(Self.lines("A", "QUIT", "B"))
        _ = machine.nextInput(writable: true)
        machine.answer(.line("A"), .none, Self.timing)
        _ = machine.nextInput(writable: true)
        machine.end(with: .line("OK BYE"), timing: Self.timing)
        #expect(machine.lifecycle == .ending(draining: false))
        let r8 = machine.nextInput(writable: true)
        #expect(r8 == nil)
        machine.read(Self.lines("C"))
        #expect(!machine.hasExecutableInput(writable: true))
        let writable = Self.take(&machine) { _ in .durable }
        #expect(Self.texts(writable) == ["A", "OK BYE"])
        #expect(writable.halfClose)
        let r9 = machine.halfClose()
        #expect(r9)
        let r10 = machine.halfClose()
        #expect(!r10)
        #expect(machine.lifecycle == .halfClosed(draining: false))
        let r11 = machine.readRequested(writable: false)
        #expect(r11, "a half-closed connection reads on to see the client's close")
    }

    @Test func afterEOFTheLinesReadAreAnsweredThenTheConnectionCloses() {
        var machine = Machine(capacity: 16)
        machine.read(Self.lines("A", "B"))
        machine.inputEnded()
        #expect(machine.lifecycle == .inputClosed(.requests))
        #expect(machine.finish() == .none)
        _ = machine.nextInput(writable: true)
        let slot = machine.reserve()
        #expect(Self.executeAll(&machine) == ["B"])
        #expect(machine.finish() == .none)
        machine.fill(slot, .reply(.line("A"), .none, Self.timing))
        #expect(machine.finish() == .streamEnds)
        let w7 = Self.take(&machine) { _ in .durable }
        #expect(Self.texts(w7) == ["A", "B"])
        #expect(machine.finish() == .close)
    }

    @Test func theDrainIsTakenOnceRefusesWhatWasNotExecutedAndEndsInAHalfClose() {
        var machine = Machine(capacity: 16)
        machine.read(Self.lines("A", "B"))
        _ = machine.nextInput(writable: true)
        machine.answer(.line("A"), .none, Self.timing)
        let r12 = machine.drain()
        #expect(r12)
        let r13 = machine.drain()
        #expect(!r13)
        machine.inputEnded()
        #expect(machine.lifecycle == .draining(.requests))
        // Lines read after the drain are dropped; B, read before it, is refused without being executed.
        machine.read(Self.lines("C"))
        #expect(Self.executeAll(&machine) == [])
        let readsOn = machine.readRequested(writable: false)
        #expect(readsOn, "draining reads on, to drop what comes")
        let written = Self.take(&machine) { _ in .durable }
        #expect(written.responses == [.line("A"), Machine.shuttingDown])
        #expect(machine.finish() == .halfClose)
        let r14 = machine.halfClose()
        #expect(r14)
        #expect(machine.lifecycle == .halfClosed(draining: true))
    }

    @Test func aDrainAfterQuitStillCounts() {
        var machine = Machine(capacity: 16)
        machine.end(with: .line("OK BYE"), timing: nil)
        let r15 = machine.drain()
        #expect(r15)
        let r16 = machine.drain()
        #expect(!r16)
        #expect(machine.lifecycle == .ending(draining: true))
    }

    @Test func aRequestThatRunsInATaskHoldsBackEverythingAfterIt() {
        var machine = Machine(capacity: 16)
        machine.read(Self.lines("STATS", "PING"))
        _ = machine.nextInput(writable: true)
        machine.defer(.suspending(.stats), timing: Self.timing)
        let r17 = machine.nextInput(writable: true)
        #expect(r17 == nil)
        let started = machine.startDeferred()
        #expect(started?.slot == 0)
        let r18 = machine.startDeferred()
        #expect(r18 == nil, "started once")
        machine.deferredDecided(0, .reply(.line("OK stats"), .none, Self.timing))
        #expect(Self.executeAll(&machine) == ["PING"])
        let w8 = Self.take(&machine) { _ in .durable }
        #expect(Self.texts(w8) == ["OK stats", "PING"])
    }

    @Test func aWatchingConnectionTakesEventsUntilItsStreamEnds() {
        var machine = Machine(capacity: 4)
        machine.defer(.watch(session: nil, from: nil), timing: Self.timing)
        let r19 = machine.startWatching(slot: 0, timing: Self.timing)
        #expect(r19)
        #expect(machine.mode == .watching)
        let r20 = machine.enqueue([.event(.line("EVENT 1"), CommitToken(epoch: 0, lsn: 1))])
        #expect(r20)
        #expect(machine.hasRoom(writable: true))
        let w9 = Self.take(&machine) { _ in .durable }
        #expect(Self.texts(w9) == ["OK", "EVENT 1"])
        let r21 = machine.enqueue([.reply(.error(.busy, "slow"), .none, nil), .close])
        #expect(r21)
        #expect(machine.lifecycle == .ending(draining: false))
        let r22 = machine.enqueue([.event(.line("EVENT 2"), CommitToken(epoch: 0, lsn: 2))])
        #expect(!r22)
        let last = Self.take(&machine) { _ in .durable }
        #expect(last.responses == [.error(.busy, "slow")])
        #expect(last.halfClose)
    }

    @Test func aWatcherNeverSeesAnEventAfterALostOne() {
        var machine = Machine(capacity: 8)
        machine.defer(.watch(session: nil, from: nil), timing: Self.timing)
        _ = machine.startWatching(slot: 0, timing: Self.timing)
        // Within a generation durability is monotonic: the change of LSN 2 lost means every later one too.
        let lost = CommitToken(epoch: 0, lsn: 2)
        _ = machine.enqueue([
            .event(.line("EVENT 1"), CommitToken(epoch: 0, lsn: 1)), .event(.line("EVENT 2"), lost),
            .event(.line("EVENT 3"), CommitToken(epoch: 0, lsn: 3)),
        ])
        let writable = Self.take(&machine) { $0.lsn >= lost.lsn ? .lost(.unavailable("lost")) : .durable }
        #expect(writable.responses == [.line("OK"), .line("EVENT 1"), .error(.unavailable, "lost")])
        #expect(writable.halfClose)
    }

    @Test func aClosedChannelTakesNothingMore() {
        var machine = Machine(capacity: 16)
        let slot = machine.reserve()
        machine.channelClosed()
        machine.fill(slot, .reply(.line("late"), .none, Self.timing))
        machine.read(Self.lines("A"))
        #expect(machine.isClosed)
        let r23 = machine.nextInput(writable: true)
        #expect(r23 == nil)
        let w10 = Self.take(&machine) { _ in .durable }
        #expect(w10.responses.isEmpty)
        let r24 = machine.drain()
        #expect(!r24)
        let r25 = machine.halfClose()
        #expect(!r25)
    }
}
