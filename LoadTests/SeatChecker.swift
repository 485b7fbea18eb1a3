/// A linearizability checker specialised to seats: given every request and reply of many concurrent clients on
/// one session, with when each was sent and when its reply arrived, it searches for one order of the operations
/// that respects real time (an operation that ended before another began comes first) in which a sequential
/// seat map explains every reply. If there is none, some reply could not have come from a correct server: a
/// lost acknowledged change, a half-applied one, a seat sold twice, a stale read.
///
/// The search is the Wing-Gong algorithm with the memo of Lowe and of Porcupine: at each step any operation that
/// began before every remaining one ended may be next; a (set of operations done, model state) pair already
/// explored is not explored again. The model state is just each hold's state (held, sold, gone), since a hold's
/// seats are fixed by its reply.
struct SeatChecker {
    /// A hall's rows as MAP shows them: label and seat count (the crash loop's halls have no aisles).
    struct Layout: Sendable {
        let rows: [(label: String, count: Int)]
        let offsets: [Int]
        let capacity: Int

        init(rows: [(label: String, count: Int)]) {
            self.rows = rows
            var offsets: [Int] = []
            var total = 0
            for row in rows {
                offsets.append(total)
                total += row.count
            }
            self.offsets = offsets
            self.capacity = total
        }

        /// The dense index of a seat label such as `B12`, nil when it is not in the hall.
        func index(_ label: Substring) -> Int? {
            guard let digit = label.firstIndex(where: \.isNumber), let number = Int(label[digit...]),
                let row = self.rows.firstIndex(where: { $0.label[...] == label[..<digit] }),
                (1...self.rows[row].count).contains(number)
            else { return nil }
            return self.offsets[row] + number - 1
        }

        func label(_ index: Int) -> String {
            let row = self.offsets.lastIndex { $0 <= index }!
            return "\(self.rows[row].label)\(index - self.offsets[row] + 1)"
        }

        func row(of index: Int) -> Int { self.offsets.lastIndex { $0 <= index }! }
    }

    /// What a client asked.
    enum Request: Sendable, Equatable {
        case hold(customer: String, seats: [String], key: String)
        case best(customer: String, count: Int, key: String)
        case confirm(hold: String)
        case release(hold: String)
        case cancel(hold: String)
        case map

        func line(session: String) -> String {
            switch self {
            case .hold(let customer, let seats, let key):
                "HOLD \(session) \(customer) \(seats.joined(separator: " ")) key=\(key)"
            case .best(let customer, let count, let key): "HOLD \(session) \(customer) BEST \(count) key=\(key)"
            case .confirm(let hold): "CONFIRM \(session) \(hold)"
            case .release(let hold): "RELEASE \(session) \(hold)"
            case .cancel(let hold): "CANCEL \(session) \(hold)"
            case .map: "MAP \(session)"
            }
        }
    }

    /// One request and its reply as a client saw them; times in nanoseconds of one monotonic clock.
    struct Operation: Sendable {
        var client: Int
        var session: String
        var request: Request
        var start: UInt64
        var end: UInt64
        var reply: String
        /// The first attempt got no reply (the server was killed) and the client sent it again after the restart:
        /// the two attempts are one operation, from the first's start to the retry's reply, that took effect at
        /// most once. A retried RELEASE or CANCEL may find its hold already gone (the first attempt did it).
        var retried = false
    }

    /// Why a history has no explanation, or why the search gave up.
    struct Finding: Sendable, CustomStringConvertible {
        let session: String
        let message: String
        var description: String { "session \(self.session): \(self.message)" }
    }

    let layout: Layout
    /// States explored before giving up on a history (reported as inconclusive, not as a failure).
    var budget = 2_000_000

    // MARK: Replies, parsed once

    private enum Outcome {
        case held(hold: Int)
        case taken([Int])
        case soldOut
        case noAdjacent
        case confirmed(hold: Int, seats: [Int])
        case released(hold: Int)
        case cancelled(hold: Int, seats: [Int])
        case notHeld
        case noSuchHold
        case map([UInt8])
        case unexplained
    }

