import SeatActors

/// One buyer slot of the rush: a buyer asks for `HOLD <session> <buyer> BEST k ttl=<t>` (k drawn 1...maxSeats);
/// with a hold it confirms (probability `confirm`), releases (`release`), or walks away and lets the hold lapse
/// (the rest); then the next buyer takes the slot. A refused HOLD (SOLD_OUT, NO_ADJACENT) sends that buyer away.
/// Every confirmed hold is recorded for the end-of-run check. Seeded, so a run's choices are reproducible.
struct RushFlow: LoadFlow {
    struct Shape: Sendable {
        var sessions: [String]
        var seatsMax: Int
        var ttlSeconds: Int
        var confirm: Double
        var release: Double
        /// `--categories`: a quarter of the buyers ask `BEST k cat=vip`, one in ten `ANY 1 flag=wheelchair`.
        var categories = false
        /// `--ga`: the standing area's name; a quarter of the buyers ask for `<area>:k` places instead of seats.
        var area: String? = nil
    }

    let shape: Shape
    let slot: String
    var random: SplitMix64
    private(set) var pending: RequestKind = .hold
    var stopping = false
    private var buyer = 0
    private var session = 0
    private var heldSeats: [Substring] = []
    private var hold: Substring = ""

    /// Holds confirmed (CONFIRM answered OK): what MAP's sold seats must be made of.
    private(set) var confirmed: [RushCheck.Booking] = []
    /// HOLDs answered OK, and what became of them.
    private(set) var holds = 0
    private(set) var released = 0
    private(set) var walkedAway = 0

    init(shape: Shape, slot: String, seed: UInt64) {
        precondition(
            shape.seatsMax >= 1 && shape.confirm >= 0 && shape.release >= 0 && shape.confirm + shape.release <= 1)
        self.shape = shape
        self.slot = slot
        self.random = SplitMix64(seed: seed)
    }

    mutating func start() -> String { self.nextBuyer() }

    mutating func next(after reply: Substring) -> String? {
        let ok = reply.hasPrefix("OK")
        switch self.pending {
        case .hold where ok:
            // OK <hold> <expires> <seat>...
            let tokens = reply.split(separator: " ")
            self.holds += 1
            self.hold = tokens.count > 1 ? tokens[1] : ""
            self.heldSeats = Array(tokens.dropFirst(3))
            let draw = Double(self.random.next() >> 11) / Double(1 << 53)
            if draw < self.shape.confirm, !self.stopping {
                self.pending = .confirm
                return "CONFIRM \(self.shape.sessions[self.session]) \(self.hold)\n"
            }
            if draw < self.shape.confirm + self.shape.release || self.stopping {
                self.pending = .release
                return "RELEASE \(self.shape.sessions[self.session]) \(self.hold)\n"
            }
            self.walkedAway += 1
        case .confirm where ok:
            self.confirmed.append(
                RushCheck.Booking(
                    session: self.shape.sessions[self.session], hold: String(self.hold),
                    seats: self.heldSeats.map(String.init)))
        case .release where ok:
            self.released += 1
        default:
            break
        }
        return self.stopping ? nil : self.nextBuyer()
    }

    private mutating func nextBuyer() -> String {
        self.buyer += 1
        self.session = Int(self.random.next() % UInt64(self.shape.sessions.count))
        let count = 1 + Int(self.random.next() % UInt64(self.shape.seatsMax))
        self.pending = .hold
        let head = "HOLD \(self.shape.sessions[self.session]) \(self.slot)-\(self.buyer)"
        let roll = self.random.next() % 100
        if let area = self.shape.area, roll < 25 { return "\(head) \(area):\(count) ttl=\(self.shape.ttlSeconds)\n" }
        if self.shape.categories, roll >= 25, roll < 50 {
            return "\(head) BEST \(count) cat=vip ttl=\(self.shape.ttlSeconds)\n"
        }
        if self.shape.categories, roll >= 50, roll < 60 {
            return "\(head) ANY 1 flag=wheelchair ttl=\(self.shape.ttlSeconds)\n"
        }
        return "\(head) BEST \(count) ttl=\(self.shape.ttlSeconds)\n"
    }
}

