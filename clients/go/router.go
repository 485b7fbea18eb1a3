package seatd

import (
	"context"
	"hash/crc32"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SlotCount is the number of cluster slots: a session's slot is crc32c(session id) mod SlotCount.
const SlotCount = 1024

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Slot is the cluster slot of a session id.
func Slot(session string) int {
	return int(crc32.Checksum([]byte(session), castagnoli) % SlotCount)
}

// router picks the node for each request. Single-node, it is the one address (or where a MOVED pointed). In
// cluster mode it keeps the slot map of CLUSTER SLOTS, updated by MOVED and read again after failures.
type router struct {
	opts    *Options
	cluster bool
	seeds   []string
	single  *node // the one node of a single-node client, routed to without a lock

	mu        sync.RWMutex
	nodes     map[string]*node
	slots     [SlotCount]string // primary address per slot; "" when unknown
	refreshed time.Time
	next      int
}

func newRouter(opts *Options, seeds []string, cluster bool) *router {
	r := &router{opts: opts, cluster: cluster, seeds: seeds, nodes: map[string]*node{}}
	if !cluster {
		r.single = r.nodeFor(seeds[0])
	}
	return r
}

func (r *router) nodeFor(addr string) *node {
	r.mu.RLock()
	n := r.nodes[addr]
	r.mu.RUnlock()
	if n != nil {
		return n
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if n = r.nodes[addr]; n == nil {
		n = newNode(addr, r.opts)
		r.nodes[addr] = n
	}
	return n
}

// route returns the node for req: target if a MOVED just named one, else the primary of its session's slot,
// else any known primary, else a seed (in turn, so a dead seed is passed over on the next attempt).
func (r *router) route(req request, target string) *node {
	if target != "" {
		return r.nodeFor(target)
	}
	if !r.cluster {
		return r.single
	}
	r.mu.RLock()
	addr := ""
	if req.hasSession {
		addr = r.slots[Slot(req.session)]
	} else {
		for _, a := range r.slots {
			if a != "" {
				addr = a
				break
			}
		}
	}
	r.mu.RUnlock()
	if addr == "" {
		r.mu.Lock()
		addr = r.seeds[r.next%len(r.seeds)]
		r.next++
		r.mu.Unlock()
	}
	return r.nodeFor(addr)
}

// moved points the slot at the address the server named, until the next CLUSTER SLOTS.
func (r *router) moved(m *MovedError) {
	if !r.cluster || m.Slot < 0 || m.Slot >= SlotCount {
		return
	}
	r.mu.Lock()
	r.slots[m.Slot] = m.Addr
	r.mu.Unlock()
}

// refresh reads CLUSTER SLOTS from the first node that answers, at most every 100 ms.
func (r *router) refresh(ctx context.Context) {
	if !r.cluster {
		return
	}
	r.mu.Lock()
	if time.Since(r.refreshed) < 100*time.Millisecond {
		r.mu.Unlock()
		return
	}
	r.refreshed = time.Now()
	addrs := append([]string(nil), r.seeds...)
	for a := range r.nodes {
		addrs = append(addrs, a)
	}
	r.mu.Unlock()
	seen := map[string]bool{}
	for _, a := range addrs {
		if seen[a] {
			continue
		}
		seen[a] = true
		if r.loadSlots(ctx, a) == nil {
			return
		}
	}
}

func (r *router) loadSlots(ctx context.Context, addr string) error {
	cn, err := r.nodeFor(addr).get(ctx)
	if err != nil {
		return err
	}
	reply, err := cn.roundTrip(ctx, []byte("CLUSTER SLOTS\n"))
	if err != nil {
		return err
	}
	ranges, err := ParseSlots(reply)
	if err != nil {
		return err
	}
	r.mu.Lock()
	for _, sr := range ranges {
		for s := sr.First; s <= sr.Last && s < SlotCount; s++ {
			r.slots[s] = sr.Addr
		}
	}
	r.mu.Unlock()
	return nil
}

// SlotRange is one item of CLUSTER SLOTS: slots First..Last belong to Shard, whose primary is at Addr ("" while
// none is known).
type SlotRange struct {
	First, Last int
	Shard       string
	Addr        string
}

// ParseSlots parses a CLUSTER SLOTS reply (`OK 0-511=s0@127.0.0.1:7001 ...`).
func ParseSlots(reply string) ([]SlotRange, error) {
	if err := ParseError(reply); err != nil {
		return nil, err
	}
	fields, err := okFields(reply)
	if err != nil {
		return nil, err
	}
	out := make([]SlotRange, 0, len(fields))
	for _, f := range fields {
		eq, at := strings.IndexByte(f, '='), strings.LastIndexByte(f, '@')
		dash := strings.IndexByte(f, '-')
		if eq < 0 || at < eq || dash < 0 || dash > eq {
			return nil, badReply(reply)
		}
		first, e1 := strconv.Atoi(f[:dash])
		last, e2 := strconv.Atoi(f[dash+1 : eq])
		if e1 != nil || e2 != nil {
			return nil, badReply(reply)
		}
		addr := f[at+1:]
		if addr == "-" {
			addr = ""
		}
		out = append(out, SlotRange{First: first, Last: last, Shard: f[eq+1 : at], Addr: addr})
	}
	return out, nil
}

func (r *router) close() {
	r.mu.Lock()
	nodes := make([]*node, 0, len(r.nodes))
	for _, n := range r.nodes {
		nodes = append(nodes, n)
	}
	r.mu.Unlock()
	for _, n := range nodes {
		n.close()
	}
}

// DialCluster connects to a cluster given some or all of its nodes' addresses: it reads CLUSTER SLOTS and sends
// each session's requests to the primary of its slot, follows MOVED, waits out TRYAGAIN and, when a connection
// drops, tries another node (docs/clients.md rule 7).
func DialCluster(ctx context.Context, addrs []string, opts Options) (*Client, error) {
	if len(addrs) == 0 {
		return nil, ErrBadArgument
	}
	c := &Client{opts: opts.withDefaults()}
	c.router = newRouter(&c.opts, addrs, true)
	var last error
	for _, a := range addrs {
		if last = c.router.loadSlots(ctx, a); last == nil {
			c.router.mu.Lock()
			c.router.refreshed = time.Now()
			c.router.mu.Unlock()
			return c, nil
		}
	}
	c.router.close()
	return nil, last
}
