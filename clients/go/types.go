package seatd

import (
	"fmt"
	"strconv"
	"strings"
)

// Place is a number of general-admission places of one area (`pit:4`).
type Place struct {
	Area string
	N    int
}

func (p Place) String() string { return p.Area + ":" + strconv.Itoa(p.N) }

// Hold is the reply to HOLD, ADD and EXTEND (EXTEND's has no items).
type Hold struct {
	ID        string
	ExpiresMs int64
	Seats     []string
	Places    []Place
}

// Booking is the reply to CONFIRM, SELL, CANCEL and RELEASE: the hold and the items the change concerned.
type Booking struct {
	ID     string
	Seats  []string
	Places []Place
}

// Avail is the reply to AVAIL. Blocked and Reserved are 0 until the session has any.
type Avail struct {
	Free, Held, Sold, Blocked, Reserved int
}

// SeatMap is the reply to MAP: one string per row (`.` free, `h` held, `x` sold, `b` blocked, `r` reserved),
// then the areas.
type SeatMap struct {
	Rows  []MapRow
	Areas []AreaCount
}

// MapRow is one row of a MAP.
type MapRow struct {
	Row    string
	States string
}

// AreaCount is one area of a MAP: its free places of its capacity.
type AreaCount struct {
	Area           string
	Free, Capacity int
}

// ListItem is one item of LIST: a live hold (State "held") or a booking ("sold").
type ListItem struct {
	ID     string
	State  string
	Seats  []string
	Places []Place
}

// HoldEvent is one item of HISTORY of a hold.
type HoldEvent struct {
	Seq    int64
	Type   string
	Seats  []string
	Places []Place
}

// SeatEvent is one item of HISTORY of a seat: Hold is "-" for the admin kinds (blocked, reserved...).
type SeatEvent struct {
	Seq      int64
	Type     string
	Hold     string
	Customer string
}

// Event is one EVENT line of a WATCH. Hold is "-" and Customer the channel (or "-") for blocked, unblocked,
// reserved and unreserved.
type Event struct {
	Seq      int64
	Type     string
	Session  string
	Hold     string
	Customer string
	Seats    []string
	Places   []Place
}

// ErrBadReply is the cause of an error for an OK reply of an unexpected form.
type ErrBadReply struct{ Line string }

func (e *ErrBadReply) Error() string { return fmt.Sprintf("seatd: unexpected reply %q", e.Line) }

func badReply(line string) error { return &ErrBadReply{Line: line} }

// okFields returns the tokens after OK.
func okFields(reply string) ([]string, error) {
	if reply == "OK" {
		return nil, nil
	}
	if !strings.HasPrefix(reply, "OK ") {
		return nil, badReply(reply)
	}
	return strings.Fields(reply[3:]), nil
}

// splitItems separates seats from places (`pit:4`): a place is the only item with a colon.
func splitItems(items []string) ([]string, []Place) {
	var seats []string
	var places []Place
	for _, it := range items {
		if i := strings.IndexByte(it, ':'); i >= 0 {
			n, _ := strconv.Atoi(it[i+1:])
			places = append(places, Place{Area: it[:i], N: n})
		} else {
			seats = append(seats, it)
		}
	}
	return seats, places
}

func parseHold(reply string) (*Hold, error) {
	f, err := okFields(reply)
	if err != nil || len(f) < 2 {
		return nil, badReply(reply)
	}
	ms, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return nil, badReply(reply)
	}
	h := &Hold{ID: f[0], ExpiresMs: ms}
	h.Seats, h.Places = splitItems(f[2:])
	return h, nil
}

func parseBooking(reply string) (*Booking, error) {
	f, err := okFields(reply)
	if err != nil || len(f) < 1 {
		return nil, badReply(reply)
	}
	b := &Booking{ID: f[0]}
	b.Seats, b.Places = splitItems(f[1:])
	return b, nil
}

