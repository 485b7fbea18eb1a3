import SeatActors

/// What a request asks of one session (`Request.session`).
public enum SessionRequest: Sendable, Equatable {
    case hold(
        customer: String, selection: SeatSelection, ttlSeconds: Int?, key: String?, options: HoldOptions = HoldOptions()
    )
    case extend(hold: HoldRef, ttlSeconds: Int, key: String? = nil)
    case confirm(hold: HoldRef, ref: String?, key: String? = nil)
    /// RELEASE of the whole hold (`seats` nil and no places) or, since 1.1, of some of its items.
    case release(hold: HoldRef, seats: [SeatLabel]? = nil, places: [AreaPlaces] = [], key: String? = nil)
    case cancel(hold: HoldRef, seats: [SeatLabel]?, places: [AreaPlaces] = [], key: String? = nil)
    /// ADD (since 1.1): items for a live hold, chosen as HOLD chooses them.
    case add(hold: HoldRef, selection: SeatSelection, key: String?, options: HoldOptions)
    /// SELL (since 1.1): HOLD and CONFIRM in one change.
    case sell(customer: String, selection: SeatSelection, ref: String?, key: String?, options: HoldOptions)
    case avail
    /// AVAIL <session> cat=<c>|flag=<f>|<area> (since 1.1).
    case availPart(SessionState.Part)
    case map
    case list(customer: String)
    /// BLOCK (true) or UNBLOCK (false) of seats (since 1.1).
    case block(seats: [SeatLabel], Bool)
    /// RESERVE for a channel, or UNRESERVE (nil) (since 1.1).
    case reserve(seats: [SeatLabel], channel: String?)
    /// HISTORY (since 1.1): the retained events of a hold, a seat or a GA area.
    case history(HistoryTarget)
}
