/// The first successful reply of a change made with an idempotency key, in the form of its verb (since 1.1: keys
/// on every change). A change sent again with the key gets it back byte for byte, whatever it asks.
public enum KeyedAnswer: Sendable, Equatable {
    /// HOLD, ADD: `OK <hold> <expires> <item>...` (ADD: every item of the hold).
    case hold(HoldReply)
    /// CONFIRM, CANCEL, SELL, RELEASE of items: `OK <hold> <item>...`.
    case items(HoldSeats)
    /// EXTEND: `OK <hold> <expires>`.
    case extended(Extension)
    /// RELEASE: `OK <hold>`.
    case released(HoldID)
}

extension KeyedAnswer {
    /// The reply in HOLD's form, or nil for another form.
    public var asHold: HoldReply? { if case .hold(let reply) = self { reply } else { nil } }
    /// The reply as a list of items, or nil for another form.
    public var asItems: HoldSeats? { if case .items(let reply) = self { reply } else { nil } }
    /// The reply in EXTEND's form, or nil for another form.
    public var asExtended: Extension? { if case .extended(let reply) = self { reply } else { nil } }
    /// The hold of RELEASE's form, or nil for another form.
    public var asReleased: HoldID? { if case .released(let id) = self { id } else { nil } }
}
