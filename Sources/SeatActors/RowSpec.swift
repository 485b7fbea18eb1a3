/// One row of a hall as CREATE HALL lists it: `A=20` (seats 1...20) or `B=1-10,13-22` (the gap is an aisle).
public struct RowSpec: Hashable, Sendable, CustomStringConvertible {
    /// The row label.
    public let label: String
    /// Ascending, non-overlapping seat number ranges.
    public let ranges: [ClosedRange<Int>]

    /// Parses one row spec; throws `.badRequest` naming what is wrong.
    public init(parsing text: Substring) throws(SeatError) {
        guard let equals = text.firstIndex(of: "=") else {
            throw .badRequest("row spec '\(text)' needs the form <row>=<n> or <row>=<a>-<b>,...")
        }
        let label = text[text.startIndex..<equals]
        guard SeatLabel.isRowLabel(label) else {
            throw .badRequest("row label '\(label)' must be 1 to 3 uppercase letters")
        }
        let body = text[text.index(after: equals)...]
        var ranges: [ClosedRange<Int>] = []
        if !body.contains("-") && !body.contains(",") {
            guard let count = SeatLabel.parseNumber(body) else {
                throw .badRequest("row \(label): '\(body)' is not a seat count 1-\(Limits.seatNumberMax)")
            }
            ranges.append(1...count)
        } else {
            for part in body.split(separator: ",", omittingEmptySubsequences: false) {
                ranges.append(try RowSpec.parseRange(part, label: label))
            }
        }
        for (previous, next) in zip(ranges, ranges.dropFirst()) where next.lowerBound <= previous.upperBound {
            throw .badRequest("row \(label): ranges must ascend without overlapping")
        }
        self.label = String(label)
        self.ranges = ranges
    }

    /// Makes a spec of one row from parts already known to be valid (tests, config).
    public init(label: String, ranges: [ClosedRange<Int>]) {
        self.label = label
        self.ranges = ranges
    }

    /// The spec as CREATE HALL takes it, `B=1-10,13-22`.
    public var description: String {
        if self.ranges.count == 1, self.ranges[0].lowerBound == 1 {
            return "\(self.label)=\(self.ranges[0].upperBound)"
        }
        return "\(self.label)=" + self.ranges.map { "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
    }

    /// Seats in the row.
    public var seatCount: Int { self.ranges.reduce(0) { $0 + $1.count } }

    /// The label of the row at `index` in the order A, B, ..., Z, AA, AB, ... (for generated halls).
    public static func label(forRowIndex index: Int) -> String {
        var index = index
        var label = ""
        repeat {
            label = String(UnicodeScalar(UInt8(65 + index % 26))) + label
            index = index / 26 - 1
        } while index >= 0
        return label
    }

    private static func parseRange(_ part: Substring, label: Substring) throws(SeatError) -> ClosedRange<Int> {
        let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let low = SeatLabel.parseNumber(bounds[0]),
            let high = SeatLabel.parseNumber(bounds[1])
        else {
            throw .badRequest(
                "row \(label): '\(part)' is not a range <a>-<b> of seat numbers 1-\(Limits.seatNumberMax)")
        }
        guard low <= high else { throw .badRequest("row \(label): range \(part) is empty") }
        return low...high
    }
}
