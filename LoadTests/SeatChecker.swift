import SeatActors

/// A linearizability checker specialised to seats: given every request and reply of many concurrent clients on
/// one session, with when each was sent and when its reply arrived, it searches for one order of the operations
/// that respects real time (an operation that ended before another began comes first) in which a sequential
/// seat map explains every reply. If there is none, some reply could not have come from a correct server: a
/// lost acknowledged change, a half-applied one, a seat sold twice, a stale read.
///
/// The search is the Wing-Gong algorithm with the memo of Lowe and of Porcupine: at each step any operation that
/// began before every remaining one ended may be next; a (set of operations done, model state) pair already
/// explored is not explored again. The model state is just each piece's state (held, sold, gone): a piece is the
/// items one reply gave a hold (HOLD, SELL, each ADD), fixed by that reply; CONFIRM, RELEASE and CANCEL move every
/// piece of their hold at once, a RELEASE of items the piece it names.
struct SeatChecker {
    /// A hall's rows as MAP shows them: label and seat count (the crash loop's halls have no aisles); since 1.1
    /// also seats blocked and seats reserved for channel `box` before the run, and a GA area `pit` of that many
    /// places (0: none).
    struct Layout: Sendable {
        let rows: [(label: String, count: Int)]
        let offsets: [Int]
        let capacity: Int
        var blocked: Set<Int> = []
        var reserved: Set<Int> = []
        var places = 0

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
        /// Listed seats and `places` places of area `pit` (0: none); with `channel`, as channel `box`.
        case hold(customer: String, seats: [String], key: String, places: Int = 0, channel: Bool = false)
        case best(customer: String, count: Int, key: String, channel: Bool = false)
        /// Since 1.1: ADD of listed seats and places to a hold, RELEASE of some of its items, SELL of listed seats.
        case add(hold: String, seats: [String], places: Int, key: String)
        case releaseItems(hold: String, seats: [String], places: Int, key: String)
        case sell(customer: String, seats: [String], key: String)
        /// `key` (since 1.1), so that one sent again after a crash answers its first reply.
        case confirm(hold: String, key: String? = nil)
        case release(hold: String, key: String? = nil)
        case cancel(hold: String, key: String? = nil)
        case map

        func line(session: String) -> String {
            switch self {
            case .hold(let customer, let seats, let key, let places, let channel):
                "HOLD \(session) \(customer) \((seats + (places > 0 ? ["pit:\(places)"] : [])).joined(separator: " ")) key=\(key)"
                    + (channel ? " channel=box" : "")
            case .best(let customer, let count, let key, let channel):
                "HOLD \(session) \(customer) BEST \(count) key=\(key)" + (channel ? " channel=box" : "")
            case .add(let hold, let seats, let places, let key):
                "ADD \(session) \(hold) \(Self.items(seats, places)) key=\(key)"
            case .releaseItems(let hold, let seats, let places, let key):
                "RELEASE \(session) \(hold) \(Self.items(seats, places)) key=\(key)"
            case .sell(let customer, let seats, let key):
                "SELL \(session) \(customer) \(seats.joined(separator: " ")) key=\(key)"
            case .confirm(let hold, let key): "CONFIRM \(session) \(hold)" + (key.map { " key=\($0)" } ?? "")
            case .release(let hold, let key): "RELEASE \(session) \(hold)" + (key.map { " key=\($0)" } ?? "")
            case .cancel(let hold, let key): "CANCEL \(session) \(hold)" + (key.map { " key=\($0)" } ?? "")
            case .map: "MAP \(session)"
            }
        }

        static func items(_ seats: [String], _ places: Int) -> String {
            (seats + (places > 0 ? ["pit:\(places)"] : [])).joined(separator: " ")
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
        /// `ERR SOLD_OUT pit`: too few places.
        case areaSoldOut
        case noAdjacent
        /// An ADD's new piece of `hold` (a piece index), the hold's items after it.
        case added(piece: Int, seats: [Int], places: Int)
        /// A SELL's piece, sold at once.
        case sold(piece: Int)
        case confirmed(hold: Int, seats: [Int], places: Int)
        case released(hold: Int)
        case releasedItems(hold: Int, seats: [Int], places: Int)
        case cancelled(hold: Int, seats: [Int], places: Int)
        case notHeld
        case noSuchHold
        /// The seats' map characters and the area's free places.
        case map([UInt8], places: Int)
        case unexplained
    }

