import NIOCore

/// Notes when the client closes its side of the connection. The HTTP port allows half-closure (a client may send
/// its request and shut its output), so a departed reader leaves the channel active until a write fails; an event
/// stream with nothing to send asks here instead (`EventStream`), so that it ends, and frees its place under
/// `http.max_streams`, within a second.
final class ClientGoneTap: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    /// Set on the channel's loop once the input closed.
    private(set) var gone = false

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { self.gone = true }
        context.fireUserInboundEventTriggered(event)
    }

    /// Whether the client of `channel` is gone: the channel closed, or its input did.
    static func isGone(_ channel: any Channel) async -> Bool {
        guard channel.isActive else { return true }
        let gone = try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: ClientGoneTap.self).gone
        }.get()
        return gone ?? false
    }
}
