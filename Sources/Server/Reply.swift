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
        seats.map(\.description).joined(separator: " ")
    }

    static func hold(_ reply: HoldReply) -> String {
        Self.ok("\(reply.holdID)", "\(reply.expiresAtMs)", Self.seats(reply.seats))
    }

    static func holdSeats(_ reply: HoldSeats) -> String {
        Self.ok("\(reply.holdID)", Self.seats(reply.seats))
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
