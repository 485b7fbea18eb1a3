import NIOCore

/// A delivered message. `status` is the code of an `HMSG` header block's status line (`503`: no responders).
public struct NATSMessage: Sendable, Equatable {
    public let subject: String
    /// The id of the subscription it came for.
    public let sid: String
    public let replyTo: String?
    public let status: Int?
    /// The header lines, as `name: value`, of an `HMSG`.
    public let headers: [String]
    public let payload: ByteBuffer
}
