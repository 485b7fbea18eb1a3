/// Reading, writing and deleting keys (`/v3/kv/range`, `/v3/kv/put`, `/v3/kv/deleterange`).
extension EtcdClient {
    /// The key's current state, or nil when it does not exist.
    public func get(_ key: [UInt8]) async throws(EtcdError) -> KeyValue? {
        let reply = try await self.call("/v3/kv/range", Wire.RangeRequest(key: key), as: Wire.RangeResponse.self)
        return reply.kvs.first
    }

    /// Every key that starts with `prefix`, in key order.
    public func getPrefix(_ prefix: [UInt8]) async throws(EtcdError) -> [KeyValue] {
        try await self.getPrefixWithRevision(prefix).keyValues
    }

    /// Every key that starts with `prefix`, in key order, and the store's revision they were read at: a watch
    /// from `revision + 1` misses no change after this read.
    public func getPrefixWithRevision(
        _ prefix: [UInt8]
    ) async throws(EtcdError) -> (keyValues: [KeyValue], revision: Int64) {
        let request = Wire.RangeRequest(key: prefix, rangeEnd: Self.rangeEnd(ofPrefix: prefix))
        let reply = try await self.call("/v3/kv/range", request, as: Wire.RangeResponse.self)
        return (reply.kvs, reply.header.revision)
    }

    /// Writes `value` at `key`, attached to `lease` when given (the key then goes when the lease does), and
    /// returns the store's revision after the write (the key's new mod revision).
    @discardableResult
    public func put(_ key: [UInt8], _ value: [UInt8], lease: Int64? = nil) async throws(EtcdError) -> Int64 {
        let request = Wire.PutRequest(key: key, value: value, lease: lease)
        return try await self.call("/v3/kv/put", request, as: Wire.HeaderResponse.self).header.revision
    }

    /// Deletes `key` and returns how many keys went (0 or 1).
    @discardableResult
    public func delete(_ key: [UInt8]) async throws(EtcdError) -> Int64 {
        let request = Wire.DeleteRangeRequest(key: key)
        return try await self.call("/v3/kv/deleterange", request, as: Wire.DeleteRangeResponse.self).deleted
    }

    /// The end of the range of keys that start with `prefix` (etcd's `GetPrefixRangeEnd`): the prefix with its
    /// last byte below 0xFF raised by one and the bytes after it dropped; `[0]` (every key from `prefix` on) when
    /// there is no such byte.
    public static func rangeEnd(ofPrefix prefix: [UInt8]) -> [UInt8] {
        guard let last = prefix.lastIndex(where: { $0 < 0xFF }) else { return [0] }
        var end = Array(prefix[...last])
        end[last] += 1
        return end
    }
}
