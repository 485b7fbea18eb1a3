import Foundation
import Synchronization

/// Named points in the log and snapshot paths where a test can make the process die on the spot, as `kill -9`
/// would (SIGKILL: no cleanup, the page cache survives). Armed through the environment, read once at start:
///
///     SEATD_FAILPOINT=<name>[@<n>]
///
/// crashes at the n-th time (default the first) the point named is reached. Unarmed, a point costs one load
/// and a compare. The crash loop (`seat-load crash --failpoint`) arms each in turn; docs/reliability.md lists
/// what each point leaves on disk.
public enum Failpoint: String, CaseIterable, Sendable {
    /// A batch is encoded, nothing of it written.
    case beforeBatchWrite = "before-batch-write"
    /// A batch is written to the segment (page cache), not yet fsynced.
    case afterBatchWrite = "after-batch-write"
    /// Just before the fsync that makes written batches durable.
    case beforeFsync = "before-fsync"
    /// After that fsync returned, before any waiting reply is released.
    case afterFsync = "after-fsync"
    /// A new segment file is created and preallocated, its header not yet written.
    case segmentRoll = "segment-roll"
    /// A snapshot's temporary file is written, not yet fsynced or renamed.
    case snapshotWrite = "snapshot-write"
    /// The temporary file is fsynced; the rename to its final name is next.
    case snapshotRename = "snapshot-rename"
    /// The snapshot is renamed; the directory fsync that makes the rename durable is next.
    case snapshotDirectoryFsync = "snapshot-dir-fsync"
    /// One log segment the snapshots cover is deleted, others may remain, the directory is not yet fsynced.
    case segmentDelete = "segment-delete"
    /// Recovery has replayed one segment (and repaired its torn tail, if any); the next is not read yet.
    case recovery = "recovery"

    /// The armed point and how many more hits it lets pass.
    private final class Armed: Sendable {
        let point: Failpoint
        let remaining: Atomic<Int>
        init(_ point: Failpoint, _ count: Int) {
            self.point = point
            self.remaining = Atomic(count)
        }
    }

    private static let armed: Armed? = {
        guard let value = ProcessInfo.processInfo.environment["SEATD_FAILPOINT"], !value.isEmpty else { return nil }
        let parts = value.split(separator: "@", maxSplits: 1)
        guard let point = Failpoint(rawValue: String(parts[0])),
            let count = parts.count == 2 ? Int(parts[1]) : 1, count >= 1
        else {
            let names = Failpoint.allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(
                Data("seatd: SEATD_FAILPOINT=\(value) is not <name>[@<n>], n >= 1; names: \(names)\n".utf8))
            exit(2)
        }
        return Armed(point, count)
    }()

    /// Parses SEATD_FAILPOINT now (a malformed value exits at start, not at the first hit).
    public static func check() { _ = Self.armed }

    /// Dies here if this point is armed and its count is reached.
    @inline(__always)
    public func hit() {
        guard let armed = Self.armed, armed.point == self else { return }
        guard armed.remaining.subtract(1, ordering: .relaxed).newValue == 0 else { return }
        FileHandle.standardError.write(Data("seatd: failpoint \(self.rawValue) reached: crashing\n".utf8))
        kill(getpid(), SIGKILL)
    }
}
