import Testing

@testable import Server

/// Goal: the cli's connection pairs each line with the oldest request in flight, calls any other line unsolicited,
/// and leaves no request waiting once the connection ends. Method: drive `CLIStateMachine` with Int waiters, no
/// socket (the machine is what `CLIHandler` asks at each NIO callback).
struct CLIStateMachineTests {
    @Test func repliesGoToTheOldestRequestInFlight() {
        var machine = CLIStateMachine<Int>()
        for waiter in 1...3 { #expect(Self.writes(machine.send(waiter))) }
        #expect(machine.inFlight == 3)
        for waiter in 1...3 { #expect(Self.answered(machine.received()) == waiter) }
        #expect(machine.inFlight == 0)
    }

    @Test func aLineWithNoRequestInFlightIsUnsolicited() {
        var machine = CLIStateMachine<Int>()
        #expect(Self.answered(machine.received()) == nil)
        _ = machine.send(7)
        #expect(Self.answered(machine.received()) == 7)
        #expect(Self.answered(machine.received()) == nil)
    }

    @Test func closingGivesBackEveryUnansweredRequestAndRefusesNewOnes() {
        var machine = CLIStateMachine<Int>()
        for waiter in 1...4 { _ = machine.send(waiter) }
        _ = machine.received()
        #expect(machine.closed() == [2, 3, 4])
        #expect(machine.lifecycle == .closed && machine.inFlight == 0)
        guard case .fail(let waiter) = machine.send(5) else {
            Issue.record("a send after the close was written")
            return
        }
        #expect(waiter == 5)
        #expect(machine.closed().isEmpty)
    }

    static func writes(_ action: CLIStateMachine<Int>.SendAction) -> Bool {
        if case .write = action { return true }
        return false
    }

    static func answered(_ action: CLIStateMachine<Int>.LineAction) -> Int? {
        if case .answer(let waiter) = action { return waiter }
        return nil
    }
}
