/// One method per command of `docs/protocol.md`, each returning its typed reply and throwing an `ERR` as its
/// `SeatdError`. Ids, seats and option values are sent as given: they must not contain spaces.
extension SeatdClient {
    /// A read: retried freely.
    func read(_ line: String) async throws(SeatdError) -> String {
        try await self.execute(line, retryable: true)
    }

    /// A change with an optional key: retried after an ambiguous failure only when it has one.
    func change(_ line: String, key: ChangeKey?) async throws(SeatdError) -> String {
        guard let key = key ?? (self.configuration.generateKeys ? .generated : nil) else {
            return try await self.execute(line, retryable: false)
        }
        return try await self.execute(line + " key=" + key.resolved(), retryable: true)
    }

    /// Appends each token after a space.
    static func append(_ tokens: [String], to line: inout String) {
        for token in tokens {
            line += " "
            line += token
        }
    }

    /// `PING`.
    public func ping() async throws(SeatdError) {
        guard try await ReplyParser.words(self.read("PING")) == ["PONG"] else {
            throw .protocolViolation("PING was not answered PONG")
        }
    }

    /// `AUTH <token>` on one connection of the pool: the role (`admin`, `client`, `reader`). The pool sends the
    /// configured token on every new connection by itself; this is for checking a token.
    public func auth(_ token: String) async throws(SeatdError) -> String {
        let words = try ReplyParser.words(try await self.read("AUTH \(token)"))
        guard let role = words.first else { throw .protocolViolation("AUTH was answered without a role") }
        return role
    }

    /// `CREATE HALL <hall> <part>...`: the hall's capacity (seats and places).
    public func createHall(_ hall: String, parts: [String]) async throws(SeatdError) -> Int {
        try ReplyParser.capacity(
            try await self.execute("CREATE HALL \(hall) " + parts.joined(separator: " "), retryable: false))
    }

    /// `HALL <hall>`: its normalised parts.
    public func hall(_ hall: String) async throws(SeatdError) -> [String] {
        try ReplyParser.words(try await self.read("HALL \(hall)"))
    }

    /// `HALLS`: every hall, sorted.
    public func halls() async throws(SeatdError) -> [String] { try ReplyParser.words(try await self.read("HALLS")) }

    /// `SESSIONS [<hall>]`: the live sessions (of one hall), sorted.
    public func sessions(hall: String? = nil) async throws(SeatdError) -> [String] {
        try ReplyParser.words(try await self.read(hall.map { "SESSIONS \($0)" } ?? "SESSIONS"))
    }

    /// `CREATE SESSION <session> <hall> [options]`: the session's capacity.
    public func createSession(
        _ session: String, hall: String, options: SessionOptions = SessionOptions()
    ) async throws(SeatdError) -> Int {
        let line = (["CREATE SESSION", session, hall] + options.tokens).joined(separator: " ")
        return try ReplyParser.capacity(try await self.execute(line, retryable: false))
    }

    /// `DROP SESSION <session>`.
    public func dropSession(_ session: String) async throws(SeatdError) {
        _ = try ReplyParser.fields(try await self.execute("DROP SESSION \(session)", retryable: false))
    }

    /// `HOLD <session> <customer> <seats and places>|BEST n|ANY n [options]`.
    public func hold(
        _ session: String, customer: String, _ selection: Selection, options: HoldOptions = HoldOptions()
    ) async throws(SeatdError) -> Hold {
        var line = "HOLD " + session + " " + customer
        Self.append(selection.tokens, to: &line)
        Self.append(options.tokens, to: &line)
        return try ReplyParser.hold(try await self.change(line, key: options.key))
    }

    /// `HOLD` of these seats and places.
    public func hold(
        _ session: String, customer: String, items: [Item], key: ChangeKey? = nil
    ) async throws(SeatdError) -> Hold {
        try await self.hold(session, customer: customer, .items(items), options: HoldOptions(key: key))
    }

    /// `ADD <session> <hold> <items>|BEST n|ANY n [options]`: the hold with every item it now has.
    public func add(
        _ session: String, hold: String, _ selection: Selection, options: HoldOptions = HoldOptions()
    ) async throws(SeatdError) -> Hold {
        let line = (["ADD", session, hold] + selection.tokens + options.tokens).joined(separator: " ")
        return try ReplyParser.hold(try await self.change(line, key: options.key))
    }

    /// `SELL <session> <customer> <items>|BEST n|ANY n [options] [ref=]`: the booking.
    public func sell(
        _ session: String, customer: String, _ selection: Selection, options: HoldOptions = HoldOptions()
    ) async throws(SeatdError) -> HoldItems {
        let line = (["SELL", session, customer] + selection.tokens + options.tokens).joined(separator: " ")
        return try ReplyParser.holdItems(try await self.change(line, key: options.key))
    }

    /// `EXTEND <session> <hold> <ttl>`: the new expiry (Unix milliseconds).
    public func extend(
        _ session: String, hold: String, ttlSeconds: Int, key: ChangeKey? = nil
    ) async throws(SeatdError) -> Int64 {
        let line = try await self.change("EXTEND \(session) \(hold) \(ttlSeconds)", key: key)
        let fields = try ReplyParser.fields(line)
        guard fields.count == 2 else { throw ReplyParser.violation(line) }
        return try ReplyParser.int(fields[1], line)
    }

    /// `CONFIRM <session> <hold> [ref=]`: the booking.
    public func confirm(
        _ session: String, hold: String, ref: String? = nil, key: ChangeKey? = nil
    ) async throws(SeatdError) -> HoldItems {
        var line = "CONFIRM " + session + " " + hold
        if let ref { line += " ref=" + ref }
        return try ReplyParser.holdItems(try await self.change(line, key: key))
    }

    /// `RELEASE <session> <hold> [<item>...]`: the whole hold (items empty), or those items of it.
    public func release(
        _ session: String, hold: String, items: [Item] = [], key: ChangeKey? = nil
    ) async throws(SeatdError) -> HoldItems {
        var line = "RELEASE " + session + " " + hold
        for item in items { line += " " + item.description }
        return try ReplyParser.holdItems(try await self.change(line, key: key))
    }

    /// `CANCEL <session> <hold> [<item>...]`: the whole booking (items empty), or those items of it.
    public func cancel(
        _ session: String, hold: String, items: [Item] = [], key: ChangeKey? = nil
    ) async throws(SeatdError) -> HoldItems {
        var line = "CANCEL " + session + " " + hold
        for item in items { line += " " + item.description }
        return try ReplyParser.holdItems(try await self.change(line, key: key))
    }
}
