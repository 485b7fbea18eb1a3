import Testing

@testable import SeatLoad

@Suite struct RushCheckTests {
    static func booking(_ hold: String, _ seats: String, session: String = "s") -> RushCheck.Booking {
        RushCheck.Booking(session: session, hold: hold, seats: seats.split(separator: " ").map(String.init))
    }

    @Test func soldSeatsThatAreExactlyTheConfirmedHoldsPass() {
        let report = RushCheck.verify(
            bookings: [Self.booking("1", "A1 A2"), Self.booking("2", "B3")],
            sold: ["s": ["A1", "A2", "B3"]])
        #expect(report.passed, "\(report.description)")
        #expect(report.seatsChecked == 3)
    }

    @Test func aSeatInTwoConfirmedHoldsIsCaughtAsOversold() {
        // A fabricated history of a broken server: two buyers were both told A2 is theirs.
        let report = RushCheck.verify(
            bookings: [Self.booking("1", "A1 A2"), Self.booking("2", "A2 A3")],
            sold: ["s": ["A1", "A2", "A3"]])
        #expect(!report.passed)
        #expect(report.oversold == ["s/A2"])
        #expect(report.lost.isEmpty && report.unexplained.isEmpty)
        #expect(report.description.contains("FAILED"))
    }

    @Test func aConfirmedSeatNotSoldAndASoldSeatNobodyBoughtAreCaught() {
        let report = RushCheck.verify(
            bookings: [Self.booking("1", "A1 A2"), Self.booking("9", "A1", session: "t")],
            sold: ["s": ["A1", "C4"], "t": ["A1"]])
        #expect(report.lost == ["s/A2"])
        #expect(report.unexplained == ["s/C4"])
        #expect(report.oversold.isEmpty, "the same seat label in two sessions is two seats")
    }

    @Test func mapRepliesGiveTheSoldSeats() throws {
        #expect(try RushCheck.soldSeats(map: "OK A:x.hx B:.... C:...x") == ["A1", "A4", "C4"])
        #expect(throws: LoadError.self) { try RushCheck.soldSeats(map: "ERR NO_SUCH_SESSION s") }
    }
}

@Suite struct RushFlowTests {
    static let shape = RushFlow.Shape(sessions: ["s0", "s1"], seatsMax: 6, ttlSeconds: 2, confirm: 0.5, release: 0.3)

    /// Drives a buyer slot against scripted replies: every third HOLD is SOLD_OUT, the others get k seats.
    static func script(seed: UInt64, steps: Int) -> (requests: [String], flow: RushFlow) {
        var flow = RushFlow(shape: Self.shape, slot: "b", seed: seed)
        var requests = [flow.start()]
        var holds = 0
        while requests.count < steps {
            let tokens = requests.last!.dropLast().split(separator: " ")
            let reply: String
            if tokens[0] == "HOLD" {
                holds += 1
                let count = Int(tokens[4])!
                reply =
                    holds % 3 == 0
                    ? "ERR SOLD_OUT"
                    : "OK h\(holds) 1800000000000 " + (1...count).map { "A\($0)" }.joined(separator: " ")
            } else {
                reply = tokens[0] == "CONFIRM" ? "OK \(tokens[2]) A1" : "OK \(tokens[2])"
            }
            requests.append(flow.next(after: Substring(reply))!)
        }
        return (requests, flow)
    }

    @Test func theSameSeedMakesTheSameBuyers() {
        #expect(Self.script(seed: 5, steps: 300).requests == Self.script(seed: 5, steps: 300).requests)
        #expect(Self.script(seed: 5, steps: 300).requests != Self.script(seed: 6, steps: 300).requests)
    }

    @Test func buyersAskForOneToSixBestSeatsAndSplitBetweenConfirmReleaseAndWalkingAway() {
        let (requests, flow) = Self.script(seed: 11, steps: 5_000)
        var counts: Set<Int> = []
        var customers: Set<Substring> = []
        for request in requests where request.hasPrefix("HOLD") {
            let tokens = request.dropLast().split(separator: " ")
            #expect(tokens.count == 6 && tokens[3] == "BEST" && tokens[5] == "ttl=2", "\(request)")
            counts.insert(Int(tokens[4])!)
            customers.insert(tokens[2])
        }
        #expect(counts == Set(1...6))
        #expect(customers.count == requests.filter { $0.hasPrefix("HOLD") }.count, "every buyer is a new customer")
        // Of the holds: about half confirmed, 30% released, 20% walked away.
        let holds = Double(flow.holds)
        #expect(abs(Double(flow.confirmed.count) / holds - 0.5) < 0.06)
        #expect(abs(Double(flow.released) / holds - 0.3) < 0.06)
        #expect(abs(Double(flow.walkedAway) / holds - 0.2) < 0.06)
        #expect(flow.confirmed.allSatisfy { !$0.seats.isEmpty })
    }

    @Test func aStoppingBuyerReleasesInsteadOfConfirmingThenEnds() {
        var flow = RushFlow(
            shape: RushFlow.Shape(sessions: ["s"], seatsMax: 2, ttlSeconds: 2, confirm: 1, release: 0),
            slot: "b", seed: 1)
        _ = flow.start()
        flow.stopping = true
        #expect(flow.next(after: "OK h1 1800000000000 A1") == "RELEASE s h1\n")
        #expect(flow.next(after: "OK h1") == nil)
        #expect(flow.confirmed.isEmpty)
    }
}
