package seatd

// Scenarios 1 and 2 of clients/scenarios.md against a real seatd: every command with its reply parsed into this
// package's types, and every error code a client can get raised as its own error.

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEveryCommand(t *testing.T) {
	s := startServer(t)
	c := s.dial(t, Options{})
	ctx := testCtx(t)

	must(t, c.Ping(ctx))
	reply, err := c.Do(ctx, "AUTH", "anything")
	if err != nil || reply != "OK admin" {
		t.Fatalf("AUTH with auth off: %q %v", reply, err)
	}
	capacity, err := c.CreateHall(ctx, "prem", "A=8", "B=8", "C=1-4,6-9", "cat:vip=B2-B7", "flag:wheelchair=C1,C9",
		"ga:pit=40", "cat:standing=pit")
	must(t, err)
	if capacity != 64 {
		t.Fatalf("capacity %d", capacity)
	}
	parts, err := c.Hall(ctx, "prem")
	must(t, err)
	want := []string{"A=8", "B=8", "C=1-4,6-9", "ga:pit=40", "cat:vip=B2-B7", "cat:standing=pit", "flag:wheelchair=C1,C9"}
	if !reflect.DeepEqual(parts, want) {
		t.Fatalf("HALL %v", parts)
	}
	halls, err := c.Halls(ctx)
	must(t, err)
	if !reflect.DeepEqual(halls, []string{"prem"}) {
		t.Fatalf("HALLS %v", halls)
	}
	_, err = c.CreateSession(ctx, "gala", "prem", SessionOptions{TTL: 600, MaxTTL: 7200, Limit: 60, Grace: 10,
		KeyTTL: 3600, OrphansAvoid: true})
	must(t, err)
	_, err = c.CreateSession(ctx, "tmp", "prem", SessionOptions{})
	must(t, err)
	sessions, err := c.Sessions(ctx, "prem")
	must(t, err)
	if !reflect.DeepEqual(sessions, []string{"gala", "tmp"}) {
		t.Fatalf("SESSIONS %v", sessions)
	}
	must(t, c.DropSession(ctx, "tmp"))
	if sessions, _ = c.Sessions(ctx, ""); !reflect.DeepEqual(sessions, []string{"gala"}) {
		t.Fatalf("SESSIONS after DROP %v", sessions)
	}

	seats, err := c.Block(ctx, "gala", "A1", "A2")
	must(t, err)
	if !reflect.DeepEqual(seats, []string{"A1", "A2"}) {
		t.Fatalf("BLOCK %v", seats)
	}
	_, err = c.Reserve(ctx, "gala", "press", "B1", "B8")
	must(t, err)

	h, err := c.Hold(ctx, "gala", "ann", HoldRequest{Best: 4, Cat: "vip", TTL: 300, Key: "k-ann"})
	must(t, err)
	if !reflect.DeepEqual(h.Seats, []string{"B3", "B4", "B5", "B6"}) || h.ExpiresMs == 0 || h.ID == "" {
		t.Fatalf("HOLD BEST %+v", h)
	}
	again, err := c.Hold(ctx, "gala", "ann", HoldRequest{Best: 4, Cat: "vip", TTL: 300, Key: "k-ann"})
	must(t, err)
	if !reflect.DeepEqual(again, h) {
		t.Fatalf("a repeated key gave %+v, want %+v", again, h)
	}
	anyHold, err := c.Hold(ctx, "gala", "cy", HoldRequest{Any: 1, Flag: "wheelchair"})
	must(t, err)
	if !reflect.DeepEqual(anyHold.Seats, []string{"C1"}) {
		t.Fatalf("HOLD ANY %+v", anyHold)
	}
	press, err := c.Hold(ctx, "gala", "dee", HoldRequest{Seats: []string{"B1"}, Channel: "press"})
	must(t, err)
	fay, err := c.Hold(ctx, "gala", "fay", HoldRequest{Seats: []string{"C6"}, Places: []Place{{"pit", 4}}})
	must(t, err)
	if !reflect.DeepEqual(fay.Places, []Place{{"pit", 4}}) || !reflect.DeepEqual(fay.Seats, []string{"C6"}) {
		t.Fatalf("HOLD with places %+v", fay)
	}
	added, err := c.Add(ctx, "gala", fay.ID, HoldRequest{Seats: []string{"C7"}, Places: []Place{{"pit", 1}}, Key: "k-add"})
	must(t, err)
	if !reflect.DeepEqual(added.Seats, []string{"C6", "C7"}) || added.Places[0].N != 5 || added.ExpiresMs != fay.ExpiresMs {
		t.Fatalf("ADD %+v", added)
	}
	ext, err := c.Extend(ctx, "gala", fay.ID, 900, "k-ext")
	must(t, err)
	if ext.ID != fay.ID || ext.ExpiresMs <= fay.ExpiresMs {
		t.Fatalf("EXTEND %+v", ext)
	}
	part, err := c.Release(ctx, "gala", fay.ID, []string{"C7"}, "")
	must(t, err)
	if !reflect.DeepEqual(part.Seats, []string{"C7"}) {
		t.Fatalf("partial RELEASE %+v", part)
	}
	conf, err := c.Confirm(ctx, "gala", fay.ID, "pay-1", "k-pay")
	must(t, err)
	if !reflect.DeepEqual(conf.Seats, []string{"C6"}) || conf.Places[0] != (Place{"pit", 5}) {
		t.Fatalf("CONFIRM %+v", conf)
	}
	canc, err := c.Cancel(ctx, "gala", fay.ID, []string{"pit:1"}, "")
	must(t, err)
	if canc.Places[0] != (Place{"pit", 1}) {
		t.Fatalf("partial CANCEL %+v", canc)
	}
	whole, err := c.Release(ctx, "gala", press.ID, nil, "")
	must(t, err)
	if whole.ID != press.ID || len(whole.Seats) != 0 {
		t.Fatalf("RELEASE %+v", whole)
	}
	sold, err := c.Sell(ctx, "gala", "box", HoldRequest{Seats: []string{"A8"}, Ref: "cash-1", Key: "till-1"})
	must(t, err)
	if !reflect.DeepEqual(sold.Seats, []string{"A8"}) {
		t.Fatalf("SELL %+v", sold)
	}
	cancWhole, err := c.Cancel(ctx, "gala", sold.ID, nil, "")
	must(t, err)
	if !reflect.DeepEqual(cancWhole.Seats, []string{"A8"}) {
		t.Fatalf("CANCEL %+v", cancWhole)
	}

	av, err := c.Avail(ctx, "gala", "")
	must(t, err)
	// ann 4 + cy 1 held; fay C6 + pit:4 sold; A1 A2 blocked; B8 reserved (B1 back to press after the release).
	if av != (Avail{Free: 64 - 5 - 5 - 2 - 2, Held: 5, Sold: 5, Blocked: 2, Reserved: 2}) {
		t.Fatalf("AVAIL %+v", av)
	}
	pit, err := c.Avail(ctx, "gala", "pit")
	must(t, err)
	if pit.Free != 36 || pit.Sold != 4 {
		t.Fatalf("AVAIL pit %+v", pit)
	}
	vip, err := c.Avail(ctx, "gala", "cat=vip")
	must(t, err)
	if vip.Held != 4 {
		t.Fatalf("AVAIL cat=vip %+v", vip)
	}
	m, err := c.Map(ctx, "gala")
	must(t, err)
	if len(m.Rows) != 3 || m.Rows[0].States != "bb......" || m.Rows[1].States != "r.hhhh.r" ||
		m.Areas[0] != (AreaCount{"pit", 36, 40}) {
		t.Fatalf("MAP %+v", m)
	}
	list, err := c.List(ctx, "gala", "ann")
	must(t, err)
	if len(list) != 1 || list[0].ID != h.ID || list[0].State != "held" || len(list[0].Seats) != 4 {
		t.Fatalf("LIST %+v", list)
	}
	hist, err := c.History(ctx, "gala", fay.ID)
	must(t, err)
	types := []string{}
	for _, e := range hist {
		types = append(types, e.Type)
	}
	if strings.Join(types, ",") != "held,added,extended,released,confirmed,cancelled" {
		t.Fatalf("HISTORY of a hold %+v", hist)
	}
	seatHist, err := c.SeatHistory(ctx, "gala", "A1")
	must(t, err)
	if len(seatHist) != 1 || seatHist[0].Type != "blocked" || seatHist[0].Hold != "-" {
		t.Fatalf("HISTORY of a seat %+v", seatHist)
	}
	_, err = c.Unblock(ctx, "gala", "A1", "A2")
	must(t, err)
	_, err = c.Unreserve(ctx, "gala", "B1", "B8")
	must(t, err)
	stats, err := c.Stats(ctx)
	must(t, err)
	if stats["sessions"] != 1 || stats["last_lsn"] == 0 {
		t.Fatalf("STATS %v", stats)
	}
	lsn, err := c.Snapshot(ctx)
	must(t, err)
	if lsn < stats["last_lsn"] {
		t.Fatalf("SNAPSHOT %d < last_lsn %d", lsn, stats["last_lsn"])
	}
	// WATCH from=1 replays the history; QUIT is what Close sends.
	w, err := c.Watch(ctx, "gala", 1)
	must(t, err)
	first := <-w.Events()
	if first.Type != "blocked" || first.Session != "gala" || !reflect.DeepEqual(first.Seats, []string{"A1", "A2"}) {
		t.Fatalf("first event %+v", first)
	}
	w.Close()
	if reply, err := c.Do(ctx, "QUIT"); err != nil || reply != "OK BYE" {
		t.Fatalf("QUIT %q %v", reply, err)
	}
	must(t, c.Ping(ctx)) // the client dials again after the server closed the connection
}

