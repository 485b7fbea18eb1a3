import Testing

@testable import SeatLoad

/// Goal: the rush's venue rehearsal (`--categories`, `--ga`) asks for categories, flags and places, and its
/// end-of-run check counts places: confirmed places must add up to what AVAIL shows sold. Method: the flow and
/// the check on hand-made replies.
struct RushVenueTests {
    @Test func theCheckComparesConfirmedPlacesWithSoldPlaces() throws {
        let bookings = [
            RushCheck.Booking(session: "s", hold: "1", seats: ["A1", "standing:2"]),
            RushCheck.Booking(session: "s", hold: "2", seats: ["standing:3"]),
        ]
        let passed = RushCheck.verify(bookings: bookings, sold: ["s": ["A1"]], placesSold: ["s": ["standing": 5]])
        #expect(passed.passed && passed.placesChecked == 5)
        let lost = RushCheck.verify(bookings: bookings, sold: ["s": ["A1"]], placesSold: ["s": ["standing": 4]])
        #expect(!lost.passed && lost.oversold.count == 1)
        let extra = RushCheck.verify(bookings: bookings, sold: ["s": ["A1"]], placesSold: ["s": ["standing": 6]])
        #expect(!extra.passed && extra.unexplained.count == 1)
        // MAP's area tokens hold no seats.
        #expect(try RushCheck.soldSeats(map: "OK A:x. B:.x standing:3/10") == ["A1", "B2"])
    }

    @Test func venueBuyersAskForCategoriesFlagsAndPlaces() {
        let shape = RushFlow.Shape(
            sessions: ["s"], seatsMax: 4, ttlSeconds: 2, confirm: 1, release: 0,
            categories: true, area: "standing")
        var lines: [String] = []
        for slot in 0..<200 {
            var flow = RushFlow(shape: shape, slot: "b\(slot)", seed: UInt64(slot))
            lines.append(flow.start())
        }
        #expect(lines.contains { $0.contains(" cat=vip ") })
        #expect(lines.contains { $0.contains(" ANY 1 flag=wheelchair ") })
        #expect(lines.contains { $0.contains(" standing:") })
        #expect(lines.contains { $0.contains(" BEST ") && !$0.contains("cat=") })
    }
}