func parseAvail(reply string) (Avail, error) {
	var a Avail
	f, err := okFields(reply)
	if err != nil {
		return a, err
	}
	for _, kv := range f {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil {
			return a, badReply(reply)
		}
		switch k {
		case "free":
			a.Free = n
		case "held":
			a.Held = n
		case "sold":
			a.Sold = n
		case "blocked":
			a.Blocked = n
		case "reserved":
			a.Reserved = n
		}
	}
	return a, nil
}

func parseMap(reply string) (*SeatMap, error) {
	f, err := okFields(reply)
	if err != nil {
		return nil, err
	}
	m := &SeatMap{}
	for _, tok := range f {
		name, states, ok := strings.Cut(tok, ":")
		if !ok {
			return nil, badReply(reply)
		}
		if free, capacity, isArea := strings.Cut(states, "/"); isArea {
			fr, e1 := strconv.Atoi(free)
			ca, e2 := strconv.Atoi(capacity)
			if e1 != nil || e2 != nil {
				return nil, badReply(reply)
			}
			m.Areas = append(m.Areas, AreaCount{Area: name, Free: fr, Capacity: ca})
		} else {
			m.Rows = append(m.Rows, MapRow{Row: name, States: states})
		}
	}
	return m, nil
}

func parseList(reply string) ([]ListItem, error) {
	f, err := okFields(reply)
	if err != nil {
		return nil, err
	}
	out := make([]ListItem, 0, len(f))
	for _, tok := range f {
		parts := strings.SplitN(tok, ":", 3)
		if len(parts) != 3 {
			return nil, badReply(reply)
		}
		it := ListItem{ID: parts[0], State: parts[1]}
		it.Seats, it.Places = splitItems(strings.Split(parts[2], ","))
		out = append(out, it)
	}
	return out, nil
}

func parseHoldHistory(reply string) ([]HoldEvent, error) {
	f, err := okFields(reply)
	if err != nil {
		return nil, err
	}
	out := make([]HoldEvent, 0, len(f))
	for _, tok := range f {
		parts := strings.SplitN(tok, ":", 3)
		if len(parts) != 3 {
			return nil, badReply(reply)
		}
		seq, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil {
			return nil, badReply(reply)
		}
		e := HoldEvent{Seq: seq, Type: parts[1]}
		e.Seats, e.Places = splitItems(strings.Split(parts[2], ","))
		out = append(out, e)
	}
	return out, nil
}

func parseSeatHistory(reply string) ([]SeatEvent, error) {
	f, err := okFields(reply)
	if err != nil {
		return nil, err
	}
	out := make([]SeatEvent, 0, len(f))
	for _, tok := range f {
		parts := strings.Split(tok, ":")
		if len(parts) != 4 {
			return nil, badReply(reply)
		}
		seq, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil {
			return nil, badReply(reply)
		}
		out = append(out, SeatEvent{Seq: seq, Type: parts[1], Hold: parts[2], Customer: parts[3]})
	}
	return out, nil
}

// ParseEvent parses an `EVENT <seq> <type> <session> <hold> <customer> <item>...` line.
func ParseEvent(line string) (Event, error) {
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "EVENT" {
		return Event{}, badReply(line)
	}
	seq, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return Event{}, badReply(line)
	}
	e := Event{Seq: seq, Type: f[2], Session: f[3], Hold: f[4], Customer: f[5]}
	e.Seats, e.Places = splitItems(f[6:])
	return e, nil
}

// parseCount parses `OK <id> <n>` (CREATE HALL, CREATE SESSION) and returns n.
func parseCount(reply string) (int, error) {
	f, err := okFields(reply)
	if err != nil || len(f) != 2 {
		return 0, badReply(reply)
	}
	n, err := strconv.Atoi(f[1])
	if err != nil {
		return 0, badReply(reply)
	}
	return n, nil
}

func parseKV(reply string) (map[string]string, error) {
	f, err := okFields(reply)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(f))
	for _, kv := range f {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m, nil
}
