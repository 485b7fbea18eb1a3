import SeatActors
import Store
import WAL

extension EventPublisher {
    /// The publisher's position, shared with STATS and the metrics. It is kept in `<data>/nats-acked`, in the text
    /// form `Format` describes ("The NATS publisher's position"): `text` writes it, `init?(text:)` reads it back.
    struct Position: Sendable, Equatable {
        /// Every event with a seq at or below it is acknowledged by JetStream.
        var acked: LSN = 0
        /// Events acknowledged per session (to count what a trimmed history lost).
        var ackedBySession: [String: Int] = [:]
        /// Events that were trimmed from the history before NATS had them.
        var dropped = 0

        /// The start: nothing acknowledged, nothing dropped.
        init() {}

        /// The file's text: `acked <seq>`, `dropped <count>`, then `session <id> <count>` per session, by id.
        var text: String {
            var lines = ["acked \(self.acked)", "dropped \(self.dropped)"]
            for (session, count) in self.ackedBySession.sorted(by: { $0.key < $1.key }) {
                lines.append("session \(session) \(count)")
            }
            return lines.joined(separator: "\n") + "\n"
        }

        /// Reads the file's text, its lines in any order; nil when a line is not one of the three with its numbers.
        init?(text: String) {
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                switch (fields.first, fields.count) {
                case ("acked", 2):
                    guard let value = LSN(fields[1]) else { return nil }
                    self.acked = value
                case ("dropped", 2):
                    guard let value = Int(fields[1]) else { return nil }
                    self.dropped = value
                case ("session", 3):
                    guard let value = Int(fields[2]) else { return nil }
                    self.ackedBySession[String(fields[1])] = value
                default:
                    return nil
                }
            }
        }

        /// The position in the file `path`, or the start when there is no file; throws `.corrupt` for a file that
        /// is not a position.
        static func load(_ path: String) throws(WALError) -> Position {
            guard let bytes = try DataDirectory.readFile(path) else { return Position() }
            guard let position = Position(text: String(decoding: bytes, as: UTF8.self)) else {
                throw .corrupt("\(path) is not the NATS publisher's position")
            }
            return position
        }

        /// Replaces the file `path` durably (`DataDirectory.writeFile`: a temp file fsynced, renamed over it, the
        /// directory fsynced) on the blocking I/O thread (`BlockingIO`), not on the cooperative pool.
        func save(to path: String) async throws(WALError) {
            let bytes = Array(self.text.utf8)
            try await BlockingIO.shared.run { () throws(WALError) in try DataDirectory.writeFile(path, bytes) }
        }
    }
}
