import ArgumentParser
import Foundation
import Histogram

/// `seat-load pgbench-report`: turns pgbench's per-transaction logs (and the database's own counts) into the
/// JSON summary the other targets write, so `compare` can put PostgreSQL beside them.
struct PgbenchReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgbench-report",
        abstract: "Summarize pgbench per-transaction logs (-l) as a seat-load JSON summary.",
        discussion: """
            Reads the log files pgbench -l wrote (one line per transaction: client, number, latency in us or
            'failed', script, epoch seconds, microseconds) into an HdrHistogram. Each transaction of the shipped
            scripts (LoadTests/postgres) is one request. --counts takes the database's figures, the output of
            psql -At -F' ' -f LoadTests/postgres/check.sql: oversold lost unexplained sold confirmed holds conflicts
            last_confirmed_epoch. The measured time runs from the first transaction's start to the last one's end
            (for the rush: to the last confirmation, the time to sell out).
            """)

    @Argument(help: "pgbench log files.")
    var logs: [String]
    @Option(help: "rush or steady.")
    var scenario: String
    @Option(help: "The target's name in the table.")
    var target = "postgres"
    @Option(help: "The output of check.sql (8 numbers).")
    var counts: String
    @Option(help: "Write the JSON summary here ('-' for standard output).")
    var json = "-"

    func run() throws {
        var result = LoadResult()
        var firstStartUs = Double.infinity
        var lastEndUs = 0.0
        for path in self.logs {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count >= 6, let epoch = Double(fields[4]), let micros = Double(fields[5]) else { continue }
                let endUs = epoch * 1e6 + micros
                guard let latencyUs = UInt64(fields[2]) else {
                    result.errors["FAILED", default: 0] += 1
                    continue
                }
                result.replies[RequestKind.other.rawValue] += 1
                _ = result.latencyNs.record(latencyUs * 1_000)
                firstStartUs = min(firstStartUs, endUs - Double(latencyUs))
                lastEndUs = max(lastEndUs, endUs)
            }
        }
        let counts = self.counts.split(whereSeparator: { $0 == " " || $0 == "|" }).map { Double($0) ?? 0 }
        guard counts.count == 8, firstStartUs.isFinite else {
            throw ValidationError("--counts needs the 8 figures of check.sql and the logs at least one transaction")
        }
        result.conflicts = Int(counts[6])
        var seconds = (lastEndUs - firstStartUs) / 1e6
        var extra: [String: Any] = ["parameters": ["via": "pgbench"]]
        if self.scenario == "rush" {
            seconds = counts[7] * 1e6 > firstStartUs ? (counts[7] * 1e6 - firstStartUs) / 1e6 : seconds
            extra.merge([
                "sold_out": counts[3] > 0, "time_to_sell_out_s": seconds, "holds": Int(counts[5]),
                "holds_per_second": counts[5] / seconds, "confirmed": Int(counts[4]),
                "oversold": Int(counts[0]), "lost": Int(counts[1]), "unexplained": Int(counts[2]),
                "check_passed": counts[0] == 0 && counts[1] == 0 && counts[2] == 0,
            ]) { $1 }
        }
        say(result.summary(title: "pgbench \(self.scenario) (\(String(format: "%.2f", seconds)) s)", seconds: seconds))
        let summary = result.json(scenario: self.scenario, target: self.target, seconds: seconds, extra: extra)
        if self.json == "-" {
            print(summary)
        } else {
            try summary.write(toFile: self.json, atomically: true, encoding: .utf8)
        }
    }
}

/// `seat-load compare`: one side-by-side table of JSON summaries, with ratios to seatd.
struct CompareTable: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Print JSON summaries (--json of rush, steady, pgbench-report) side by side, with ratios to seatd.",
        discussion: """
            Groups the summaries by scenario; within each, the row whose target starts with seatd:// is the
            reference: 'x ops/s' is seatd's requests/s over the row's, 'x p99' the row's p99 over seatd's (above 1:
            seatd is faster). Prints a Markdown table.
            """)

    @Argument(help: "JSON summary files.")
    var files: [String]

    func run() throws {
        var byScenario: [String: [[String: Any]]] = [:]
        var order: [String] = []
        for path in self.files {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                let scenario = object["scenario"] as? String
            else { throw ValidationError("\(path) is not a seat-load JSON summary") }
            if byScenario[scenario] == nil { order.append(scenario) }
            byScenario[scenario, default: []].append(object)
        }
        for scenario in order { print(Self.table(scenario, byScenario[scenario]!) + "\n") }
    }

    static func table(_ scenario: String, _ rows: [[String: Any]]) -> String {
        func number(_ row: [String: Any], _ key: String) -> Double? { (row[key] as? NSNumber)?.doubleValue }
        let reference = rows.first { ($0["target"] as? String)?.hasPrefix("seatd") == true }
        let rush = scenario == "rush"
        var header = ["target", "ops/s", "p50 ms", "p99 ms", "p99.9 ms", "conflicts", "errors"]
        if rush { header += ["all taken s", "sold out s", "holds/s", "oversold"] }
        header += ["x ops/s", "x p99"]
        var lines = [
            "### \(scenario)", "", "| " + header.joined(separator: " | ") + " |",
            "|" + header.map { _ in "---:" }.joined(separator: "|") + "|",
        ]
        for row in rows {
            let ops = number(row, "requests_per_second") ?? 0
            let p99 = number(row, "latency_p99_us") ?? 0
            let errors =
                (row["errors"] as? [String: Any])?.values.compactMap { ($0 as? NSNumber)?.intValue }.reduce(0, +) ?? 0
            var cells = [
                row["target"] as? String ?? "?", String(format: "%.0f", ops),
                String(format: "%.2f", (number(row, "latency_p50_us") ?? 0) / 1_000),
                String(format: "%.2f", p99 / 1_000),
                String(format: "%.2f", (number(row, "latency_p999_us") ?? 0) / 1_000),
                "\(Int(number(row, "conflicts") ?? 0))", "\(errors)",
            ]
            if rush {
                let oversold = Int(
                    (number(row, "oversold") ?? 0) + (number(row, "lost") ?? 0) + (number(row, "unexplained") ?? 0))
                let taken = number(row, "time_to_all_taken_s") ?? -1
                cells += [
                    taken < 0 ? "-" : String(format: "%.2f", taken),
                    String(format: "%.2f", number(row, "time_to_sell_out_s") ?? 0),
                    String(format: "%.0f", number(row, "holds_per_second") ?? 0),
                    row["check_passed"] == nil ? "?" : "\(oversold)",
                ]
            }
            if let reference, let seatdOps = number(reference, "requests_per_second"),
                let seatdP99 = number(reference, "latency_p99_us"), ops > 0, seatdP99 > 0
            {
                cells += [String(format: "%.2f", seatdOps / ops), String(format: "%.2f", p99 / seatdP99)]
            } else {
                cells += ["-", "-"]
            }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}
