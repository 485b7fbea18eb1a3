/// Leases (`/v3/lease/grant`, `/v3/lease/keepalive`, `/v3/lease/revoke`): a key put with a lease goes when the
/// lease runs out without a keepalive, or is revoked.
extension EtcdClient {
    /// Grants a lease of `ttlSeconds` (etcd raises very small TTLs: asked for 1 it grants 2).
    public func grantLease(ttlSeconds: Int64) async throws(EtcdError) -> Lease {
        let request = Wire.LeaseGrantRequest(ttlSeconds: ttlSeconds)
        let reply = try await self.call("/v3/lease/grant", request, as: Wire.LeaseGrantResponse.self)
        guard reply.error.isEmpty else { throw .http(status: 200, code: nil, message: reply.error) }
        return Lease(id: reply.id, ttlSeconds: reply.ttlSeconds)
    }

    /// Renews the lease to its full TTL and returns that TTL in seconds, or nil when the lease is gone (expired or
    /// revoked): its keys are gone too.
    public func keepAlive(lease: Int64) async throws(EtcdError) -> Int64? {
        let request = Wire.LeaseIDRequest(id: lease)
        let reply = try await self.call("/v3/lease/keepalive", request, as: Wire.LeaseKeepAliveMessage.self)
        if let error = reply.error { throw error.etcdError }
        return reply.ttlSeconds > 0 ? reply.ttlSeconds : nil
    }

    /// Ends the lease now and deletes its keys. A lease that is already gone is `.http(status: 404, code: 5, ..)`.
    public func revoke(lease: Int64) async throws(EtcdError) {
        _ = try await self.call("/v3/lease/revoke", Wire.LeaseIDRequest(id: lease), as: Wire.HeaderResponse.self)
    }
}
