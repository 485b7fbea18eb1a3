package seatd

import (
	"context"
	"strconv"
)

// HoldRequest says what HOLD, ADD or SELL takes: listed Seats and Places, or Best / Any n seats, with options.
// Empty fields are left out of the request.
type HoldRequest struct {
	Seats  []string
	Places []Place
	Best   int // BEST n: n adjacent seats
	Any    int // ANY n: the n best seats, not necessarily adjacent
	TTL    int // seconds; 0 for the session's default (HOLD only)
	// Key makes the change safe to retry: the server answers a repeat with the first reply (rule 5).
	Key      string
	Cat      string
	Flag     string
	Channel  string
	Orphans  string // "avoid" or "allow"
	Fallback string // "split"
	Ref      string // SELL only
	// Options are further `name=value` tokens, sent as given.
	Options []string
}

func (r HoldRequest) args(head ...string) []string {
	a := make([]string, 0, len(head)+len(r.Seats)+len(r.Places)+4)
	a = append(a, head...)
	a = append(a, r.Seats...)
	for _, p := range r.Places {
		a = append(a, p.String())
	}
	if r.Best > 0 {
		a = append(a, "BEST", strconv.Itoa(r.Best))
	}
	if r.Any > 0 {
		a = append(a, "ANY", strconv.Itoa(r.Any))
	}
	a = opt(a, "ttl", r.TTL)
	a = optS(a, "cat", r.Cat)
	a = optS(a, "flag", r.Flag)
	a = optS(a, "channel", r.Channel)
	a = optS(a, "orphans", r.Orphans)
	a = optS(a, "fallback", r.Fallback)
	a = optS(a, "ref", r.Ref)
	a = append(a, r.Options...)
	return optS(a, "key", r.Key)
}

func opt(a []string, name string, v int) []string {
	if v == 0 {
		return a
	}
	return append(a, name+"="+strconv.Itoa(v))
}

func optS(a []string, name, v string) []string {
	if v == "" {
		return a
	}
	return append(a, name+"="+v)
}

// SessionOptions are CREATE SESSION's options; zero fields take the server's defaults.
type SessionOptions struct {
	TTL, MaxTTL, Limit, Grace, KeyTTL int
	OrphansAvoid                      bool
}

func (o SessionOptions) args(session, hall string) []string {
	a := []string{"CREATE", "SESSION", session, hall}
	a = opt(a, "ttl", o.TTL)
	a = opt(a, "maxttl", o.MaxTTL)
	a = opt(a, "limit", o.Limit)
	if o.OrphansAvoid {
		a = append(a, "orphans=avoid")
	}
	a = opt(a, "grace", o.Grace)
	return opt(a, "keyttl", o.KeyTTL)
}

func confirmArgs(session, hold, ref, key string) []string {
	return optS(optS([]string{"CONFIRM", session, hold}, "ref", ref), "key", key)
}

func itemsArgs(verb, session, hold string, items []string, key string) []string {
	return optS(append([]string{verb, session, hold}, items...), "key", key)
}

func extendArgs(session, hold string, ttlS int, key string) []string {
	return optS([]string{"EXTEND", session, hold, strconv.Itoa(ttlS)}, "key", key)
}

func availArgs(session, part string) []string {
	if part == "" {
		return []string{"AVAIL", session}
	}
	return []string{"AVAIL", session, part}
}

// Hold holds seats or places for a customer, all or nothing. ERR TAKEN is a *TakenError naming every seat.
func (c *Client) Hold(ctx context.Context, session, customer string, r HoldRequest) (*Hold, error) {
	return holdReply(c.Do(ctx, r.args("HOLD", session, customer)...))
}

// Add adds items to a live hold; the reply lists every item of the hold.
func (c *Client) Add(ctx context.Context, session, hold string, r HoldRequest) (*Hold, error) {
	return holdReply(c.Do(ctx, r.args("ADD", session, hold)...))
}

