/// Every change seatd logs.
public enum LogRecord: Sendable, Equatable {
    /// A hall: its rows and (since 1.1) its other parts.
    case hallCreated(id: String, rows: [RowSpec], parts: [HallPart] = [])
    /// The session's handle is this record's LSN.
    case sessionCreated(SessionConfig)
    case sessionDropped(SessionHandle)
    case change(SessionHandle, SessionChange)
}
