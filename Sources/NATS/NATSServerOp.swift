/// What a NATS server sends (the client protocol, https://docs.nats.io/reference/reference-protocols/nats-protocol).
/// Only what a publishing client needs: the rest of the protocol is the server's business.
public enum NATSServerOp: Sendable, Equatable {
    /// `INFO {json}`: the server's settings, first on every connection.
    case info(String)
    /// `MSG` or `HMSG`: a message for one of our subscriptions.
    case message(NATSMessage)
    /// `PING`: the server checks that the client is alive; the client answers `PONG`.
    case ping
    /// `PONG`: the answer to the client's `PING`.
    case pong
    /// `+OK` (only in verbose mode, which we never ask for).
    case ok
    /// `-ERR '<text>'`: the server is about to close the connection, or refused a request.
    case error(String)
}