func TestEveryErrorCode(t *testing.T) {
	s := startServer(t)
	c := s.dial(t, Options{})
	ctx := testCtx(t)
	_, err := c.CreateHall(ctx, "h", "A=6", "B=1-3,5-7", "ga:pit=4")
	must(t, err)
	_, err = c.CreateSession(ctx, "s", "h", SessionOptions{Limit: 8})
	must(t, err)

	_, err = c.Do(ctx, "HOLD", "s")
	wantCode(t, err, ErrBadRequest)
	_, err = c.Do(ctx, "BOGUS")
	wantCode(t, err, ErrUnknownCommand)
	_, err = c.CreateHall(ctx, "h", "A=1")
	wantCode(t, err, ErrExists)
	_, err = c.CreateSession(ctx, "s2", "nohall", SessionOptions{})
	wantCode(t, err, ErrNoSuchHall)
	_, err = c.Avail(ctx, "nosession", "")
	wantCode(t, err, ErrNoSuchSession)
	_, err = c.Hold(ctx, "s", "ann", HoldRequest{Seats: []string{"A9"}})
	wantCode(t, err, ErrNoSuchSeat)
	_, err = c.Confirm(ctx, "s", "nohold", "", "")
	wantCode(t, err, ErrNoSuchHold)
	h, err := c.Hold(ctx, "s", "ann", HoldRequest{Seats: []string{"A1", "A2"}, TTL: 1})
	must(t, err)
	_, err = c.Hold(ctx, "s", "bob", HoldRequest{Seats: []string{"A2", "A3", "A1"}})
	var taken *TakenError
	if !errors.As(err, &taken) || !reflect.DeepEqual(taken.Seats, []string{"A1", "A2"}) {
		t.Fatalf("TAKEN: %v", err)
	}
	var base *Error
	if !errors.As(err, &base) || base.Code != "TAKEN" || !errors.Is(err, ErrTaken) {
		t.Fatalf("TAKEN as *Error: %v", err)
	}
	_, err = c.Hold(ctx, "s", "bob", HoldRequest{Places: []Place{{"pit", 5}}})
	wantCode(t, err, ErrSoldOut)
	_, err = c.Hold(ctx, "s", "bob", HoldRequest{Best: 4, Fallback: ""}) // B has no block of 4, A has A3-A6
	must(t, err)
	_, err = c.Hold(ctx, "s", "cy", HoldRequest{Best: 4})
	wantCode(t, err, ErrNoAdjacent)
	_, err = c.Hold(ctx, "s", "bob", HoldRequest{Seats: []string{"B1", "B2", "B3", "B5", "B6"}})
	wantCode(t, err, ErrLimit)
	sold, err := c.Sell(ctx, "s", "dee", HoldRequest{Seats: []string{"B7"}})
	must(t, err)
	_, err = c.Release(ctx, "s", sold.ID, nil, "")
	wantCode(t, err, ErrNotHeld)
	// h's ttl was 1 s; the server lapses it within 1 s after that.
	time.Sleep(2200 * time.Millisecond)
	_, err = c.Extend(ctx, "s", h.ID, 60, "")
	wantCode(t, err, ErrExpired)
	// TRIMMED: from= before the oldest retained event is only possible once history is trimmed; with the
	// default retention the server never trims here, so it is shown on a seatd with events.retain_per_session
	// set low in TestTrimmed.

	// LINE_TOO_LONG closes the connection; the next request goes on a new one.
	_, err = c.Do(ctx, "PING", strings.Repeat("x", 5000))
	wantCode(t, err, ErrLineTooLong)
	must(t, c.Ping(ctx))
}

