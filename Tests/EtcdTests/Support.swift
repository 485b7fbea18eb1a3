import Etcd

/// The UTF-8 bytes of `text`: keys and values in the tests.
func bytes(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

/// Reads batches from `stream` until `count` events have come or `deadline` passes, and returns them in order.
func collectEvents(
    _ stream: AsyncThrowingStream<[WatchEvent], any Error>, count: Int, within deadline: Duration = .seconds(30)
) async throws -> [WatchEvent] {
    try await withThrowingTaskGroup(of: [WatchEvent]?.self) { group in
        group.addTask {
            var events: [WatchEvent] = []
            for try await batch in stream {
                events += batch
                if events.count >= count { break }
            }
            return events
        }
        group.addTask {
            try await Task.sleep(for: deadline)
            return nil
        }
        defer { group.cancelAll() }
        guard case .some(.some(let events)) = try await group.next() else { throw WatchTimedOut(count: count) }
        return events
    }
}

/// A watch did not bring the expected events before the deadline.
struct WatchTimedOut: Error {
    /// How many events were expected.
    var count: Int
}
