import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the TLS certificates on SIGHUP: new connections get the new ones, open connections keep theirs. A
/// reload that fails is logged and changes nothing. The signal is trapped before the service group starts (the
/// default action of SIGHUP ends the process).
struct TLSReloader: Service {
    let store: TLSContextStore
    let signals: UnixSignalsSequence
    let logger: Logger

    func run() async throws {
        for await _ in self.signals.cancelOnGracefulShutdown() {
            do {
                try self.store.reload()
                self.logger.notice(
                    "reloaded the TLS certificates", metadata: ["cert": "\(self.store.settings.certPath)"])
            } catch {
                self.logger.error("TLS certificates not reloaded, the previous ones stay in use: \(error)")
            }
        }
    }
}
