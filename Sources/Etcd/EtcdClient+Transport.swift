import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// One call over HTTP: the failover across endpoints, one attempt at one endpoint, and reading a reply's body
/// within the call's deadline.
extension EtcdClient {
    /// How one attempt at one endpoint ended.
    enum Attempt {
        /// etcd answered 200: the response, whose body is still to be read.
        case answered(HTTPClientResponse)
        /// etcd answered with an error, or the caller was cancelled: no other endpoint is tried.
        case failed(EtcdError)
        /// Nobody answered, or a member that cannot serve (503): the next endpoint is tried.
        case unanswered(reason: String, timedOut: Bool)
    }

    /// POSTs `request` as JSON to `path` and decodes the reply.
    func call<Reply: Decodable>(
        _ path: String, _ request: some Encodable, as type: Reply.Type = Reply.self
    ) async throws(EtcdError) -> Reply {
        let (response, deadline) = try await self.send(.POST, path, Wire.encode(request))
        let body = try await Self.collect(response.body, before: deadline, upTo: EtcdLimits.replyBytesMax, path)
        return try Wire.decode(type, from: body)
    }

    /// Sends the request to each endpoint in turn until one answers 200, and returns that response (its body
    /// unread) with the deadline of the attempt that got it.
    func send(
        _ method: HTTPMethod, _ path: String, _ payload: ByteBuffer?
    ) async throws(EtcdError) -> (HTTPClientResponse, NIODeadline) {
        var failures: [String] = []
        var timedOut = true
        for index in self.attemptOrder() {
            let deadline = NIODeadline.now() + TimeAmount(self.timeout)
            switch await self.attempt(method, self.endpoints[index] + path, payload, deadline) {
            case .answered(let response):
                self.prefer(index)
                return (response, deadline)
            case .failed(let error):
                throw error
            case .unanswered(let reason, let wasTimeout):
                self.logger.debug(
                    "etcd endpoint did not answer",
                    metadata: ["etcd.url": "\(self.endpoints[index])", "etcd.reason": "\(reason)"])
                failures.append("\(self.endpoints[index]): \(reason)")
                timedOut = timedOut && wasTimeout
            }
        }
        throw timedOut ? .timeout(path) : .unreachable(failures)
    }

    /// One request to one endpoint.
    private func attempt(
        _ method: HTTPMethod, _ url: String, _ payload: ByteBuffer?, _ deadline: NIODeadline
    ) async -> Attempt {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let payload {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(payload)
        }
        let response: HTTPClientResponse
        do {
            response = try await self.httpClient.execute(request, deadline: deadline, logger: self.logger)
        } catch {
            return Self.classify(error)
        }
        guard response.status == .ok else {
            let body = try? await Self.collect(response.body, before: deadline, upTo: EtcdLimits.errorBodyBytesMax, url)
            let error = Wire.httpError(status: Int(response.status.code), body: body ?? ByteBuffer())
            if response.status == .serviceUnavailable, case .http(_, _, let message) = error {
                return .unanswered(reason: "503 \(message)", timedOut: false)
            }
            return .failed(error)
        }
        return .answered(response)
    }

    /// What an error of async-http-client means for the failover.
    static func classify(_ error: any Error) -> Attempt {
        if Task.isCancelled || error is CancellationError {
            return .failed(.cancelled)
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .cancelled: return .failed(.cancelled)
            case .deadlineExceeded, .connectTimeout, .readTimeout, .getConnectionFromPoolTimeout:
                return .unanswered(reason: "\(error)", timedOut: true)
            default: break
            }
        }
        return .unanswered(reason: "\(error)", timedOut: false)
    }

    /// Reads a whole body, at most `limit` bytes, before `deadline` (async-http-client's deadline covers only
    /// the reply's head).
    static func collect(
        _ body: HTTPClientResponse.Body, before deadline: NIODeadline, upTo limit: Int, _ path: String
    ) async throws(EtcdError) -> ByteBuffer {
        let remaining = deadline - NIODeadline.now()
        do {
            return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask { try await body.collect(upTo: limit) }
                group.addTask {
                    try await Task.sleep(nanoseconds: UInt64(max(remaining.nanoseconds, 0)))
                    return nil
                }
                defer { group.cancelAll() }
                guard case .some(.some(let buffer)) = try await group.next() else { throw EtcdError.timeout(path) }
                return buffer
            }
        } catch let error as EtcdError {
            throw error
        } catch is NIOTooManyBytesError {
            throw .decoding("\(path): a reply longer than \(limit) bytes")
        } catch {
            throw Task.isCancelled ? .cancelled : .unreachable(["\(path): \(error)"])
        }
    }
}
