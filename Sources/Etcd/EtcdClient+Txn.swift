/// Transactions (`/v3/kv/txn`): if every comparison holds, the success operations, else the failure ones, all at
/// one revision.
extension EtcdClient {
    /// Runs a transaction. For example, write a marker only while the leader key's create revision is still
    /// `epoch`: `txn(compare: [.createRevision(leader, .equal, epoch)], success: [.put(key: marker, value: v)])`.
    public func txn(
        compare: [Compare], success: [TxnOp], failure: [TxnOp] = []
    ) async throws(EtcdError) -> TxnResult {
        let request = Wire.TxnRequest(compare: compare, success: success, failure: failure)
        return try await self.call("/v3/kv/txn", request, as: Wire.TxnResponse.self).result
    }

    /// Creates `key` with `value` (attached to `lease` when given) only if nobody has it: etcd's election, a txn on
    /// `create_revision == 0`. Returns `.created(revision)`, whose revision is the key's create revision (the
    /// epoch), or `.exists(holder)` with the holder's key as it is.
    public func createIfAbsent(
        _ key: [UInt8], _ value: [UInt8], lease: Int64? = nil
    ) async throws(EtcdError) -> CreateResult {
        let result = try await self.txn(
            compare: [.createRevision(key, .equal, 0)], success: [.put(key: key, value: value, lease: lease)],
            failure: [.range(key: key)])
        if result.succeeded { return .created(revision: result.revision) }
        guard case .range(let holders) = result.results.first, let holder = holders.first else {
            throw .decoding("createIfAbsent: the failure branch did not return the holder")
        }
        return .exists(holder)
    }
}
