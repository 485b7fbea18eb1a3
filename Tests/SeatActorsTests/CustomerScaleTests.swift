import Testing

@testable import SeatActors

/// Goal: no per-change cost grows with how many holds one customer has (a box office may hold thousands).
/// Method: one customer takes 100,000 holds of one seat each in a 100,000-seat hall, then confirms and cancels half
/// and releases the other half, through the pure state. With a per-change cost linear in the customer's holds this
/// is about 10^10 steps (hours); with constant costs it takes seconds, well inside the time limit.
struct CustomerScaleTests {
    @Test(.timeLimit(.minutes(2)))
    func oneCustomerWithAHundredThousandHoldsChangesInConstantTime() throws {
        let rows = (0..<100).map { RowSpec(label: RowSpec.label(forRowIndex: $0), ranges: [1...1_000]) }
        let config = try SessionConfig(id: "s", hallID: "h")
        var driver = try Driver(state: SessionState(handle: 1, config: config, hall: Hall(id: "h", specs: rows)))
        var holds: [HoldID] = []
        holds.reserveCapacity(100_000)
        for row in rows {
            for number in 1...1_000 {
                holds.append(
                    try driver.hold(.explicit([SeatLabel(row: row.label, number: number)]), customer: "box").holdID)
            }
        }
        #expect(driver.state.holdsByCustomer["box"]?.count == 100_000)
        let listed = driver.state.list(customer: "box")
        #expect(listed.map(\.holdID) == holds, "LIST is oldest first")
        for (index, id) in holds.enumerated() {
            if index % 2 == 0 {
                _ = try driver.confirm(id)
                try driver.cancel(id)
            } else {
                try driver.release(id)
            }
        }
        #expect(driver.state.holdsByCustomer["box"] == nil)
        #expect(driver.state.counts == SeatCounts(free: 100_000, held: 0, sold: 0))
        driver.state.checkInvariants()
    }
}
