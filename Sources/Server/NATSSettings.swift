import NATS

/// Where and how events go to NATS JetStream (`events.*` in the configuration), and the subject template's rules.
struct NATSSettings: Sendable, Equatable {
    var host = "127.0.0.1"
    var port = 4222
    /// The subject of an event: `<type>` and `<session>` are filled in (`seatd.<type>.<session>`).
    var subject = "seatd.<type>.<session>"
    /// The JetStream stream; created when missing, over the subjects the template can make.
    var stream = "SEATD"
    /// Publishes sent and not yet acknowledged, at most.
    var inFlightMax = 8_192

    /// Parses `nats://host:port` (the port defaults to 4222).
    static func address(_ url: String) -> (host: String, port: Int)? {
        guard url.hasPrefix("nats://") else { return nil }
        let rest = url.dropFirst(7)
        let parts = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let host = parts.first, !host.isEmpty, !host.contains("/") else { return nil }
        guard parts.count == 2 else { return (String(host), 4222) }
        guard let port = Int(parts[1]), (1...65_535).contains(port) else { return nil }
        return (String(host), port)
    }

    /// A template is dot-separated tokens, each literal (`A-Z a-z 0-9 _ -`) or `<type>` or `<session>`, and
    /// starts with a literal, so that the stream's subjects (`<literal prefix>.>`) catch everything it makes.
    static func isValidSubject(_ template: String) -> Bool {
        let tokens = template.split(separator: ".", omittingEmptySubsequences: false)
        guard let first = tokens.first, first != "<type>", first != "<session>" else { return false }
        return tokens.allSatisfy { token in
            token == "<type>" || token == "<session>" || (!token.isEmpty && token.utf8.allSatisfy(Self.isLiteral))
        }
    }

    /// True for a byte a literal token may hold: `A-Z a-z 0-9 _ -`.
    private static func isLiteral(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 95 || byte == 45
    }

    /// The stream's subjects: the template's literal tokens up to the first placeholder, then `>`.
    var streamSubjects: String {
        let literal = self.subject.split(separator: ".").prefix { $0 != "<type>" && $0 != "<session>" }
        return literal.joined(separator: ".") + ".>"
    }

    /// The stream created when JetStream has none: file storage, the stream's limits, over `streamSubjects`.
    /// Duplicates are recognised for two minutes (JetStream's default; the stream keeps every id of the window in
    /// memory): a reconnect or restart resends at most what was unacknowledged, right away.
    var streamConfig: JetStream.StreamConfig {
        JetStream.StreamConfig(
            name: self.stream, subjects: [self.streamSubjects], retention: .limits, storage: .file,
            duplicateWindowNs: 120_000_000_000)
    }

    /// A piece of the subject template.
    enum SubjectPart: Sendable, Equatable {
        case literal([UInt8])
        case type, session
    }

    /// The template as literal bytes and placeholders.
    var subjectParts: [SubjectPart] {
        var parts: [SubjectPart] = []
        var rest = self.subject[...]
        while !rest.isEmpty {
            let type = rest.firstRange(of: "<type>")
            let session = rest.firstRange(of: "<session>")
            guard let next = [type, session].compactMap({ $0 }).min(by: { $0.lowerBound < $1.lowerBound }) else {
                parts.append(.literal(Array(rest.utf8)))
                break
            }
            if next.lowerBound > rest.startIndex { parts.append(.literal(Array(rest[..<next.lowerBound].utf8))) }
            parts.append(next == type ? .type : .session)
            rest = rest[next.upperBound...]
        }
        return parts
    }
}
