import NIOCore

extension FailoverRun {
    /// The end of the run: every shard an in-sync pair with the primary its last trial left, every session's map
    /// read from its shard's primary (recorded in the history), then what the clients were told against it
    /// (`ClaimCheck`), the acknowledgements of replaced primaries, and per shard, over that shard's history, hold
    /// ids given twice and the seat checker per session.
    func check(_ clients: [FailoverClient], group: any EventLoopGroup) async {
        await self.checkShardsSettled(group: group)
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

    /// Every shard is an in-sync primary and standby again, and its primary is the one its last trial left: a
    /// fault of one shard's primary fails over no other shard.
    private func checkShardsSettled(group: any EventLoopGroup) async {
        for shard in self.shards {
            guard let roles = shard.roles else { continue }
            guard let settled = await self.settled(shard.nodes, group: group, withinMs: self.settings.rejoinMsMax)
            else {
                self.report.failures.append("shard \(shard.id): not an in-sync primary and standby at the end")
                continue
            }
            if settled.primary !== roles.primary {
                self.report.failures.append(
                    "shard \(shard.id): \(settled.primary.name) is the primary at the end, not \(roles.primary.name)")
            }
        }
    }

    /// The map of every session, read through a client of its shard (so from its primary); nil (with a failure)
    /// when no node answered.
    private func finalMaps(group: any EventLoopGroup) async -> [String: String]? {
        let reader = ShardedClient(self.cluster, slots: FailoverShard.slots(self.shards), group: group)
        var maps: [String: String] = [:]
        do {
            for session in self.sessions {
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

    /// Per shard, over its own history (each shard's hold ids and events are its own): hold ids unique, then the
    /// seat checker per session.
    private func checkHistory() {
        self.report.operations = self.history.count
        self.report.retried = self.history.count(where: \.retried)
        let checker = SeatChecker(layout: CrashLoop.layout)
        for shard in self.shards {
            let sessions = Set(shard.sessions)
            let checked = checker.check(
                history: self.history.filter { sessions.contains($0.session) }, sessions: shard.sessions)
            self.report.checkedSessions += checked.explained
            let which = self.shards.count == 1 ? "" : "shard \(shard.id): "
            self.report.failures += checked.failures.map { which + $0 }
        }
    }
}
