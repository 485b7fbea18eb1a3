import NIOCore
import SeatdTestSupport

extension FailoverRun {
    typealias Roles = FailoverShard.Roles

    /// One trial: the clients run for a random time, then the primary of shard `shard` is faulted. The failover
    /// time runs from the fault (taken just before the signal is sent, or CLUSTER FAILOVER written) to the first OK
    /// of a change that a client receives from the shard's other node. A stopped primary gets SIGCONT once the other
    /// node says role=primary (and has acknowledged that change); a killed one is restarted on its data directory
    /// and flags. The rejoin time runs from that restart, SIGCONT or switchover reply until the old primary says
    /// role=standby replication=sync and the new one role=primary replication=sync. Returns the new roles, or nil
    /// (with a failure in the report) when the trial did not complete.
    func trial(
        _ number: Int, _ fault: FailoverFault, shard: String, _ roles: Roles, group: any EventLoopGroup
    ) async -> Roles? {
        let (primary, standby) = roles
        let runMs = self.settings.runMsMin + self.random.below(max(1, self.settings.runMsMax - self.settings.runMsMin))
        try? await Task.sleep(for: .milliseconds(runMs))
        var trial = FailoverReport.Trial(number: number, fault: fault, from: primary.name, to: standby.name)
        trial.shard = shard
        defer {
            self.report.trials.append(trial)
            self.progress("  " + trial.line)
        }
        let mark = self.acknowledgements.count
        let faultNs = LoadClock.nowNs
        // `standby`, replaced before, may be promoted from now on.
        for index in self.windows.indices where self.windows[index].address == standby.address {
            self.windows[index].untilNs = min(self.windows[index].untilNs, faultNs)
        }
        var rejoinFromNs: UInt64 = 0
        switch fault {
        case .kill: primary.kill()
        case .stop: primary.pause()
        case .switchover:
            let reply = await Self.switchover(standby, timeoutMs: self.settings.failoverMsMax, group: group)
            rejoinFromNs = LoadClock.nowNs
            trial.switchoverReplyMs = Self.ms(from: faultNs, to: rejoinFromNs)
            guard reply?.hasPrefix("OK ") == true else {
                return self.fail(number, "CLUSTER FAILOVER to \(standby.name) answered \(reply ?? "nothing")")
            }
        }
        guard let first = await self.firstAcknowledgement(from: standby, afterNs: faultNs, since: mark) else {
            if fault == .stop { primary.resume() }
            return self.fail(
                number, "\(standby.name) acknowledged no change within \(self.settings.failoverMsMax) ms of the fault")
        }
        trial.failoverMs = Self.ms(from: faultNs, to: first.receivedNs)
        self.windows.append(FencedWindow(address: primary.address, fromNs: first.receivedNs))
        if fault == .stop {
            let promoted = await self.wait(for: standby, withinMs: self.settings.failoverMsMax, group: group) {
                $0.role == .primary
            }
            primary.resume()
            rejoinFromNs = LoadClock.nowNs
            guard promoted != nil else { return self.fail(number, "\(standby.name) never said role=primary") }
        }
        if fault == .kill {
            rejoinFromNs = LoadClock.nowNs
            do { try await primary.start(group: group) } catch {
                return self.fail(number, "restarting \(primary.name): \(error)")
            }
        }
        let rejoined = await self.wait(for: primary, withinMs: self.settings.rejoinMsMax, group: group) {
            $0.isStandbyInSync
        }
        let serving = await self.wait(for: standby, withinMs: self.settings.rejoinMsMax, group: group) {
            $0.isPrimaryInSync
        }
        guard rejoined != nil, let serving else {
            return self.fail(
                number,
                "\(primary.name) did not rejoin as an in-sync standby of \(standby.name) within "
                    + "\(self.settings.rejoinMsMax) ms")
        }
        trial.rejoinMs = Self.ms(from: rejoinFromNs, to: LoadClock.nowNs)
        trial.epoch = serving.epoch
        return (standby, primary)
    }

    private func fail(_ number: Int, _ message: String) -> Roles? {
        self.report.failures.append("trial \(number): \(message)")
        return nil
    }

    static func ms(from startNs: UInt64, to endNs: UInt64) -> Double { Double(endNs &- startNs) / 1e6 }

    /// The first OK of a change a client received from `node` after `afterNs`, waiting up to `failoverMsMax`.
    private func firstAcknowledgement(
        from node: FailoverNode, afterNs: UInt64, since mark: Int
    ) async
        -> Acknowledgement?
    {
        let deadlineNs = afterNs + UInt64(self.settings.failoverMsMax) * 1_000_000
        while LoadClock.nowNs < deadlineNs {
            if let first = self.acknowledgements.first(from: node.address, afterNs: afterNs, since: mark) {
                return first
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// `node`'s CLUSTER INFO once `condition` holds, polled for up to `withinMs`; nil if it never did.
    func wait(
        for node: FailoverNode, withinMs: Int, group: any EventLoopGroup, _ condition: (ClusterInfo) -> Bool
    ) async -> ClusterInfo? {
        let deadlineNs = LoadClock.nowNs + UInt64(withinMs) * 1_000_000
        while LoadClock.nowNs < deadlineNs {
            if let info = await node.info(group: group), condition(info) { return info }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Waits until one of a shard's two nodes is an in-sync primary and the other its in-sync standby.
    func settled(_ nodes: [FailoverNode], group: any EventLoopGroup, withinMs: Int) async -> Roles? {
        precondition(nodes.count == 2, "a shard has two nodes")
        let deadlineNs = LoadClock.nowNs + UInt64(withinMs) * 1_000_000
        while LoadClock.nowNs < deadlineNs {
            let first = await nodes[0].info(group: group)
            let second = await nodes[1].info(group: group)
            if first?.isPrimaryInSync == true, second?.isStandbyInSync == true { return (nodes[0], nodes[1]) }
            if second?.isPrimaryInSync == true, first?.isStandbyInSync == true { return (nodes[1], nodes[0]) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// `CLUSTER FAILOVER` to `standby`: its reply (`OK <epoch>` once it serves as primary), or nil.
    static func switchover(_ standby: FailoverNode, timeoutMs: Int, group: any EventLoopGroup) async -> String? {
        guard let client = try? await LineClient.connect(standby.address, group: group) else { return nil }
        let reply = try? await client.send("CLUSTER FAILOVER", timeoutMs: timeoutMs)
        await client.close()
        return reply
    }
}