// Sell holds and confirms in one change.
func (c *Client) Sell(ctx context.Context, session, customer string, r HoldRequest) (*Booking, error) {
	return bookingReply(c.Do(ctx, r.args("SELL", session, customer)...))
}

// Extend sets a hold's expiry to now + ttlS seconds. The Hold has no items.
func (c *Client) Extend(ctx context.Context, session, hold string, ttlS int, key string) (*Hold, error) {
	return holdReply(c.Do(ctx, extendArgs(session, hold, ttlS, key)...))
}

// Confirm turns a hold into a booking; ref and key may be empty.
func (c *Client) Confirm(ctx context.Context, session, hold, ref, key string) (*Booking, error) {
	return bookingReply(c.Do(ctx, confirmArgs(session, hold, ref, key)...))
}

// Release gives back a whole hold (no items) or the listed items of it.
func (c *Client) Release(ctx context.Context, session, hold string, items []string, key string) (*Booking, error) {
	return bookingReply(c.Do(ctx, itemsArgs("RELEASE", session, hold, items, key)...))
}

// Cancel refunds a whole booking (no items) or the listed items of it.
func (c *Client) Cancel(ctx context.Context, session, hold string, items []string, key string) (*Booking, error) {
	return bookingReply(c.Do(ctx, itemsArgs("CANCEL", session, hold, items, key)...))
}

// Avail counts a session's seats and places; part is "", "cat=<c>", "flag=<f>" or an area.
func (c *Client) Avail(ctx context.Context, session, part string) (Avail, error) {
	reply, err := c.Do(ctx, availArgs(session, part)...)
	if err != nil {
		return Avail{}, err
	}
	return parseAvail(reply)
}

// Map returns the state of every seat and area of a session.
func (c *Client) Map(ctx context.Context, session string) (*SeatMap, error) {
	reply, err := c.Do(ctx, "MAP", session)
	if err != nil {
		return nil, err
	}
	return parseMap(reply)
}

// List returns a customer's live holds and bookings, oldest first.
func (c *Client) List(ctx context.Context, session, customer string) ([]ListItem, error) {
	reply, err := c.Do(ctx, "LIST", session, customer)
	if err != nil {
		return nil, err
	}
	return parseList(reply)
}

// History returns the retained events of a hold, oldest first.
func (c *Client) History(ctx context.Context, session, hold string) ([]HoldEvent, error) {
	reply, err := c.Do(ctx, "HISTORY", session, hold)
	if err != nil {
		return nil, err
	}
	return parseHoldHistory(reply)
}

// SeatHistory returns the retained events that touched a seat (or an area's places), oldest first.
func (c *Client) SeatHistory(ctx context.Context, session, seat string) ([]SeatEvent, error) {
	reply, err := c.Do(ctx, "HISTORY", session, "seat="+seat)
	if err != nil {
		return nil, err
	}
	return parseSeatHistory(reply)
}

// CreateHall creates a hall from row specs and ga:/cat:/flag: parts and returns its capacity.
func (c *Client) CreateHall(ctx context.Context, hall string, parts ...string) (int, error) {
	reply, err := c.Do(ctx, append([]string{"CREATE", "HALL", hall}, parts...)...)
	if err != nil {
		return 0, err
	}
	return parseCount(reply)
}

// CreateSession creates a session of a hall and returns its capacity.
func (c *Client) CreateSession(ctx context.Context, session, hall string, o SessionOptions) (int, error) {
	reply, err := c.Do(ctx, o.args(session, hall)...)
	if err != nil {
		return 0, err
	}
	return parseCount(reply)
}

// DropSession drops a session with its holds, bookings and history.
func (c *Client) DropSession(ctx context.Context, session string) error {
	_, err := c.Do(ctx, "DROP", "SESSION", session)
	return err
}

