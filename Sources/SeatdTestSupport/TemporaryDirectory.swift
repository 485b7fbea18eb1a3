import Foundation

/// Fresh paths under the system's temporary directory, named `seatd-<name>-<UUID>`: the data directories and files
/// of the tests and of seat-load's own runs (the crash loop, the network fuzzer, the disk-full run).
public enum TemporaryDirectory {
    /// A new path that nothing uses yet. Nothing is created there: seatd creates its data directory itself, and a
    /// test may want a path that does not exist. The caller removes what ends up there.
    public static func path(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("seatd-\(name)-\(UUID().uuidString)").path
    }
}

/// Runs `body` with a new, empty directory at `TemporaryDirectory.path(name)` and removes the directory, with
/// everything in it, when `body` returns or throws.
public func withTemporaryDirectory<Value>(
    _ name: String = "test", _ body: (String) async throws -> Value
) async throws -> Value {
    let path = TemporaryDirectory.path(name)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}
