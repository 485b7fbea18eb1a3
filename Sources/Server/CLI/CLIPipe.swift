import Dispatch
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `seatd cli --pipe`: reads requests from standard input and sends them pipelined, at most `window` in flight,
/// printing only the replies, one a line, in request order. Lines that are empty or only spaces are skipped (seatd
/// answers them nothing). Standard input is read with read(2) on this thread, in chunks: every chunk's lines go out
/// in one write, so a file is sent in large writes and a slow producer's lines go out as they come.
struct CLIPipe {
    /// Requests in flight when no `--window` is given: enough to keep the server's group commit full, well under
    /// the 1024 requests seatd reads ahead per connection.
    static let windowDefault = 256
    /// Bytes read from standard input at a time.
    static let chunkBytes = 1 << 16

    let target: CLITarget
    let window: Int

    /// What came back, counted on the event loop as the replies are printed.
    final class Tally: Sendable {
        struct Counts {
            var errors = 0
            var unanswered = 0
        }
        let counts = Mutex(Counts())
        /// One permit per request that may be sent; a reply (or its loss) gives it back.
        let slots: DispatchSemaphore

        init(window: Int) { self.slots = DispatchSemaphore(value: window) }

        func answered(_ reply: String?) {
            if let reply {
                CLIOutput.line(reply)
                if !reply.hasPrefix("OK") { self.counts.withLock { $0.errors += 1 } }
            } else {
                self.counts.withLock { $0.unanswered += 1 }
            }
            self.slots.signal()
        }

        func unsolicited(_ line: String) {
            CLIStatus.warn("the server sent: \(line)")
            self.counts.withLock { $0.errors += 1 }
        }
    }

    func run() -> CLIStatus {
        let tally = Tally(window: self.window)
        let connection: CLIConnection
        do throws(CLIFailure) {
            connection = try CLIConnection.open(
                self.target, unsolicited: { tally.unsolicited($0) }, piped: { tally.answered($0) })
        } catch {
            return error.report()
        }
        var sender = Sender(connection: connection, tally: tally)
        CLIPipe.readLines({ sender.add($0) }, chunkDone: { sender.flush() })
        sender.flush()
        for _ in 0..<self.window { tally.slots.wait() }  // every request answered, or known lost
        // libdispatch traps when a semaphore is freed below its starting value: give the slots back.
        for _ in 0..<self.window { tally.slots.signal() }
        connection.close()
        let counts = tally.counts.withLock { $0 }
        if counts.unanswered > 0 {
            CLIStatus.warn("the connection was lost: \(counts.unanswered) requests got no reply")
            return .noServer
        }
        return counts.errors > 0 ? .refused : .ok
    }

    /// Gathers lines into one write, taking a window slot for each; sends what it has before it would wait for a
    /// slot, so the replies that free slots are never waiting for requests still held here.
    struct Sender {
        let connection: CLIConnection
        let tally: Tally
        var batch = ByteBuffer()
        var count = 0

        mutating func add(_ line: UnsafeBufferPointer<UInt8>) {
            if self.tally.slots.wait(timeout: .now()) == .timedOut {
                self.flush()
                self.tally.slots.wait()
            }
            self.batch.writeBytes(line)
            self.batch.writeInteger(UInt8(ascii: "\n"))
            self.count += 1
        }

        mutating func flush() {
            guard self.count > 0 else { return }
            self.connection.pipe(self.batch, count: self.count)
            self.batch = ByteBuffer()
            self.count = 0
        }
    }
}
