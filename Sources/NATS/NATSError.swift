/// What can go wrong talking to a NATS server.
public enum NATSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server sent something that is not the protocol.
    case protocolViolation(String)
    /// `-ERR` from the server.
    case server(String)
    /// The connection closed (or never opened) before the answer came.
    case closed
    /// No answer in time.
    case timeout(String)

    public var description: String {
        switch self {
        case .protocolViolation(let why): "NATS protocol violation: \(why)"
        case .server(let text): "NATS server error: \(text)"
        case .closed: "the NATS connection closed"
        case .timeout(let what): "no answer from NATS in time: \(what)"
        }
    }
}
