import AsyncHTTPClient
import NIOCore

/// Watches (`POST /v3/watch`): one long HTTP response per watch, a stream of JSON objects.
extension EtcdClient {
    /// The changes to `key` from `fromRevision` on (0: from now on), a batch per etcd message, in revision order.
    ///
    /// The stream ends with an `EtcdError`: `.watchEnded` when the connection drops or the member stops serving it
    /// (watch again from the last event's revision + 1), `.watchCanceled` when etcd no longer has `fromRevision`
    /// (compacted: read anew with `getPrefixWithRevision`, then watch from its revision + 1); opening it fails as
    /// any call does. Cancelling the task that reads the stream closes the HTTP request. Batches wait in the
    /// stream, unbounded, for a slow reader.
    public func watch(_ key: [UInt8], fromRevision: Int64 = 0) -> AsyncThrowingStream<[WatchEvent], any Error> {
        self.watch(Wire.WatchRequest(key: key, rangeEnd: nil, fromRevision: fromRevision))
    }

    /// The changes to every key that starts with `prefix`, as `watch(_:fromRevision:)` describes.
    public func watchPrefix(
        _ prefix: [UInt8], fromRevision: Int64 = 0
    ) -> AsyncThrowingStream<[WatchEvent], any Error> {
        let rangeEnd = Self.rangeEnd(ofPrefix: prefix)
        return self.watch(Wire.WatchRequest(key: prefix, rangeEnd: rangeEnd, fromRevision: fromRevision))
    }

    private func watch(_ request: Wire.WatchRequest) -> AsyncThrowingStream<[WatchEvent], any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do throws(EtcdError) {
                    try await self.runWatch(request, continuation)
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Opens the watch and passes its events on until the response ends; always ends by throwing.
    private func runWatch(
        _ request: Wire.WatchRequest, _ continuation: AsyncThrowingStream<[WatchEvent], any Error>.Continuation
    ) async throws(EtcdError) {
        let (response, _) = try await self.send(.POST, "/v3/watch", Wire.encode(request))
        var splitter = JSONObjectSplitter()
        do {
            for try await chunk in response.body {
                for object in try splitter.append(chunk.readableBytesView) {
                    let events = try Self.events(in: object)
                    if !events.isEmpty { continuation.yield(events) }
                }
            }
        } catch let error as EtcdError {
            throw error
        } catch {
            throw Task.isCancelled ? .cancelled : .watchEnded(reason: "\(error)")
        }
        throw Task.isCancelled ? .cancelled : .watchEnded(reason: "the response ended")
    }

    /// The events of one stream object; none for the `created` reply and progress notices.
    static func events(in object: [UInt8]) throws(EtcdError) -> [WatchEvent] {
        let message = try Wire.decode(Wire.WatchMessage.self, from: object)
        if let error = message.error {
            throw .watchEnded(reason: "\(error.httpCode) \(error.message) (gRPC code \(error.grpcCode))")
        }
        guard let result = message.result else { return [] }
        if result.canceled {
            throw .watchCanceled(reason: result.cancelReason, compactRevision: result.compactRevision)
        }
        return result.events
    }
}
