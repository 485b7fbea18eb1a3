/// A text image of a session's whole observable state, for comparing a replay or a snapshot with the live run.
extension SessionState {
    /// Everything observable about the state, for comparing a replay with the live run.
    public var digest: String { self.digest(history: true) }

    /// The digest, with or without the event history (a snapshot written before 1.1 holds none, so a replay from
    /// it has a shorter history than one from the whole log).
    public func digest(history: Bool) -> String {
        var lines = ["lsn \(self.lastLSN) confirms \(self.confirmsTotal)", self.mapRows().map(\.states).joined()]
        for hold in self.holds.values.sorted(by: { $0.id < $1.id }) {
            lines.append(
                "\(hold.id) \(hold.customer) \(hold.seats) \(hold.createdAtMs) \(hold.expiresAtMs) "
                    + "\(hold.isSold) \(hold.ref ?? "-") \(hold.createdLSN)"
                    + (hold.places.isEmpty ? "" : " places \(self.labels(hold.places).map(\.description))"))
        }
        lines.append(
            "keys \(self.keyOrder.map { "\($0)=\(self.keys[$0]!.form)/\(self.keys[$0]!.holdID)@\(self.keys[$0]!.usedAtMs)" })"
        )
        if !self.graceHolds.isEmpty { lines.append("grace \(self.graceHolds.keys.sorted())") }
        lines.append("expired \(self.expiredOrder.map(\.description))")
        if !self.hall.areas.isEmpty {
            lines.append("areas \(self.mapAreas()) held \(self.placesHeld) sold \(self.placesSold)")
        }
        if self.seats.hasSetAside {
            lines.append(
                "blocked \(self.seats.blockedSeats) reserved \(self.seats.reservations.map { "\($0.channel)=\($0.seats)" })"
            )
        }
        if history { lines.append("history trimmed \(self.eventsTrimmed) through \(self.trimmedThrough)") }
        for event in self.history where history {
            lines.append(
                "event \(event.seq) @\(event.atMs) \(event.kind.rawValue) \(event.holdID.map(\.description) ?? "-") "
                    + "\(event.customer) \(event.seats) \(event.places.map { "\($0.area):\($0.count)" }) \(event.ref ?? "-")"
            )
        }
        lines.append(
            "customers \(self.holdsByCustomer.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.sorted())" })")
        return lines.joined(separator: "\n")
    }
}
