import NIOCore

/// `GET /health`.
extension EtcdClient {
    /// True when an endpoint (the current one first, then the others) says `{"health": "true"}`; false when none
    /// answers or each says it is not healthy (etcd answers 503 without a leader).
    public func health() async -> Bool {
        do {
            let (response, deadline) = try await self.send(.GET, "/health", nil)
            let body = try await Self.collect(
                response.body, before: deadline, upTo: EtcdLimits.errorBodyBytesMax, "/health")
            return try Wire.decode(Wire.HealthResponse.self, from: body).health == "true"
        } catch {
            return false
        }
    }
}
