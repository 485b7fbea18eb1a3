import NIOCore
import NIOPosix
import SeatActors
import Store
import Synchronization
import WAL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The line server's request path without a socket, for the path benchmark (`Benchmarks/RequestPath`, `make
/// bench-path`) and `seat-load path`: the lines of one read are parsed, executed in their session's turn and
/// answered into one outgoing buffer, as a connection does (`ConnectionHandler.execute`
/// and `flush`), over a real log in a data directory of its own whose writer thread writes every change.
///
/// What it leaves out is the socket (read, write, epoll) and waiting for durability per read: `settle()` waits
/// for everything run so far. Requests that wait for other work (STATS, SNAPSHOT, DROP SESSION, WATCH) are not on
/// the path: they are answered `ERR BAD_REQUEST`.
///
/// The sessions' turns run on an event loop, as in the server (`.eventLoop`: call `run` there), or on the thread
/// that calls `run` (`.callingThread`: one caller at a time), so that a per-thread count of allocations (the path
/// benchmark's) sees all of the path's own.
public final class RequestPath: @unchecked Sendable {
    /// Where the sessions' turns run.
    public enum Turns: Sendable {
        /// On `loop`, as in the server.
        case eventLoop
        /// On the thread inside `run`.
        case callingThread
    }

    /// The loop the sessions live on with `.eventLoop`: call `run` there (`loop.submit`).
    public let loop: any EventLoop
    private let group: MultiThreadedEventLoopGroup
    private let service: LogService
    private let dispatcher: Dispatcher
    private let home: (any SessionExecutor)?
    private let caller: CallingThreadExecutor?
    // Owned by whoever runs the turns:
    private var grant: Dispatcher.ConnectionState
    private var last: CommitToken = .none
    /// The replies of the last `run`, one line each.
    public private(set) var output: ByteBuffer

    /// A path over the data directory `data` (recovered if it holds a log), written with `fsync`.
    public init(data: String, fsync: FsyncPolicy = .off, turns: Turns = .eventLoop) throws {
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.loop = self.group.next()
        let executors = LoopExecutors(self.group)
        let make: @Sendable () -> any SessionExecutor
        switch turns {
        case .eventLoop:
            self.home = executors.executor(of: self.loop)!
            self.caller = nil
            make = executors.next
        case .callingThread:
            let caller = CallingThreadExecutor()
            self.home = caller
            self.caller = caller
            make = { caller }
        }
        self.service = try LogService(data: data, fsync: fsync, executors: make)
        self.dispatcher = Dispatcher(service: self.service, tokens: [])
        self.grant = self.dispatcher.newConnection
        self.output = ByteBufferAllocator().buffer(capacity: 4096)
    }

    /// Runs every complete line of `input` (LF-terminated) as one read of a connection, its replies in `output`
    /// (replaced). Returns how many lines were answered. With `.eventLoop` it must run on `loop`; with
    /// `.callingThread`, on one thread at a time.
    @discardableResult
    public func run(_ input: ByteBuffer) -> Int {
        if let caller = self.caller {
            caller.enter()
            defer { caller.leave() }
            return self.runLines(input)
        }
        self.loop.preconditionInEventLoop()
        return self.runLines(input)
    }

    private func runLines(_ input: ByteBuffer) -> Int {
        var input = input
        self.output.clear()
        var answered = 0
        for line in LineBatchDecoder.lines(of: &input) {
            guard let (response, token) = self.answer(line) else { continue }
            self.dispatcher.render(response, into: &self.output)
            if token.lsn > self.last.lsn { self.last = token }
            answered += 1
        }
        return answered
    }

    private func answer(_ line: ByteBuffer) -> (Response, CommitToken)? {
        guard let parsed = Request.parse(line) else { return nil }
        switch parsed {
        case .failure(let error):
            return (.error(error.code.code, error.message), .none)
        case .success(let request):
            switch self.dispatcher.begin(request, state: &self.grant) {
            case .done(.reply(let response, let token)):
                return (response, token)
            case .session(let request, let session):
                precondition(session.executor === self.home, "a session off the path's executor")
                let dispatcher = self.dispatcher
                let outcome = dispatcher.runInTurn(request, in: session)
                return (outcome.response, outcome.token)
            case .done(.quit), .done(.end), .done(.watch), .suspending:
                return (.error(.badRequest, "not on the request path"), .none)
            }
        }
    }

    /// Returns once every change run so far is durable (or lost: the log failed). Not during a `run`.
    public func settle() async throws {
        let last = self.caller == nil ? try await self.loop.submit { self.last }.get() : self.last
        while case .waiting(let ticket) = self.service.durability(of: last) { await ticket.decided() }
    }

    /// Closes the log and stops the loop.
    public func close() {
        self.service.close()
        try? self.group.syncShutdownGracefully()
    }
}

/// The sessions' executor of a `.callingThread` path: its turn is whichever thread is inside `RequestPath.run`
/// (one at a time); work queued for it meanwhile (`execute`, a job) runs at the start of the next `run`.
private final class CallingThreadExecutor: SessionExecutor, @unchecked Sendable {
    private struct State: @unchecked Sendable {
        var owner: pthread_t?
        var queued: [@Sendable () -> Void] = []
    }
    private let state = Mutex(State())

    func enter() {
        let work: [@Sendable () -> Void] = self.state.withLock { state in
            precondition(state.owner == nil, "RequestPath.run called from two threads at once")
            state.owner = pthread_self()
            defer { state.queued.removeAll() }
            return state.queued
        }
        for item in work { item() }
    }

    func leave() {
        self.state.withLock { $0.owner = nil }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = self.asUnownedSerialExecutor()
        self.execute { job.runSynchronously(on: executor) }
    }

    func execute(_ work: @escaping @Sendable () -> Void) {
        self.state.withLock { $0.queued.append(work) }
    }

    func checkIsolated() {
        let owner = self.state.withLock { $0.owner }
        precondition(owner.map { pthread_equal($0, pthread_self()) != 0 } ?? false, "not inside RequestPath.run")
    }
}
