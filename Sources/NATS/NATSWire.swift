import NIOCore

/// What a NATS server sends (the client protocol, https://docs.nats.io/reference/reference-protocols/nats-protocol).
/// Only what a publishing client needs: the rest of the protocol is the server's business.
public enum NATSServerOp: Sendable, Equatable {
    /// `INFO {json}`: the server's settings, first on every connection.
    case info(String)
    /// `MSG` or `HMSG`: a message for one of our subscriptions.
    case message(NATSMessage)
    case ping
    case pong
    /// `+OK` (only in verbose mode, which we never ask for).
    case ok
    /// `-ERR '<text>'`: the server is about to close the connection, or refused a request.
    case error(String)
}

/// A delivered message. `status` is the code of an `HMSG` header block's status line (`503`: no responders).
public struct NATSMessage: Sendable, Equatable {
    public let subject: String
    public let sid: String
    public let replyTo: String?
    public let status: Int?
    /// The header lines, as `name: value`, of an `HMSG`.
    public let headers: [String]
    public let payload: ByteBuffer
}

/// Splits the server's byte stream into ops. An op line ends in CRLF; `MSG` and `HMSG` are followed by their
/// payload and another CRLF, and are held back until all of it has arrived.
public struct NATSServerOpDecoder: ByteToMessageDecoder {
    public typealias InboundOut = NATSServerOp

    /// The longest op line accepted (an `INFO` carries the server's JSON; a `MSG` line is short).
    static let lineBytesMax = 64 << 10
    /// The largest payload accepted.
    static let payloadBytesMax = 64 << 20

    public init() {}

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let op = try Self.decodeOp(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(op))
        return .continue
    }

    /// One op from the front of `buffer`, consumed; nil (nothing consumed) until it is all there. Works on the
    /// bytes: a JetStream publisher reads one `MSG` per message it sends.
    static func decodeOp(_ buffer: inout ByteBuffer) throws -> NATSServerOp? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > Self.lineBytesMax { throw NATSError.protocolViolation("op line too long") }
            return nil
        }
        let lineLength = newline - view.startIndex + 1
        var end = newline
        if end > view.startIndex, view[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = view[view.startIndex..<end]
        // Fields separated by spaces or tabs; the first is the op.
        var fields: [Range<Int>] = []
        var index = line.startIndex
        while index < line.endIndex, fields.count < 7 {
            while index < line.endIndex, line[index] == 32 || line[index] == 9 { index += 1 }
            guard index < line.endIndex else { break }
            let start = index
            // INFO's and -ERR's argument is the rest of the line.
            if fields.count == 1, Self.matches(line[fields[0]], "INFO") || Self.matches(line[fields[0]], "-ERR") {
                fields.append(start..<line.endIndex)
                break
            }
            while index < line.endIndex, line[index] != 32, line[index] != 9 { index += 1 }
            fields.append(start..<index)
        }
        guard let verb = fields.first.map({ line[$0] }) else { throw NATSError.protocolViolation("empty op line") }
        func text(_ field: Int) -> String { String(decoding: line[fields[field]], as: UTF8.self) }
        if Self.matches(verb, "MSG") || Self.matches(verb, "HMSG") {
            let headered = Self.matches(verb, "HMSG")
            // MSG <subject> <sid> [reply] <bytes>; HMSG <subject> <sid> [reply] <header bytes> <total bytes>
            let counts = headered ? 2 : 1
            guard fields.count == 3 + counts || fields.count == 4 + counts,
                let total = Self.number(line[fields[fields.count - 1]]), total <= Self.payloadBytesMax
            else {
                throw NATSError.protocolViolation("bad \(headered ? "HMSG" : "MSG") line: \(String(decoding: line.prefix(128), as: UTF8.self))")
            }
            let headerBytes = headered ? Self.number(line[fields[fields.count - 2]]) ?? -1 : 0
            guard headerBytes >= 0, headerBytes <= total else { throw NATSError.protocolViolation("bad HMSG header size") }
            guard buffer.readableBytes >= lineLength + total + 2 else { return nil }
            let subject = text(1)
            let sid = text(2)
            let reply = fields.count == 4 + counts ? text(3) : nil
            buffer.moveReaderIndex(forwardBy: lineLength)
            let headerBlock = headered ? buffer.readString(length: headerBytes) ?? "" : ""
            let payload = buffer.readSlice(length: total - headerBytes)!
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else {
                throw NATSError.protocolViolation("message payload not followed by CRLF")
            }
            var status: Int? = nil
            var headers: [String] = []
            if headered {
                let lines = headerBlock.split(separator: "\r\n", omittingEmptySubsequences: true)
                // The status line: `NATS/1.0` or `NATS/1.0 503 [description]`.
                if let first = lines.first, first.hasPrefix("NATS/1.0") {
                    status = first.dropFirst(8).split(separator: " ").first.flatMap { Int($0) }
                }
                headers = lines.dropFirst().map(String.init)
            }
            return .message(NATSMessage(subject: subject, sid: sid, replyTo: reply, status: status, headers: headers,
                                        payload: payload))
        }
        let op: NATSServerOp
        if Self.matches(verb, "PING") {
            op = .ping
        } else if Self.matches(verb, "PONG") {
            op = .pong
        } else if Self.matches(verb, "+OK") {
            op = .ok
        } else if Self.matches(verb, "INFO") {
            op = .info(fields.count > 1 ? text(1) : "")
        } else if Self.matches(verb, "-ERR") {
            op = .error(fields.count > 1 ? text(1)[...].trimmingQuotes : "")
        } else {
            throw NATSError.protocolViolation("unknown op \(String(decoding: verb.prefix(16), as: UTF8.self))")
        }
        buffer.moveReaderIndex(forwardBy: lineLength)
        return op
    }

    /// True when `bytes` are `name`, ignoring ASCII case.
    private static func matches(_ bytes: ByteBufferView.SubSequence, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount else { return false }
        return zip(bytes, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)).allSatisfy { pair in
            let byte = pair.0 >= 97 && pair.0 <= 122 ? pair.0 - 32 : pair.0
            return byte == pair.1
        }
    }

    /// A decimal count, or nil.
    private static func number(_ bytes: ByteBufferView.SubSequence) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 12 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }
}

