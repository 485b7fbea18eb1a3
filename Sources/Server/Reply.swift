import SeatActors

/// The only place that formats reply and event lines (without the LF).
enum Reply {
    static func ok(_ fields: String...) -> String {
        fields.isEmpty ? "OK" : "OK " + fields.joined(separator: " ")
    }

    /// `OK <field>`, without the array a variadic call makes.
    static func ok(_ field: String) -> String {
        "OK " + field
    }

    /// `OK <item>...`: `OK` alone when there are none (HALLS, SESSIONS).
    static func ok(list items: [String]) -> String {
        items.isEmpty ? "OK" : "OK " + items.joined(separator: " ")
    }

    static func error(_ code: ErrorCode, _ message: String) -> String {
        "ERR \(code.rawValue) \(Self.printable(message))"
    }

    /// `text` with each byte outside printable ASCII (0x20-0x7e) written as `\xNN`. A reply is one line of
    /// printable ASCII whatever the request held: an error that echoes a token with a CR in it would otherwise be
    /// two lines to a reader that takes CR as a line end, and every later reply would pair with the wrong request.
    static func printable(_ text: String) -> String {
        if text.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) { return text }
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count * 2)
        for byte in text.utf8 {
            if (0x20...0x7E).contains(byte) {
                bytes.append(byte)
            } else {
                bytes += [UInt8(ascii: "\\"), UInt8(ascii: "x"), digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func error(_ error: SeatError) -> String {
        Self.error(error.code, error.message)
    }

    static func seats(_ seats: [SeatLabel]) -> String {
        var text = ""
        Self.append(seats, to: &text)
        return text
    }

    /// Seats separated by spaces, appended without building a string per seat; then GA places (since 1.1).
    private static func append(_ seats: [SeatLabel], _ places: [AreaPlaces] = [], to text: inout String) {
        for (index, seat) in seats.enumerated() {
            if index > 0 { text.append(" ") }
            text.append(seat.row)
            text.append(String(seat.number))
        }
        for (index, place) in places.enumerated() {
            if index > 0 || !seats.isEmpty { text.append(" ") }
            text.append(place.description)
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
        Self.append(reply.seats, reply.places, to: &text)
        return text
    }

    static func holdSeats(_ reply: HoldSeats) -> String {
        var text = "OK "
        text.reserveCapacity(24 + 6 * reply.seats.count)
        text.append(reply.holdID.description)
        text.append(" ")
        Self.append(reply.seats, reply.places, to: &text)
        return text
    }

    /// A key's first reply, in its verb's form.
    static func answer(_ answer: KeyedAnswer) -> String {
        switch answer {
        case .hold(let reply): Self.hold(reply)
        case .items(let reply): Self.holdSeats(reply)
        case .extended(let reply): Self.ok("\(reply.holdID)", "\(reply.expiresAtMs)")
        case .released(let id): Self.ok("\(id)")
        }
    }

    /// `OK free=<n> held=<n> sold=<n>`, and since 1.1 ` blocked=<n> reserved=<n>` once the session has any.
    static func counts(_ counts: SeatCounts) -> String {
        let v1 = Self.ok("free=\(counts.free)", "held=\(counts.held)", "sold=\(counts.sold)")
        return counts.setAside ? v1 + " blocked=\(counts.blocked) reserved=\(counts.reserved)" : v1
    }

    /// `OK <row>:<states>...`, then since 1.1 one `<area>:<free>/<capacity>` per GA area.
    static func map(_ map: (rows: [(row: String, states: String)], areas: [String])) -> String {
        Self.ok((map.rows.map { "\($0.row):\($0.states)" } + map.areas).joined(separator: " "))
    }

    static func list(_ holds: [CustomerHold]) -> String {
        guard !holds.isEmpty else { return "OK" }
        return Self.ok(
            holds.map { hold in
                "\(hold.holdID):\(hold.isSold ? "sold" : "held"):" + Self.commaSeparated(hold.seats, hold.places)
            }.joined(separator: " "))
    }

    /// HISTORY of a hold (since 1.1): `OK <seq>:<type>:<item>,<item>... ...`, oldest first.
    static func holdHistory(_ events: [ChangeEvent]) -> String {
        guard !events.isEmpty else { return "OK" }
        return Self.ok(
            events.map { event in
                "\(event.seq):\(event.kind.rawValue):" + Self.commaSeparated(event.seats, event.places)
            }.joined(separator: " "))
    }

    /// HISTORY of a seat or area (since 1.1): `OK <seq>:<type>:<hold>:<customer> ...`, oldest first; the admin
    /// kinds show `-` for the hold.
    static func itemHistory(_ events: [ChangeEvent]) -> String {
        guard !events.isEmpty else { return "OK" }
        return Self.ok(
            events.map { "\($0.seq):\($0.kind.rawValue):\($0.holdID.map(\.description) ?? "-"):\($0.customer)" }
                .joined(separator: " "))
    }

    /// `A1,A2,pit:2`: the items of one LIST or HISTORY entry, seats first.
    private static func commaSeparated(_ seats: [SeatLabel], _ places: [AreaPlaces]) -> String {
        (seats.map(\.description) + places.map(\.description)).joined(separator: ",")
    }

    /// `EVENT <seq> <type> <session> <hold> <customer> <item>...`; the admin kinds show `-` for the hold.
    static func event(_ event: ChangeEvent) -> String {
        var text =
            "EVENT \(event.seq) \(event.kind.rawValue) \(event.session) \(event.holdID.map(\.description) ?? "-") \(event.customer) "
        Self.append(event.seats, event.places, to: &text)
        return text
    }
}
