/// The failover run's end-of-run check, beside the seat checker: what the clients were told they hold and have
/// booked (every change answered, so each client knows its holds exactly) against the final MAP of each session.
/// A seat claimed by two holds is `double`; a claimed seat the map does not show held (`h`) or sold (`x`) as
/// claimed, or claimed places the area does not count taken, is `lost`; a held or sold seat, or a taken place, that
/// no client claims is `unexplained`. Seats are reported as `session/seat`.
enum ClaimCheck {
    /// One piece of a client's hold: its seats and places of the layout's area, held or sold.
    struct Claim: Sendable {
        var session: String
        var hold: String
        var sold: Bool
        var seats: [String]
        var places: Int
    }

    struct Findings: Sendable, Equatable {
        var lost: [String] = []
        var double: [String] = []
        var unexplained: [String] = []
    }

    /// The claims of a crash-loop client's holds.
    static func claims(
        _ holds: [(session: String, id: String, sold: Bool, pieces: [(seats: [String], places: Int)])]
    ) -> [Claim] {
        holds.flatMap { hold in
            hold.pieces.map {
                Claim(session: hold.session, hold: hold.id, sold: hold.sold, seats: $0.seats, places: $0.places)
            }
        }
    }

    /// Checks `claims` against `maps` (session -> its final MAP reply) of `layout`'s hall.
    static func check(_ claims: [Claim], maps: [String: String], layout: SeatChecker.Layout) -> Findings {
        var findings = Findings()
        for (session, reply) in maps.sorted(by: { $0.key < $1.key }) {
            guard let (cells, free) = Self.parse(reply, layout: layout) else {
                findings.lost.append("\(session): no map (\(reply))")
                continue
            }
            let mine = claims.filter { $0.session == session }
            var owners: [Int: [Claim]] = [:]
            for claim in mine {
                for seat in claim.seats {
                    guard let index = layout.index(seat[...]) else { continue }
                    owners[index, default: []].append(claim)
                }
            }
            for (index, claimed) in owners.sorted(by: { $0.key < $1.key }) {
                let label = "\(session)/\(layout.label(index))"
                if Set(claimed.map(\.hold)).count > 1 { findings.double.append(label) }
                let expected = claimed.contains(where: \.sold) ? UInt8(ascii: "x") : UInt8(ascii: "h")
                if cells[index] != expected { findings.lost.append(label) }
            }
            for (index, cell) in cells.enumerated() where owners[index] == nil {
                if cell == UInt8(ascii: "h") || cell == UInt8(ascii: "x") {
                    findings.unexplained.append("\(session)/\(layout.label(index))")
                }
            }
            let placesClaimed = mine.reduce(0) { $0 + $1.places }
            let placesTaken = layout.places - free
            if placesClaimed > placesTaken {
                findings.lost.append("\(session)/pit: \(placesClaimed) places claimed, \(placesTaken) taken")
            } else if placesClaimed < placesTaken {
                findings.unexplained.append("\(session)/pit: \(placesTaken) places taken, \(placesClaimed) claimed")
            }
        }
        return findings
    }

    /// The seats' map characters in hall order and the area's free places, or nil when `reply` is not a MAP of
    /// the layout (`OK A:.hx. B:.... pit:10/12`).
    static func parse(_ reply: String, layout: SeatChecker.Layout) -> (cells: [UInt8], free: Int)? {
        var tokens = reply.split(separator: " ")
        guard tokens.first == "OK", tokens.count == 1 + layout.rows.count + (layout.places > 0 ? 1 : 0) else {
            return nil
        }
        tokens.removeFirst()
        var cells: [UInt8] = []
        for (row, token) in zip(layout.rows, tokens) {
            let parts = token.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0] == row.label, parts[1].utf8.count == row.count else { return nil }
            cells.append(contentsOf: parts[1].utf8)
        }
        guard layout.places > 0 else { return (cells, 0) }
        let area = tokens[layout.rows.count]
        guard area.hasPrefix("pit:"), area.hasSuffix("/\(layout.places)"),
            let free = Int(area.dropFirst(4).prefix { $0 != "/" })
        else { return nil }
        return (cells, free)
    }
}
