/// Places of a GA area as requests, replies and events name them: `pit:4`.
public struct AreaPlaces: Hashable, Sendable, CustomStringConvertible {
    public let area: String
    public let count: Int

    public init(area: String, count: Int) {
        self.area = area
        self.count = count
    }

    /// Parses `<area>:<n>` (n >= 1); nil when the text is not of that form.
    public init?(_ text: Substring) {
        guard let colon = text.firstIndex(of: ":"), HallPart.isAreaName(text[..<colon]),
            let count = HallPart.count(text[text.index(after: colon)...])
        else { return nil }
        self.area = String(text[..<colon])
        self.count = count
    }

    public var description: String { "\(self.area):\(self.count)" }
}
