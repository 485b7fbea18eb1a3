/// A session's settings, as CREATE SESSION gives them.
public struct SessionConfig: Sendable, Equatable {
    /// The session's id.
    public let id: String
    /// The hall it is a showing of.
    public let hallID: String
    /// Hold lifetime when HOLD names none.
    public let ttlSeconds: Int
    /// The most a hold may live from its creation, EXTENDs included.
    public let maxTTLSeconds: Int
    /// The most seats (and GA places) one customer may hold and own together; nil for no limit.
    public let customerSeatsMax: Int?
    /// BEST avoids leaving orphan seats unless a HOLD says otherwise (`orphans=avoid`, since 1.1).
    public let avoidsOrphans: Bool
    /// A CONFIRM of a hold that lapsed at most this long ago may still win its items back (`grace=`, since 1.1).
    public let graceSeconds: Int
    /// How long an idempotency key is remembered (`keyttl=`, since 1.1).
    public let keyTTLSeconds: Int

    /// Default key lifetime: a day.
    public static let keyTTLSecondsDefault = 86_400

    /// Default hold lifetime: 15 minutes.
    public static let ttlSecondsDefault = 900
    /// Default maximum hold lifetime: 2 hours.
    public static let maxTTLSecondsDefault = 7_200

    /// Validates the settings; throws `.badRequest` for out-of-range values.
    public init(
        id: String, hallID: String, ttlSeconds: Int = ttlSecondsDefault, maxTTLSeconds: Int = maxTTLSecondsDefault,
        customerSeatsMax: Int? = nil, avoidsOrphans: Bool = false, graceSeconds: Int = 0,
        keyTTLSeconds: Int = keyTTLSecondsDefault
    ) throws(SeatError) {
        guard (1...Limits.ttlSecondsMax).contains(ttlSeconds) else {
            throw .badRequest("ttl must be 1 to \(Limits.ttlSecondsMax) seconds")
        }
        guard (ttlSeconds...Limits.ttlSecondsMax).contains(maxTTLSeconds) else {
            throw .badRequest("maxttl must be at least ttl and at most \(Limits.ttlSecondsMax) seconds")
        }
        if let limit = customerSeatsMax, limit < 1 { throw .badRequest("limit must be at least 1") }
        guard (0...Limits.ttlSecondsMax).contains(graceSeconds) else {
            throw .badRequest("grace must be 0 to \(Limits.ttlSecondsMax) seconds")
        }
        guard (1...Limits.keyTTLSecondsMax).contains(keyTTLSeconds) else {
            throw .badRequest("keyttl must be 1 to \(Limits.keyTTLSecondsMax) seconds")
        }
        self.id = id
        self.hallID = hallID
        self.ttlSeconds = ttlSeconds
        self.maxTTLSeconds = maxTTLSeconds
        self.customerSeatsMax = customerSeatsMax
        self.avoidsOrphans = avoidsOrphans
        self.graceSeconds = graceSeconds
        self.keyTTLSeconds = keyTTLSeconds
    }

    /// True when the settings need the 1.1 form of the record.
    public var hasOptions: Bool {
        self.avoidsOrphans || self.graceSeconds != 0 || self.keyTTLSeconds != Self.keyTTLSecondsDefault
    }
}