// Hall returns a hall's normalised parts, as CREATE HALL takes them.
func (c *Client) Hall(ctx context.Context, hall string) ([]string, error) {
	return fieldsReply(c.Do(ctx, "HALL", hall))
}

// Halls returns every hall, sorted.
func (c *Client) Halls(ctx context.Context) ([]string, error) { return fieldsReply(c.Do(ctx, "HALLS")) }

// Sessions returns the live sessions of a hall, or of all halls when hall is "", sorted.
func (c *Client) Sessions(ctx context.Context, hall string) ([]string, error) {
	if hall == "" {
		return fieldsReply(c.Do(ctx, "SESSIONS"))
	}
	return fieldsReply(c.Do(ctx, "SESSIONS", hall))
}

// Block makes free seats unsellable; it returns the seats.
func (c *Client) Block(ctx context.Context, session string, seats ...string) ([]string, error) {
	return seatsReply(c.Do(ctx, append([]string{"BLOCK", session}, seats...)...))
}

// Unblock makes blocked seats sellable again.
func (c *Client) Unblock(ctx context.Context, session string, seats ...string) ([]string, error) {
	return seatsReply(c.Do(ctx, append([]string{"UNBLOCK", session}, seats...)...))
}

// Reserve sets free seats aside for a channel.
func (c *Client) Reserve(ctx context.Context, session, channel string, seats ...string) ([]string, error) {
	return seatsReply(c.Do(ctx, append([]string{"RESERVE", session, channel}, seats...)...))
}

// Unreserve returns reserved seats to everyone.
func (c *Client) Unreserve(ctx context.Context, session string, seats ...string) ([]string, error) {
	return seatsReply(c.Do(ctx, append([]string{"UNRESERVE", session}, seats...)...))
}

// Stats returns the server's counters (halls, sessions, holds_live, last_lsn, ...).
func (c *Client) Stats(ctx context.Context) (map[string]int64, error) {
	reply, err := c.Do(ctx, "STATS")
	if err != nil {
		return nil, err
	}
	kv, err := parseKV(reply)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(kv))
	for k, v := range kv {
		n, _ := strconv.ParseInt(v, 10, 64)
		out[k] = n
	}
	return out, nil
}

// Snapshot writes a snapshot now and returns the last LSN it covers.
func (c *Client) Snapshot(ctx context.Context) (int64, error) {
	f, err := fieldsReply(c.Do(ctx, "SNAPSHOT"))
	if err != nil {
		return 0, err
	}
	if len(f) != 1 {
		return 0, badReply("OK")
	}
	return strconv.ParseInt(f[0], 10, 64)
}

// Ping checks the connection.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.Do(ctx, "PING")
	return err
}

// ClusterSlots returns the cluster's slot map.
func (c *Client) ClusterSlots(ctx context.Context) ([]SlotRange, error) {
	reply, err := c.Do(ctx, "CLUSTER", "SLOTS")
	if err != nil {
		return nil, err
	}
	return ParseSlots(reply)
}

// ClusterInfo returns CLUSTER INFO's fields (node, shard, role, epoch, ...).
func (c *Client) ClusterInfo(ctx context.Context) (map[string]string, error) {
	reply, err := c.Do(ctx, "CLUSTER", "INFO")
	if err != nil {
		return nil, err
	}
	return parseKV(reply)
}

func holdReply(reply string, err error) (*Hold, error) {
	if err != nil {
		return nil, err
	}
	return parseHold(reply)
}

func bookingReply(reply string, err error) (*Booking, error) {
	if err != nil {
		return nil, err
	}
	return parseBooking(reply)
}

func fieldsReply(reply string, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	return okFields(reply)
}

// seatsReply parses `OK <session> <seat>...` and returns the seats.
func seatsReply(reply string, err error) ([]string, error) {
	f, err := fieldsReply(reply, err)
	if err != nil {
		return nil, err
	}
	if len(f) < 1 {
		return nil, badReply(reply)
	}
	return f[1:], nil
}
