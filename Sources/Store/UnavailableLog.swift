import SeatActors
import WAL

/// The log of a read-only registry (a generation whose writer failed): every change is refused; replies about the
/// durable state go out at once.
final class UnavailableLog: ChangeLog {
    let durableLSN: LSN
    let reason: String
    let generation: Int

    init(durableLSN: LSN, reason: String, generation: Int) {
        self.durableLSN = durableLSN
        self.reason = reason
        self.generation = generation
    }

    func append(_ record: LogRecord, publish: (Appended) -> Void) throws(SeatError) -> Appended {
        throw .unavailable(self.reason)
    }

    func withAppendsHeld<Value>(_ body: (LSN) -> Value) -> Value { body(self.durableLSN) }

    var lastLSN: LSN { self.durableLSN }

    var refusal: String? { self.reason }
}
