/// A hall: rows of seats in the order CREATE HALL listed them. Each seat has a dense index in hall order
/// (rows in listed order, then seat number ascending), so a session's state is bitmaps over those indices.
public struct Hall: Sendable {
    /// One row with its seats' place in the dense index.
    public struct Row: Sendable {
        /// The row's label.
        public let label: String
        /// Its ranges as listed.
        public let ranges: [ClosedRange<Int>]
        /// Dense index of the row's first seat.
        public let firstIndex: Int
        /// Seats in the row.
        public let seatCount: Int
        /// The lowest and highest seat numbers: the row's centre is their middle.
        public let lowNumber: Int
        public let highNumber: Int
    }

    /// A run of seats with consecutive numbers in one row: seats are adjacent exactly when they share a run.
    public struct Segment: Sendable {
        public let rowIndex: Int
        public let firstIndex: Int
        public let seatCount: Int
        public let firstNumber: Int
    }

    /// The hall's id.
    public let id: String
    /// The rows as listed.
    public let rows: [Row]
    /// The specs it was made from, for the log.
    public let specs: [RowSpec]
    /// Adjacent runs in hall order.
    public let segments: [Segment]
    /// Seats in the hall.
    public let capacity: Int
    /// Row indices ordered by distance from the middle row, then index: BEST stops once rows can only be worse.
    let rowsByDistance: [Int]
    /// The range of `segments` that lies in each row.
    let segmentsOfRow: [Range<Int>]
    /// Every seat index, nearest the centre first (ties: lower row, then lower number): ANY takes a prefix.
    let preferenceOrder: [Int32]
    /// Row index + 1 by the row label's code (`Hall.code(ofRow:)`), 0 for no row: a lookup without hashing a string
    /// (every listed seat of every request is looked up here).
    private let rowByCode: [UInt16]
    /// Row index of every seat, for index -> label.
    private let rowOfSeat: [UInt16]

    /// Builds a hall from its row specs; throws `.badRequest` for repeated rows, no rows or too many seats.
    public init(id: String, specs: [RowSpec]) throws(SeatError) {
        guard !specs.isEmpty else { throw .badRequest("a hall needs at least one row") }
        var rows: [Row] = []
        var segments: [Segment] = []
        var byLabel: [String: Int] = [:]
        var next = 0
        for spec in specs {
            guard byLabel[spec.label] == nil else { throw .badRequest("row \(spec.label) is listed twice") }
            byLabel[spec.label] = rows.count
            let count = spec.seatCount
            guard next + count <= Limits.hallSeatsMax else {
                throw .badRequest("a hall may have at most \(Limits.hallSeatsMax) seats")
            }
            Hall.appendSegments(of: spec, rowIndex: rows.count, firstIndex: next, to: &segments)
            rows.append(
                Row(
                    label: spec.label, ranges: spec.ranges, firstIndex: next, seatCount: count,
                    lowNumber: spec.ranges.first!.lowerBound, highNumber: spec.ranges.last!.upperBound))
            next += count
        }
        self.id = id
        self.rows = rows
        self.specs = specs
        self.segments = segments
        self.capacity = next
        var rowByCode = [UInt16](repeating: 0, count: (byLabel.keys.map(Hall.code(ofRow:)).max() ?? 0) + 1)
        for (label, index) in byLabel { rowByCode[Hall.code(ofRow: label)] = UInt16(index + 1) }
        self.rowByCode = rowByCode
        var rowOfSeat = [UInt16](repeating: 0, count: next)
        for (index, row) in rows.enumerated() {
            for seat in row.firstIndex..<(row.firstIndex + row.seatCount) { rowOfSeat[seat] = UInt16(index) }
        }
        self.rowOfSeat = rowOfSeat
        var segmentsOfRow = [Range<Int>](repeating: 0..<0, count: rows.count)
        for (index, segment) in segments.enumerated() {
            let current = segmentsOfRow[segment.rowIndex]
            segmentsOfRow[segment.rowIndex] = current.isEmpty ? index..<(index + 1) : current.lowerBound..<(index + 1)
        }
        self.segmentsOfRow = segmentsOfRow
        let rowCount = rows.count
        self.rowsByDistance = rows.indices.sorted {
            let a = 2 * $0 - (rowCount - 1)
            let b = 2 * $1 - (rowCount - 1)
            return (a * a, $0) < (b * b, $1)
        }
        self.preferenceOrder = Hall.preferenceOrder(of: rows, capacity: next)
    }

    /// The dense index of a seat, or nil when the hall has no such seat (no row, past its end, in an aisle).
    public func index(of seat: SeatLabel) -> Int? {
        let code = Hall.code(ofRow: seat.row)
        guard code < self.rowByCode.count, self.rowByCode[code] > 0 else { return nil }
        let row = self.rows[Int(self.rowByCode[code]) - 1]
        var offset = row.firstIndex
        for range in row.ranges {
            if range.contains(seat.number) { return offset + (seat.number - range.lowerBound) }
            offset += range.count
        }
        return nil
    }

    /// A row label of 1...3 letters A...Z read as a number in base 27 with digits 1...26: distinct for distinct
    /// labels, at most 19,682.
    static func code(ofRow label: String) -> Int {
        var code = 0
        for byte in label.utf8 { code = code * 27 + Int(byte &- UInt8(ascii: "A") &+ 1) }
        return code
    }

    /// The label of the seat at a dense index.
    public func label(of index: Int) -> SeatLabel {
        let row = self.rows[Int(self.rowOfSeat[index])]
        var offset = index - row.firstIndex
        for range in row.ranges {
            if offset < range.count { return SeatLabel(row: row.label, number: range.lowerBound + offset) }
            offset -= range.count
        }
        preconditionFailure("seat index \(index) outside row \(row.label)")
    }

    /// The row index of the seat at a dense index.
    public func rowIndex(of index: Int) -> Int { Int(self.rowOfSeat[index]) }

    private static func appendSegments(of spec: RowSpec, rowIndex: Int, firstIndex: Int, to segments: inout [Segment]) {
        var index = firstIndex
        var previousHigh = Int.min
        for range in spec.ranges {
            if range.lowerBound == previousHigh + 1, let last = segments.popLast() {
                // Touching ranges leave no aisle: one run.
                segments.append(
                    Segment(rowIndex: rowIndex, firstIndex: last.firstIndex, seatCount: last.seatCount + range.count,
                            firstNumber: last.firstNumber))
            } else {
                segments.append(
                    Segment(rowIndex: rowIndex, firstIndex: index, seatCount: range.count,
                            firstNumber: range.lowerBound))
            }
            index += range.count
            previousHigh = range.upperBound
        }
    }
}
