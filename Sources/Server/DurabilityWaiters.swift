import NIOCore
import SeatActors
import Store

/// The connections of one event loop whose next reply waits for the log: one durability callback per loop, not
/// one per connection. The first waiter's ticket is registered with the store (and a lower one, should a later
/// waiter need less); when it fires, on the log's thread, it hops to the loop once, and every waiting connection
/// runs a pass, which asks the store again and waits anew if its own change is still not durable. So a loop
/// wakes once per fsync however many of its connections wait. Used on the loop only.
final class DurabilityWaiters: @unchecked Sendable {
    private let loop: any EventLoop
    private var waiting: [ConnectionHandler] = []
    /// The lowest LSN a registered callback waits for, until it fires.
    private var armedLSN: LSN?

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// `handler` waits for `ticket`: its `durabilityDecided()` runs on the loop once a callback fires.
    func wait(_ handler: ConnectionHandler, for ticket: DurabilityTicket) {
        self.loop.preconditionInEventLoop()
        self.waiting.append(handler)
        // A callback that fires no later is registered already (every ticket is decided in time: durable, or lost
        // with a failed log).
        if let armed = self.armedLSN, armed <= ticket.lsn { return }
        self.armedLSN = ticket.lsn
        let loop = self.loop
        let waiters = NIOLoopBound(self, eventLoop: loop)
        ticket.whenDecided { loop.execute { waiters.value.fire() } }
    }

    private func fire() {
        self.armedLSN = nil
        let handlers = self.waiting
        self.waiting.removeAll(keepingCapacity: true)
        for handler in handlers { handler.durabilityDecided() }
    }
}
