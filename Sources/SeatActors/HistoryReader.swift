import HeapModule

/// Reads the retained events of one session or of several, merged in seq order, a page at a time: how a watcher
/// that resumes (`WATCH from=`) and the NATS publisher catch up before they follow the live stream.
///
/// It reads `from <= seq <= through`, where `through` is the last LSN the log had assigned when the caller
/// subscribed to live events (`ChangeLog.withAppendsHeld`): every event at or below it is in a session's history
/// once the session's turn that appended it ends (an actor call made later sees it), and every event after it
/// reaches the subscription. So the history and the live stream meet with no gap and no duplicate.
public struct HistoryReader: Sendable {
    /// Events at or after `from` that a session no longer retains.
    public struct Gap: Sendable, Equatable {
        public let session: String
        /// The seq of the oldest event the session retains.
        public let oldest: LSN
        /// Events the session trimmed in all (`SessionState.eventsTrimmed`).
        public let trimmedTotal: Int
    }

    private struct Cursor: Sendable {
        let session: Session
        var next: LSN
        var page: [SessionEvent] = []
        var position = 0
        var done = false
    }

    private struct Head: Comparable {
        let seq: LSN
        let cursor: Int
        static func < (lhs: Head, rhs: Head) -> Bool { lhs.seq < rhs.seq }
    }

    private var cursors: [Cursor]
    private var heads = Heap<Head>()
    private let through: LSN
    private let pageSize: Int
    /// Sessions whose retained events start after `from` (or that trimmed while being read).
    public private(set) var gaps: [Gap] = []

    /// A reader of `sessions`' events from `from` through `through`.
    public init(sessions: [Session], from: LSN, through: LSN, pageSize: Int = 512) {
        self.cursors = sessions.map { Cursor(session: $0, next: from) }
        self.through = through
        self.pageSize = max(pageSize, 1)
    }

    /// Reads each session's first page; returns the sessions that no longer hold every event from `from` on. A
    /// reader that must not skip (WATCH) stops there; one that may (the publisher) goes on, from each such
    /// session's oldest retained event.
    public mutating func start() async -> [Gap] {
        for index in self.cursors.indices { await self.refill(index) }
        return self.gaps
    }

    /// Up to `max` events in seq order; empty once every session is read through `through`. A session that
    /// trims events the reader has not reached yet adds a gap (see `gaps`) and is read on from what it holds.
    public mutating func next(max: Int) async -> [ChangeEvent] {
        var events: [ChangeEvent] = []
        while events.count < max, let head = self.heads.popMin() {
            let index = head.cursor
            let cursor = self.cursors[index]
            events.append(
                ChangeEvent(cursor.page[cursor.position], session: cursor.session.id, hall: cursor.session.hall))
            self.cursors[index].position += 1
            if self.cursors[index].position < cursor.page.count {
                self.heads.insert(Head(seq: self.cursors[index].page[cursor.position + 1].seq, cursor: index))
            } else {
                await self.refill(index)
            }
        }
        return events
    }

    /// Loads the next page of one session and queues its head.
    private mutating func refill(_ index: Int) async {
        guard !self.cursors[index].done else { return }
        let cursor = self.cursors[index]
        switch await cursor.session.history(from: cursor.next, through: self.through, limit: self.pageSize) {
        case nil:
            self.cursors[index].done = true  // dropped: its events went with it
        case .trimmed(let oldest, let trimmed):
            self.gaps.append(Gap(session: cursor.session.id, oldest: oldest, trimmedTotal: trimmed))
            self.cursors[index].next = oldest
            await self.refill(index)
        case .events(let page):
            self.cursors[index].page = page
            self.cursors[index].position = 0
            guard let first = page.first, let last = page.last else {
                self.cursors[index].done = true
                return
            }
            self.cursors[index].next = last.seq + 1
            self.heads.insert(Head(seq: first.seq, cursor: index))
        }
    }
}