    private struct Prepared {
        var start: UInt64
        var end: UInt64
        var request: Request
        /// The hold the request names (confirm, release, cancel), -1 when no reply ever named that id.
        var target: Int
        var outcome: Outcome
        var retried: Bool
        var reply: String
    }

    /// Checks one session's operations. Returns nil when some real-time order explains every reply.
    func check(session: String, _ operations: [Operation]) -> Finding? {
        // Holds are numbered by the replies that created them; a reused id is reported here, not searched.
        var holdIndex: [String: Int] = [:]
        var holdSeats: [[Int]] = []
        var prepared: [Prepared] = []
        for operation in operations.sorted(by: { $0.start < $1.start }) {
            let tokens = operation.reply.split(separator: " ")
            var outcome = Outcome.unexplained
            var target = -1
            switch operation.request {
            case .hold, .best:
                if tokens.first == "OK", tokens.count >= 4 {
                    let seats = tokens.dropFirst(3).compactMap { self.layout.index($0) }
                    let id = String(tokens[1])
                    if holdIndex[id] != nil {
                        return Finding(session: session, message: "hold id \(id) was given to two holds (\(operation.reply))")
                    }
                    holdIndex[id] = holdSeats.count
                    outcome = seats.count == tokens.count - 3 ? .held(hold: holdSeats.count) : .unexplained
                    holdSeats.append(seats)
                } else if tokens.starts(with: ["ERR", "TAKEN"]) {
                    let seats = tokens.dropFirst(2).compactMap { self.layout.index($0) }
                    outcome = seats.count == tokens.count - 2 && !seats.isEmpty ? .taken(seats) : .unexplained
                } else if tokens.starts(with: ["ERR", "SOLD_OUT"]) {
                    outcome = .soldOut
                } else if tokens.starts(with: ["ERR", "NO_ADJACENT"]) {
                    outcome = .noAdjacent
                }
            case .map:
                if tokens.first == "OK" { outcome = self.parseMap(tokens.dropFirst()).map(Outcome.map) ?? .unexplained }
            case .confirm(let hold), .release(let hold), .cancel(let hold):
                target = holdIndex[hold] ?? -1
                if tokens.starts(with: ["ERR", "NOT_HELD"]) {
                    outcome = .notHeld
                } else if tokens.starts(with: ["ERR", "NO_SUCH_HOLD"]) {
                    outcome = .noSuchHold
                } else if tokens.first == "OK", tokens.count >= 2, tokens[1] == hold, target >= 0 {
                    let seats = tokens.dropFirst(2).compactMap { self.layout.index($0) }
                    switch operation.request {
                    case .confirm: outcome = .confirmed(hold: target, seats: seats)
                    case .release: outcome = tokens.count == 2 ? .released(hold: target) : .unexplained
                    default: outcome = .cancelled(hold: target, seats: seats)
                    }
                }
            }
            if case .unexplained = outcome {
                return Finding(session: session, message: "no correct server answers \(operation.request.line(session: session)) with \(operation.reply)")
            }
            prepared.append(Prepared(start: operation.start, end: operation.end, request: operation.request,
                                     target: target, outcome: outcome, retried: operation.retried,
                                     reply: operation.reply))
        }
        // A confirm that names an id before the reply creating it was received cannot be ordered after it: the
        // search finds that itself (the hold is absent).
        return self.search(session: session, prepared, holdSeats: holdSeats)
    }

