/// Where a session's turns run: a serial executor that can also run a plain closure in its turn.
///
/// The server gives each session one of its event loops (`Registry`'s executor factory hands them out in turn), so
/// a connection on that loop runs a request in the session's turn with no thread switch (the server's
/// `Dispatcher.runInTurn`), and sends requests for sessions of other executors there with `execute`. Tests and
/// tools use `QueueExecutor`.
public protocol SessionExecutor: SerialExecutor, AnyObject {
    /// Runs `work` on this executor, in order with the turns and closures queued before it.
    func execute(_ work: @escaping @Sendable () -> Void)
}
