import NIOCore

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
        let fields = Self.fields(of: line)
        guard let verb = fields.first.map({ line[$0] }) else { throw NATSError.protocolViolation("empty op line") }
        if Self.matches(verb, "MSG") || Self.matches(verb, "HMSG") {
            let headered = Self.matches(verb, "HMSG")
            return try Self.decodeMessage(line, fields, headered: headered, lineLength: lineLength, from: &buffer)
        }
        let op = try Self.op(verb, argument: fields.count > 1 ? String(decoding: line[fields[1]], as: UTF8.self) : "")
        buffer.moveReaderIndex(forwardBy: lineLength)
        return op
    }

    /// The ranges of a line's fields, separated by spaces or tabs; the first is the op. `INFO`'s and `-ERR`'s
    /// argument is the rest of the line.
    private static func fields(of line: ByteBufferView.SubSequence) -> [Range<Int>] {
        var fields: [Range<Int>] = []
        var index = line.startIndex
        while index < line.endIndex, fields.count < 7 {
            while index < line.endIndex, line[index] == 32 || line[index] == 9 { index += 1 }
            guard index < line.endIndex else { break }
            let start = index
            if fields.count == 1, Self.matches(line[fields[0]], "INFO") || Self.matches(line[fields[0]], "-ERR") {
                fields.append(start..<line.endIndex)
                break
            }
            while index < line.endIndex, line[index] != 32, line[index] != 9 { index += 1 }
            fields.append(start..<index)
        }
        return fields
    }

    /// `MSG <subject> <sid> [reply] <bytes>` or `HMSG <subject> <sid> [reply] <header bytes> <total bytes>` (the
    /// op line, its fields and its length), with its payload from `buffer`; nil until all of it has arrived.
    private static func decodeMessage(
        _ line: ByteBufferView.SubSequence, _ fields: [Range<Int>], headered: Bool, lineLength: Int,
        from buffer: inout ByteBuffer
    ) throws -> NATSServerOp? {
        func text(_ field: Int) -> String { String(decoding: line[fields[field]], as: UTF8.self) }
        let counts = headered ? 2 : 1
        guard fields.count == 3 + counts || fields.count == 4 + counts,
            let total = Self.number(line[fields[fields.count - 1]]), total <= Self.payloadBytesMax
        else {
            let shown = String(decoding: line.prefix(128), as: UTF8.self)
            throw NATSError.protocolViolation("bad \(headered ? "HMSG" : "MSG") line: \(shown)")
        }
        let headerBytes = headered ? Self.number(line[fields[fields.count - 2]]) ?? -1 : 0
        guard headerBytes >= 0, headerBytes <= total else { throw NATSError.protocolViolation("bad HMSG header size") }
        guard buffer.readableBytes >= lineLength + total + 2 else { return nil }
        let (subject, sid) = (text(1), text(2))
        let reply = fields.count == 4 + counts ? text(3) : nil
        buffer.moveReaderIndex(forwardBy: lineLength)
        let headerBlock = headered ? buffer.readString(length: headerBytes) ?? "" : ""
        guard let payload = buffer.readSlice(length: total - headerBytes),
            buffer.readInteger(as: UInt16.self) == 0x0D0A
        else { throw NATSError.protocolViolation("message payload not followed by CRLF") }
        let (status, headers) = headered ? Self.headerLines(headerBlock) : (nil, [])
        return .message(
            NATSMessage(
                subject: subject, sid: sid, replyTo: reply, status: status, headers: headers,
                payload: payload))
    }

    /// An `HMSG` header block's status code (its first line: `NATS/1.0` or `NATS/1.0 503 [description]`) and
    /// the header lines after it.
    private static func headerLines(_ block: String) -> (status: Int?, lines: [String]) {
        let lines = block.split(separator: "\r\n", omittingEmptySubsequences: true)
        var status: Int? = nil
        if let first = lines.first, first.hasPrefix("NATS/1.0") {
            status = first.dropFirst(8).split(separator: " ").first.flatMap { Int($0) }
        }
        return (status, lines.dropFirst().map(String.init))
    }

    /// An op without a payload, from its verb and its argument (the rest of the line, for `INFO` and `-ERR`).
    private static func op(_ verb: ByteBufferView.SubSequence, argument: String) throws -> NATSServerOp {
        if Self.matches(verb, "PING") { return .ping }
        if Self.matches(verb, "PONG") { return .pong }
        if Self.matches(verb, "+OK") { return .ok }
        if Self.matches(verb, "INFO") { return .info(argument) }
        if Self.matches(verb, "-ERR") { return .error(argument[...].trimmingQuotes) }
        throw NATSError.protocolViolation("unknown op \(String(decoding: verb.prefix(16), as: UTF8.self))")
    }

    /// True when `bytes` are `name`, ignoring ASCII case.
    private static func matches(_ bytes: ByteBufferView.SubSequence, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        return zip(bytes, expected).allSatisfy { pair in
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

extension Substring {
    /// `'text'` without its quotes.
    fileprivate var trimmingQuotes: String {
        var text = self
        if text.hasPrefix("'") { text = text.dropFirst() }
        if text.hasSuffix("'") { text = text.dropLast() }
        return String(text)
    }
}