    private struct Prepared {
        var start: UInt64
        var end: UInt64
        var request: Request
        /// The hold the request names (confirm, release, cancel, add; its first piece), -1 when no reply ever named
        /// that id.
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
        var holdPlaces: [Int] = []
        /// The pieces of each hold (by its first piece), in the order their replies were read.
        var pieces: [Int: [Int]] = [:]
        /// A new hold's first piece (HOLD, SELL); nil when a hold had that id already.
        func newHold(_ id: Substring, _ seats: [Int], _ places: Int) -> Int? {
            guard holdIndex[String(id)] == nil else { return nil }
            holdIndex[String(id)] = holdSeats.count
            pieces[holdSeats.count] = [holdSeats.count]
            holdSeats.append(seats)
            holdPlaces.append(places)
            return holdSeats.count - 1
        }
        /// `ERR TAKEN <seat>...` naming seats of the hall.
        func taken(_ tokens: [Substring]) -> Outcome {
            let seats = tokens.dropFirst(2).compactMap { self.layout.index($0) }
            return seats.count == tokens.count - 2 && !seats.isEmpty ? .taken(seats) : .unexplained
        }
        /// Places of `pit` among reply tokens (`pit:3`), and whether every other token is a seat.
        func items(_ tokens: ArraySlice<Substring>) -> (seats: [Int], places: Int, whole: Bool) {
            var seats: [Int] = []
            var places = 0
            var whole = true
            for token in tokens {
                if token.hasPrefix("pit:"), let count = Int(token.dropFirst(4)) {
                    places += count
                } else if let seat = self.layout.index(token) {
                    seats.append(seat)
                } else {
                    whole = false
                }
            }
            return (seats, places, whole)
        }
        var prepared: [Prepared] = []
        for operation in operations.sorted(by: { $0.start < $1.start }) {
            let tokens = operation.reply.split(separator: " ")
            var outcome = Outcome.unexplained
            var target = -1
            switch operation.request {
            case .hold, .best:
                if tokens.first == "OK", tokens.count >= 4 {
                    let (seats, places, whole) = items(tokens.dropFirst(3))
                    guard let piece = newHold(tokens[1], seats, places) else {
                        return Finding(
                            session: session,
                            message: "hold id \(tokens[1]) was given to two holds (\(operation.reply))")
                    }
                    outcome = whole ? .held(hold: piece) : .unexplained
                } else if tokens.starts(with: ["ERR", "TAKEN"]) {
                    outcome = taken(tokens)
                } else if tokens == ["ERR", "SOLD_OUT", "pit"] {
                    outcome = .areaSoldOut
                } else if tokens.starts(with: ["ERR", "SOLD_OUT"]) {
                    outcome = .soldOut
                } else if tokens.starts(with: ["ERR", "NO_ADJACENT"]) {
                    outcome = .noAdjacent
                }
            case .map:
                if tokens.first == "OK" { outcome = self.parseMap(tokens.dropFirst()) ?? .unexplained }
            case .sell:
                if tokens.first == "OK", tokens.count >= 3 {
                    let (seats, places, whole) = items(tokens.dropFirst(2))
                    guard let piece = newHold(tokens[1], seats, places) else {
                        return Finding(
                            session: session,
                            message: "hold id \(tokens[1]) was given to two holds (\(operation.reply))")
                    }
                    outcome = whole ? .sold(piece: piece) : .unexplained
                } else if tokens.starts(with: ["ERR", "TAKEN"]) {
                    outcome = taken(tokens)
                }
            case .add(let hold, let seats, let places, _):
                target = holdIndex[hold] ?? -1
                if tokens.first == "OK", tokens.count >= 4, tokens[1] == hold, target >= 0 {
                    let (all, allPlaces, whole) = items(tokens.dropFirst(3))
                    outcome = whole ? .added(piece: holdSeats.count, seats: all, places: allPlaces) : .unexplained
                    pieces[target, default: []].append(holdSeats.count)
                    holdSeats.append(seats.compactMap { self.layout.index($0[...]) }.sorted())
                    holdPlaces.append(places)
                } else if tokens.starts(with: ["ERR", "TAKEN"]) {
                    outcome = taken(tokens)
                } else if tokens == ["ERR", "SOLD_OUT", "pit"] {
                    outcome = .areaSoldOut
                } else if tokens.starts(with: ["ERR", "NOT_HELD"]) {
                    outcome = .notHeld
                } else if tokens.starts(with: ["ERR", "NO_SUCH_HOLD"]) {
                    outcome = .noSuchHold
                }
            case .releaseItems(let hold, _, _, _):
                target = holdIndex[hold] ?? -1
                if tokens.first == "OK", tokens.count >= 3, tokens[1] == hold, target >= 0 {
                    let (seats, places, whole) = items(tokens.dropFirst(2))
                    outcome = whole ? .releasedItems(hold: target, seats: seats, places: places) : .unexplained
                } else if tokens.starts(with: ["ERR", "NOT_HELD"]) {
                    outcome = .notHeld
                } else if tokens.starts(with: ["ERR", "NO_SUCH_HOLD"]) {
                    outcome = .noSuchHold
                }
            case .confirm(let hold, _), .release(let hold, _), .cancel(let hold, _):
                target = holdIndex[hold] ?? -1
                if tokens.starts(with: ["ERR", "NOT_HELD"]) {
                    outcome = .notHeld
                } else if tokens.starts(with: ["ERR", "NO_SUCH_HOLD"]) {
                    outcome = .noSuchHold
                } else if tokens.first == "OK", tokens.count >= 2, tokens[1] == hold, target >= 0 {
                    let (seats, places, whole) = items(tokens.dropFirst(2))
                    switch operation.request {
                    case .confirm:
                        outcome = whole ? .confirmed(hold: target, seats: seats, places: places) : .unexplained
                    case .release: outcome = tokens.count == 2 ? .released(hold: target) : .unexplained
                    default: outcome = whole ? .cancelled(hold: target, seats: seats, places: places) : .unexplained
                    }
                }
            }
            if case .unexplained = outcome {
                return Finding(
                    session: session,
                    message:
                        "no correct server answers \(operation.request.line(session: session)) with \(operation.reply)")
            }
            prepared.append(
                Prepared(
                    start: operation.start, end: operation.end, request: operation.request,
                    target: target, outcome: outcome, retried: operation.retried,
                    reply: operation.reply))
        }
        // A confirm that names an id before the reply creating it was received cannot be ordered after it: the
        // search finds that itself (the hold is absent).
        return self.search(session: session, prepared, Pieces(seats: holdSeats, places: holdPlaces, ofHold: pieces))
    }

