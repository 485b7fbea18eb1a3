import Foundation
import NIOCore
import SeatdTestSupport

extension FailoverRun {
    /// The cluster's layout in etcd, two nodes per shard, each shard settled as an in-sync primary and standby, and
    /// every node's `CLUSTER SLOTS` naming those primaries. False (with a failure in the report) when a shard did not
    /// settle or the slots are not seatd's even split.
    func start(etcd: EtcdCluster, data: String, group: any EventLoopGroup) async throws -> Bool {
        try Self.initCluster(binary: self.settings.seatd, etcd: etcd.urls, shards: self.shards.map(\.id))
        let secret = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        for index in self.shards.indices {
            for letter in ["a", "b"] {
                let name = FailoverShard.nodeName(letter, shard: index, of: self.shards.count)
                let node = try await self.startNode(
                    name, shard: self.shards[index].id, data: data, etcd: etcd, secret: secret, group: group)
                self.shards[index].nodes.append(node)
            }
        }
        for index in self.shards.indices {
            let shard = self.shards[index]
            guard let roles = await self.settled(shard.nodes, group: group, withinMs: self.settings.rejoinMsMax) else {
                self.report.failures.append(
                    "shard \(shard.id): the nodes did not settle as an in-sync primary and standby")
                return false
            }
            self.shards[index].roles = roles
            let which = self.shards.count == 1 ? "" : "shard \(shard.id): "
            self.progress("\(which)primary \(roles.primary.name), standby \(roles.standby.name) in sync")
        }
        return await self.checkSlots(group: group)
    }

    /// A new node on free ports. A port is only free when it was looked at: a node that exits while starting (another
    /// process took its port) is started again on others, at most 3 times.
    private func startNode(
        _ name: String, shard: String, data: String, etcd: EtcdCluster, secret: String, group: any EventLoopGroup
    ) async throws -> FailoverNode {
        var attempt = 0
        while true {
            let node = try FailoverNode(
                name: name, shard: shard, binary: self.settings.seatd, data: data + "/\(name)-\(attempt)",
                etcd: etcd.urls, leaseTTLSeconds: self.settings.leaseTTLSeconds, secret: secret)
            do {
                try await node.start(group: group)
                return node
            } catch {
                node.end()
                attempt += 1
                if attempt == 3 { throw error }
            }
        }
    }

    /// `seatd cluster init`: the cluster's layout in etcd, `shards` in this order.
    static func initCluster(binary: String, etcd: [String], shards: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "cluster", "init", "--etcd", etcd.joined(separator: ","), "--name", FailoverNode.clusterName,
            "--shards", shards.joined(separator: ","),
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let printed = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw LoadError("seatd cluster init: \(printed)") }
    }

    /// Every node answers `CLUSTER SLOTS` with seatd's even split of the slots and every shard's primary, within
    /// `slotsMsMax` (a node answers TRYAGAIN until it has read the layout). One shard may answer with another error
    /// instead (a seatd without shards).
    private func checkSlots(group: any EventLoopGroup) async -> Bool {
        let expected = FailoverShard.slots(self.shards)
        let deadlineNs = LoadClock.nowNs + UInt64(self.settings.slotsMsMax) * 1_000_000
        for node in self.nodes {
            var reply: String?
            while true {
                reply = await node.ask("CLUSTER SLOTS", group: group)
                // One shard, and a seatd without CLUSTER SLOTS (TRYAGAIN: the layout is not read yet).
                if let reply, reply.hasPrefix("ERR"), ClusterReply(reply[...]) == .answer, self.shards.count == 1 {
                    return true
                }
                if reply.flatMap({ ClusterSlots(reply: $0) }) == expected || LoadClock.nowNs >= deadlineNs { break }
                try? await Task.sleep(for: .milliseconds(50))
            }
            guard reply.flatMap({ ClusterSlots(reply: $0) }) == expected else {
                self.report.failures.append(
                    "\(node.name) answered CLUSTER SLOTS with \(reply ?? "nothing"), not \(expected.description)")
                return false
            }
        }
        return true
    }

    /// The crash loop's hall (on a primary: halls are cluster-wide) and each shard's sessions, created on their
    /// shard's primary.
    func createHall(group: any EventLoopGroup) async throws {
        let admin = ShardedClient(self.cluster, slots: FailoverShard.slots(self.shards), group: group)
        var requests = [
            "CREATE HALL h " + CrashLoop.rows.map { "\($0.label)=\($0.count)" }.joined(separator: " ")
                + " ga:pit=\(CrashLoop.places)"
        ]
        for session in self.sessions {
            requests.append("CREATE SESSION \(session) h ttl=\(CrashLoop.ttl)")
            requests.append("BLOCK \(session) " + CrashLoop.blocked.joined(separator: " "))
            requests.append("RESERVE \(session) box " + CrashLoop.reserved.joined(separator: " "))
        }
        do {
            for request in requests {
                let reply = try await admin.request(request).reply
                guard reply.hasPrefix("OK") else { throw LoadError("\(request): \(reply)") }
            }
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
    }
}
