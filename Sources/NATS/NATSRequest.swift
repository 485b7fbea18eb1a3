import NIOCore

/// A message to publish with a reply inbox (`NATSConnection.request`).
public struct NATSRequest: Sendable {
    public let subject: String
    /// Header lines, each written as `name: value`.
    public let headers: [(name: String, value: String)]
    public let payload: ByteBuffer

    public init(subject: String, headers: [(name: String, value: String)] = [], payload: ByteBuffer) {
        self.subject = subject
        self.headers = headers
        self.payload = payload
    }
}