    /// The pieces of every hold, fixed by the replies.
    private struct Pieces {
        let seats: [[Int]]
        let places: [Int]
        /// The pieces of each hold, by its first piece.
        let ofHold: [Int: [Int]]

        /// The pieces of `hold` in `state`, and their seats (ascending) and places together.
        func of(_ hold: Int, in states: [UInt8], _ state: UInt8) -> (pieces: [Int], seats: [Int], places: Int) {
            let found = (self.ofHold[hold] ?? [hold]).filter { states[$0] == state }
            return (found, found.flatMap { self.seats[$0] }.sorted(), found.reduce(0) { $0 + self.places[$1] })
        }
    }

    /// The rows' characters and, with an area, its free places (`pit:<free>/<capacity>` after the rows).
    private func parseMap(_ tokens: ArraySlice<Substring>) -> Outcome? {
        guard tokens.count == self.layout.rows.count + (self.layout.places > 0 ? 1 : 0) else { return nil }
        var seats: [UInt8] = []
        for (row, token) in zip(self.layout.rows, tokens) {
            let parts = token.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0] == row.label, parts[1].utf8.count == row.count else { return nil }
            seats.append(contentsOf: parts[1].utf8)
        }
        guard self.layout.places > 0 else { return .map(seats, places: 0) }
        let area = tokens.last!
        guard area.hasPrefix("pit:"), area.hasSuffix("/\(self.layout.places)"),
            let free = Int(area.dropFirst(4).prefix { $0 != "/" })
        else { return nil }
        return .map(seats, places: free)
    }

