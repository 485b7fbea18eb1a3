/// A hall: rows of seats in the order CREATE HALL listed them, and (since 1.1) general-admission areas, price
/// categories and seat flags (`HallPart`). Each seat has a dense index in hall order (rows in listed order, then
/// seat number ascending), so a session's state is bitmaps over those indices; categories and flags are bitmaps
/// over the same indices, scanned a word at a time like the seat states.
public struct Hall: Sendable {
    /// A general-admission area: places without a seat map.
    public struct Area: Sendable {
        public let name: String
        public let capacity: Int
        /// The index of its category in `categories`, if it has one.
        public let category: Int?
    }

    /// A price category or a flag: its name and the seats that have it (bit i: seat i).
    public struct SeatSet: Sendable {
        public let name: String
        public let mask: [UInt64]
        /// Areas in a category (by index); flags have none.
        public let areas: [Int]
    }

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
    /// Its parts beside the rows, normalised: areas, then categories, then flags, each in the order given.
    public private(set) var parts: [HallPart]
    /// GA areas in the order given.
    public private(set) var areas: [Area]
    /// Price categories in the order given.
    public private(set) var categories: [SeatSet]
    /// Seat flags in the order given.
    public private(set) var flags: [SeatSet]
    /// Seats in the hall (rows only).
    public let seatCount: Int
    /// Adjacent runs in hall order.
    public let segments: [Segment]
    /// Seats and GA places in the hall.
    public private(set) var capacity: Int
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

    /// Builds a hall from its row specs and parts; throws `.badRequest` for repeated rows, neither rows nor areas,
    /// too many seats, or a part that does not fit the rows (see `HallPart`).
    public init(id: String, specs: [RowSpec], parts: [HallPart] = []) throws(SeatError) {
        guard !specs.isEmpty || parts.contains(where: { if case .area = $0 { true } else { false } }) else {
            throw .badRequest("a hall needs at least one row or area")
        }
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
        self.seatCount = next
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
        (self.parts, self.areas, self.categories, self.flags) = ([], [], [], [])
        self.capacity = next
        try self.build(parts)
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
                    Segment(
                        rowIndex: rowIndex, firstIndex: last.firstIndex, seatCount: last.seatCount + range.count,
                        firstNumber: last.firstNumber))
            } else {
                segments.append(
                    Segment(
                        rowIndex: rowIndex, firstIndex: index, seatCount: range.count,
                        firstNumber: range.lowerBound))
            }
            index += range.count
            previousHigh = range.upperBound
        }
    }

    // MARK: Parts (since 1.1)

    /// Resolves the parts against the rows: areas first (categories may name them), then categories, then flags.
    private mutating func build(_ given: [HallPart]) throws(SeatError) {
        var areaIndex: [String: Int] = [:]
        var areaCategory: [Int?] = []
        var areaList: [(name: String, capacity: Int)] = []
        for case .area(let name, let capacity) in given {
            guard areaIndex[name] == nil else { throw .badRequest("area \(name) is listed twice") }
            guard areaList.count < HallPart.perKindMax else {
                throw .badRequest("a hall may have at most \(HallPart.perKindMax) areas")
            }
            areaIndex[name] = areaList.count
            areaList.append((name, capacity))
            areaCategory.append(nil)
        }
        let words = (self.seatCount + 63) / 64
        var categoryOfSeat = [Int32](repeating: -1, count: self.seatCount)
        var categories: [SeatSet] = []
        var flags: [SeatSet] = []
        for part in given {
            switch part {
            case .area: continue
            case .category(let name, let targets):
                guard !categories.contains(where: { $0.name == name }) else {
                    throw .badRequest("category \(name) is listed twice")
                }
                guard categories.count < HallPart.perKindMax else {
                    throw .badRequest("a hall may have at most \(HallPart.perKindMax) categories")
                }
                var mask = [UInt64](repeating: 0, count: words)
                var areas: [Int] = []
                for target in targets {
                    switch target {
                    case .area(let area):
                        guard let index = areaIndex[area] else {
                            throw .badRequest("category \(name): no area \(area) in the hall")
                        }
                        if let other = areaCategory[index] {
                            throw .badRequest("area \(area) is in categories \(categories[other].name) and \(name)")
                        }
                        areaCategory[index] = categories.count
                        areas.append(index)
                    case .seats:
                        for seat in try self.seats(of: target, in: "category \(name)") {
                            if categoryOfSeat[seat] == Int32(categories.count) { continue }
                            if categoryOfSeat[seat] >= 0 {
                                let other = categories[Int(categoryOfSeat[seat])].name
                                throw .badRequest("seat \(self.label(of: seat)) is in categories \(other) and \(name)")
                            }
                            categoryOfSeat[seat] = Int32(categories.count)
                            mask[seat >> 6] |= 1 << UInt64(seat & 63)
                        }
                    }
                }
                categories.append(SeatSet(name: name, mask: mask, areas: areas.sorted()))
            case .flag(let name, let targets):
                guard !flags.contains(where: { $0.name == name }) else {
                    throw .badRequest("flag \(name) is listed twice")
                }
                guard flags.count < HallPart.perKindMax else {
                    throw .badRequest("a hall may have at most \(HallPart.perKindMax) flags")
                }
                var mask = [UInt64](repeating: 0, count: words)
                for target in targets {
                    for seat in try self.seats(of: target, in: "flag \(name)") {
                        mask[seat >> 6] |= 1 << UInt64(seat & 63)
                    }
                }
                flags.append(SeatSet(name: name, mask: mask, areas: []))
            }
        }
        self.areas = areaList.indices.map {
            Area(name: areaList[$0].name, capacity: areaList[$0].capacity, category: areaCategory[$0])
        }
        self.categories = categories
        self.flags = flags
        self.capacity = self.seatCount + areaList.reduce(0) { $0 + $1.capacity }
        var normalised: [HallPart] = given.filter { if case .area = $0 { true } else { false } }
        normalised += given.filter { if case .category = $0 { true } else { false } }
        normalised += given.filter { if case .flag = $0 { true } else { false } }
        self.parts = normalised
    }

    /// The dense indices a category or flag target names; throws when an end is not a seat of the hall.
    private func seats(of target: HallTarget, in what: String) throws(SeatError) -> [Int] {
        guard case .seats(let first, let last) = target else { return [] }
        guard let low = self.index(of: first) else { throw .badRequest("\(what): no seat \(first) in the hall") }
        guard let high = self.index(of: last) else { throw .badRequest("\(what): no seat \(last) in the hall") }
        return Array(low...high)
    }

    /// The index of the area of that name.
    public func area(named name: String) -> Int? { self.areas.firstIndex { $0.name == name } }

    /// The index of the category of that name.
    public func category(named name: String) -> Int? { self.categories.firstIndex { $0.name == name } }

    /// The index of the flag of that name.
    public func flag(named name: String) -> Int? { self.flags.firstIndex { $0.name == name } }

    /// Every part as CREATE HALL takes it, normalised: rows as listed, then areas, categories, flags. HALL answers
    /// it; the log and snapshots store it.
    public var partTexts: [String] { self.specs.map(\.description) + self.parts.map(\.description) }

    /// Splits CREATE HALL tokens into row specs and parts.
    public static func parse(_ tokens: [Substring]) throws(SeatError) -> (rows: [RowSpec], parts: [HallPart]) {
        var rows: [RowSpec] = []
        var parts: [HallPart] = []
        for token in tokens {
            if HallPart.isPart(token) {
                parts.append(try HallPart(parsing: token))
            } else {
                rows.append(try RowSpec(parsing: token))
            }
        }
        return (rows, parts)
    }
}
