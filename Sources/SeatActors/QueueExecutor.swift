import Dispatch

/// A `SessionExecutor` on a serial dispatch queue of its own: for tests, tools and the in-process benchmarks.
public final class QueueExecutor: SessionExecutor {
    private let queue: DispatchQueue

    public init(label: String = "seatd.session") {
        self.queue = DispatchQueue(label: label)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = self.asUnownedSerialExecutor()
        self.queue.async { job.runSynchronously(on: executor) }
    }

    public func execute(_ work: @escaping @Sendable () -> Void) {
        self.queue.async(execute: work)
    }

    public func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(self.queue))
    }
}
