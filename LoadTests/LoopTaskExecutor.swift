import NIOCore

/// A task executor that runs jobs on one NIO event loop. seat-load's client driver runs its tasks here, on the loop
/// that also runs SeatdClient's connections: a reply resumes its task on the same thread, without waking a thread
/// of the shared pool, as seat-load's own connections answer replies on their loop.
final class LoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = self.asUnownedTaskExecutor()
        self.loop.execute { job.runSynchronously(on: executor) }
    }
}
