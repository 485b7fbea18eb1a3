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

    /// One op from the front of `buffer`, consumed; nil (nothing consumed) until it is all there.
    static func decodeOp(_ buffer: inout ByteBuffer) throws -> NATSServerOp? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > Self.lineBytesMax { throw NATSError.protocolViolation("op line too long") }
            return nil
        }
        let lineLength = newline - view.startIndex + 1
        var lineBytes = view[view.startIndex..<newline]
        if lineBytes.last == UInt8(ascii: "\r") { lineBytes = lineBytes.dropLast() }
        let line = String(decoding: lineBytes, as: UTF8.self)
        let verbEnd = line.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? line.endIndex
        let verb = line[..<verbEnd].uppercased()
        let rest = line[verbEnd...].drop { $0 == " " || $0 == "\t" }
        switch verb {
        case "INFO":
            buffer.moveReaderIndex(forwardBy: lineLength)
            return .info(String(rest))
        case "PING":
            buffer.moveReaderIndex(forwardBy: lineLength)
            return .ping
        case "PONG":
            buffer.moveReaderIndex(forwardBy: lineLength)
            return .pong
        case "+OK":
            buffer.moveReaderIndex(forwardBy: lineLength)
            return .ok
        case "-ERR":
            buffer.moveReaderIndex(forwardBy: lineLength)
            return .error(rest.trimmingQuotes)
        case "MSG", "HMSG":
            let fields = rest.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let headered = verb == "HMSG"
            // MSG <subject> <sid> [reply] <bytes>; HMSG <subject> <sid> [reply] <header bytes> <total bytes>
            let counts = headered ? 2 : 1
            guard fields.count == 2 + counts || fields.count == 3 + counts else {
                throw NATSError.protocolViolation("bad \(verb) line: \(line.prefix(128))")
            }
            guard let total = Int(fields.last!), total >= 0, total <= Self.payloadBytesMax else {
                throw NATSError.protocolViolation("bad \(verb) size: \(line.prefix(128))")
            }
            let headerBytes = headered ? Int(fields[fields.count - 2]) ?? -1 : 0
            guard headerBytes >= 0, headerBytes <= total else {
                throw NATSError.protocolViolation("bad \(verb) header size: \(line.prefix(128))")
            }
            guard buffer.readableBytes >= lineLength + total + 2 else { return nil }
            buffer.moveReaderIndex(forwardBy: lineLength)
            let headerBlock = buffer.readString(length: headerBytes) ?? ""
            let payload = buffer.readSlice(length: total - headerBytes)!
            guard buffer.readBytes(length: 2) == [UInt8(ascii: "\r"), UInt8(ascii: "\n")] else {
                throw NATSError.protocolViolation("\(verb) payload not followed by CRLF")
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
            let reply = fields.count == 3 + counts ? fields[2] : nil
            return .message(NATSMessage(subject: fields[0], sid: fields[1], replyTo: reply, status: status,
                                        headers: headers, payload: payload))
        default:
            throw NATSError.protocolViolation("unknown op \(verb.prefix(16))")
        }
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
