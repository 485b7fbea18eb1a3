/// What decisions return. A decision whose caller reads what it decided returns a type of its own, whose cases are
/// the `SessionChange` cases (or the repeated first reply) it can make: the caller matches it exhaustively, and the
/// compiler proves that a HOLD logs a hold and a CANCEL a cancellation. Decisions whose caller only logs and applies
/// the change (EXTEND, a whole RELEASE, ADD, BLOCK, RESERVE) return the `SessionChange` itself.
extension SessionState {
    /// What a HOLD decided: a new hold, or the first reply of an idempotency key already used.
    public enum HoldDecision: Sendable, Equatable {
        case held(HeldRecord)
        case repeated(HoldReply)
    }

    /// What a CONFIRM decided: the confirmation (`.confirmed`, or `.lateConfirmed` within the session's grace), or
    /// the same reply again for a booking already confirmed.
    public enum ConfirmDecision: Sendable, Equatable {
        case change(SessionChange)
        case repeated(HoldSeats)
    }

    /// What a SELL decided: a new hold, confirmed in the same change.
    public enum SellDecision: Sendable, Equatable {
        case sold(HeldRecord, ref: String?)

        /// The change to log and apply.
        public var change: SessionChange {
            switch self {
            case .sold(let record, let ref): .sold(record, ref: ref)
            }
        }
    }

    /// What a RELEASE of some items of a held hold decided: the items it returns.
    public enum ReleaseItemsDecision: Sendable, Equatable {
        case releasedItems(HoldID, seats: [Int32], places: [PlaceCount])

        /// The change to log and apply.
        public var change: SessionChange {
            switch self {
            case .releasedItems(let id, let seats, let places): .releasedItems(id, seats: seats, places: places)
            }
        }
    }

    /// What a CANCEL decided: the seats and places of the booking it returns (all of them for a whole CANCEL).
    public enum CancelDecision: Sendable, Equatable {
        case cancelled(HoldID, seats: [Int32], places: [PlaceCount] = [])

        /// The change to log and apply.
        public var change: SessionChange {
            switch self {
            case .cancelled(let id, let seats, let places): .cancelled(id, seats: seats, places: places)
            }
        }
    }
}
