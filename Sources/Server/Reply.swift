import SeatActors

/// The only place that formats reply and event lines (without the LF).
enum Reply {
    static func ok(_ fields: String...) -> String {
        fields.isEmpty ? "OK" : "OK " + fields.joined(separator: " ")
    }

    static func error(_ code: ErrorCode, _ message: String) -> String {
        "ERR \(code.rawValue) \(message)"
    }

    static func error(_ error: SeatError) -> String {
        Self.error(error.code, error.message)
    }

    static func seats(_ seats: [SeatLabel]) -> String {
        var text = ""
        Self.append(seats, to: &text)
        return text
    }

    /// Seats separated by spaces, appended without building a string per seat.
    private static func append(_ seats: [SeatLabel], to text: inout String) {
        for (index, seat) in seats.enumerated() {
            if index > 0 { text.append(" ") }
            text.append(seat.row)
            text.append(String(seat.number))
        }
    }

    /// `OK <hold> <expires-unix-ms> <seat>...`, built in one string (the hot reply).
    static func hold(_ reply: HoldReply) -> String {
        var text = "OK "
        text.reserveCapacity(40 + 6 * reply.seats.count)
        text.append(reply.holdID.description)
        text.append(" ")
        text.append(String(reply.expiresAtMs))
        text.append(" ")
        Self.append(reply.seats, to: &text)
        return text
    }

    static func holdSeats(_ reply: HoldSeats) -> String {
        var text = "OK "
        text.reserveCapacity(24 + 6 * reply.seats.count)
        text.append(reply.holdID.description)
        text.append(" ")
        Self.append(reply.seats, to: &text)
        return text
    }

    static func map(_ rows: [(row: String, states: String)]) -> String {
        Self.ok(rows.map { "\($0.row):\($0.states)" }.joined(separator: " "))
    }

    static func list(_ holds: [CustomerHold]) -> String {
        guard !holds.isEmpty else { return "OK" }
        return Self.ok(holds.map { hold in
            "\(hold.holdID):\(hold.isSold ? "sold" : "held"):" + hold.seats.map(\.description).joined(separator: ",")
        }.joined(separator: " "))
    }

    /// `EVENT <seq> <type> <session> <hold> <customer> <seat>...`
    static func event(_ event: ChangeEvent) -> String {
        "EVENT \(event.seq) \(event.kind.rawValue) \(event.session) \(event.holdID) \(event.customer) "
            + Self.seats(event.seats)
    }
}
