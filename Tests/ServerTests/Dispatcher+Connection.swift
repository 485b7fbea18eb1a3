import SeatActors
import Store

@testable import Server

/// The dispatcher driven the way a connection drives it, for tests that run requests without a socket: the same
/// entry points (`begin`, then the session's turn in `run` or the wait in `finish`), and the reply released by the
/// store's one durability decision.
extension Dispatcher {
    /// Executes a request: what `begin` decides, then the session's turn or the wait.
    func execute(_ request: Request, state: inout ConnectionState) async -> Outcome {
        switch self.begin(request, state: &state) {
        case .done(let outcome): return outcome
        case .session(let request, let session):
            let answer = await self.run(request, in: session)
            return .reply(answer.response, answer.token)
        case .suspending(let request):
            let answer = await self.finish(request)
            return .reply(answer.response, answer.token)
        }
    }

    /// The reply a connection sends once the change `token` names is decided: `response`, or `ERR UNAVAILABLE`
    /// when the change was lost.
    func settle(_ response: Response, _ token: CommitToken) async -> Response {
        do {
            try await self.service.durable(token)
            return response
        } catch {
            return .failure(error)
        }
    }
}
