/// When a change counts as durable.
public enum FsyncPolicy: Sendable, Equatable, CustomStringConvertible {
    /// fdatasync before every acknowledgement (group commit): survives power loss.
    case always
    /// fdatasync at least every `ms` milliseconds; acknowledged once written.
    case interval(ms: Int)
    /// Never fdatasync (the OS decides); acknowledged once written. Survives a killed process only.
    case off

    /// Parses `always`, `off` or `interval=<ms>`.
    public init?(_ text: String) {
        switch text {
        case "always": self = .always
        case "off": self = .off
        default:
            guard text.hasPrefix("interval="), let ms = Int(text.dropFirst(9)), ms >= 1, ms <= 60_000 else {
                return nil
            }
            self = .interval(ms: ms)
        }
    }

    public var description: String {
        switch self {
        case .always: "always"
        case .off: "off"
        case .interval(let ms): "interval=\(ms)"
        }
    }
}
