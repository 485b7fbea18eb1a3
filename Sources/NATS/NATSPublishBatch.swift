import NIOCore

/// Messages framed as `HPUB <subject> <inbox>.<token> <header bytes> <total bytes>` straight into one buffer, with
/// no string built per message: what a publisher of many small messages needs. Each `append` writes one message's
/// subject, header lines (`Name: value\r\n`, without the `NATS/1.0` line) and payload into scratch buffers the
/// batch reuses.
public struct NATSPublishBatch: Sendable {
    /// The framed messages, ready to write.
    public private(set) var buffer: ByteBuffer
    /// Messages appended.
    public private(set) var count = 0
    /// Messages appended with a reply inbox.
    public private(set) var replies = 0
    /// The token of the first reply inbox; each message appended with one takes the next.
    let firstToken: UInt64
    /// The most messages it takes.
    let capacity: Int
    private let inbox: [UInt8]
    private var subject: ByteBuffer
    private var headers: ByteBuffer
    private var payload: ByteBuffer

    /// A batch whose replies go to `<inbox><token>`, tokens from `firstToken` on (`NATSConnection.makeBatch`).
    public init(
        inbox: [UInt8], firstToken: UInt64, capacity: Int, allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) {
        self.inbox = inbox
        self.firstToken = firstToken
        self.capacity = capacity
        self.buffer = allocator.buffer(capacity: capacity * 320)
        self.subject = allocator.buffer(capacity: 64)
        self.headers = allocator.buffer(capacity: 96)
        self.payload = allocator.buffer(capacity: 256)
    }

    /// Appends one message; `write` fills its subject, header lines and payload. Without `reply` it goes without a
    /// reply inbox (JetStream then sends no acknowledgement for it).
    public mutating func append(
        reply: Bool = true,
        _ write: (_ subject: inout ByteBuffer, _ headers: inout ByteBuffer, _ payload: inout ByteBuffer) -> Void
    ) {
        precondition(self.count < self.capacity, "a batch of \(self.capacity) messages is full")
        self.subject.clear()
        self.headers.clear()
        self.payload.clear()
        write(&self.subject, &self.headers, &self.payload)
        let headerBytes = Self.statusLine.count + self.headers.readableBytes + 2
        self.buffer.writeBytes(Self.hpub)
        self.buffer.writeImmutableBuffer(self.subject)
        self.buffer.writeInteger(UInt8(ascii: " "))
        if reply {
            self.buffer.writeBytes(self.inbox)
            ASCIIDecimal.write(self.firstToken + UInt64(self.replies), to: &self.buffer)
            self.buffer.writeInteger(UInt8(ascii: " "))
            self.replies += 1
        }
        ASCIIDecimal.write(UInt64(headerBytes), to: &self.buffer)
        self.buffer.writeInteger(UInt8(ascii: " "))
        ASCIIDecimal.write(UInt64(headerBytes + self.payload.readableBytes), to: &self.buffer)
        self.buffer.writeBytes(Self.crlf)
        self.buffer.writeBytes(Self.statusLine)
        self.buffer.writeImmutableBuffer(self.headers)
        self.buffer.writeBytes(Self.crlf)
        self.buffer.writeImmutableBuffer(self.payload)
        self.buffer.writeBytes(Self.crlf)
        self.count += 1
    }

    /// Appends `request` with a reply inbox.
    public mutating func append(_ request: NATSRequest) {
        self.append { subject, headers, payload in
            subject.writeString(request.subject)
            for header in request.headers { headers.writeString("\(header.name): \(header.value)\r\n") }
            payload.writeImmutableBuffer(request.payload)
        }
    }

    private static let hpub = Array("HPUB ".utf8)
    private static let statusLine = Array("NATS/1.0\r\n".utf8)
    private static let crlf: [UInt8] = [13, 10]
}
