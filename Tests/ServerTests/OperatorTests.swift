import Foundation
import SeatActors
import SeatdTestSupport
import Testing

@testable import Server
@testable import Store
@testable import WAL

/// Goal: what an operator does with only the docs is safe: `check --fix` leaves a directory that starts and keeps
/// what is acknowledged after it; two servers never share a data directory; a config value of the wrong shape (or
/// an unknown key) stops seatd instead of being ignored; tokens never reach a log line; `check` never writes.
/// Method: the real binaries on temp data directories, and the config loader on temp files.
struct OperatorTests {
    /// Runs `seatd <arguments>` to its end: exit status and everything it printed.
    static func seatd(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        try runToEnd(
            SeatdProcess.defaultBinary, arguments,
            environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SEATD_") }
                .merging(environment) { $1 })
    }

    func exchange(_ port: Int, _ lines: [String]) async throws -> [String] {
        try await ProcessTests().exchange(port, lines)
    }

    /// Flips one byte in the middle of the batch that holds `lsn` (the first segment holds every batch here).
    func damage(_ data: String, atLSN lsn: LSN) throws {
        let wal = DataDirectory.walDirectory(data)
        let name = try #require(try PosixStorage().list(wal).filter { $0.hasSuffix(".wal") }.sorted().first)
        let url = URL(fileURLWithPath: wal + "/" + name)
        var bytes = [UInt8](try Data(contentsOf: url))
        var offset = Format.segmentHeaderBytes
        while case .batch(let batch, _, let size) = Batch.read(bytes, at: offset, expectedLSN: nil, previousCRC: nil) {
            if batch.firstLSN + LSN(batch.count) > lsn {
                bytes[offset + Format.batchHeaderBytes + size / 4] ^= 0x5A
                try Data(bytes).write(to: url)
                return
            }
            offset += size
        }
        Issue.record("no batch holds LSN \(lsn)")
    }

    /// Damage before or after the snapshot's LSN, `check --fix`, start, acknowledged changes, kill -9, start: every
    /// change acknowledged after the fix is there, and the directory starts again after another kill.
    @Test(arguments: [true, false])
    func aFixedDirectoryStartsAndKeepsWhatWasAcknowledgedAfterTheFix(damageBeforeSnapshot: Bool) async throws {
        let data = TemporaryDirectory.path("fix")
        defer { try? FileManager.default.removeItem(atPath: data) }
        var server = try await ProcessTests.Seatd(data: data)
        _ = try await self.exchange(server.port, ["CREATE HALL h A=50 B=50 C=50", "CREATE SESSION s h"])
        _ = try await self.exchange(server.port, (1...40).map { "HOLD s c\($0) A\($0)" })
        let snapshot = LSN(try await self.exchange(server.port, ["SNAPSHOT"])[0].dropFirst(3))!
        _ = try await self.exchange(server.port, (1...40).map { "HOLD s d\($0) B\($0)" })
        if damageBeforeSnapshot {
            #expect(server.kill(SIGTERM) == 0)  // the shutdown snapshot covers everything
            try self.damage(data, atLSN: 20)
        } else {
            _ = server.kill(SIGKILL)
            try self.damage(data, atLSN: snapshot + 20)
        }
        let (checked, report) = try Self.seatd(["check", "--data", data])
        #expect(checked != 0 && report.contains("damaged:"), "\(report)")
        let (fixed, fixReport) = try Self.seatd(["check", "--data", data, "--fix"])
        #expect(fixed == 0, "\(fixReport)")
        server = try await ProcessTests.Seatd(data: data)
        let before = try await self.exchange(server.port, ["MAP s"])[0]
        let acknowledged = try await self.exchange(
            server.port, ["CREATE SESSION t h"] + (1...10).map { "HOLD s e\($0) C\($0)" })
        #expect(acknowledged.allSatisfy { $0.hasPrefix("OK ") }, "\(acknowledged)")
        let after = try await self.exchange(server.port, ["MAP s", "AVAIL t"])
        _ = server.kill(SIGKILL)
        for _ in 0..<2 {
            server = try await ProcessTests.Seatd(data: data)
            #expect(try await self.exchange(server.port, ["MAP s", "AVAIL t"]) == after)
            _ = server.kill(SIGKILL)
        }
        #expect(before != after[0])
        let (again, againReport) = try Self.seatd(["check", "--data", data])
        #expect(again == 0, "\(againReport)")
    }

