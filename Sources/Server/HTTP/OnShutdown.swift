import ServiceLifecycle

/// A service that only waits for the group's graceful shutdown and then runs `action`.
struct OnShutdown: Service {
    let action: @Sendable () -> Void

    func run() async throws {
        try? await gracefulShutdown()
        self.action()
    }
}
