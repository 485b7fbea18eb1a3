/// A session's events (since 1.1): every change but a key sweep is one, retained in seq order up to
/// `eventsRetained`, so that a watcher can resume (`WATCH from=`), an auditor can ask what happened to a hold or a
/// seat (`HISTORY`), and the NATS publisher can catch up after an outage. The history is part of the state: a
/// snapshot holds it and replay rebuilds the rest from the log's records, through the same `event(of:)`.
extension SessionState {
    /// The event `change` makes, read from the state before it applies (seq and time are set by `apply`); nil for
    /// a change that is no event (keys forgotten).
    public func event(of change: SessionChange) -> SessionEvent? {
        func make(
            _ kind: ChangeEvent.Kind, _ id: HoldID?, _ customer: String, _ seats: [Int32], _ places: [PlaceCount],
            ref: String? = nil
        ) -> SessionEvent {
            SessionEvent(
                seq: 0, atMs: 0, kind: kind, holdID: id, customer: customer, seats: seats, places: places, ref: ref)
        }
        func whole(_ kind: ChangeEvent.Kind, _ id: HoldID, ref: String? = nil) -> SessionEvent {
            let hold = self.holds[id]!
            return make(kind, id, hold.customer, hold.seats, hold.places, ref: ref)
        }
        switch change {
        case .held(let record): return make(.held, record.holdID, record.customer, record.seats, record.places)
        case .extended(let id, _): return whole(.extended, id)
        case .confirmed(let id, let ref): return whole(.confirmed, id, ref: ref)
        case .released(let id): return whole(.released, id)
        case .expired(let id): return whole(.expired, id)
        case .cancelled(let id, let seats, let places):
            return make(.cancelled, id, self.holds[id]!.customer, seats, places)
        case .blocked(let seats): return make(.blocked, nil, "-", seats, [])
        case .unblocked(let seats): return make(.unblocked, nil, "-", seats, [])
        case .reserved(let channel, let seats): return make(.reserved, nil, channel, seats, [])
        case .unreserved(let seats): return make(.unreserved, nil, "-", seats, [])
        case .added(let id, let seats, let places): return make(.added, id, self.holds[id]!.customer, seats, places)
        case .releasedItems(let id, let seats, let places):
            return make(.released, id, self.holds[id]!.customer, seats, places)
        case .sold(let record, let ref), .lateConfirmed(let record, let ref):
            return make(.confirmed, record.holdID, record.customer, record.seats, record.places, ref: ref)
        case .keyed(_, _, let inner): return self.event(of: inner)
        case .keysForgotten: return nil
        }
    }

    /// Appends an event, trimming the oldest past the retention.
    mutating func retain(_ event: SessionEvent) {
        self.history.append(event)
        if self.history.count > self.eventsRetained { self.trimHistory() }
    }

    /// Sets how many events the history keeps, trimming the oldest past it.
    public mutating func retainEvents(_ count: Int) {
        self.eventsRetained = max(1, count)
        if self.history.count > self.eventsRetained { self.trimHistory() }
    }

    private mutating func trimHistory() {
        let excess = self.history.count - self.eventsRetained
        self.trimmedThrough = self.history[excess - 1].seq
        self.history.removeFirst(excess)
        self.eventsTrimmed += excess
    }

    /// Restores the history of a snapshot image.
    public mutating func restoreHistory(
        _ events: [SessionEvent], trimmedThrough: LSN, eventsTrimmed: Int
    )
        throws(SeatError)
    {
        func fail(_ why: String) -> SeatError { .badRequest("session image \(self.id): \(why)") }
        var previous = trimmedThrough
        for event in events {
            guard event.seq > previous, event.seq <= self.lastLSN, event.seq >= self.handle else {
                throw fail("event seq \(event.seq) out of order")
            }
            guard event.seats.allSatisfy({ $0 >= 0 && Int($0) < self.seats.capacity }),
                event.places.allSatisfy({ $0.area >= 0 && $0.area < self.hall.areas.count })
            else { throw fail("event \(event.seq) names items not in the hall") }
            previous = event.seq
        }
        self.history = EventHistory(events)
        self.trimmedThrough = trimmedThrough
        self.eventsTrimmed = eventsTrimmed
        if self.history.count > self.eventsRetained { self.trimHistory() }
    }

    /// What the history holds from `from` on.
    public enum HistoryRange: Sendable, Equatable {
        /// The events with `from <= seq <= through`, oldest first, at most `limit` of them.
        case events([SessionEvent])
        /// Events at or after `from` were trimmed; the oldest retained has this seq (`eventsTrimmed`: how many the
        /// session trimmed in all).
        case trimmed(oldest: LSN, eventsTrimmed: Int)
    }

    /// The retained events with `from <= seq <= through`, at most `limit` (oldest first), or `.trimmed` when some
    /// event at or after `from` is no longer retained.
    public func history(from: LSN, through: LSN = .max, limit: Int = .max) -> HistoryRange {
        if from <= self.trimmedThrough {
            return .trimmed(
                oldest: self.history.first?.seq ?? self.trimmedThrough + 1, eventsTrimmed: self.eventsTrimmed)
        }
        var (low, high) = (0, self.history.count)
        while low < high {
            let middle = (low + high) / 2
            if self.history[middle].seq < from { low = middle + 1 } else { high = middle }
        }
        var events: [SessionEvent] = []
        var index = low
        while index < self.history.count, events.count < limit, self.history[index].seq <= through {
            events.append(self.history[index])
            index += 1
        }
        return .events(events)
    }
}