/// Writes the client ops seatd sends.
public enum NATSClientOp {
    /// `CONNECT {json}`.
    public static func connect(_ json: String, into buffer: inout ByteBuffer) {
        buffer.writeString("CONNECT \(json)\r\n")
    }

    public static func ping(into buffer: inout ByteBuffer) { buffer.writeString("PING\r\n") }

    public static func pong(into buffer: inout ByteBuffer) { buffer.writeString("PONG\r\n") }

    /// `SUB <subject> <sid>`.
    public static func subscribe(_ subject: String, sid: String, into buffer: inout ByteBuffer) {
        buffer.writeString("SUB \(subject) \(sid)\r\n")
    }

    /// `PUB <subject> [reply] <bytes>`, or `HPUB` with a header block when there are headers.
    public static func publish(
        _ subject: String, replyTo: String?, headers: [(name: String, value: String)], payload: ByteBuffer,
        into buffer: inout ByteBuffer
    ) {
        let reply = replyTo.map { " \($0)" } ?? ""
        if headers.isEmpty {
            buffer.writeString("PUB \(subject)\(reply) \(payload.readableBytes)\r\n")
        } else {
            var block = "NATS/1.0\r\n"
            for header in headers { block += "\(header.name): \(header.value)\r\n" }
            block += "\r\n"
            let headerBytes = block.utf8.count
            buffer.writeString("HPUB \(subject)\(reply) \(headerBytes) \(headerBytes + payload.readableBytes)\r\n")
            buffer.writeString(block)
        }
        var payload = payload
        buffer.writeBuffer(&payload)
        buffer.writeString("\r\n")
    }
}

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

extension Substring {
    /// `'text'` without its quotes.
    var trimmingQuotes: String {
        var text = self
        if text.hasPrefix("'") { text = text.dropFirst() }
        if text.hasSuffix("'") { text = text.dropLast() }
        return String(text)
    }
}
