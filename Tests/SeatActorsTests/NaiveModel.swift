@testable import SeatActors

/// A deliberately naive model of one session: an array of seat states and a dictionary of holds, with BEST and
/// ANY by brute force over every seat. It shares no code with the engine beyond the hall's seat numbering.
struct NaiveModel {
    enum SeatState: Equatable {
        case free
        case held(HoldID)
        case sold(HoldID)
    }

    struct ModelHold {
        var seats: [Int]
        var isSold: Bool
        var expiresAtMs: Int64
        let createdAtMs: Int64
        let customer: String
    }

    let hall: Hall
    let ttlSeconds: Int
    let maxTTLSeconds: Int
    let limit: Int?
    var seats: [SeatState]
    /// Each seat's number and row, read once from the hall's numbering.
    let numberOf: [Int]
    let rowOf: [Int]
    var holds: [HoldID: ModelHold] = [:]
    var expired: Set<HoldID> = []
    var keys: [String: HoldReply] = [:]

    init(hall: Hall, ttlSeconds: Int, maxTTLSeconds: Int, limit: Int?) {
        self.hall = hall
        self.ttlSeconds = ttlSeconds
        self.maxTTLSeconds = maxTTLSeconds
        self.limit = limit
        self.seats = Array(repeating: .free, count: hall.capacity)
        self.numberOf = (0..<hall.capacity).map { hall.label(of: $0).number }
        self.rowOf = (0..<hall.capacity).map { hall.rowIndex(of: $0) }
    }

    /// Every lapsed hold's seats come back.
    mutating func expire(nowMs: Int64) {
        for (id, hold) in self.holds where !hold.isSold && hold.expiresAtMs <= nowMs {
            for seat in hold.seats { self.seats[seat] = .free }
            self.holds[id] = nil
            self.expired.insert(id)
        }
    }

    /// The result a HOLD should have: the seats, or the error kind.
    func hold(customer: String, selection: SeatSelection, ttl: Int?, key: String?) -> Result<[Int], SeatError> {
        var indices: [Int] = []
        if case .explicit(let labels) = selection {
            let missing = labels.filter { self.hall.index(of: $0) == nil }
            if !missing.isEmpty { return .failure(.noSuchSeat(missing)) }
            indices = labels.map { self.hall.index(of: $0)! }
        }
        let count = selection.count
        if count > Limits.seatsPerHoldMax { return .failure(.limit("count")) }
        if (ttl ?? self.ttlSeconds) > self.maxTTLSeconds { return .failure(.limit("ttl")) }
        if let limit = self.limit {
            let owned = self.holds.values.filter { $0.customer == customer }.reduce(0) { $0 + $1.seats.count }
            if owned + count > limit { return .failure(.limit("customer")) }
        }
        let free = self.seats.indices.filter { self.seats[$0] == .free }
        switch selection {
        case .explicit(let labels):
            let taken = indices.indices.filter { self.seats[indices[$0]] != .free }.map { labels[$0] }
            if !taken.isEmpty {
                return .failure(.taken(taken.sorted { self.hall.index(of: $0)! < self.hall.index(of: $1)! }))
            }
            return .success(indices.sorted())
        case .best(let n):
            if free.count < n { return .failure(.soldOut(requested: n, free: free.count)) }
            guard let block = self.bestBlock(n) else { return .failure(.noAdjacent(n)) }
            return .success(block)
        case .any(let n):
            if free.count < n { return .failure(.soldOut(requested: n, free: free.count)) }
            let ranked = free.map { (self.distance4($0, $0), $0) }.sorted { $0 < $1 }
            return .success(ranked.prefix(n).map(\.1).sorted())
        }
    }

    /// Brute force: every start seat of every row, every block whose numbers run on without a gap.
    func bestBlock(_ n: Int) -> [Int]? {
        var best: (Int, Int, Int)? = nil
        var chosen: [Int]? = nil
        for (rowIndex, row) in self.hall.rows.enumerated() {
            let indices = Array(row.firstIndex..<(row.firstIndex + row.seatCount))
            for start in 0..<indices.count where start + n <= indices.count {
                let first = indices[start]
                let last = indices[start + n - 1]
                guard self.numberOf[last] - self.numberOf[first] == n - 1 else { continue }
                guard (first...last).allSatisfy({ self.seats[$0] == .free }) else { continue }
                let key = (self.distance4(first, last), rowIndex, self.numberOf[first])
                if best == nil || key < best! {
                    best = key
                    chosen = Array(first...last)
                }
            }
        }
        return chosen
    }

    /// (2dr)² + (2dc)² for the block from seat `first` to seat `last` in one row.
    func distance4(_ first: Int, _ last: Int) -> Int {
        let rowIndex = self.rowOf[first]
        let row = self.hall.rows[rowIndex]
        let dr = 2 * rowIndex - (self.hall.rows.count - 1)
        let dc = self.numberOf[first] + self.numberOf[last] - row.lowNumber - row.highNumber
        return dr * dr + dc * dc
    }

    var map: String {
        String(
            decoding: self.seats.map { state -> UInt8 in
                switch state {
                case .free: UInt8(ascii: ".")
                case .held: UInt8(ascii: "h")
                case .sold: UInt8(ascii: "x")
                }
            }, as: UTF8.self)
    }
}
