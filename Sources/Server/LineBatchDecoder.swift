import NIOCore

/// Frames a connection's bytes into lines (without the LF; a CR before it is left for the parser to drop) and
/// passes on every complete line of one read as one message, so the connection executes them all before its
/// replies wait for the log: one durability wait and one write per read, not per line. A partial line waits for
/// the next read; `ByteToMessageHandler`'s buffer limit turns a line that never ends into `PayloadTooLargeError`.
struct LineBatchDecoder: ByteToMessageDecoder {
    typealias InboundOut = [ByteBuffer]

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let lines = Self.lines(of: &buffer)
        guard !lines.isEmpty else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(lines))
        return .needMoreData
    }

    /// Reads every complete line off `buffer` (slices of it, without their LF); a partial last line stays.
    static func lines(of buffer: inout ByteBuffer) -> [ByteBuffer] {
        var lines: [ByteBuffer] = []
        while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(buffer.readSlice(length: newline - buffer.readerIndex)!)
            buffer.moveReaderIndex(forwardBy: 1)
        }
        return lines
    }

    /// At EOF a partial last line is dropped: it was never a request.
    mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws
        -> DecodingState
    {
        _ = try self.decode(context: context, buffer: &buffer)
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}
