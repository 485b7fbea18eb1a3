import Foundation

/// What a seatd cluster keeps in etcd, under `/seatd/<name>/` (`docs/cluster.md`, "What etcd holds"): the keys and
/// the JSON of their values. A cluster has shards, each serving a contiguous range of the 1024 slots; each shard
/// has a primary (its leader key, whose create revision is the shard's epoch), perhaps a standby, and the
/// primary's record of whether the standby is in sync. The halls are the cluster's, in its catalog (`HallCatalog`).
struct ClusterLayout: Codable, Equatable, Sendable {
    /// The format of this value.
    var version = 1
    /// The shards, in the order `seatd cluster init` was given them.
    var shards: [String]
    /// The slot ranges, in slot order, covering 0-1023 once (absent in layouts written before slots were: those
    /// have the even ranges `evenRanges(shards)` gives).
    var slots: [SlotRange]?

    /// Slots a session id hashes to: `crc32c(id) mod 1024`.
    static let slotCount = 1_024

    /// A shard's slots, `first...last`.
    struct SlotRange: Codable, Equatable, Sendable {
        var first: Int
        var last: Int
        var shard: String
    }

    /// The longest cluster name and shard id: they are parts of etcd keys.
    static let idBytesMax = 64
    /// The most shards a cluster may have: one per slot (`crc32c(session) mod 1024`).
    static let shardsMax = 1_024

    /// Throws unless `name` may name a cluster or a shard: 1-64 of A-Z a-z 0-9 _ -.
    static func check(_ id: String, _ what: String) throws(ClusterError) {
        guard !id.isEmpty, id.utf8.count <= Self.idBytesMax,
            id.utf8.allSatisfy({ Self.isIDByte($0) })
        else { throw .invalid("\(what) must be 1-\(Self.idBytesMax) characters of A-Z a-z 0-9 _ -, got \(id)") }
    }

    private static func isIDByte(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 95 || byte == 45
    }

    /// A layout of `shards`: each a valid id, none twice, at least one and at most `shardsMax`.
    init(shards: [String]) throws(ClusterError) {
        guard !shards.isEmpty else { throw .invalid("--shards needs at least one shard") }
        guard shards.count <= Self.shardsMax else { throw .invalid("at most \(Self.shardsMax) shards") }
        for shard in shards { try Self.check(shard, "a shard id") }
        if let repeated = shards.enumerated().first(where: { shards[..<$0.offset].contains($0.element) }) {
            throw .invalid("shard \(repeated.element) is listed twice")
        }
        self.shards = shards
        self.slots = Self.evenRanges(shards)
    }

    /// 1024 slots in contiguous ranges as even as they can be, in the order of `shards`: shard i of n has slots
    /// `i*1024/n ... (i+1)*1024/n - 1`.
    static func evenRanges(_ shards: [String]) -> [SlotRange] {
        shards.enumerated().map { index, shard in
            SlotRange(
                first: index * Self.slotCount / shards.count, last: (index + 1) * Self.slotCount / shards.count - 1,
                shard: shard)
        }
    }

    /// The slot ranges, checked to cover 0-1023 once, in order, each of a listed shard: nil when they do not (a
    /// value seatd did not write).
    var slotRanges: [SlotRange]? {
        let ranges = self.slots ?? Self.evenRanges(self.shards)
        var next = 0
        for range in ranges {
            guard range.first == next, range.last >= range.first, self.shards.contains(range.shard) else { return nil }
            next = range.last + 1
        }
        return next == Self.slotCount ? ranges : nil
    }

    // MARK: Keys

    /// The prefix of every key of the cluster `name`.
    static func prefix(_ name: String) -> String { "/seatd/\(name)/" }

    /// The layout's key.
    static func layoutKey(_ name: String) -> [UInt8] { Array((Self.prefix(name) + "layout").utf8) }

    /// A key of shard `shard`: `leader`, `standby` or `sync` (`""`: the prefix of the shard's keys).
    static func shardKey(_ name: String, _ shard: String, _ leaf: String) -> [UInt8] {
        Array((Self.prefix(name) + "shards/\(shard)/\(leaf)").utf8)
    }

    /// The prefix of every shard's keys.
    static func shardsPrefix(_ name: String) -> [UInt8] { Array((Self.prefix(name) + "shards/").utf8) }

    /// The shard and leaf of a key under `shardsPrefix(name)`, or nil.
    static func shardAndLeaf(of key: [UInt8], in name: String) -> (shard: String, leaf: String)? {
        let prefix = Self.shardsPrefix(name)
        guard key.starts(with: prefix) else { return nil }
        let rest = key[prefix.count...].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard rest.count == 2 else { return nil }
        return (String(decoding: rest[0], as: UTF8.self), String(decoding: rest[1], as: UTF8.self))
    }

    /// The key of hall `hall` in the cluster's catalog.
    static func hallKey(_ name: String, _ hall: String) -> [UInt8] { Array((Self.prefix(name) + "halls/\(hall)").utf8) }

    /// The prefix of the catalog's keys.
    static func hallsPrefix(_ name: String) -> [UInt8] { Array((Self.prefix(name) + "halls/").utf8) }

    // MARK: Values

    /// The value of a shard's `leader` and `standby` keys: which node, and where clients (and, for a primary,
    /// standbys) reach it.
    struct Node: Codable, Equatable, Sendable {
        var node: String
        var client: String
        var replication: String?
    }

    /// The value of a shard's `sync` key, written by its primary under its epoch.
    struct Sync: Codable, Equatable, Sendable {
        var epoch: Int64
        var standby: String
        /// `in-sync` or `out-of-sync`.
        var state: String
        /// The primary that wrote it (nil in records of format 1 before it was added).
        var primary: String? = nil

        static let inSync = "in-sync"
        static let outOfSync = "out-of-sync"
    }

    /// The value of a hall's catalog key: its parts in the normalised form CREATE HALL takes and HALL answers.
    struct CatalogHall: Codable, Equatable, Sendable {
        var version = 1
        var parts: [String]
    }

    /// The JSON of a value.
    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding these plain structs cannot fail.
        return Array((try? encoder.encode(value)) ?? Data())
    }

    /// A value read back, or nil when it is not of this shape (a key written by something else).
    static func decode<Value: Decodable>(_ type: Value.Type, _ bytes: [UInt8]) -> Value? {
        try? JSONDecoder().decode(type, from: Data(bytes))
    }
}
