import Testing

@testable import SeatLoad

@Suite struct SteadyFlowTests {
    static let hall = LoadHall(id: "h", rows: 3, seatsPerRow: 4)
    static let shape = SteadyFlow.Shape(
        sessions: ["s0", "s1", "s2"], seats: hall.seats, seatsPerHold: 3, confirmRatio: 0.5)

    /// Drives a flow against scripted replies: OK for everything, with a hold id, except every fifth HOLD (TAKEN).
    static func script(seed: UInt64, steps: Int) -> [String] {
        var flow = SteadyFlow(shape: Self.shape, customer: "c", seed: seed)
        var requests = [flow.start()]
        var holds = 0
        while requests.count < steps {
            let last = requests.last!
            let reply: String
            if last.hasPrefix("HOLD") {
                holds += 1
                reply = holds % 5 == 0 ? "ERR TAKEN A1" : "OK 00000000000000\(String(format: "%02x", holds)) 1 A1"
            } else {
                reply = "OK"
            }
            requests.append(flow.next(after: Substring(reply))!)
        }
        return requests
    }

    @Test func theSameSeedSendsTheSameRequests() {
        #expect(Self.script(seed: 7, steps: 200) == Self.script(seed: 7, steps: 200))
        #expect(Self.script(seed: 7, steps: 200) != Self.script(seed: 8, steps: 200))
    }

    @Test func holdsNameDistinctSeatsInHallOrderAndEveryHoldIsGivenBack() {
        let requests = Self.script(seed: 3, steps: 2_000)
        let order = Dictionary(uniqueKeysWithValues: Self.hall.seats.enumerated().map { ($1, $0) })
        var confirms = 0
        var releases = 0
        for (index, request) in requests.enumerated() {
            let tokens = request.dropLast().split(separator: " ").map(String.init)
            switch tokens[0] {
            case "HOLD":
                let seats = tokens.dropFirst(3).map { order[$0]! }
                #expect(seats.count == 3 && seats == seats.sorted() && Set(seats).count == 3, "\(request)")
                #expect(Self.shape.sessions.contains(tokens[1]))
            case "CONFIRM":
                confirms += 1
                // The CANCEL of the same booking follows at once.
                if index + 1 < requests.count { #expect(requests[index + 1] == "CANCEL \(tokens[1]) \(tokens[2])\n") }
            case "RELEASE": releases += 1
            case "CANCEL": break
            default: Issue.record("unexpected \(request)")
            }
        }
        // confirm ratio 0.5: both paths are taken, in roughly equal numbers.
        #expect(confirms > 100 && releases > 100, "\(confirms) confirms, \(releases) releases")
    }

    @Test func aStoppingFlowGivesBackWhatItHoldsThenEnds() {
        var flow = SteadyFlow(shape: Self.shape, customer: "c", seed: 1)
        _ = flow.start()
        flow.stopping = true
        let release = flow.next(after: "OK 00000000000000aa 1 A1 A2 A3")
        #expect(release?.hasPrefix("RELEASE ") == true && release?.hasSuffix(" 00000000000000aa\n") == true)
        #expect(flow.next(after: "OK 00000000000000aa") == nil)
    }

    @Test func repliesAreCountedAsConflictsOrErrorsByCode() {
        var result = LoadResult()
        result.record(.hold, reply: "OK 0000000000000001 1 A1", latencyNs: 1_000)
        result.record(.hold, reply: "ERR TAKEN A1 A2", latencyNs: 2_000)
        result.record(.hold, reply: "ERR SOLD_OUT 2 seats requested, 0 free", latencyNs: 2_000)
        result.record(.release, reply: "ERR UNAVAILABLE the log cannot be written", latencyNs: 3_000)
        #expect(result.requests == 4)
        #expect(result.conflicts == 2)
        #expect(result.errors == ["UNAVAILABLE": 1])
        var total = LoadResult()
        total.merge(result)
        total.merge(result)
        #expect(total.requests == 8 && total.conflicts == 4 && total.errors == ["UNAVAILABLE": 2])
        #expect(total.latencyNs.totalCount == 8)
    }

    @Test func targetsParse() {
        #expect(Target(argument: "seatd://127.0.0.1:7070")?.description == "seatd://127.0.0.1:7070")
        #expect(Target(argument: "localhost:9")?.port == 9)
        #expect(Target(argument: "redis://x:1")?.kind == .redis)
        #expect(Target(argument: "postgres://x:1") == nil)
        #expect(Target(argument: "seatd://host") == nil)
        #expect(Target(argument: "seatd://host:70000") == nil)
    }
}
