import NIOCore
import SeatActors
import Synchronization

/// A session executor on one event loop: the session's turns are that loop's jobs (run by NIO's own executor for
/// the loop, so the runtime sees the loop itself), and `execute` runs a closure on the loop.
final class LoopSessionExecutor: SessionExecutor {
    let loop: any EventLoop
    private let serial: any SerialExecutor
    /// The loop's connections that wait for the log.
    let durabilityWaiters: DurabilityWaiters

    init(_ loop: any EventLoop) {
        self.loop = loop
        self.serial = loop.executor
        self.durabilityWaiters = DurabilityWaiters(loop: loop)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        self.serial.enqueue(job)
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        self.serial.asUnownedSerialExecutor()
    }

    func checkIsolated() {
        self.serial.checkIsolated()
    }

    func execute(_ work: @escaping @Sendable () -> Void) {
        self.loop.execute(work)
    }
}

/// One session executor per loop of the server's group: new sessions get them in turn (the registry's executor
/// factory), and a connection finds its own loop's, to run the requests of that loop's sessions in place.
final class LoopExecutors: Sendable {
    private let executors: [LoopSessionExecutor]
    private let turn = Atomic<Int>(0)

    init(_ group: any EventLoopGroup) {
        self.executors = group.makeIterator().map(LoopSessionExecutor.init)
        precondition(!self.executors.isEmpty, "an event loop group without loops")
    }

    /// The next loop's executor, in turn.
    func next() -> any SessionExecutor {
        let index = self.turn.wrappingAdd(1, ordering: .relaxed).oldValue
        return self.executors[index % self.executors.count]
    }

    /// The executor of `loop`, if it is one of the group's.
    /// Returns once every loop has run what was queued on it before the call.
    func barrier() async {
        for executor in self.executors {
            await withCheckedContinuation { continuation in executor.execute { continuation.resume() } }
        }
    }

    func executor(of loop: any EventLoop) -> LoopSessionExecutor? {
        self.executors.first { $0.loop === loop }
    }
}
