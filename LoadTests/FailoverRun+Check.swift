import NIOCore

extension FailoverRun {
    /// The end of the run: every session's map read from the primary (recorded in the history), then what the
    /// clients were told against it (`ClaimCheck`), the acknowledgements of replaced primaries, hold ids given
    /// twice, and the seat checker over the whole history, per session.
    func check(_ clients: [FailoverClient], group: any EventLoopGroup) async {
        guard let maps = await self.finalMaps(group: group) else { return }
        let claims = clients.flatMap { ClaimCheck.claims($0.requests.holds) }
        let findings = ClaimCheck.check(claims, maps: maps, layout: CrashLoop.layout)
        self.report.lost = findings.lost
        self.report.double = findings.double
        self.report.unexplained = findings.unexplained
        for (name, items) in [
            ("acknowledged and lost", findings.lost), ("in two holds or bookings", findings.double),
            ("taken with no client holding them", findings.unexplained),
        ] where !items.isEmpty {
            self.report.failures.append(
                "\(items.count) seats or places \(name): " + items.prefix(8).joined(separator: " "))
        }
        let acknowledgements = self.acknowledgements.all
        self.report.acknowledged = acknowledgements.count
        let fenced = FencedWindow.fenced(acknowledgements, windows: self.windows)
        self.report.fencedAcknowledgements = fenced
        if let first = fenced.first {
            self.report.failures.append(
                "\(fenced.count) acknowledgements from a replaced primary, e.g. \(first.address.host):"
                    + "\(first.address.port) to client \(first.client): \(first.request)")
        }
        self.checkHistory()
    }

    /// The map of every session, read through a cluster client (so from the primary); nil (with a failure) when
    /// no node answered.
    private func finalMaps(group: any EventLoopGroup) async -> [String: String]? {
        let reader = ClusterClient(self.cluster, group: group)
        var maps: [String: String] = [:]
        do {
            for session in Self.sessions {
                let answer = try await reader.request("MAP \(session)")
                self.history.append(
                    SeatChecker.Operation(
                        client: -1, session: session, request: .map, start: answer.startNs, end: answer.endNs,
                        reply: answer.reply))
                maps[session] = answer.reply
            }
        } catch {
            self.report.failures.append("reading the final state: \(error)")
            await reader.close()
            return nil
        }
        await reader.close()
        return maps
    }

    /// Hold ids unique over the run, then the seat checker per session.
    private func checkHistory() {
        self.report.operations = self.history.count
        self.report.retried = self.history.count(where: \.retried)
        let checked = SeatChecker(layout: CrashLoop.layout).check(history: self.history, sessions: Self.sessions)
        self.report.checkedSessions = checked.explained
        self.report.failures += checked.failures
    }
}
