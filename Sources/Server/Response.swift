import SeatActors

/// A reply as the dispatcher decides it, before it is released. `Reply` renders it to a line, in one place, and
/// metrics count it by its typed error code, never by reading its text.
enum Response: Sendable, Equatable {
    /// A success line (`OK ...`) or an event line.
    case line(String)
    /// HOLD's and ADD's `OK <hold> <expires-unix-ms> <seat>...`, rendered straight into the outgoing buffer.
    case held(HoldReply)
    /// RELEASE's `OK <hold>`, rendered straight into the outgoing buffer.
    case released(HoldID)
    /// `ERR <code> <message>`.
    case error(ErrorCode, String)
    /// STATS, rendered at release so that its `durable_lsn` covers every LSN it counts.
    case stats(Dispatcher.Statistics)

    /// The reply of an engine error.
    static func failure(_ error: SeatError) -> Response { .error(error.code, error.message) }

    /// The error code, for metrics; nil for a success.
    var errorCode: ErrorCode? {
        if case .error(let code, _) = self { return code }
        return nil
    }
}