/// The end-of-run check of the rush: the sold seats of each session (from MAP) must be exactly the union of the
/// confirmed holds, and no seat may be in two of them.
enum RushCheck {
    struct Booking: Sendable, Equatable {
        var session: String
        var hold: String
        var seats: [String]
    }

    struct Report: Sendable, Equatable {
        /// Seats in more than one confirmed hold: sold twice.
        var oversold: [String] = []
        /// Seats of a confirmed hold that MAP does not show sold: a lost booking.
        var lost: [String] = []
        /// Seats MAP shows sold that no confirmed hold explains.
        var unexplained: [String] = []
        var seatsChecked = 0
        /// GA places AVAIL shows sold, compared with the confirmed holds' places.
        var placesChecked = 0

        var passed: Bool { self.oversold.isEmpty && self.lost.isEmpty && self.unexplained.isEmpty }

        var description: String {
            guard !self.passed else {
                return "check: passed, \(self.seatsChecked) sold seats are exactly the confirmed holds' seats"
                    + (self.placesChecked > 0 ? ", \(self.placesChecked) sold places their places" : "")
            }
            func some(_ seats: [String]) -> String {
                seats.prefix(8).joined(separator: " ") + (seats.count > 8 ? " ..." : "")
            }
            return "check: FAILED, \(self.oversold.count) seats sold twice (\(some(self.oversold))), "
                + "\(self.lost.count) confirmed seats not sold (\(some(self.lost))), "
                + "\(self.unexplained.count) sold seats no confirmed hold explains (\(some(self.unexplained)))"
        }
    }

    /// Checks `bookings` against `sold`: session -> the seats MAP shows sold. Seats are reported as session/seat.
    /// With `placesSold` (session -> area -> places AVAIL shows sold), the confirmed holds' places (`pit:2`) must
    /// add up to exactly those.
    static func verify(
        bookings: [Booking], sold: [String: Set<String>], placesSold: [String: [String: Int]]? = nil
    ) -> Report {
        var owners: [String: Int] = [:]
        var places: [String: [String: Int]] = [:]
        for booking in bookings {
            for item in booking.seats {
                if let colon = item.firstIndex(of: ":"), let count = Int(item[item.index(after: colon)...]) {
                    places[booking.session, default: [:]][String(item[..<colon]), default: 0] += count
                } else {
                    owners["\(booking.session)/\(item)", default: 0] += 1
                }
            }
        }
        var report = Report()
        var soldSeats: Set<String> = []
        for (session, seats) in sold {
            for seat in seats { soldSeats.insert("\(session)/\(seat)") }
        }
        report.seatsChecked = soldSeats.count
        report.oversold = owners.filter { $0.value > 1 }.map(\.key).sorted()
        report.lost = owners.keys.filter { !soldSeats.contains($0) }.sorted()
        report.unexplained = soldSeats.filter { owners[$0] == nil }.sorted()
        if let placesSold {
            for (session, areas) in placesSold {
                for (area, count) in areas {
                    let confirmed = places[session]?[area] ?? 0
                    report.placesChecked += count
                    if confirmed > count {
                        report.oversold.append("\(session)/\(area): \(confirmed) places confirmed, \(count) sold")
                    }
                    if confirmed < count {
                        report.unexplained.append("\(session)/\(area): \(count) places sold, \(confirmed) confirmed")
                    }
                }
            }
        }
        return report
    }

    /// The sold seats of a `MAP` reply (`OK A:..hx B:...`) of a hall without aisles (seat n is the n-th char).
    static func soldSeats(map reply: String) throws -> Set<String> {
        var tokens = reply.split(separator: " ")
        guard tokens.first == "OK" else { throw LoadError("MAP: \(reply)") }
        tokens.removeFirst()
        var sold: Set<String> = []
        // Rows are `<ROW>:<states>`; GA areas (`pit:3/10`, lowercase) follow and hold no seats.
        for token in tokens where !(token.first?.isLowercase ?? false) {
            guard let colon = token.firstIndex(of: ":") else { throw LoadError("MAP: \(reply)") }
            let row = token[..<colon]
            for (offset, state) in token[token.index(after: colon)...].enumerated() where state == "x" {
                sold.insert("\(row)\(offset + 1)")
            }
        }
        return sold
    }
}