    private func parseMap(_ rows: ArraySlice<Substring>) -> [UInt8]? {
        guard rows.count == self.layout.rows.count else { return nil }
        var seats: [UInt8] = []
        for (row, token) in zip(self.layout.rows, rows) {
            let parts = token.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0] == row.label, parts[1].utf8.count == row.count else { return nil }
            seats.append(contentsOf: parts[1].utf8)
        }
        return seats
    }

    // MARK: The search

    /// Hold states: 0 not yet made, 1 held, 2 sold, 3 gone (released or cancelled).
    private struct State: Hashable {
        var holds: [UInt8]
        /// The hold on each seat, -1 free; a function of `holds` (not part of equality).
        var owner: [Int32]

        static func == (a: State, b: State) -> Bool { a.holds == b.holds }
        func hash(into hasher: inout Hasher) { hasher.combine(self.holds) }
    }

    private struct Memo: Hashable {
        var done: [UInt64]
        var holds: [UInt8]
    }

    private func search(session: String, _ operations: [Prepared], holdSeats: [[Int]]) -> Finding? {
        let count = operations.count
        var done = [UInt64](repeating: 0, count: (count + 63) / 64)
        var doneCount = 0
        var state = State(holds: [UInt8](repeating: 0, count: holdSeats.count),
                          owner: [Int32](repeating: -1, count: self.layout.capacity))
        var memo = Set<Memo>()
        // Each frame: the state before the step, the candidates and which one is being tried.
        var stack: [(state: State, candidates: [Int], next: Int)] = []
        var firstOpen = 0
        var explored = 0
        var deepest = 0
        var deepestState = state
        var deepestCandidates: [Int] = []

        func isDone(_ index: Int) -> Bool { done[index >> 6] & (1 << UInt64(index & 63)) != 0 }
        func flip(_ index: Int) { done[index >> 6] ^= 1 << UInt64(index & 63) }

        func candidates() -> [Int] {
            while firstOpen < count && isDone(firstOpen) { firstOpen += 1 }
            var minimumEnd = UInt64.max
            var index = firstOpen
            var found: [Int] = []
            while index < count && operations[index].start <= minimumEnd {
                if !isDone(index) {
                    found.append(index)
                    minimumEnd = min(minimumEnd, operations[index].end)
                }
                index += 1
            }
            return found.filter { operations[$0].start <= minimumEnd }
        }

        stack.append((state, candidates(), 0))
        while let frame = stack.last {
            if doneCount == count { return nil }
            if frame.next == frame.candidates.count {
                // Every candidate failed from here: undo the step that led here.
                stack.removeLast()
                guard let parent = stack.last else { break }
                let undone = parent.candidates[parent.next - 1]
                flip(undone)
                doneCount -= 1
                firstOpen = min(firstOpen, undone)
                state = parent.state
                continue
            }
            let index = frame.candidates[frame.next]
            stack[stack.count - 1].next += 1
            var next = state
            guard self.apply(operations[index], to: &next, holdSeats: holdSeats) else { continue }
            flip(index)
            let memoKey = Memo(done: done, holds: next.holds)
            guard memo.insert(memoKey).inserted else {
                flip(index)
                continue
            }
            explored += 1
            if explored > self.budget {
                return Finding(session: session, message: "inconclusive: gave up after \(self.budget) states (\(deepest) of \(count) operations ordered)")
            }
            doneCount += 1
            state = next
            let following = candidates()
            if doneCount > deepest {
                deepest = doneCount
                deepestState = state
                deepestCandidates = following
            }
            stack.append((state, following, 0))
        }
        // No order works: show where the longest explained order stopped, the model's map there and the
        // operations none of which could come next.
        let stuck = deepestCandidates.prefix(6).map { index in
            let operation = operations[index]
            return "  \(operation.request.line(session: session)) -> \(operation.reply) [\(operation.start)..\(operation.end)\(operation.retried ? ", sent again" : "")]"
        }
        let map = self.map(deepestState)
        return Finding(session: session, message: (["no order of the \(count) operations explains every reply; the longest explained order has \(deepest), the model's map there is \(map), and none of these can come next:"] + stuck).joined(separator: "\n"))
    }

    private func map(_ state: State) -> String {
        zip(self.layout.rows, self.layout.offsets).map { row, offset in
            "\(row.label):" + String((offset..<offset + row.count).map { seat -> Character in
                let owner = state.owner[seat]
                return owner < 0 ? "." : state.holds[Int(owner)] == 2 ? "x" : "h"
            })
        }.joined(separator: " ")
    }

    /// Applies one operation to the model if its reply is what the model would answer.
    private func apply(_ operation: Prepared, to state: inout State, holdSeats: [[Int]]) -> Bool {
        func free(_ seat: Int) -> Bool { state.owner[seat] < 0 }
        func take(_ hold: Int, _ newState: UInt8) {
            state.holds[hold] = newState
            for seat in holdSeats[hold] { state.owner[seat] = newState == 3 ? -1 : Int32(hold) }
        }
        switch (operation.request, operation.outcome) {
        case (.hold(_, let seats, _), .held(let hold)):
            let wanted = seats.compactMap { self.layout.index($0[...]) }.sorted()
            guard state.holds[hold] == 0, holdSeats[hold] == wanted, wanted.allSatisfy(free) else { return false }
            take(hold, 1)
        case (.hold(_, let seats, _), .taken(let taken)):
            let wanted = Set(seats.compactMap { self.layout.index($0[...]) })
            guard Set(taken) == wanted.filter({ !free($0) }) else { return false }
        case (.best(_, let count, _), .held(let hold)):
            let seats = holdSeats[hold]
            guard state.holds[hold] == 0, seats.count == count, seats.allSatisfy(free),
                let first = seats.first, seats == Array(first..<first + count),
                self.layout.row(of: first) == self.layout.row(of: first + count - 1)
            else { return false }
            take(hold, 1)
        case (.best(_, let count, _), .soldOut):
            guard state.owner.count(where: { $0 < 0 }) < count else { return false }
        case (.best(_, let count, _), .noAdjacent):
            guard state.owner.count(where: { $0 < 0 }) >= count, self.longestFreeRun(state.owner) < count else {
                return false
            }
        case (.confirm, .confirmed(let hold, let seats)):
            guard state.holds[hold] == 1 || state.holds[hold] == 2, seats == holdSeats[hold] else { return false }
            take(hold, 2)
        case (.confirm, .noSuchHold), (.release, .noSuchHold), (.cancel, .noSuchHold):
            let hold = operation.target
            if hold < 0 || state.holds[hold] == 3 { return true }
            // A retried RELEASE or CANCEL whose first attempt did it: the effect happens here.
            switch (operation.request, state.holds[hold], operation.retried) {
            case (.release, 1, true): take(hold, 3)
            case (.cancel, 2, true): take(hold, 3)
            default: return false
            }
        case (.release, .released(let hold)):
            guard state.holds[hold] == 1 else { return false }
            take(hold, 3)
        case (.release, .notHeld):
            guard operation.target >= 0, state.holds[operation.target] == 2 else { return false }
        case (.cancel, .cancelled(let hold, let seats)):
            guard state.holds[hold] == 2, seats == holdSeats[hold] else { return false }
            take(hold, 3)
        case (.cancel, .notHeld):
            guard operation.target >= 0, state.holds[operation.target] == 1 else { return false }
        case (.map, .map(let seats)):
            for (seat, char) in seats.enumerated() {
                let owner = state.owner[seat]
                let expected: UInt8 = owner < 0 ? UInt8(ascii: ".") : state.holds[Int(owner)] == 2 ? UInt8(ascii: "x") : UInt8(ascii: "h")
                if char != expected { return false }
            }
        default:
            return false
        }
        return true
    }

    private func longestFreeRun(_ owner: [Int32]) -> Int {
        var longest = 0
        for (row, offset) in zip(self.layout.rows, self.layout.offsets) {
            var run = 0
            for seat in offset..<offset + row.count {
                run = owner[seat] < 0 ? run + 1 : 0
                longest = max(longest, run)
            }
        }
        return longest
    }
}
