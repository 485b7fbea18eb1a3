import NIOCore
import SeatdTestSupport

/// An OK to a change, as a failover client received it: which node sent it and when.
struct Acknowledgement: Sendable, Equatable {
    var address: Target
    var receivedNs: UInt64
    var client: Int
    var request: String
}

/// Every acknowledgement of the run, appended by the clients as they come, read by the trials (the first one from
/// a new primary) and at the end (those from a fenced primary).
final class AcknowledgementLog: Sendable {
    private let acknowledgements = Shared<[Acknowledgement]>([])

    func record(_ acknowledgement: Acknowledgement) { self.acknowledgements.withLock { $0.append(acknowledgement) } }

    /// How many there are: a mark for `first(from:after:since:)`.
    var count: Int { self.acknowledgements.withLock { $0.count } }

    /// The first acknowledgement from `address` received after `afterNs`, among those recorded since `mark`.
    func first(from address: Target, afterNs: UInt64, since mark: Int) -> Acknowledgement? {
        self.acknowledgements.withLock { all in
            all[min(mark, all.count)...].filter { $0.address == address && $0.receivedNs > afterNs }
                .min { $0.receivedNs < $1.receivedNs }
        }
    }

    var all: [Acknowledgement] { self.acknowledgements.withLock { $0 } }
}

/// One client of the failover run: the crash loop's requests (every change keyed; no MAP, since only changes are
/// fenced and a replaced primary may still answer a read) one at a time through a `ClusterClient`, which follows
/// MOVED, TRYAGAIN, UNAVAILABLE and lost connections and sends a change again with its key until a node answers
/// it. An answer after such a retry is recorded as `retried`: the seat checker takes the attempts as one
/// operation that happened at most once. Every OK goes to the acknowledgement log with the node that sent it.
final class FailoverClient: @unchecked Sendable {
    /// A pause between requests, so that a long run's history stays small enough to check.
    static let pauseMs = 5

    let id: Int
    let requests: CrashClient
    private let client: ClusterClient

    init(id: Int, seed: UInt64, sessions: [String], cluster: ClusterSettings, group: any EventLoopGroup) {
        self.id = id
        self.requests = CrashClient(
            id: id, seed: seed, sessions: sessions, rows: CrashLoop.rows, acknowledged: Shared([:]))
        self.client = ClusterClient(cluster, group: group, retryUnavailable: true)
    }

    /// Runs until `stop`; the request in hand is finished first. Returns why it ended early, if it did (no node
    /// answered a request for `unreachableMsMax`: that request is left out of the history).
    func run(until stop: StopSignal, acknowledgements: AcknowledgementLog) async -> String? {
        var failure: String? = nil
        while !stop.isStopped {
            var operation = self.requests.next()
            if operation.request == .map { continue }
            let line = operation.request.line(session: operation.session)
            let answer: ClusterClient.Answer
            do {
                answer = try await self.client.request(line)
            } catch {
                failure = "client \(self.id): \(error)"
                break
            }
            operation.retried = answer.indeterminate
            self.requests.finish(&operation, reply: answer.reply)
            if answer.reply.hasPrefix("OK") {
                acknowledgements.record(
                    Acknowledgement(
                        address: answer.address, receivedNs: answer.endNs, client: self.id, request: line))
            }
            try? await Task.sleep(for: .milliseconds(Self.pauseMs))
        }
        await self.client.close()
        return failure
    }

    var counts: ClusterCounts { self.client.counts }
}
