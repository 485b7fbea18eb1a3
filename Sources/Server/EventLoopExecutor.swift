import NIOCore

/// Runs a task's jobs on a channel's event loop. A connection's tasks prefer it, so reading, executing (default
/// actors run on the preferred executor of the task that calls them when they are free) and writing stay on the
/// loop thread that does the I/O, instead of hopping to the global executor and back for every request.
final class EventLoopExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = self.asUnownedTaskExecutor()
        self.eventLoop.execute { job.runSynchronously(on: executor) }
    }
}
