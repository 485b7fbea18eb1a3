/// Every bound the seat engine enforces. Exceeding one is an error reply, never a crash.
public enum Limits {
    /// Characters in an id (hall, session, customer, idempotency key, ref).
    public static let idCharactersMax = 64
    /// Letters in a row label (`A`, `AB`, `ABC`).
    public static let rowLabelLettersMax = 3
    /// The highest seat number in a row.
    public static let seatNumberMax = 9_999
    /// Seats in one hall: bounds the memory of every session of it (three words a seat).
    public static let hallSeatsMax = 100_000
    /// Seats one HOLD may take, explicitly or with BEST/ANY.
    public static let seatsPerHoldMax = 100
    /// Longest hold ttl and maxttl a session may set: one week.
    public static let ttlSecondsMax = 7 * 24 * 3600
    /// Holds expired by one lazy check on access, so a mass expiry cannot stall one request.
    public static let expiredPerAccessMax = 64
    /// Holds expired per sweep tick per session (Redis expire.c bounds its cycle the same way).
    public static let expiredPerSweepMax = 1_000
    /// Ids of expired holds a session remembers, so CONFIRM answers EXPIRED rather than NO_SUCH_HOLD.
    public static let expiredHoldsRememberedMax = 100_000
    /// The longest keyttl a session may set: thirty days.
    public static let keyTTLSecondsMax = 30 * 24 * 3600
    /// Idempotency keys one session remembers by default (`limits.keys_per_session`); past it the oldest go.
    public static let keysPerSessionDefault = 1_000_000
    /// Keys forgotten by one sweep of one session.
    public static let keysForgottenPerSweepMax = 100_000
    /// Events each session retains by default (`events.retain_per_session`), for WATCH `from=` and HISTORY.
    public static let eventsRetainedDefault = 100_000
    /// The most events a session may be configured to retain.
    public static let eventsRetainedMax = 10_000_000
    /// Events buffered for one subscriber before it is cut off.
    public static let eventsBufferedPerSubscriberMax = 10_000
}
