import DequeModule

/// A session's retained events, oldest first, in chunks of `chunkSize`: appending and trimming touch one chunk,
/// and a copy of the state (a snapshot takes one, copy-on-write) shares the chunks. After such a copy the next
/// append copies the last chunk only, where one flat list of up to `events.retain_per_session` events (100,000
/// by default) was copied whole, every one of its events retained and released again (a profile at 16 deep
/// showed that copy at 4% of the event loop's time, with each snapshot).
public struct EventHistory: RandomAccessCollection, Sendable, Equatable {
    static let chunkSize = 1_024

    private var chunks: Deque<[SessionEvent]> = []
    /// Where the first event is in the first chunk.
    private var start = 0
    public private(set) var count = 0

    public init() {}

    public init(_ events: some Sequence<SessionEvent>) {
        for event in events { self.append(event) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { self.count }

    public subscript(index: Int) -> SessionEvent {
        precondition(index >= 0 && index < self.count, "history index \(index) out of 0..<\(self.count)")
        let offset = self.start + index
        return self.chunks[offset / Self.chunkSize][offset % Self.chunkSize]
    }

    public mutating func append(_ event: SessionEvent) {
        if self.chunks.isEmpty || self.chunks[self.chunks.count - 1].count == Self.chunkSize {
            var chunk: [SessionEvent] = []
            chunk.reserveCapacity(Self.chunkSize)
            self.chunks.append(chunk)
        }
        self.chunks[self.chunks.count - 1].append(event)
        self.count += 1
    }

    /// Drops the oldest `count` events.
    public mutating func removeFirst(_ count: Int) {
        precondition(count >= 0 && count <= self.count, "removing \(count) of \(self.count) events")
        self.count -= count
        self.start += count
        guard self.count > 0 else {
            self = EventHistory()
            return
        }
        while self.start >= Self.chunkSize {
            self.chunks.removeFirst()
            self.start -= Self.chunkSize
        }
    }

    public static func == (lhs: EventHistory, rhs: EventHistory) -> Bool {
        lhs.count == rhs.count && lhs.elementsEqual(rhs)
    }
}
