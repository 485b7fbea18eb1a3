/// What a category or flag names: one seat, a same-row range of seats (`B5-B15`, the row's seats with numbers in
/// that span; both ends must be seats), or a GA area (categories only).
public enum HallTarget: Hashable, Sendable, CustomStringConvertible {
    case seats(SeatLabel, through: SeatLabel)
    case area(String)

    public init(parsing text: Substring) throws(SeatError) {
        if HallPart.isAreaName(text) {
            self = .area(String(text))
            return
        }
        let ends = text.split(separator: "-", omittingEmptySubsequences: false)
        guard ends.count <= 2, let first = SeatLabel(ends[0]), let last = ends.count == 2 ? SeatLabel(ends[1]) : first
        else { throw .badRequest("'\(text.prefix(32))' is not a seat (A1), a same-row range (A1-A9) or an area") }
        guard first.row == last.row, first.number <= last.number else {
            throw .badRequest("range \(text) must run forward within one row")
        }
        self = .seats(first, through: last)
    }

    public var description: String {
        switch self {
        case .seats(let first, let last): first == last ? "\(first)" : "\(first)-\(last)"
        case .area(let name): name
        }
    }
}
