import NIOCore

/// How a seatd request line travels to a target and how its reply comes back as a seatd reply line. seat-load's
/// load is written once, as seatd requests; for Redis each request becomes `EVALSHA <sha> 0 <tokens>` (RESP), and
/// seat-load's script answers with seatd's reply text as a status line (`+OK ...`).
public enum Wire: Sendable {
    case seatd
    case redis(sha: String)

    /// Appends `line` (one request, ending in LF) to `buffer` in the target's framing.
    public func encode(_ line: String, into buffer: inout ByteBuffer) {
        switch self {
        case .seatd:
            buffer.writeString(line)
        case .redis(let sha):
            let tokens = line.utf8.split(whereSeparator: {
                $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r")
            })
            buffer.writeString("*\(tokens.count + 3)\r\n$7\r\nEVALSHA\r\n$\(sha.utf8.count)\r\n\(sha)\r\n$1\r\n0\r\n")
            for token in tokens {
                buffer.writeString("$\(token.count)\r\n")
                buffer.writeBytes(token)
                buffer.writeString("\r\n")
            }
        }
    }

    /// The seatd reply line for a reply line of the target (CR already dropped by the line decoder).
    public func decode(_ line: Substring) -> Substring {
        guard case .redis = self, let first = line.first else { return line }
        switch first {
        case "+": return line.dropFirst()
        case "-": return "ERR REDIS " + line.dropFirst()
        default: return "ERR REDIS unexpected reply: " + line
        }
    }
}
