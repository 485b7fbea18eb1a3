import WAL

/// Which shard of a seatd cluster serves which session, as `CLUSTER SLOTS` says: `OK <first>-<last>=<shard>@<host:port>
/// ...`, one item per range of slots in slot order, covering slots 0-1023 without a gap, with `-` in place of
/// host:port while the shard has no known primary. A session belongs to slot `crc32c(utf8 of its id) mod 1024`.
/// seatd splits the slots into contiguous even ranges in the order of `seatd cluster init --shards`: shard i of n
/// has slots `i*1024/n ... (i+1)*1024/n - 1`. Pure: the clients ask, this reads the answer.
struct ClusterSlots: Sendable, Equatable, CustomStringConvertible {
    /// A cluster's slots: a session's slot is its id's CRC-32C modulo this.
    static let slotCount = 1_024

    /// A shard: its id and where its primary takes clients (nil while it has none).
    struct Shard: Sendable, Equatable {
        var id: String
        var primary: Target?
    }

    /// The shards, in the order of their first slot.
    let shards: [Shard]
    /// The index in `shards` of each slot's shard, `slotCount` entries.
    private let shardOfSlot: [Int]

    /// The slots of a `CLUSTER SLOTS` reply; nil for an error reply or one that does not cover every slot once, in
    /// order (a shard may have more than one range, with one primary).
    init?(reply: String) {
        let items = reply.split(separator: " ")
        guard items.first == "OK", items.count > 1 else { return nil }
        var shards: [Shard] = []
        var shardOfSlot: [Int] = []
        for item in items.dropFirst() {
            guard let (slots, shard) = Self.parse(item), slots.lowerBound == shardOfSlot.count else { return nil }
            let index = shards.firstIndex { $0.id == shard.id } ?? shards.count
            if index == shards.count { shards.append(shard) }
            guard shards[index] == shard else { return nil }
            shardOfSlot += Array(repeating: index, count: slots.count)
        }
        guard shardOfSlot.count == Self.slotCount else { return nil }
        self.shards = shards
        self.shardOfSlot = shardOfSlot
    }

    /// seatd's layout of `shards`: contiguous even ranges in their order.
    init(evenlyOver shards: [Shard]) {
        precondition(!shards.isEmpty, "a cluster has a shard")
        precondition(shards.count <= Self.slotCount, "at most one shard per slot")
        self.shards = shards
        self.shardOfSlot = Self.evenRanges(shards.count).enumerated().flatMap {
            Array(repeating: $0.offset, count: $0.element.count)
        }
    }

    /// The slot ranges of `count` shards in seatd's even split: shard i has `i*1024/n ... (i+1)*1024/n - 1`.
    static func evenRanges(_ count: Int) -> [ClosedRange<Int>] {
        (0..<count).map { ($0 * Self.slotCount / count)...(($0 + 1) * Self.slotCount / count - 1) }
    }

    /// The slot of a session: `crc32c(utf8 of its id) mod 1024`.
    static func slot(of session: some StringProtocol) -> Int {
        Int(CRC32C.checksum(Array(session.utf8)) % UInt32(Self.slotCount))
    }

    /// The index in `shards` of the shard that has `slot`.
    func shard(ofSlot slot: Int) -> Int {
        precondition((0..<Self.slotCount).contains(slot), "a slot is 0...1023")
        return self.shardOfSlot[slot]
    }

    /// The index in `shards` of the shard that serves `session`.
    func shard(of session: some StringProtocol) -> Int { self.shardOfSlot[Self.slot(of: session)] }

    /// Each run of slots of one shard, in slot order.
    var ranges: [(slots: ClosedRange<Int>, shard: Int)] {
        var ranges: [(slots: ClosedRange<Int>, shard: Int)] = []
        for (slot, shard) in self.shardOfSlot.enumerated() {
            if let last = ranges.last, last.shard == shard {
                ranges[ranges.count - 1].slots = last.slots.lowerBound...slot
            } else {
                ranges.append((slot...slot, shard))
            }
        }
        return ranges
    }

    /// The reply seatd would give: `OK 0-511=s1@127.0.0.1:7001 512-1023=s2@-`.
    var description: String {
        "OK "
            + self.ranges.map { range in
                let shard = self.shards[range.shard]
                let primary = shard.primary.map { "\($0.host):\($0.port)" } ?? "-"
                return "\(range.slots.lowerBound)-\(range.slots.upperBound)=\(shard.id)@\(primary)"
            }.joined(separator: " ")
    }

    /// One item, `<first>-<last>=<shard>@<host:port>|-`.
    private static func parse(_ item: Substring) -> (ClosedRange<Int>, Shard)? {
        guard let equals = item.firstIndex(of: "="), let at = item.firstIndex(of: "@"), equals < at else { return nil }
        let bounds = item[..<equals].split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let first = Int(bounds[0]), let last = Int(bounds[1]), first >= 0, first <= last,
            last < Self.slotCount
        else { return nil }
        let id = item[item.index(after: equals)..<at]
        let address = item[item.index(after: at)...]
        guard !id.isEmpty else { return nil }
        guard address != "-" else { return (first...last, Shard(id: String(id), primary: nil)) }
        guard let primary = Target(argument: String(address)), primary.kind == .seatd, !address.contains("://")
        else { return nil }
        return (first...last, Shard(id: String(id), primary: primary))
    }
}
