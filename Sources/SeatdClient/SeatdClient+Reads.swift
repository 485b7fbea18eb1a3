/// The reads and admin commands of `docs/protocol.md`.
extension SeatdClient {
    /// `AVAIL <session> [cat=|flag=|<area>]`.
    public func avail(_ session: String, part: AvailPart? = nil) async throws(SeatdError) -> Availability {
        try ReplyParser.availability(try await self.read("AVAIL \(session)" + (part.map { " " + $0.token } ?? "")))
    }

    /// `MAP <session>`.
    public func map(_ session: String) async throws(SeatdError) -> SeatMap {
        try ReplyParser.map(try await self.read("MAP \(session)"))
    }

    /// `LIST <session> <customer>`: the customer's live holds and bookings, oldest first.
    public func list(_ session: String, customer: String) async throws(SeatdError) -> [Listing] {
        try ReplyParser.listings(try await self.read("LIST \(session) \(customer)"))
    }

    /// `HISTORY <session> <hold>`.
    public func history(_ session: String, hold: String) async throws(SeatdError) -> [HoldHistoryEntry] {
        try ReplyParser.holdHistory(try await self.read("HISTORY \(session) \(hold)"))
    }

    /// `HISTORY <session> seat=<seat or area>`.
    public func history(_ session: String, seat: String) async throws(SeatdError) -> [SeatHistoryEntry] {
        try ReplyParser.seatHistory(try await self.read("HISTORY \(session) seat=\(seat)"))
    }

    /// `STATS`.
    public func stats() async throws(SeatdError) -> Stats {
        Stats(fields: try ReplyParser.pairs(try await self.read("STATS")))
    }

    /// `SNAPSHOT`: the last LSN the snapshot covers.
    public func snapshot() async throws(SeatdError) -> UInt64 {
        let line = try await self.read("SNAPSHOT")
        return try ReplyParser.int(try ReplyParser.fields(line).first, line)
    }

    /// `BLOCK <session> <seat>...`: the seats.
    public func block(_ session: String, seats: [String]) async throws(SeatdError) -> [String] {
        try self.seats(try await self.read((["BLOCK", session] + seats).joined(separator: " ")))
    }

    /// `UNBLOCK <session> <seat>...`: the seats.
    public func unblock(_ session: String, seats: [String]) async throws(SeatdError) -> [String] {
        try self.seats(try await self.read((["UNBLOCK", session] + seats).joined(separator: " ")))
    }

    /// `RESERVE <session> <channel> <seat>...`: the seats.
    public func reserve(_ session: String, channel: String, seats: [String]) async throws(SeatdError) -> [String] {
        try self.seats(try await self.read((["RESERVE", session, channel] + seats).joined(separator: " ")))
    }

    /// `UNRESERVE <session> <seat>...`: the seats.
    public func unreserve(_ session: String, seats: [String]) async throws(SeatdError) -> [String] {
        try self.seats(try await self.read((["UNRESERVE", session] + seats).joined(separator: " ")))
    }

    /// `CLUSTER INFO` (cluster mode).
    public func clusterInfo() async throws(SeatdError) -> ClusterInfo {
        Stats(fields: try ReplyParser.pairs(try await self.read("CLUSTER INFO")))
    }

    /// `CLUSTER SLOTS` (cluster mode): the slot ranges in slot order.
    public func clusterSlots() async throws(SeatdError) -> [SlotRange] {
        try ReplyParser.slots(try await self.read("CLUSTER SLOTS"))
    }

    /// `CLUSTER FAILOVER` (cluster mode, sent to a standby): the new epoch.
    public func clusterFailover() async throws(SeatdError) -> UInt64 {
        let line = try await self.execute("CLUSTER FAILOVER", retryable: false)
        return try ReplyParser.int(try ReplyParser.fields(line).first, line)
    }

    /// `OK <session> <seat>...`: the seats.
    private func seats(_ line: String) throws(SeatdError) -> [String] {
        Array(try ReplyParser.words(line).dropFirst())
    }
}