    // MARK: The search

    /// The model: each hold's state (0 not yet made, 1 held, 2 sold, 3 gone: released or cancelled) and the hold
    /// on each seat (-1 free), changed in place and undone on backtracking. `hash` is a Zobrist hash of the hold
    /// states, kept up to date, for the memo.
    private struct State {
        var holds: [UInt8]
        var owner: [Int32]
        /// Places of the area held or sold.
        var placesTaken = 0
        var hash: (UInt64, UInt64) = (0, 0)

        /// Two independent 64-bit values for (item, value), so memo keys are 128-bit hashes.
        static func zobrist(_ item: Int, _ value: Int, salt: UInt64) -> (UInt64, UInt64) {
            var first = SplitMix64(seed: UInt64(item) &* 8 &+ UInt64(value) &+ salt)
            var second = SplitMix64(seed: ~(UInt64(item) &* 8 &+ UInt64(value)) &+ salt)
            return (first.next(), second.next())
        }

        /// Sets `hold` to `newState`, moving its seats; returns the state it had (for `undo`).
        mutating func set(_ hold: Int, to newState: UInt8, seats: [Int], places: Int) -> UInt8 {
            let old = self.holds[hold]
            let out = Self.zobrist(hold, Int(old), salt: 1)
            let into = Self.zobrist(hold, Int(newState), salt: 1)
            self.hash = (self.hash.0 ^ out.0 ^ into.0, self.hash.1 ^ out.1 ^ into.1)
            self.holds[hold] = newState
            let occupies = newState == 1 || newState == 2
            if occupies != (old == 1 || old == 2) {
                for seat in seats { self.owner[seat] = occupies ? Int32(hold) : -1 }
                self.placesTaken += occupies ? places : -places
            }
            return old
        }
    }

    /// A memo entry: 128-bit hashes of the set of operations done and of the hold states.
    private struct Memo: Hashable {
        let done: (UInt64, UInt64)
        let holds: (UInt64, UInt64)

        static func == (a: Memo, b: Memo) -> Bool {
            a.done == b.done && a.holds == b.holds
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(self.done.0)
            hasher.combine(self.holds.0)
        }
    }

