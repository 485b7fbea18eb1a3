import NIOCore

extension Request {
    /// Parses one line as a connection reads it, a slice of the read buffer without its LF: the hot forms straight
    /// from its bytes (`parseFast`), any other through the general parser.
    static func parse(_ line: ByteBuffer) -> Result<Request, ProtocolError>? {
        if let request = line.withUnsafeReadableBytes({ Self.parseFast($0) }) { return .success(request) }
        return Self.parse(String(buffer: line)[...])
    }
}
