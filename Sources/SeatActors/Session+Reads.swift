/// The reads a session answers: counts, the map, a customer's holds, the history, and its state for snapshots.
extension Session {
    /// AVAIL.
    public func counts() -> SessionAnswer<SeatCounts> { self.read { $0.counts } }

    /// AVAIL of one part of the hall (since 1.1).
    public func counts(of part: SessionState.Part) -> SessionAnswer<SeatCounts> {
        if let droppedLSN { return self.answer(.failure(.noSuchSession(self.id)), through: droppedLSN) }
        do {
            return self.answer(.success(try self.state.counts(of: part)), through: self.state.lastLSN)
        } catch {
            return self.answer(.failure(error), through: self.state.lastLSN)
        }
    }

    /// MAP, by row.
    public func map() -> SessionAnswer<[(row: String, states: String)]> { self.read { $0.mapRows() } }

    /// MAP with the area tokens after the rows (since 1.1; empty without areas).
    public func mapWithAreas() -> SessionAnswer<(rows: [(row: String, states: String)], areas: [String])> {
        self.read { ($0.mapRows(), $0.mapAreas()) }
    }

    /// The whole state, for a view of every seat (the HTTP port's seat map). Copy-on-write: O(1) here.
    public func current() -> SessionAnswer<SessionState> { self.read { $0 } }

    /// LIST: a customer's live holds and bookings, oldest first.
    public func list(customer: String) -> SessionAnswer<[CustomerHold]> { self.read { $0.list(customer: customer) } }

    /// The retained events with `from <= seq <= through`, at most `limit`; nil once the session was dropped.
    public func history(from: LSN, through: LSN = .max, limit: Int = .max) -> SessionState.HistoryRange? {
        self.dropped ? nil : self.inPlace { $0.history(from: from, through: through, limit: limit) }
    }

    /// HISTORY (since 1.1): the retained events of one hold, oldest first (none for nil: a token no hold has).
    public func history(of hold: HoldID?) -> SessionAnswer<[ChangeEvent]> {
        self.read { state in
            state.history.filter { hold != nil && $0.holdID == hold }.map { self.changeEvent($0) }
        }
    }

    /// HISTORY (since 1.1): the retained events that touched a seat.
    public func history(ofSeat label: SeatLabel) -> SessionAnswer<[ChangeEvent]> {
        guard let seat = self.hall.index(of: label) else {
            return self.answer(.failure(.noSuchSeat([label])), through: self.state.lastLSN)
        }
        return self.read { state in
            state.history.filter { $0.touches(seat: Int32(seat)) }.map { self.changeEvent($0) }
        }
    }

    /// HISTORY (since 1.1): the retained events that took or returned places of a GA area.
    public func history(ofArea name: String) -> SessionAnswer<[ChangeEvent]> {
        guard let area = self.hall.area(named: name) else {
            return self.answer(.failure(.noSuchSeat([], areas: [name])), through: self.state.lastLSN)
        }
        return self.read { state in
            state.history.filter { $0.touches(area: area) }.map { self.changeEvent($0) }
        }
    }

    /// A retained event as HISTORY shows it.
    private nonisolated func changeEvent(_ event: SessionEvent) -> ChangeEvent {
        ChangeEvent(event, session: self.id, hall: self.hall)
    }

    /// A copy of the whole state (tests). Copy-on-write: O(1) here, the copy happens at the next change.
    public func snapshot() -> SessionState { self.state }

    /// The image a snapshot stores, or nil once dropped (its drop record may already be covered).
    public func image() -> SessionState? { self.dropped ? nil : self.state }

    /// Confirmations over the session's life.
    public func confirmsTotal() -> Int { self.state.confirmsTotal }
}
