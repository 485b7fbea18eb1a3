/// How HOLD's BEST and ANY choose, and what else a HOLD names beside its seats (since 1.1). The defaults keep v1.
public struct HoldOptions: Sendable, Equatable {
    /// GA places (`pit:2`), with explicit seats or alone.
    public var places: [AreaPlaces] = []
    /// BEST/ANY only among seats of this category.
    public var category: String? = nil
    /// BEST/ANY only among seats with this flag.
    public var flag: String? = nil
    /// May take seats reserved for this channel.
    public var channel: String? = nil
    /// BEST avoids orphans; nil: the session's default.
    public var avoidOrphans: Bool? = nil
    /// BEST holds several blocks where no single block exists.
    public var split = false

    public init(
        places: [AreaPlaces] = [], category: String? = nil, flag: String? = nil, channel: String? = nil,
        avoidOrphans: Bool? = nil, split: Bool = false
    ) {
        self.places = places
        self.category = category
        self.flag = flag
        self.channel = channel
        self.avoidOrphans = avoidOrphans
        self.split = split
    }
}
