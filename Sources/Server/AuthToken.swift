/// A configured auth token and its role. It never shows its secret: printed, logged or reflected (the service
/// group logs its services' descriptions at debug level, configuration included), it is its role and length.
struct AuthToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let secret: String
    let role: Role

    var description: String { "\(self.role.rawValue):<\(self.secret.utf8.count) bytes, redacted>" }
    var debugDescription: String { self.description }
    var customMirror: Mirror { Mirror(self, children: ["role": self.role], displayStyle: .struct) }
}