    @Test func aSecondServerOnTheSameDataDirectoryRefusesToStart() async throws {
        let data = TemporaryDirectory.path("lock")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try await ProcessTests.Seatd(data: data)
        _ = try await self.exchange(first.port, ["CREATE HALL h A=5"])
        let (status, output) = try Self.seatd(["--data", data, "--port", "0"])
        #expect(status != 0)
        #expect(output.contains("pid \(first.server.process.processIdentifier)"), "\(output)")
        let (fix, fixOutput) = try Self.seatd(["check", "--data", data, "--fix"])
        #expect(fix != 0 && fixOutput.contains("in use by pid"), "\(fixOutput)")
        let (check, checkOutput) = try Self.seatd(["check", "--data", data])
        #expect(check == 0 && checkOutput.contains("ok:"), "\(checkOutput)")
        #expect(first.kill(SIGTERM) == 0)
    }

    @Test func checkNeverWritesAndRefusesAMissingOrEmptyDirectory() throws {
        let missing = TemporaryDirectory.path("missing")
        let (status, output) = try Self.seatd(["check", "--data", missing])
        #expect(status != 0 && output.contains("no data directory"), "\(output)")
        #expect(!FileManager.default.fileExists(atPath: missing))
        let empty = TemporaryDirectory.path("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let (emptyStatus, emptyOutput) = try Self.seatd(["check", "--data", empty])
        #expect(emptyStatus != 0 && emptyOutput.contains("not a seatd data directory"), "\(emptyOutput)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty).isEmpty)
    }

    @Test func tokensNeverAppearInTheLogAtAnyLevel() async throws {
        let data = TemporaryDirectory.path("tokens")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let server = try SeatdProcess(
            binary: SeatdProcess.defaultBinary, data: data,
            environment: ["SEATD_AUTH_TOKENS": "admin:Adm1nS3cret,client:Cl1entS3cret"],
            arguments: ["--log-level", "trace"])
        let port = try await server.port()
        #expect(try await self.exchange(port, ["AUTH wrongS3cret", "AUTH Adm1nS3cret", "STATS"]).count == 3)
        #expect(server.kill(SIGTERM) == 0)
        let printed = server.printed
        #expect(printed.contains("2 tokens"))
        let settings = try #require(printed.split(separator: "\n").first { $0.contains(" configuration") })
        for key in [
            "log_level=trace", "http=off", "slow_fsync_ms=", "allow_open=false", "halls=-",
            "snapshot_every_records=", "snapshot_every_seconds=", "segment_bytes=",
        ] {
            #expect(settings.contains(key), "\(key) in \(settings)")
        }
        for secret in ["Adm1nS3cret", "Cl1entS3cret", "wrongS3cret"] { #expect(!printed.contains(secret), "\(secret)") }
        let (status, output) = try Self.seatd(
            ["--data", data, "--port", "0"], environment: ["SEATD_AUTH_TOKENS": "admin:Adm1n S3cret"])
        #expect(status != 0 && output.contains("entry 1") && !output.contains("S3cret"), "\(output)")
    }

    @Test func aPortInUseNamesTheAddressAndTheListener() async throws {
        let data = TemporaryDirectory.path("port")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try await ProcessTests.Seatd(data: data)
        let (status, output) = try Self.seatd(["--data", data + "-2", "--port", "\(first.port)"])
        defer { try? FileManager.default.removeItem(atPath: data + "-2") }
        #expect(
            status != 0 && output.contains("cannot listen on 127.0.0.1:\(first.port) for the line protocol"),
            "\(output)")
        #expect(first.kill(SIGTERM) == 0)
        let (fsync, fsyncOutput) = try Self.seatd(
            ["--data", data, "--port", "0"], environment: ["SEATD_FSYNC": "sometimes"])
        #expect(fsync != 0 && fsyncOutput.contains("SEATD_FSYNC"), "\(fsyncOutput)")
        let (level, levelOutput) = try Self.seatd(
            ["--data", data, "--port", "0"], environment: ["SEATD_LOG_LEVEL": "loud"])
        #expect(level != 0 && levelOutput.contains("SEATD_LOG_LEVEL"), "\(levelOutput)")
    }
}

/// Goal: every key of the config file that holds a value of the wrong shape, and every unknown key, stops seatd at
/// start with a message naming it; the shipped config file loads. Method: the loader on temp files.
struct ConfigShapeTests {
    static let wrong: [String] = [
        "auth:\n  tokens: \"admin:fa,client:x\"\n",
        "auth:\n  tokens:\n    admin: fa\n",
        "auth:\n  tokens:\n    - [admin, fa]\n",
        "auth: admin:fa\n",
        "halls: \"main A=3\"\n",
        "halls:\n  main: A=3\n",
        "limits: 5\n",
        "limits:\n  line_bytes: [1, 2]\n",
        "limits:\n  connection: 5\n",
        "snapshot: every\n",
        "snapshot:\n  every_records:\n    a: 1\n",
        "metrics: [1]\n",
        "metrics:\n  port:\n",
        "http:\n  port: [1]\n",
        "http:\n  max_stream: 3\n",
        "log:\n  level: [debug]\n",
        "log:\n  segment_bytes:\n    x: 1\n",
        "host: [a, b]\n",
        "port:\n  n: 1\n",
        "fsync: [always]\n",
        "data:\n  - a\n",
        "allow_open: [true]\n",
        "auht:\n  tokens: [\"admin:fa\"]\n",
        "listen: 1\n",
        "- a\n- b\n",
    ]

