import NIOCore
import Synchronization

/// A fixed number of connection slots, handed out in turn so concurrent callers spread their requests over them
/// (each connection pipelines what it is given). A slot opens its connection on first use and again after it
/// closed; callers that arrive while it opens wait for the same attempt.
final class ConnectionPool: Sendable {
    private enum Slot {
        case empty
        case opening(Task<Connection, any Error>)
        case open(Connection)
    }

    private let configuration: SeatdClient.Configuration
    private let slots: Mutex<[Slot]>
    private let size: Int
    private let turn = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)

    init(configuration: SeatdClient.Configuration) {
        self.configuration = configuration
        self.size = max(1, configuration.connections)
        self.slots = Mutex(Array(repeating: .empty, count: self.size))
    }

    /// A connection that is open (or was just opened): the next slot's.
    func connection() async throws(SeatdError) -> Connection {
        guard !self.closed.load(ordering: .relaxed) else { throw .closed }
        let index = self.turn.add(1, ordering: .relaxed).newValue % self.size
        let configuration = self.configuration
        let found: Found = self.slots.withLock { slots in
            switch slots[index] {
            case .open(let connection) where connection.isOpen:
                return .ready(connection)
            case .opening(let task):
                return .wait(task)
            case .empty, .open:
                let task = Task<Connection, any Error> {
                    try await Connection.open(
                        host: configuration.host, port: configuration.port, token: configuration.token,
                        group: configuration.eventLoopGroup, timeout: configuration.connectTimeout)
                }
                slots[index] = .opening(task)
                return .wait(task)
            }
        }
        switch found {
        case .ready(let connection): return connection
        case .wait(let task): return try await self.opened(task, slot: index)
        }
    }

    private enum Found {
        case ready(Connection)
        case wait(Task<Connection, any Error>)
    }

    private func opened(_ task: Task<Connection, any Error>, slot index: Int) async throws(SeatdError) -> Connection {
        do {
            let connection = try await task.value
            self.slots.withLock { slots in
                if case .opening = slots[index] { slots[index] = .open(connection) }
            }
            if self.closed.load(ordering: .relaxed) { connection.close() }
            return connection
        } catch {
            self.slots.withLock { slots in
                if case .opening = slots[index] { slots[index] = .empty }
            }
            throw error as? SeatdError ?? .notConnected("\(error)")
        }
    }

    /// Closes every connection; later requests throw `closed`.
    func close() {
        self.closed.store(true, ordering: .relaxed)
        let slots = self.slots.withLock { slots in
            defer { slots = Array(repeating: .empty, count: slots.count) }
            return slots
        }
        for slot in slots {
            if case .open(let connection) = slot { connection.close() }
            if case .opening(let task) = slot { Task { try? await task.value.close() } }
        }
    }
}
