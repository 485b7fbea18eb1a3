import SeatActors

/// Why a line is not a request: `BAD_REQUEST` or `UNKNOWN_COMMAND`, with a message.
public struct ProtocolError: Error, Equatable, Sendable {
    public enum Code: String, Sendable {
        case badRequest = "BAD_REQUEST"
        case unknownCommand = "UNKNOWN_COMMAND"
    }

    public let code: Code
    public let message: String

    static func bad(_ message: String) -> ProtocolError { ProtocolError(code: .badRequest, message: message) }
}
