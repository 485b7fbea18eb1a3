import Foundation
import SeatdTestSupport
import Testing

/// Goal: the backup recipe of docs/operations.md works as written on a fresh data directory (no snapshot yet), and
/// the copy it makes starts with every acknowledged change. Method: the page's `sh` block under "## Backups", with
/// the live directory, the backup root and the binary replaced by this test's, run by /bin/sh -e while the real
/// seatd runs; then a seatd on the copy answers MAP as the original did.
struct BackupRecipeTests {
    /// The first `sh` block after the "## Backups" heading.
    static func recipe() throws -> String {
        let page = try String(contentsOfFile: "docs/operations.md", encoding: .utf8)
        let section = try #require(page.range(of: "\n## Backups\n"))
        let start = try #require(page.range(of: "```sh\n", range: section.upperBound..<page.endIndex))
        let end = try #require(page.range(of: "\n```", range: start.upperBound..<page.endIndex))
        return String(page[start.upperBound..<end.lowerBound])
    }

    @Test func theBackupRecipeWorksBeforeTheFirstSnapshot() async throws {
        let data = TemporaryDirectory.path("live")
        let backups = TemporaryDirectory.path("backups")
        defer {
            try? FileManager.default.removeItem(atPath: data)
            try? FileManager.default.removeItem(atPath: backups)
        }
        let server = try await ProcessTests.Seatd(data: data)
        let map = try await ProcessTests().exchange(
            server.port, ["CREATE HALL h A=5", "CREATE SESSION s h", "HOLD s c A2 A3", "MAP s"])[3]
        let recipe = try Self.recipe()
        #expect(recipe.contains("/var/lib/seatd/snapshots") && recipe.contains("check --data"), "\(recipe)")
        let script = recipe.replacingOccurrences(of: "/var/lib/seatd", with: data)
            .replacingOccurrences(of: "/backup/seatd", with: backups)
            .replacingOccurrences(of: ".build/release/seatd", with: SeatdProcess.defaultBinary)
        let (status, output) = try runToEnd("/bin/sh", ["-e", "-c", script])
        #expect(status == 0, "\(script)\n\(output)")
        #expect(server.kill(SIGTERM) == 0)
        let copies = try FileManager.default.contentsOfDirectory(atPath: backups)
        #expect(copies.count == 1, "\(copies)")
        let copy = try #require(copies.first.map { backups + "/" + $0 })
        let restored = try await ProcessTests.Seatd(data: copy)
        #expect(try await ProcessTests().exchange(restored.port, ["MAP s"]) == [map])
        #expect(restored.kill(SIGTERM) == 0)
    }
}