    private func search(session: String, _ operations: [Prepared], _ pieces: Pieces) -> Finding? {
        let holdSeats = pieces.seats
        let holdPlaces = pieces.places
        let count = operations.count
        var done = [Bool](repeating: false, count: count)
        var doneHash: (UInt64, UInt64) = (0, 0)
        var doneCount = 0
        var state = State(
            holds: [UInt8](repeating: 0, count: holdSeats.count),
            owner: [Int32](repeating: -1, count: self.layout.capacity))
        var memo = Set<Memo>()
        // Each frame: the candidates at this point, which one is being tried, and how to undo the step that led
        // here (the hold it changed and that hold's state before).
        var stack: [(candidates: [Int], next: Int, undo: [(hold: Int, old: UInt8)])] = []
        var firstOpen = 0
        var explored = 0
        var deepest = 0
        var deepestMap = ""
        var deepestCandidates: [Int] = []

        func flip(_ index: Int) {
            done[index].toggle()
            let key = State.zobrist(index, 0, salt: 2)
            doneHash = (doneHash.0 ^ key.0, doneHash.1 ^ key.1)
        }

        func candidates() -> [Int] {
            while firstOpen < count && done[firstOpen] { firstOpen += 1 }
            var minimumEnd = UInt64.max
            var index = firstOpen
            var found: [Int] = []
            while index < count && operations[index].start <= minimumEnd {
                if !done[index] {
                    found.append(index)
                    minimumEnd = min(minimumEnd, operations[index].end)
                }
                index += 1
            }
            return found.filter { operations[$0].start <= minimumEnd }
        }

        stack.append((candidates(), 0, []))
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
                for undo in frame.undo.reversed() {
                    _ = state.set(undo.hold, to: undo.old, seats: holdSeats[undo.hold], places: holdPlaces[undo.hold])
                }
                continue
            }
            let index = frame.candidates[frame.next]
            stack[stack.count - 1].next += 1
            guard let changes = self.apply(operations[index], to: state, pieces) else { continue }
            let undo = changes.map {
                (
                    hold: $0.hold,
                    old: state.set($0.hold, to: $0.state, seats: holdSeats[$0.hold], places: holdPlaces[$0.hold])
                )
            }
            flip(index)
            guard memo.insert(Memo(done: doneHash, holds: state.hash)).inserted else {
                flip(index)
                for undo in undo.reversed() {
                    _ = state.set(undo.hold, to: undo.old, seats: holdSeats[undo.hold], places: holdPlaces[undo.hold])
                }
                continue
            }
            explored += 1
            if explored > self.budget {
                return Finding(
                    session: session,
                    message:
                        "inconclusive: gave up after \(self.budget) states (\(deepest) of \(count) operations ordered)")
            }
            doneCount += 1
            let following = candidates()
            if doneCount > deepest {
                deepest = doneCount
                deepestMap = self.map(state)
                deepestCandidates = following
            }
            stack.append((following, 0, undo))
        }
        // No order works: show where the longest explained order stopped, the model's map there and the
        // operations none of which could come next.
        let stuck = deepestCandidates.prefix(6).map { index in
            let operation = operations[index]
            return
                "  \(operation.request.line(session: session)) -> \(operation.reply) [\(operation.start)..\(operation.end)\(operation.retried ? ", sent again" : "")]"
        }
        return Finding(
            session: session,
            message: ([
                "no order of the \(count) operations explains every reply; the longest explained order has \(deepest), the model's map there is \(deepestMap), and none of these can come next:"
            ] + stuck).joined(separator: "\n"))
    }

    private func map(_ state: State) -> String {
        zip(self.layout.rows, self.layout.offsets).map { row, offset in
            "\(row.label):"
                + String(
                    (offset..<offset + row.count).map { seat -> Character in
                        let owner = state.owner[seat]
                        if owner < 0 {
                            return self.layout.blocked.contains(seat)
                                ? "b" : self.layout.reserved.contains(seat) ? "r" : "."
                        }
                        return state.holds[Int(owner)] == 2 ? "x" : "h"
                    })
        }.joined(separator: " ")
            + (self.layout.places > 0 ? " pit:\(self.layout.places - state.placesTaken)/\(self.layout.places)" : "")
    }

    /// Whether the model explains the operation's reply in `state`: nil if not; otherwise the pieces whose states
    /// the operation changes and their new states (none for an operation that changes nothing).
    private func apply(_ operation: Prepared, to state: State, _ pieces: Pieces) -> [(hold: Int, state: UInt8)]? {
        let holdSeats = pieces.seats
        let holdPlaces = pieces.places
        /// Free and open to the request: not blocked, and not reserved unless it asked as channel `box`.
        func free(_ seat: Int, channel: Bool = true) -> Bool {
            state.owner[seat] < 0 && !self.layout.blocked.contains(seat)
                && (channel || !self.layout.reserved.contains(seat))
        }
        let placesFree = self.layout.places - state.placesTaken
        let hold = operation.target
        let none: (pieces: [Int], seats: [Int], places: Int) = ([], [], 0)
        let held = hold >= 0 ? pieces.of(hold, in: state.holds, 1) : none
        let sold = hold >= 0 ? pieces.of(hold, in: state.holds, 2) : none
        /// No piece of the hold is held or sold: it never was, or it is gone.
        let gone = held.pieces.isEmpty && sold.pieces.isEmpty
        switch (operation.request, operation.outcome) {
        case (.hold(_, let seats, _, let places, let channel), .held(let hold)):
            let wanted = seats.compactMap { self.layout.index($0[...]) }.sorted()
            guard state.holds[hold] == 0, holdSeats[hold] == wanted, holdPlaces[hold] == places,
                wanted.allSatisfy({ free($0, channel: channel) }), places <= placesFree
            else { return nil }
            return [(hold, 1)]
        case (.hold(_, let seats, _, _, let channel), .taken(let taken)):
            let wanted = Set(seats.compactMap { self.layout.index($0[...]) })
            guard Set(taken) == wanted.filter({ !free($0, channel: channel) }) else { return nil }
        case (.hold(_, let seats, _, let places, let channel), .areaSoldOut):
            guard places > placesFree,
                seats.compactMap({ self.layout.index($0[...]) }).allSatisfy({ free($0, channel: channel) })
            else { return nil }
        case (.best(_, let count, _, let channel), .held(let hold)):
            let seats = holdSeats[hold]
            guard state.holds[hold] == 0, seats.count == count, holdPlaces[hold] == 0,
                seats.allSatisfy({ free($0, channel: channel) }),
                let first = seats.first, seats == Array(first..<first + count),
                self.layout.row(of: first) == self.layout.row(of: first + count - 1)
            else { return nil }
            return [(hold, 1)]
        case (.best(_, let count, _, let channel), .soldOut):
            guard (0..<self.layout.capacity).count(where: { free($0, channel: channel) }) < count else { return nil }
        case (.best(_, let count, _, let channel), .noAdjacent):
            guard (0..<self.layout.capacity).count(where: { free($0, channel: channel) }) >= count,
                self.longestFreeRun { free($0, channel: channel) } < count
            else { return nil }
        case (.sell(_, let seats, _), .sold(let piece)):
            let wanted = seats.compactMap { self.layout.index($0[...]) }.sorted()
            guard state.holds[piece] == 0, holdSeats[piece] == wanted, wanted.allSatisfy({ free($0, channel: false) })
            else { return nil }
            return [(piece, 2)]
        case (.sell(_, let seats, _), .taken(let taken)):
            let wanted = Set(seats.compactMap { self.layout.index($0[...]) })
            guard Set(taken) == wanted.filter({ !free($0, channel: false) }) else { return nil }
        case (.add, .added(let piece, let seats, let places)):
            // The hold is held; the new items are free; the reply lists the hold's items with them.
            guard state.holds[piece] == 0, !held.pieces.isEmpty, sold.pieces.isEmpty,
                holdSeats[piece].allSatisfy({ free($0, channel: false) }), holdPlaces[piece] <= placesFree,
                seats == (held.seats + holdSeats[piece]).sorted(), places == held.places + holdPlaces[piece]
            else { return nil }
            return [(piece, 1)]
        case (.add(_, let seats, _, _), .taken(let taken)):
            guard !held.pieces.isEmpty else { return nil }
            let wanted = Set(seats.compactMap { self.layout.index($0[...]) })
            guard Set(taken) == wanted.filter({ !free($0, channel: false) }) else { return nil }
        case (.add(_, let seats, let places, _), .areaSoldOut):
            guard !held.pieces.isEmpty, places > placesFree,
                seats.compactMap({ self.layout.index($0[...]) }).allSatisfy({ free($0, channel: false) })
            else { return nil }
        case (.add, .notHeld):
            guard !sold.pieces.isEmpty else { return nil }
        case (.add, .noSuchHold):
            guard gone else { return nil }
        case (.releaseItems, .releasedItems(_, let seats, let places)):
            // One held piece with exactly those items (pieces of places alone with one count are alike).
            guard let piece = held.pieces.first(where: { holdSeats[$0] == seats && holdPlaces[$0] == places }) else {
                return nil
            }
            return [(piece, 3)]
        case (.releaseItems, .notHeld):
            guard !sold.pieces.isEmpty else { return nil }
        case (.releaseItems, .noSuchHold):
            guard gone else { return nil }
        case (.confirm, .confirmed(_, let seats, let places)):
            // Every held piece is sold; a CONFIRM of a booking repeats its items.
            guard
                held.pieces.isEmpty
                    ? !sold.pieces.isEmpty && sold.seats == seats && sold.places == places
                    : sold.pieces.isEmpty && held.seats == seats && held.places == places
            else { return nil }
            return held.pieces.map { ($0, 2) }
        case (.confirm, .noSuchHold), (.release, .noSuchHold), (.cancel, .noSuchHold):
            if hold < 0 || gone { return [] }
            // A retried RELEASE or CANCEL whose first attempt did it: the effect happens here.
            switch (operation.request, operation.retried) {
            case (.release, true) where sold.pieces.isEmpty: return held.pieces.map { ($0, 3) }
            case (.cancel, true) where held.pieces.isEmpty: return sold.pieces.map { ($0, 3) }
            default: return nil
            }
        case (.release, .released):
            guard !held.pieces.isEmpty, sold.pieces.isEmpty else { return nil }
            return held.pieces.map { ($0, 3) }
        case (.release, .notHeld):
            guard hold >= 0, !sold.pieces.isEmpty else { return nil }
        case (.cancel, .cancelled(_, let seats, let places)):
            guard !sold.pieces.isEmpty, held.pieces.isEmpty, sold.seats == seats, sold.places == places else {
                return nil
            }
            return sold.pieces.map { ($0, 3) }
        case (.cancel, .notHeld):
            guard hold >= 0, !held.pieces.isEmpty else { return nil }
        case (.map, .map(let seats, let places)):
            guard places == placesFree else { return nil }
            for (seat, char) in seats.enumerated() {
                let owner = state.owner[seat]
                let expected: UInt8 =
                    owner >= 0
                    ? (state.holds[Int(owner)] == 2 ? UInt8(ascii: "x") : UInt8(ascii: "h"))
                    : self.layout.blocked.contains(seat)
                        ? UInt8(ascii: "b")
                        : self.layout.reserved.contains(seat) ? UInt8(ascii: "r") : UInt8(ascii: ".")
                if char != expected { return nil }
            }
        default:
            return nil
        }
        return []
    }

    private func longestFreeRun(_ isFree: (Int) -> Bool) -> Int {
        var longest = 0
        for (row, offset) in zip(self.layout.rows, self.layout.offsets) {
            var run = 0
            for seat in offset..<offset + row.count {
                run = isFree(seat) ? run + 1 : 0
                longest = max(longest, run)
            }
        }
        return longest
    }
}

extension SeatChecker {
    /// A whole run's history: no hold id given twice, then the checker per session. Returns the holds granted,
    /// the sessions the checker explained, and what it found.
    func check(
        history: [Operation], sessions: [String]
    ) -> (holds: Int, explained: Int, failures: [String]) {
        var failures: [String] = []
        var holds = 0
        var ids: [String: String] = [:]
        for operation in history {
            switch operation.request {
            case .hold, .best, .sell:
                let tokens = operation.reply.split(separator: " ")
                guard tokens.first == "OK", tokens.count > 1 else { continue }
                holds += 1
                let id = String(tokens[1])
                if let other = ids[id] { failures.append("hold id \(id) given twice: \(other) and \(operation.reply)") }
                ids[id] = operation.reply
            default: continue
            }
        }
        var explained = 0
        let bySession = Dictionary(grouping: history, by: \.session)
        for session in sessions {
            if let finding = self.check(session: session, bySession[session] ?? []) {
                failures.append(finding.description)
            } else {
                explained += 1
            }
        }
        return (holds, explained, failures)
    }
}
