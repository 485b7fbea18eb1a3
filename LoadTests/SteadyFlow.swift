import SeatActors

/// The kinds of request seat-load sends, for counting and latency by kind.
enum RequestKind: Int, CaseIterable, Sendable {
    case hold, confirm, cancel, release, other

    var name: String {
        switch self {
        case .hold: "HOLD"
        case .confirm: "CONFIRM"
        case .cancel: "CANCEL"
        case .release: "RELEASE"
        case .other: "other"
        }
    }
}

/// What a hall looks like to the load: its row specs and every seat label in hall order.
struct LoadHall: Sendable {
    let id: String
    let rows: Int
    let seatsPerRow: Int
    /// CREATE HALL parts after the rows (`ga:`, `cat:`, `flag:`; seatd only).
    var parts: [String] = []

    var rowSpecs: String {
        ((0..<self.rows).map { "\(RowSpec.label(forRowIndex: $0))=\(self.seatsPerRow)" } + self.parts).joined(
            separator: " ")
    }
    var capacity: Int {
        self.rows * self.seatsPerRow
            + self.parts.compactMap { $0.hasPrefix("ga:") ? Int($0.split(separator: "=").last ?? "") : nil }.reduce(
                0, +)
    }
    var seats: [String] {
        (0..<self.rows).flatMap { row in (1...self.seatsPerRow).map { "\(RowSpec.label(forRowIndex: row))\($0)" } }
    }
}

/// One closed-loop flow of the steady scenario: HOLD k distinct random seats of a random session; on OK either
/// RELEASE it or (with probability `confirmRatio`) CONFIRM then CANCEL it, so seats always come back; then again.
/// A refused HOLD (TAKEN) or any other error starts over with a new HOLD. Seeded, so a run is reproducible.
struct SteadyFlow: LoadFlow {
    struct Shape: Sendable {
        var sessions: [String]
        var seats: [String]
        var seatsPerHold: Int
        var confirmRatio: Double
        /// HOLD BEST k with these options (`cat=vip orphans=avoid`, "" for none) instead of k listed seats.
        var best: String? = nil
    }

    let shape: Shape
    let customer: String
    var random: SplitMix64
    private(set) var session = 0
    private(set) var hold: Substring = ""
    private(set) var pending: RequestKind = .hold
    var stopping = false

    init(shape: Shape, customer: String, seed: UInt64) {
        precondition(shape.seatsPerHold >= 1 && shape.seatsPerHold <= shape.seats.count, "seats per hold out of range")
        self.shape = shape
        self.customer = customer
        self.random = SplitMix64(seed: seed)
    }

    /// The first request of the flow.
    mutating func start() -> String { self.newHold() }

    /// Takes the reply to the pending request and returns the next request, or nil when the flow has stopped
    /// (`stopping` is set and nothing it holds is left behind).
    mutating func next(after reply: Substring) -> String? {
        let ok = reply.hasPrefix("OK")
        switch self.pending {
        case .hold where ok:
            self.hold = Self.token(1, of: reply)
            let confirming =
                !self.stopping && Double(self.random.next() >> 11) / Double(1 << 53) < self.shape.confirmRatio
            self.pending = confirming ? .confirm : .release
            return "\(confirming ? "CONFIRM" : "RELEASE") \(self.shape.sessions[self.session]) \(self.hold)\n"
        case .confirm where ok:
            self.pending = .cancel
            return "CANCEL \(self.shape.sessions[self.session]) \(self.hold)\n"
        default:
            return self.stopping ? nil : self.newHold()
        }
    }

    private mutating func newHold() -> String {
        let shape = self.shape
        self.session = Int(self.random.next() % UInt64(shape.sessions.count))
        var picked: [Int] = []
        picked.reserveCapacity(shape.seatsPerHold)
        while picked.count < shape.seatsPerHold {
            let seat = Int(self.random.next() % UInt64(shape.seats.count))
            if !picked.contains(seat) { picked.append(seat) }
        }
        picked.sort()
        self.pending = .hold
        var line = "HOLD \(shape.sessions[self.session]) \(self.customer)"
        if let best = shape.best {
            return line + " BEST \(shape.seatsPerHold)" + (best.isEmpty ? "" : " " + best) + "\n"
        }
        for seat in picked { line += " " + shape.seats[seat] }
        return line + "\n"
    }

    /// The token at `index` (0-based) of a reply line.
    static func token(_ index: Int, of line: Substring) -> Substring {
        let tokens = line.split(separator: " ", maxSplits: index + 1, omittingEmptySubsequences: true)
        return index < tokens.count ? tokens[index] : ""
    }
}
