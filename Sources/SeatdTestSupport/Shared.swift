import Synchronization

/// A value shared between tasks under a lock: what a child process printed, a run's report, a stop flag.
public final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: Value) { self.mutex = Mutex(value) }

    public func withLock<Result>(_ body: (inout sending Value) -> sending Result) -> sending Result {
        self.mutex.withLock(body)
    }
}
