/// Places of one area as the engine keeps them: the area's index in the hall and a count >= 1. A hold's places
/// are sorted by area index, one entry per area.
public struct PlaceCount: Hashable, Sendable {
    public let area: Int
    public let count: Int

    public init(area: Int, count: Int) {
        self.area = area
        self.count = count
    }
}
