import NATS

/// Why one publishing connection ended.
enum NATSPublishError: Error, CustomStringConvertible {
    /// JetStream refused a stream request (the stream's info or its creation).
    case jetStream(JetStream.RequestError)
    /// JetStream refused a publish, or its acks did not check out (`AckTracker`).
    case refused(String)
    /// The connection closed, with the server's or the protocol's error when there was one.
    case connection(NATSError?)
    /// The log failed; the events after what is durable may never be.
    case logFailed(String)
    /// The live events overflowed their buffer (`EventHub` sink).
    case fellBehind

    var description: String {
        switch self {
        case .jetStream(let error): "JetStream: \(error)"
        case .refused(let text): "JetStream refused a publish: \(text)"
        case .connection(let error): "the NATS connection closed" + (error.map { ": \($0)" } ?? "")
        case .logFailed(let reason): "the log failed (\(reason)); resuming from what is durable"
        case .fellBehind: "live events came faster than NATS acknowledged them; resuming from the history"
        }
    }
}
