/// A text image of a session's whole observable state, for comparing a replay or a snapshot with the live run.
extension SessionState {
    /// Everything observable about the state, for comparing a replay with the live run.
    public var digest: String {
        var lines = ["lsn \(self.lastLSN) confirms \(self.confirmsTotal)", self.mapRows().map(\.states).joined()]
        for hold in self.holds.values.sorted(by: { $0.id < $1.id }) {
            lines.append("\(hold.id) \(hold.customer) \(hold.seats) \(hold.createdAtMs) \(hold.expiresAtMs) "
                         + "\(hold.isSold) \(hold.ref ?? "-") \(hold.createdLSN)")
        }
        lines.append("keys \(self.keys.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.holdID)" })")
        lines.append("expired \(self.expiredOrder.map(\.description))")
        lines.append("customers \(self.holdsByCustomer.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.sorted())" })")
        return lines.joined(separator: "\n")
    }
}
