import Foundation

/// A thread of its own for blocking file work: encoding and writing snapshots (with their fsyncs), reloading the
/// durable state after a log failure, closing the writer. Done on Swift's cooperative pool, such work would hold
/// one of its threads (two on a 2-core machine), and every session actor runs on that pool: all requests would
/// stall behind one fsync. Jobs run one at a time, in the order they were submitted.
public final class BlockingIO: @unchecked Sendable {
    /// The thread seatd's log and snapshots use.
    public static let shared = BlockingIO(name: "seatd-io")

    private let condition = NSCondition()
    // Guarded by `condition`:
    private var jobs: [@Sendable () -> Void] = []
    private var thread: pthread_t? = nil

    /// Starts the thread, named `name` (as `top` and `perf` show it).
    init(name: String) {
        // Named from inside: on Linux a name set before start does not reach the kernel's thread name.
        Thread.detachNewThread { [self] in
            Thread.current.name = name
            self.condition.withLock { self.thread = pthread_self() }
            self.runJobs()
        }
    }

    /// Runs `body` on the thread and returns its result; the caller suspends meanwhile, holding no thread.
    public func run<Value: Sendable, Failure: Error>(
        _ body: @escaping @Sendable () throws(Failure) -> Value
    ) async throws(Failure) -> Value {
        let result: Result<Value, Failure> = await withCheckedContinuation { continuation in
            self.condition.withLock {
                self.jobs.append {
                    continuation.resume(returning: Result { () throws(Failure) -> Value in try body() })
                }
                self.condition.signal()
            }
        }
        return try result.get()
    }

    /// True on the thread's own thread (tests check where work ran).
    public var isCurrentThread: Bool {
        guard let thread = self.condition.withLock({ self.thread }) else { return false }
        return pthread_equal(thread, pthread_self()) != 0
    }

    private func runJobs() {
        while true {
            let batch: [@Sendable () -> Void] = self.condition.withLock {
                while self.jobs.isEmpty { self.condition.wait() }
                defer { self.jobs.removeAll(keepingCapacity: true) }
                return self.jobs
            }
            for job in batch { job() }
        }
    }
}
