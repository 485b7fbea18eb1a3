import SeatActors
import WAL

/// The `ChangeLog` of a writable generation: encodes each record (`RecordCodec`) in the caller's turn, then hands
/// the bytes to the generation's `LogWriter`, which gives them an LSN under its lock.
final class WriterLog: ChangeLog {
    let writer: LogWriter
    let generation: Int

    /// The log of generation `generation` (0 for a log outside a `LogService`).
    init(_ writer: LogWriter, generation: Int = 0) {
        self.writer = writer
        self.generation = generation
    }

    func append(_ record: LogRecord, publish: (Appended) -> Void) throws(SeatError) -> Appended {
        do {
            // Encoded under the writer's lock, straight into its pending batch: no buffer per record.
            let (lsn, atMs) = try self.writer.append {
                RecordCodec.encode(record, into: &$0)
            } publish: { lsn, atMs in
                publish(Appended(lsn: lsn, atMs: atMs))
            }
            return Appended(lsn: lsn, atMs: atMs)
        } catch {
            throw error.seatError
        }
    }

    func withAppendsHeld<Value>(_ body: (LSN) -> Value) -> Value {
        self.writer.withAppendsHeld(body)
    }

    var lastLSN: LSN { self.writer.lastLSN }

    var refusal: String? { self.writer.refusal }
}

extension WALError {
    /// The error a request gets for this failure of the log: `UNAVAILABLE`, with the log's own reason.
    var seatError: SeatError {
        switch self {
        case .unavailable(let reason): .unavailable(reason)
        case .corrupt, .damaged, .io: .unavailable("\(self)")
        }
    }
}
