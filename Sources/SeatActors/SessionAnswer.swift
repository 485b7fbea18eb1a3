/// A session's answer to a request, with the commit token its reply must wait for: the session's last change when
/// it answered, so no reply (not even a refusal) reflects a change a crash could take back. The session's log
/// issues the token. The server turns it into its own `Dispatcher.Answer`.
public struct SessionAnswer<Value: Sendable>: Sendable {
    public let result: Result<Value, SeatError>
    public let token: CommitToken
    /// Set when the request's idempotency key was used already: the first reply, which the server sends again
    /// whatever `result` says (a key used by another kind of request has no `Value` to show it as).
    public var repeated: KeyedAnswer? = nil

    public init(_ result: Result<Value, SeatError>, token: CommitToken) {
        self.result = result
        self.token = token
    }

    /// The LSN of the change the reply waits for.
    public var lsn: LSN { self.token.lsn }
}
