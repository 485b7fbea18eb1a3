import Foundation

/// The prompt's history file (`~/.seatd_history`): plain text, one entered line per line, oldest first. It is
/// loaded at start and each line is appended as it is entered, so a prompt that is killed keeps what it was told.
/// `AUTH` lines are never kept: they carry a token.
struct CLIHistory {
    /// Lines loaded into the prompt; the file is cut back to these when it has grown to twice as many.
    static let linesMax = 1_000

    let path: String

    /// `~/.seatd_history` ($HOME, else the current directory).
    static var defaultPath: String {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "."
        return (home as NSString).appendingPathComponent(".seatd_history")
    }

    /// The newest `linesMax` lines of the file (none when it does not exist yet).
    func load() -> [String] {
        guard let text = try? String(contentsOfFile: self.path, encoding: .utf8) else { return [] }
        let lines = text.split(separator: "\n").map(String.init)
        let kept = Array(lines.suffix(Self.linesMax))
        if lines.count >= 2 * Self.linesMax {
            try? (kept.joined(separator: "\n") + "\n").write(toFile: self.path, atomically: true, encoding: .utf8)
        }
        return kept
    }

    /// Whether `line` is kept: not blank, not an AUTH.
    static func keeps(_ line: String) -> Bool {
        let verb = line.split(separator: " ").first?.uppercased()
        return verb != nil && verb != "AUTH"
    }

    /// Appends `line` to the file now (created, readable by its owner only, when missing).
    func append(_ line: String) {
        let descriptor = open(self.path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
