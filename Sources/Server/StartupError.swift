import Foundation
import WAL
import Yams

#if canImport(Glibc)
import Glibc
#endif

/// Why seatd cannot start (or a subcommand cannot run): one sentence, `<what> (<path or setting>): <reason>`, which
/// `Seatd.runCommandLine` prints as `seatd: <sentence>` on standard error, with no usage text, and exits 1. ArgumentParser
/// prints its usage after a `ValidationError` (and a command line that does not parse): right for a mistyped flag,
/// noise under a setting or a path that is wrong.
struct StartupError: Error, CustomStringConvertible {
    let description: String

    init(_ sentence: String) {
        self.description = sentence
    }

    /// `<what> (<path>): <reason>`.
    init(_ what: String, path: String, reason: String) {
        self.description = "\(what) (\(path)): \(reason)"
    }

    /// A data directory that cannot be opened or recovered: `cannot mkdir (<path>): Permission denied`, or the
    /// damage with its file.
    init(opening error: WALError) {
        switch error {
        case .io(let call, let code):
            let words = call.split(separator: " ", maxSplits: 1)
            let what = words.count == 2 ? "cannot \(words[0])" : "cannot \(call)"
            self.init(what, path: words.count == 2 ? String(words[1]) : "-", reason: String(cString: strerror(code)))
        case .damaged(let file, let offset, let lsn, let reason):
            self.init(
                "the data directory is damaged", path: file,
                reason: "\(reason) at offset \(offset) (LSN \(lsn)); see seatd check in docs/operations.md")
        case .corrupt, .unavailable:
            self.init("cannot open the data directory: \(error)")
        }
    }

    /// The reason of a failed file-system or parser call, on one line and in the operating system's words
    /// (`No such file or directory`), never a Foundation error's dump.
    /// `path`, when given, is the file the failed call read: Foundation does not say that it is a directory.
    static func reason(_ error: any Error, path: String? = nil) -> String {
        var isDirectory: ObjCBool = false
        if let path, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return String(cString: strerror(EISDIR))
        }
        switch error {
        case WALError.io(let call, let code):
            return "\(String(cString: strerror(code))) (\(call))"
        case YamlError.scanner(_, let problem, let mark, _), YamlError.parser(_, let problem, let mark, _),
            YamlError.composer(_, let problem, let mark, _):
            return "line \(mark.line), column \(mark.column): \(problem)"
        default:
            break
        }
        let error = error as NSError
        let posix = [error, error.userInfo[NSUnderlyingErrorKey] as? NSError].compactMap { $0 }
            .first { $0.domain == NSPOSIXErrorDomain }
        if let posix { return String(cString: strerror(Int32(posix.code))) }
        if error.domain == NSCocoaErrorDomain, error.code == CocoaError.fileReadNoSuchFile.rawValue {
            return String(cString: strerror(ENOENT))
        }
        return "\(error.localizedDescription)".split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// Prints `seatd: <sentence>` on standard error and ends the process with status 1.
    func exit() -> Never {
        FileHandle.standardError.write(Data("seatd: \(self.description)\n".utf8))
        Foundation.exit(1)
    }
}
