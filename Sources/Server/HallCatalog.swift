import Etcd
import Logging
import SeatActors
import WAL

/// The cluster's halls (`docs/cluster.md`, "Halls"): one catalog in etcd, `/seatd/<name>/halls/<hall>`, so that a
/// session of any shard may use any hall. CREATE HALL on any primary answers once etcd has the hall (created if
/// absent; the same definition again is fine, another one `ERR EXISTS`). A primary installs each catalog hall in its
/// registry, logged, so its standby and its recovery have it: as its watch of the catalog brings it
/// (`ClusterNode.lead`), or at once when a request names a hall it has not installed yet. Only a primary installs:
/// a standby's registry takes its primary's log and nothing else.
final class HallCatalog: Sendable {
    let etcd: EtcdClient
    let name: String
    let registry: Registry
    let logger: Logger

    init(etcd: EtcdClient, name: String, registry: Registry, logger: Logger) {
        self.etcd = etcd
        self.name = name
        self.registry = registry
        self.logger = logger
    }

    private var prefix: [UInt8] { ClusterLayout.hallsPrefix(self.name) }

    /// CREATE HALL: the hall and the LSN its reply waits for, once etcd has it.
    func create(id: String, rows: [RowSpec], parts: [HallPart]) async throws(SeatError) -> (Hall, LSN) {
        let hall = try Hall(id: id, specs: rows, parts: parts)
        let entry = ClusterLayout.CatalogHall(parts: hall.partTexts)
        let result = try await self.reaching {
            try await self.etcd.createIfAbsent(ClusterLayout.hallKey(self.name, id), ClusterLayout.encode(entry))
        }
        if case .exists(let stored) = result,
            ClusterLayout.decode(ClusterLayout.CatalogHall.self, stored.value) != entry
        {
            throw .exists("hall \(id)")
        }
        return try self.install(id: id, entry)
    }

    /// A hall this node has not installed: read from the catalog and installed; nil when the catalog lacks it too.
    func fetch(_ id: String) async throws(SeatError) -> Hall? {
        if let hall = self.registry.hall(id) { return hall }
        guard let stored = try await self.reaching({ try await self.etcd.get(ClusterLayout.hallKey(self.name, id)) })
        else { return nil }
        return try self.install(stored)?.0
    }

    /// HALLS: the whole catalog, each hall installed here; their ids, sorted.
    func all() async throws(SeatError) -> [String] {
        let stored = try await self.reaching { try await self.etcd.getPrefix(self.prefix) }
        for keyValue in stored { _ = try? self.install(keyValue) }
        return self.registry.hallIDs
    }

    /// While this node is primary (cancelled when it steps down): installs every catalog hall, then each new one
    /// as the watch brings it. First publishes the halls of its own log the catalog lacks (a node's halls from
    /// before it joined a cluster), so that HALLS and the other shards see them.
    func follow() async {
        await self.publishOwnHalls()
        var failures = 0
        while !Task.isCancelled {
            do {
                let (stored, revision) = try await self.etcd.getPrefixWithRevision(self.prefix)
                for keyValue in stored { self.installLogging(keyValue) }
                for try await events in self.etcd.watchPrefix(self.prefix, fromRevision: revision + 1) {
                    for case .put(let keyValue) in events { self.installLogging(keyValue) }
                    failures = 0
                }
            } catch {
                if Task.isCancelled { return }
                failures += 1
                if failures % 10 == 1 { self.logger.warning("watching the hall catalog: \(error)") }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// The halls of this node's registry that the catalog lacks are created there.
    private func publishOwnHalls() async {
        for hall in self.registry.halls {
            let entry = ClusterLayout.CatalogHall(parts: hall.partTexts)
            let key = ClusterLayout.hallKey(self.name, hall.id)
            switch try? await self.etcd.createIfAbsent(key, ClusterLayout.encode(entry)) {
            case .exists(let stored)?
            where ClusterLayout.decode(ClusterLayout.CatalogHall.self, stored.value) != entry:
                self.logger.error(
                    "hall \(hall.id) of this node's log differs from the catalog's: sessions of other shards use the catalog's"
                )
            default: break
            }
        }
    }

    private func installLogging(_ keyValue: KeyValue) {
        do { _ = try self.install(keyValue) } catch {
            self.logger.error(
                "cannot install a catalog hall",
                metadata: ["key": "\(String(decoding: keyValue.key, as: UTF8.self))", "error": "\(error.message)"])
        }
    }

    /// Installs the hall of a catalog key; nil for a key that is not a hall seatd wrote.
    private func install(_ keyValue: KeyValue) throws(SeatError) -> (Hall, LSN)? {
        let id = String(decoding: keyValue.key.dropFirst(self.prefix.count), as: UTF8.self)
        guard let entry = ClusterLayout.decode(ClusterLayout.CatalogHall.self, keyValue.value) else { return nil }
        return try self.install(id: id, entry)
    }

    /// The catalog's hall `id` in the registry (logged) unless it is there already.
    private func install(id: String, _ entry: ClusterLayout.CatalogHall) throws(SeatError) -> (Hall, LSN) {
        while true {
            if let hall = self.registry.hall(id) {
                guard hall.partTexts == entry.parts else {
                    throw .exists("hall \(id) (this shard's differs from the catalog's)")
                }
                return (hall, self.registry.log.lastLSN)
            }
            let (rows, parts) = try Hall.parse(entry.parts.map { Substring($0) })
            do { return try self.registry.createHall(id: id, rows: rows, parts: parts) } catch .exists {
                continue  // installed meanwhile (the watch and a request at once): compare it
            }
        }
    }

    /// Runs an etcd call; an unreachable etcd is `ERR UNAVAILABLE`.
    private func reaching<Value>(_ call: () async throws -> Value) async throws(SeatError) -> Value {
        do { return try await call() } catch {
            throw .unavailable("the hall catalog (etcd) cannot be reached: \(error)")
        }
    }
}
