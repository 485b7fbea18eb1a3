import SeatActors

/// The JSON the HTTP port serves (`docs/http.md`): one session's seat map (`GET /api/sessions/<id>`), and the
/// halls and sessions with their counts (`GET /api/sessions`).
enum SeatMapJSON {
    /// `{"session","hall","seq","rows","seats","areas","counts"}`: every seat in hall order with its state, its
    /// category and flags; each area's places; `seq` is the last change the map reflects.
    static func session(_ id: String, _ state: SessionState) -> String {
        let hall = state.hall
        var json = JSONText(capacity: 96 * hall.seatCount + 256)
        json.object { json in
            json.field("session", id)
            json.raw(",")
            json.field("hall", hall.id)
            json.raw(",")
            json.field("seq", state.lastLSN)
            json.raw(",\"rows\":")
            json.list(hall.rows) { json, row in
                json.object { json in
                    json.field("row", row.label)
                    json.raw(",\"ranges\":")
                    json.list(row.ranges) { json, range in json.raw("[\(range.lowerBound),\(range.upperBound)]") }
                }
            }
            json.raw(",\"seats\":")
            json.list(0..<hall.seatCount) { json, index in Self.seat(index, of: state, into: &json) }
            json.raw(",\"areas\":")
            json.list(hall.areas.indices) { json, area in Self.area(area, of: state, into: &json) }
            json.raw(",\"counts\":")
            json.object { json in Self.countFields(state.counts, into: &json) }
        }
        return json.text
    }

    /// `{"seat","state"[,"reserved"][,"category"][,"flags"]}`.
    private static func seat(_ index: Int, of state: SessionState, into json: inout JSONText) {
        let hall = state.hall
        let label = hall.label(of: index)
        json.object { json in
            json.field("seat", label.description)
            json.raw(",")
            let shown = state.seats.shown(index)
            json.field("state", shown.rawValue)
            if shown != .reserved, shown != .free, state.seats.isReserved(index) {
                json.raw(",\"reserved\":true")
            }
            if let category = hall.categories.first(where: { Self.contains($0.mask, index) }) {
                json.raw(",")
                json.field("category", category.name)
            }
            let flags = hall.flags.filter { Self.contains($0.mask, index) }
            if !flags.isEmpty {
                json.raw(",\"flags\":")
                json.list(flags) { json, flag in json.string(flag.name) }
            }
        }
    }

    /// `{"area","free","held","sold","capacity"[,"category"]}`.
    private static func area(_ area: Int, of state: SessionState, into json: inout JSONText) {
        let definition = state.hall.areas[area]
        json.object { json in
            json.field("area", definition.name)
            json.raw(",")
            json.field("free", state.placesFree(area))
            json.raw(",")
            json.field("held", state.placesHeld[area])
            json.raw(",")
            json.field("sold", state.placesSold[area])
            json.raw(",")
            json.field("capacity", definition.capacity)
            if let category = definition.category {
                json.raw(",")
                json.field("category", state.hall.categories[category].name)
            }
        }
    }

    /// `{"halls":[{"hall","seats"}],"sessions":[{"session","hall","free","held","sold","blocked","reserved"}]}`.
    static func index(halls: [Hall], sessions: [(id: String, hall: String, counts: SeatCounts)]) -> String {
        var json = JSONText()
        json.raw("{\"halls\":")
        json.list(halls) { json, hall in
            json.object { json in
                json.field("hall", hall.id)
                json.raw(",")
                json.field("seats", hall.capacity)
            }
        }
        json.raw(",\"sessions\":")
        json.list(sessions) { json, session in
            json.object { json in
                json.field("session", session.id)
                json.raw(",")
                json.field("hall", session.hall)
                json.raw(",")
                Self.countFields(session.counts, into: &json)
            }
        }
        json.raw("}")
        return json.text
    }

    private static func countFields(_ counts: SeatCounts, into json: inout JSONText) {
        json.field("free", counts.free)
        json.raw(",")
        json.field("held", counts.held)
        json.raw(",")
        json.field("sold", counts.sold)
        json.raw(",")
        json.field("blocked", counts.blocked)
        json.raw(",")
        json.field("reserved", counts.reserved)
    }

    private static func contains(_ mask: [UInt64], _ index: Int) -> Bool {
        mask[index >> 6] & (1 << UInt64(index & 63)) != 0
    }
}