    func load(_ text: String) async throws -> SeatdConfig {
        let path = TemporaryDirectory.path("config") + ".yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await SeatdConfig.load(file: path, environment: [:])
    }

    @Test(arguments: ConfigShapeTests.wrong)
    func aValueOfTheWrongShapeOrAnUnknownKeyStopsSeatd(text: String) async throws {
        await #expect(throws: SeatdConfig.Invalid.self, "\(text)") { _ = try await self.load(text) }
    }

    @Test func theShippedConfigAndEmptySectionsLoad() async throws {
        let shipped = try String(contentsOfFile: "config/seatd.yaml", encoding: .utf8)
        let loaded = try await self.load(shipped)
        #expect(loaded.tokens.isEmpty)
        #expect(loaded.http == HTTPSettings(host: "127.0.0.1", port: 7080))
        let config = try await self.load(
            "auth:\n  tokens: [\"admin:fa\", \"reader:rr\"]\nhalls: [\"main A=3\"]\nlimits:\n")
        #expect(config.tokens.map(\.role) == [.admin, .reader])
        #expect(config.halls.map(\.id) == ["main"])
        #expect("\(config)".contains("redacted") && !"\(config)".contains("fa\""))
    }
}

/// Goal: a start that fails on a path or a setting says so in one line on standard error,
/// `seatd: <what> (<path or setting>): <reason>`, exits non-zero, and prints no usage text (that is for a command
/// line that does not parse). Method: the real binary with a data directory it cannot create, and bad settings
/// from a file, the environment and a flag; standard error read apart from the log on standard output.
struct StartupErrorTests {
    /// `seatd <arguments>` run to its end: exit status, standard output, standard error.
    static func seatd(
        _ arguments: [String], environment: [String: String] = [:]
    ) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SeatdProcess.defaultBinary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SEATD_") }
            .merging(environment) { $1 }
        let (output, error) = (Pipe(), Pipe())
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let errorText = error.fileHandleForReading.readDataToEndOfFile()
        let outputText = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outputText, as: UTF8.self),
            String(decoding: errorText, as: UTF8.self)
        )
    }

    /// Each case: extra arguments, the environment, the config file's text (nil: no --config), the expected line.
    static let cases: [([String], [String: String], String?, String)] = [
        (
            ["--data", "/proc/nope"], [:], nil,
            "seatd: cannot create the data directory (/proc/nope): No such file or directory"
        ),
        (
            [], [:], "fsync: sometimes\n",
            "seatd: fsync (SEATD_FSYNC): expected always, off or interval=<ms> (1..60000), got sometimes"
        ),
        ([], ["SEATD_LIMITS_CONNECTIONS": "0"], nil, "seatd: limits.connections (SEATD_LIMITS_CONNECTIONS): "),
        (
            [], [:], "limits:\n  conection: 5\n",
            "seatd: config file (CONFIG): unknown key limits.conection (known here: "
        ),
        ([], [:], "a: [\n", "seatd: the config file (CONFIG) is not YAML: line "),
        (
            ["--config", "/nonexistent/seatd.yaml"], [:], nil,
            "seatd: cannot read the config file (/nonexistent/seatd.yaml): No such file or directory"
        ),
        (["--port", "70000"], [:], nil, "seatd: --port must be 0 to 65535"),
    ]

    @Test(arguments: 0..<Self.cases.count)
    func aBadPathOrSettingIsOneLineWithoutUsage(index: Int) throws {
        let (arguments, environment, file, expected) = Self.cases[index]
        let data = TemporaryDirectory.path("start")
        let config = data + ".yaml"
        defer {
            try? FileManager.default.removeItem(atPath: data)
            try? FileManager.default.removeItem(atPath: config)
        }
        if let file { try file.write(toFile: config, atomically: true, encoding: .utf8) }
        let (status, output, error) = try Self.seatd(
            ["--data", data, "--port", "0"] + (file == nil ? [] : ["--config", config]) + arguments,
            environment: environment)
        let expectedLine = expected.replacingOccurrences(of: "CONFIG", with: config)
        #expect(status == 1, "\(output)\(error)")
        #expect(error.hasPrefix(expectedLine) && error.hasSuffix("\n"), "\(error)")
        #expect(error.split(separator: "\n", omittingEmptySubsequences: false).count == 2, "one line: \(error)")
        #expect(!(output + error).contains("Usage"), "\(output)\(error)")
    }
}
