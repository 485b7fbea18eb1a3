/// # The seatd write-ahead log, format version 1
///
/// The log lives in `<data>/wal/` as segment files named by the LSN of their first record, 20 decimal digits:
/// `00000000000000000001.wal`. Each is preallocated to the segment size (zeros) so appends never change the
/// file's size; a new segment is started when the next batch does not fit. The directory is fsynced after every
/// create, rename or remove.
///
/// ## Segment header (32 bytes, little-endian)
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | magic `SEATWAL\0` |
/// | 8 | 2 | format version (1) |
/// | 10 | 6 | LSNs skipped before this segment, 48-bit (0 but for the segment a log resumed in after a failure; see below) |
/// | 16 | 8 | first LSN of the segment |
/// | 24 | 4 | CRC of the last batch before this segment (0 for the first): the chain runs across segments |
/// | 28 | 4 | CRC-32C of bytes 0..<28 |
///
/// ## Batch (header 40 bytes, then the payload, then zeros up to a multiple of 8)
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 4 | magic `SBAT` |
/// | 4 | 1 | version (1) |
/// | 5 | 1 | flags: bit 0 set = payload is one LZ4 block, clear = raw; bit 1 set = the raw payload starts with the batch's time |
/// | 6 | 2 | reserved, zero |
/// | 8 | 8 | LSN of the first record |
/// | 16 | 4 | record count (>= 1) |
/// | 20 | 4 | raw payload length |
/// | 24 | 4 | stored payload length |
/// | 28 | 4 | CRC of the previous batch (the chain) |
/// | 32 | 4 | CRC-32C of bytes 0..<32 and the stored payload |
/// | 36 | 4 | reserved, zero |
///
/// The payload is (since 1.1, flag bit 1) the unix ms at which the batch's first record was appended (u64), then
/// the records one after another, encoded as `RecordCodec` describes; the records' LSNs are the batch's first LSN
/// plus their position. The time gives replayed events the time they had live. One batch is what one group
/// commit writes: one write, one fdatasync.
///
/// ## Skipped LSNs (since 1.1)
/// When a write or fsync fails, the changes appended after the durable LSN D are lost, but their LSNs (up to A)
/// were handed out, and events carry them. The log resumes in a fresh segment whose first LSN is A + 1 and whose
/// header says it skips A - D LSNs: recovery reads the previous segments through D only (anything after D there
/// was never durable) and continues at A + 1. So no LSN ever names two changes.
///
/// ## Reading it back (see `Recovery`)
/// A zero magic where a batch would start is the clean end of the log. A batch that fails any check (magic,
/// lengths, CRC, chain, LSN) is a torn tail when it is in the newest segment and no valid batch follows it: it
/// and everything after it are zeroed and the log goes on from there. Anywhere else it is damage: recovery
/// refuses to start and names the file, offset and LSN. A missing segment or an LSN gap is damage too.
///
/// ## Snapshots
/// Snapshots (`<data>/snapshots/`) hold every hall and session image with the LSN each image reflects; replay
/// starts after the oldest of them and skips, per session, records its image already contains.
///
/// ## The NATS publisher's position (`<data>/nats-acked`, since 1.1)
/// Where the NATS publisher (`EventPublisher.Position` in the server) resumes after a restart. Text, UTF-8, one
/// line per fact, each ending in `\n`, fields separated by one space, numbers in decimal:
/// | line | meaning |
/// |---|---|
/// | `acked <seq>` | every event with a seq at or below it is in the JetStream stream |
/// | `dropped <count>` | events the sessions' history trimmed before NATS had them (STATS `events_dropped`) |
/// | `session <id> <count>` | events of that session acknowledged or counted in `dropped` (so none counts twice) |
///
/// It is written as `acked`, `dropped`, then one `session` line per session sorted by id, and read in any order;
/// a missing line is 0. Any other line, or a field that is not a number, makes the file unreadable: seatd refuses
/// to start. No file is the start (nothing acknowledged). It is replaced as the data directory's small files are
/// (`DataDirectory.writeFile`: a temp file, fsynced, renamed over it, the directory fsynced), a few times a second
/// while the position moves, on the blocking I/O thread.
public enum Format {
    /// `SEATWAL\0`.
    static let segmentMagic: [UInt8] = Array("SEATWAL".utf8) + [0]
    /// `SBAT` read as a little-endian word.
    static let batchMagic: UInt32 = 0x5441_4253
    static let version: UInt8 = 1
    static let segmentHeaderBytes = 32
    static let batchHeaderBytes = 40
    static let flagLZ4: UInt8 = 1
    static let flagTimed: UInt8 = 2
    /// Batches below this raw size are stored raw: LZ4 buys little there.
    static let compressBytesMin = 64
    /// The largest raw payload of one batch; a busier moment is written as several batches.
    public static let batchBytesMax = 1 << 20

    /// The file name of the segment starting at `lsn`.
    public static func segmentName(firstLSN lsn: LSN) -> String {
        let digits = String(lsn)
        return String(repeating: "0", count: 20 - digits.count) + digits + ".wal"
    }

    /// The first LSN a segment name stands for, or nil for another file.
    public static func firstLSN(ofSegment name: String) -> LSN? {
        guard name.hasSuffix(".wal"), name.utf8.count == 24 else { return nil }
        return LSN(name.dropLast(4))
    }

    static func padded(_ count: Int) -> Int { (count + 7) & ~7 }
}
