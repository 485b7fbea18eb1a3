import SeatActors
import Store
import Synchronization

/// What the HTTP port serves from as the process goes through its life. The port opens before recovery, so that
/// `/health` answers while a large log is read and `/ready` says why the node is not ready yet.
final class HTTPState: Sendable {
    /// What the routes that read seats use, once recovery is over.
    struct Backend: Sendable {
        let service: LogService
        let dispatcher: Dispatcher
        let cluster: ClusterState?
    }

    enum Phase: Sendable {
        case recovering
        case serving(Backend)
        /// SIGTERM or SIGINT: the line port drains; the HTTP port closes after it.
        case stopping
    }

    private let phase = Mutex(Phase.recovering)

    init() {}

    /// Recovery is over: the routes read from `backend` from now on.
    func serve(_ backend: Backend) { self.phase.withLock { $0 = .serving(backend) } }

    /// The server is draining.
    func stop() { self.phase.withLock { $0 = .stopping } }

    /// The backend, nil while recovering or stopping.
    var backend: Backend? {
        self.phase.withLock {
            if case .serving(let backend) = $0 { return backend }
            return nil
        }
    }

    /// Nil when the node takes changes; otherwise why it does not (`/ready`'s 503 body).
    var notReadyReason: String? {
        switch self.phase.withLock({ $0 }) {
        case .recovering: return "recovering"
        case .stopping: return "stopping"
        case .serving(let backend):
            if let cluster = backend.cluster {
                switch cluster.current.role {
                case .primary: break
                case .standby: return "standby"
                case .joining: return "joining"
                }
            }
            return backend.service.unavailableReason.map { "read-only: \($0)" }
        }
    }
}
