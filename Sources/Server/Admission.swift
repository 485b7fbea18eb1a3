import NIOCore
import Synchronization

/// Who may hold a connection (`docs/operations.md`, "Security"). With auth on, connections that have not
/// authenticated yet (strangers) hold at most `strangersMax` slots, and a new one past that, or past
/// `connectionsMax`, closes the oldest stranger: a client that authenticates is never refused because of strangers,
/// and strangers never take an authenticated client's slot. One address holds at most `connectionsPerIP`
/// connections when that is set. The connection handlers say what happens; this decides, under one lock.
final class Admission: Sendable {
    enum Decision {
        /// In; `evict` is the stranger to close to make room.
        case admitted(evict: (any Channel)?)
        /// Out, with the reason (`ERR BUSY <reason>`) and the metric's reason.
        case refused(reason: String, metric: String?)
    }

    private struct State {
        /// The strangers, each with the order it came in.
        var strangers: [ObjectIdentifier: (channel: any Channel, order: UInt64)] = [:]
        var next: UInt64 = 0
        var perAddress: [String: Int] = [:]

        /// Takes the oldest stranger out of the list.
        mutating func removeOldest() -> (any Channel)? {
            guard let oldest = self.strangers.min(by: { $0.value.order < $1.value.order }) else { return nil }
            self.strangers[oldest.key] = nil
            return oldest.value.channel
        }
    }

    private let state = Mutex(State())
    let authRequired: Bool
    let connectionsMax: Int
    let strangersMax: Int
    let connectionsPerIP: Int

    init(settings: ServerSettings, authRequired: Bool) {
        self.authRequired = authRequired
        self.connectionsMax = settings.connectionsMax
        self.strangersMax = settings.strangersMax
        self.connectionsPerIP = settings.connectionsPerIP
    }

    /// A new connection from `address`, with `open` connections counting it.
    func admit(_ channel: any Channel, address: String?, open: Int) -> Decision {
        self.state.withLock { state in
            if self.connectionsPerIP > 0, let address, state.perAddress[address, default: 0] >= self.connectionsPerIP {
                return .refused(reason: "too many connections from this address", metric: "per_ip")
            }
            var evict: (any Channel)? = nil
            if open > self.connectionsMax {
                guard self.authRequired, let oldest = state.removeOldest() else {
                    return .refused(reason: "too many connections", metric: nil)
                }
                evict = oldest
            }
            if self.authRequired {
                if evict == nil, state.strangers.count >= self.strangersMax { evict = state.removeOldest() }
                state.strangers[ObjectIdentifier(channel)] = (channel, state.next)
                state.next += 1
            }
            if let address { state.perAddress[address, default: 0] += 1 }
            return .admitted(evict: evict)
        }
    }

    /// The connection authenticated: it is a stranger no more.
    func authenticated(_ channel: any Channel) {
        self.state.withLock { $0.strangers[ObjectIdentifier(channel)] = nil }
    }

    /// An admitted connection closed.
    func closed(_ channel: any Channel, address: String?) {
        self.state.withLock { state in
            state.strangers[ObjectIdentifier(channel)] = nil
            guard let address, let count = state.perAddress[address] else { return }
            state.perAddress[address] = count > 1 ? count - 1 : nil
        }
    }

    /// Strangers now (tests).
    var strangers: Int { self.state.withLock { $0.strangers.count } }
}
