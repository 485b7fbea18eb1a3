import Foundation
import NIOCore

/// Writes the client ops a publishing client sends (publishes are framed by `NATSPublishBatch`).
public enum NATSClientOp {
    /// What `CONNECT` tells the server about the client: its JSON argument, encoded by `JSONEncoder`.
    public struct Connect: Encodable, Sendable, Equatable {
        /// The client's name, as the server's monitoring shows it.
        public var name: String
        /// `+OK` after every op: never wanted by a client that pipelines.
        public var verbose = false
        /// Strict subject checks by the server.
        public var pedantic = false
        public var tlsRequired = false
        public var lang = "swift"
        /// The client's version.
        public var version = "1.1"
        /// Protocol 1: the server may send `INFO` again when its cluster changes.
        public var protocolVersion = 1
        /// Messages may carry header blocks (`HPUB`, `HMSG`).
        public var headers = true
        /// A request nobody subscribes to gets a reply with status 503 at once, instead of no reply.
        public var noResponders = true

        /// The defaults, as `name`.
        public init(name: String) {
            self.name = name
        }

        enum CodingKeys: String, CodingKey {
            case name, verbose, pedantic, lang, version, headers
            case tlsRequired = "tls_required"
            case protocolVersion = "protocol"
            case noResponders = "no_responders"
        }

        /// The JSON object `CONNECT` carries, with every string escaped as JSON requires.
        public func json() throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        }
    }

    /// `CONNECT {json}` (`Connect.json`).
    public static func connect(_ json: String, into buffer: inout ByteBuffer) {
        buffer.writeString("CONNECT \(json)\r\n")
    }

    /// `PING`: asks the server for a `PONG`.
    public static func ping(into buffer: inout ByteBuffer) { buffer.writeString("PING\r\n") }

    /// `PONG`: the answer to the server's `PING`.
    public static func pong(into buffer: inout ByteBuffer) { buffer.writeString("PONG\r\n") }

    /// `SUB <subject> <sid>`.
    public static func subscribe(_ subject: String, sid: String, into buffer: inout ByteBuffer) {
        buffer.writeString("SUB \(subject) \(sid)\r\n")
    }
}
