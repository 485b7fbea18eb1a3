import ArgumentParser
import Etcd
import Foundation

/// `seatd cluster`: a cluster's layout in etcd (`docs/cluster.md`). `init` writes it once (the shards and their
/// slot ranges); `status` prints each shard's slots, primary, standby, epoch and sync state, a line per shard.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Write or show a cluster's layout in etcd.",
        subcommands: [Init.self, Status.self])

    /// Where the cluster's etcd is, and which cluster: the options both subcommands take.
    struct Location: ParsableArguments {
        @Option(help: "etcd client URLs, comma-separated (http://host:port,...).")
        var etcd: String

        @Option(help: "The cluster's name: its keys are under /seatd/<name>/ (default seatd).")
        var name = "seatd"

        /// The client URLs, each checked to be http(s)://host:port.
        func endpoints() throws -> [String] {
            let urls = self.etcd.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            guard !urls.isEmpty,
                urls.allSatisfy({ ($0.hasPrefix("http://") || $0.hasPrefix("https://")) && URL(string: $0) != nil })
            else { throw ValidationError("--etcd: expected http://host:port[,http://host:port...], got \(self.etcd)") }
            return urls
        }

        /// Runs `body` with a client of the cluster's etcd; prints the error and exits 1 (refused) or 2 (anything
        /// else: etcd unreachable, bad arguments).
        func withClient(_ body: (EtcdClient) async throws -> Void) async throws {
            do { try ClusterLayout.check(self.name, "--name") } catch { throw ValidationError("\(error)") }
            let client = EtcdClient(endpoints: try self.endpoints())
            do {
                try await body(client)
                try await client.shutdown()
            } catch {
                try? await client.shutdown()
                print("error: \(error)")
                throw ExitCode(error is ClusterError ? 1 : 2)
            }
        }
    }

    /// `seatd cluster init --etcd <urls> [--name <n>] --shards <s1>[,<s2>...]`.
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract:
                "Write a new cluster's layout to etcd (its shards, each a range of the 1024 slots); refused if one exists.",
            discussion: """
                The slots are split into contiguous ranges as even as they can be, in the order --shards gives the
                shards: with s1,s2,s3, s1 has 0-340, s2 341-681 and s3 682-1023. A session belongs to slot
                crc32c(session id) mod 1024. Slots do not move between shards once written.
                """)

        @OptionGroup var location: Location

        @Option(help: "The shards, comma-separated, each 1-64 characters of A-Z a-z 0-9 _ -.")
        var shards: String

        func run() async throws {
            let layout: ClusterLayout
            do { layout = try ClusterLayout(shards: self.shards.split(separator: ",").map(String.init)) } catch {
                throw ValidationError("\(error)")
            }
            let name = self.location.name
            try await self.location.withClient { client in
                switch try await client.createIfAbsent(ClusterLayout.layoutKey(name), ClusterLayout.encode(layout)) {
                case .created(let revision):
                    let slots = (layout.slots ?? []).map { "\($0.first)-\($0.last)=\($0.shard)" }
                    print(
                        "OK cluster \(name): shards \(layout.shards.joined(separator: ",")) (revision \(revision)); "
                            + "slots \(slots.joined(separator: " "))")
                case .exists(let existing):
                    let shards = ClusterLayout.decode(ClusterLayout.self, existing.value)?.shards
                    throw ClusterError.refused(
                        "a cluster named \(name) exists already (shards "
                            + "\(shards?.joined(separator: ",") ?? "unreadable")); nothing was written")
                }
            }
        }
    }

    /// `seatd cluster status --etcd <urls> [--name <n>]`.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status", abstract: "Print each shard's primary, standby, epoch and sync state.")

        @OptionGroup var location: Location

        func run() async throws {
            let name = self.location.name
            try await self.location.withClient { client in
                guard let stored = try await client.get(ClusterLayout.layoutKey(name)) else {
                    throw ClusterError.refused("no cluster named \(name) (seatd cluster init writes one)")
                }
                guard let layout = ClusterLayout.decode(ClusterLayout.self, stored.value),
                    let ranges = layout.slotRanges
                else {
                    throw ClusterError.refused("the layout of cluster \(name) is not one seatd wrote")
                }
                for shard in layout.shards {
                    let slots = ranges.filter { $0.shard == shard }.map { "\($0.first)-\($0.last)" }
                    print(try await Self.line(shard, slots: slots.joined(separator: ","), of: name, client))
                }
            }
        }

        /// `<shard> slots=<first>-<last> primary=<node>@<host:port>|- standby=<node>@<host:port>|- epoch=<n>|-
        /// sync=<state>|-`.
        static func line(_ shard: String, slots: String, of name: String, _ client: EtcdClient) async throws -> String {
            let leader = try await client.get(ClusterLayout.shardKey(name, shard, "leader"))
            let standby = try await client.get(ClusterLayout.shardKey(name, shard, "standby"))
            let sync = try await client.get(ClusterLayout.shardKey(name, shard, "sync"))
            func node(_ kv: KeyValue?) -> String {
                guard let kv, let node = ClusterLayout.decode(ClusterLayout.Node.self, kv.value) else { return "-" }
                return "\(node.node)@\(node.client)"
            }
            let epoch = leader.map { "\($0.createRevision)" } ?? "-"
            // A sync record of an earlier epoch says nothing about the current primary's standby.
            let state = sync.flatMap { ClusterLayout.decode(ClusterLayout.Sync.self, $0.value) }
                .flatMap { record in leader.map { record.epoch == $0.createRevision } == true ? record.state : nil }
            return
                "\(shard) slots=\(slots) primary=\(node(leader)) standby=\(node(standby)) epoch=\(epoch) sync=\(state ?? "-")"
        }
    }
}
