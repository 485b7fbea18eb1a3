/// The first reply of a change made with an idempotency key, as a session keeps it and a snapshot stores it: the
/// form of its verb and its facts in the hall's indices, and when the key was used. `SessionState.answer(forKey:)`
/// shows it with the hall's labels, as the `KeyedAnswer` a repeat of the key gets.
public struct KeyedReply: Sendable, Equatable {
    /// Which reply: HOLD's, a list of items, EXTEND's or RELEASE's (`KeyedAnswer`'s cases). Snapshots store the
    /// raw values, so they never change.
    public enum Form: UInt8, Sendable {
        case hold = 0
        case items = 1
        case extended = 2
        case released = 3
    }

    /// The idempotency key.
    public let key: String
    public let form: Form
    public let holdID: HoldID
    /// The hold's expiry in HOLD's and EXTEND's form; 0 in the others.
    public let expiresAtMs: Int64
    /// Dense seat indices, ascending.
    public let seats: [Int32]
    /// GA places by area index ascending.
    public let places: [PlaceCount]
    /// When the key was used: it is forgotten `keyttl` later.
    public let usedAtMs: Int64

    public init(
        key: String, form: Form, holdID: HoldID, expiresAtMs: Int64 = 0, seats: [Int32] = [],
        places: [PlaceCount] = [], usedAtMs: Int64
    ) {
        self.key = key
        self.form = form
        self.holdID = holdID
        self.expiresAtMs = expiresAtMs
        self.seats = seats
        self.places = places
        self.usedAtMs = usedAtMs
    }
}
