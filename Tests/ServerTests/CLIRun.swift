import Foundation
import SeatdTestSupport

/// A child process for the `seatd cli` tests: the built `seatd cli` (or `script` around it) with its standard
/// input fed by the test and its output collected by threads of its own, so no blocking read or wait ever runs
/// on the cooperative pool.
enum CLIRun {
    /// How a run ended: its exit status and everything it printed.
    struct Outcome: CustomStringConvertible, Sendable {
        var status: Int32 = -1
        var output = ""
        var errors = ""

        var description: String { "status \(self.status)\nstdout: \(self.output)\nstderr: \(self.errors)" }
    }

    /// `seatd cli <arguments>` with `input` on standard input (then closed), to its end.
    static func cli(
        _ arguments: [String], input: String = "", environment: [String: String] = [:]
    ) async throws -> Outcome {
        try await Self.run(SeatdProcess.defaultBinary, ["cli"] + arguments, input: input, environment: environment)
    }

    /// `path <arguments>` with `input` on standard input, which is then closed; returns once it exited and its
    /// output is read to the end.
    static func run(
        _ path: String, _ arguments: [String], input: String, environment: [String: String] = [:]
    ) async throws -> Outcome {
        let running = try Running(path, arguments, environment: environment)
        return await withCheckedContinuation { continuation in
            Thread {
                running.type(input)
                running.closeInput()
                continuation.resume(returning: running.waitForExit())
            }.start()
        }
    }

    static func which(_ command: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(command)") }
    }

    /// A child still running: type into it, watch what it prints, stop it.
    final class Running: Sendable {
        let process: Process
        private let input: FileHandle
        private let collected = Shared(Outcome())
        private let readers = DispatchGroup()

        init(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws {
            signal(SIGPIPE, SIG_IGN)  // typing into a child that has exited must fail, not end the tests
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SEATD_") }
                .merging(environment) { $1 }
            let (input, output, errors) = (Pipe(), Pipe(), Pipe())
            process.standardInput = input
            process.standardOutput = output
            process.standardError = errors
            self.process = process
            self.input = input.fileHandleForWriting
            try process.run()
            self.collect(output.fileHandleForReading, errors: false)
            self.collect(errors.fileHandleForReading, errors: true)
        }

        /// Starts a thread that appends what `handle` gives to the output or the errors, until its end.
        private func collect(_ handle: FileHandle, errors: Bool) {
            let collected = self.collected
            self.readers.enter()
            let readers = self.readers
            Thread {
                while case let chunk = handle.availableData, !chunk.isEmpty {
                    let text = String(decoding: chunk, as: UTF8.self)
                    collected.withLock { outcome in
                        if errors { outcome.errors += text } else { outcome.output += text }
                    }
                }
                readers.leave()
            }.start()
        }

        /// What it printed so far.
        var printed: Outcome { self.collected.withLock { $0 } }

        func type(_ text: String) {
            try? self.input.write(contentsOf: Data(text.utf8))
        }

        func closeInput() {
            try? self.input.close()
        }

        /// Blocks until it exits and its output is read; call it on a thread of your own.
        func waitForExit() -> Outcome {
            self.process.waitUntilExit()
            self.readers.wait()
            let status = self.process.terminationStatus
            return self.collected.withLock { outcome in
                outcome.status = status
                return outcome
            }
        }

        /// Waits (polling) until standard output holds at least `count` lines; false if it did not within
        /// `seconds`.
        func lines(atLeast count: Int, within seconds: Double) async -> Bool {
            await self.printed(within: seconds) { $0.output.utf8.count { $0 == UInt8(ascii: "\n") } >= count }
        }

        /// Waits (polling) until standard output contains `text` `count` times.
        func shows(_ text: String, times count: Int = 1, within seconds: Double) async -> Bool {
            await self.printed(within: seconds) { $0.output.components(separatedBy: text).count > count }
        }

        private func printed(within seconds: Double, _ done: (Outcome) -> Bool) async -> Bool {
            let deadline = ContinuousClock.now + .seconds(seconds)
            while ContinuousClock.now < deadline {
                if done(self.printed) { return true }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return done(self.printed)
        }

        /// SIGTERM, if it still runs; does not wait.
        func stop() {
            if self.process.isRunning { kill(self.process.processIdentifier, SIGTERM) }
        }
    }
}