func TestParseErrorsWithoutAServer(t *testing.T) {
	var moved *MovedError
	if err := ParseError("ERR MOVED 77 127.0.0.1:7003"); !errors.As(err, &moved) || moved.Slot != 77 ||
		moved.Addr != "127.0.0.1:7003" || !errors.Is(err, ErrMoved) {
		t.Fatalf("MOVED: %#v", err)
	}
	var again *TryAgainError
	if err := ParseError("ERR TRYAGAIN 100"); !errors.As(err, &again) || again.Ms != 100 || !errors.Is(err, ErrTryAgain) {
		t.Fatalf("TRYAGAIN: %#v", err)
	}
	if err := ParseError("ERR BUSY too many connections"); !errors.Is(err, ErrBusy) || errors.Is(err, ErrUnavailable) {
		t.Fatalf("BUSY: %v", err)
	}
	var base *Error
	if err := ParseError("ERR UNAVAILABLE log failed: disk full"); !errors.As(err, &base) || base.Code != "UNAVAILABLE" ||
		base.Message != "log failed: disk full" {
		t.Fatalf("UNAVAILABLE: %#v", err)
	}
	var trimmed *TrimmedError
	if err := ParseError("ERR TRIMMED 42"); !errors.As(err, &trimmed) || trimmed.Seq != 42 {
		t.Fatalf("TRIMMED: %#v", err)
	}
	if ParseError("OK PONG") != nil {
		t.Fatal("OK is no error")
	}
	if Slot("123456789") != 0xE3069283%1024 || Slot("") != 0 { // the CRC-32C check value
		t.Fatal("slot")
	}
	ranges, err := ParseSlots("OK 0-340=s1@127.0.0.1:7001 341-681=s2@- 682-1023=s3@127.0.0.1:7005")
	must(t, err)
	if len(ranges) != 3 || ranges[1].Addr != "" || ranges[2].First != 682 || ranges[0].Shard != "s1" {
		t.Fatalf("slots %+v", ranges)
	}
}

func TestTrimmed(t *testing.T) {
	s := startServer(t, "events:", "  retain_per_session: 2")
	c := s.dial(t, Options{})
	ctx := testCtx(t)
	_, err := c.CreateHall(ctx, "h", "A=6")
	must(t, err)
	_, err = c.CreateSession(ctx, "s", "h", SessionOptions{})
	must(t, err)
	for _, seat := range []string{"A1", "A2", "A3", "A4"} {
		_, err = c.Hold(ctx, "s", "ann", HoldRequest{Seats: []string{seat}})
		must(t, err)
	}
	_, err = c.Watch(ctx, "s", 1)
	var trimmed *TrimmedError
	if !errors.As(err, &trimmed) || !errors.Is(err, ErrTrimmed) || trimmed.Seq <= 1 {
		t.Fatalf("want TRIMMED, got %v", err)
	}
}
