import Foundation

/// The real `seatd` binary run as a child process on a data directory and port 0, for the process tests, the crash
/// loop and the fault runs: started, killed with any signal, started again. Its output is kept (the last 64 KiB)
/// for reports.
public final class SeatdProcess: Sendable {
    public let process: Process
    private let output = Shared("")

    /// seatd did not start listening: it exited first, or took too long; with what it printed.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The `seatd` next to this executable (`.build/<config>/seatd` for `.build/<config>/seat-load` and for the
    /// test bundle).
    public static var defaultBinary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("seatd").path
    }

    /// Launches seatd; `port()` or `listening(within:)` then waits for it to listen.
    public init(binary: String, data: String, environment: [String: String] = [:], arguments: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--data", data, "--port", "0"] + arguments
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SEATD_") }
        // A minute to AUTH instead of 5 s: a test starved by its neighbours on a loaded machine must not lose its
        // connection to the deadline (AdmissionTests tests the deadline itself). `environment` may say otherwise.
        merged["SEATD_LIMITS_AUTH_TIMEOUT_MS"] = "60000"
        merged.merge(environment) { $1 }
        process.environment = merged
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        self.process = process
        let output = self.output
        let reader = pipe.fileHandleForReading
        try process.run()
        // A thread of its own reads the output until EOF (the process ended). Not `readabilityHandler`: its
        // dispatch source crashed libdispatch's manager thread (`_dispatch_event_loop_drain`) in two of about ten
        // parallel test runs on this machine.
        Thread.detachNewThread {
            while case let chunk = reader.availableData, !chunk.isEmpty {
                output.withLock { text in
                    text += String(decoding: chunk, as: UTF8.self)
                    if text.utf8.count > 1 << 16 { text = String(text.suffix(1 << 15)) }
                }
            }
        }
    }

    /// What seatd printed (the last 64 KiB at most).
    public var printed: String { self.output.withLock { $0 } }

    public var isRunning: Bool { self.process.isRunning }

    /// Waits until seatd listens and returns its port, or nil if it exited first (a failpoint during recovery).
    /// Throws when it neither listens nor exits within `seconds`.
    public func listening(within seconds: Double = 120) async throws -> Int? {
        try await self.listening(on: "] listening", within: seconds)
    }

    /// The HTTP port (`--http-port 0` picks one; the log's `http listening` line names it), once it listens.
    public func httpPort(within seconds: Double = 120) async throws -> Int {
        guard let port = try await self.listening(on: "] http listening", within: seconds) else {
            throw Failure(description: "seatd exited before its HTTP port opened; it printed:\n\(self.printed)")
        }
        return port
    }

    /// The port of the first log line ending in `suffix` (the line port's `[Server] listening`, the HTTP port's
    /// `http listening`), or nil if seatd exited first.
    private func listening(on suffix: String, within seconds: Double) async throws -> Int? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let text = self.printed
            if let line = text.split(separator: "\n").first(where: { $0.hasSuffix(suffix) }),
                let range = line.range(of: #"port=\d+"#, options: .regularExpression),
                let port = Int(line[range].dropFirst(5))
            {
                return port
            }
            if !self.process.isRunning { return nil }
            try await Task.sleep(for: .milliseconds(10))
        }
        self.kill(SIGKILL)
        throw Failure(description: "seatd did not listen within \(Int(seconds)) s; it printed:\n\(self.printed)")
    }

    /// The port seatd listens on; throws, with what it printed, if it exited instead.
    public func port() async throws -> Int {
        guard let port = try await self.listening() else {
            let status = self.process.terminationStatus
            throw Failure(description: "seatd exited while starting (status \(status)); it printed:\n\(self.printed)")
        }
        return port
    }

    /// Sends `signal` and waits for the process to end; returns its exit status (or the signal that ended it).
    @discardableResult
    public func kill(_ signal: Int32) -> Int32 {
        if self.process.isRunning { Foundation.kill(self.process.processIdentifier, signal) }
        self.process.waitUntilExit()
        return self.process.terminationStatus
    }

    /// Sends `signal` (SIGSTOP, SIGCONT) without waiting for anything.
    public func signal(_ signal: Int32) {
        if self.process.isRunning { Foundation.kill(self.process.processIdentifier, signal) }
    }

    /// Waits up to `seconds` for the process to end by itself; true if it did.
    public func exited(within seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while self.process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        return !self.process.isRunning
    }
}
