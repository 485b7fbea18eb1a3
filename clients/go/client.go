package seatd

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Client. The zero value is usable: every field has a default.
type Options struct {
	// Auth is the token sent as AUTH first on every connection (rule 4); empty for none.
	Auth string
	// DialTimeout bounds connecting (default 5 s).
	DialTimeout time.Duration
	// Timeout bounds each request (default 5 s). A request without a reply by then kills its connection, so a
	// late reply is never paired with a later request (rule 3). Negative: no timeout.
	Timeout time.Duration
	// Conns is the number of connections to each node (default 1). Each one is multiplexed: any number of
	// goroutines pipeline requests on it, and requests are spread over the connections in turn.
	Conns int
	// Retries is how many times a request is sent again after a connection failure when that is safe: reads,
	// changes with a key, and requests that were never written (default 3).
	Retries int
	// ClusterWait bounds how long a request waits out ERR TRYAGAIN and follows ERR MOVED (default 10 s).
	ClusterWait time.Duration
}

func (o Options) withDefaults() Options {
	if o.DialTimeout == 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Timeout < 0 {
		o.Timeout = 0
	}
	if o.Conns <= 0 {
		o.Conns = 1
	}
	if o.Retries == 0 {
		o.Retries = 3
	}
	if o.ClusterWait == 0 {
		o.ClusterWait = 10 * time.Second
	}
	return o
}

// node is the connections to one server address, dialled on first use and again after they die.
type node struct {
	addr  string
	opts  *Options
	next  uint32
	slots []nodeSlot
}

type nodeSlot struct {
	mu sync.Mutex
	c  *conn
}

func newNode(addr string, opts *Options) *node {
	return &node{addr: addr, opts: opts, slots: make([]nodeSlot, opts.Conns)}
}

func (n *node) get(ctx context.Context) (*conn, error) {
	s := &n.slots[int(atomic.AddUint32(&n.next, 1))%len(n.slots)]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c != nil && s.c.alive() {
		return s.c, nil
	}
	c, err := dialConn(ctx, n.addr, n.opts)
	if err != nil {
		return nil, err
	}
	s.c = c
	return c, nil
}

func (n *node) close() {
	for i := range n.slots {
		s := &n.slots[i]
		s.mu.Lock()
		if s.c != nil && s.c.alive() {
			// QUIT lets the server close its side cleanly; a failure here changes nothing.
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, _ = s.c.roundTrip(ctx, []byte("QUIT\n"))
			cancel()
			s.c.close()
		}
		s.mu.Unlock()
	}
}

// Client talks to one seatd, or to a cluster (DialCluster). It is safe for concurrent use by any number of
// goroutines.
type Client struct {
	opts   Options
	router *router
	closed int32
}

// Dial connects to the seatd at addr ("host:port") and sends AUTH when opts.Auth is set. It follows ERR MOVED
// and waits out ERR TRYAGAIN should addr turn out to be a cluster node; use DialCluster to route by slot.
func Dial(ctx context.Context, addr string, opts Options) (*Client, error) {
	c := &Client{opts: opts.withDefaults()}
	c.router = newRouter(&c.opts, []string{addr}, false)
	if _, err := c.router.nodeFor(addr).get(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Close sends QUIT on every connection and closes them. Watchers have their own Close.
func (c *Client) Close() error {
	if !atomic.CompareAndSwapInt32(&c.closed, 0, 1) {
		return nil
	}
	c.router.close()
	return nil
}

// request is one command ready to send: its line, the session it names (for routing) and whether it may be sent
// again after an ambiguous failure (a read, or a change with key=; rule 5).
type request struct {
	line       []byte
	session    string
	hasSession bool
	retry      bool
}

func newRequest(args []string) (request, error) {
	n := 0
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \r\n") {
			return request{}, ErrBadArgument
		}
		n += len(a) + 1
	}
	line := make([]byte, 0, n)
	for i, a := range args {
		if i > 0 {
			line = append(line, ' ')
		}
		line = append(line, a...)
	}
	line = append(line, '\n')
	r := request{line: line}
	r.session, r.hasSession = sessionOf(args)
	r.retry = isRead(args)
	for _, a := range args[1:] {
		if strings.HasPrefix(a, "key=") {
			r.retry = true
		}
	}
	return r, nil
}

// sessionOf names the session a request is routed by, as the server computes MOVED's slot.
func sessionOf(args []string) (string, bool) {
	switch upper(args[0]) {
	case "CREATE", "DROP":
		if len(args) >= 3 && strings.EqualFold(args[1], "SESSION") {
			return args[2], true
		}
		return "", false
	case "WATCH":
		if len(args) >= 2 && args[1] != "*" {
			return args[1], true
		}
		return "", false
	case "HOLD", "ADD", "SELL", "EXTEND", "CONFIRM", "RELEASE", "CANCEL", "AVAIL", "MAP", "LIST", "HISTORY",
		"BLOCK", "UNBLOCK", "RESERVE", "UNRESERVE":
		if len(args) >= 2 {
			return args[1], true
		}
	}
	return "", false
}

func isRead(args []string) bool {
	switch upper(args[0]) {
	case "PING", "AVAIL", "MAP", "LIST", "HISTORY", "HALL", "HALLS", "SESSIONS", "STATS", "CLUSTER":
		return len(args) < 2 || !strings.EqualFold(args[1], "FAILOVER")
	}
	return false
}

// upper is strings.ToUpper without its allocation for the usual case, a verb already in capitals.
func upper(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			return strings.ToUpper(s)
		}
	}
	return s
}

// Do sends one request given as its tokens and returns the OK reply line, or the error of an ERR reply. The
// typed methods are built on it; it is the way to send what they do not cover.
func (c *Client) Do(ctx context.Context, args ...string) (string, error) {
	if len(args) == 0 {
		return "", ErrBadArgument
	}
	r, err := newRequest(args)
	if err != nil {
		return "", err
	}
	return c.exec(ctx, r)
}

// exec sends r, following MOVED and TRYAGAIN (rule 7) and sending again after a connection failure only when
// rule 5 allows it.
func (c *Client) exec(ctx context.Context, r request) (string, error) {
	if atomic.LoadInt32(&c.closed) != 0 {
		return "", ErrClosed
	}
	var clusterUntil time.Time
	failures := 0
	var target string
	for {
		n := c.router.route(r, target)
		target = ""
		reply, err := c.sendOne(ctx, n, r)
		if err == nil {
			if len(reply) >= 2 && reply[0] == 'O' && reply[1] == 'K' {
				return reply, nil
			}
			e := ParseError(reply)
			if e == nil {
				return "", &ConnError{Addr: n.addr, Written: true, Err: ErrProtocol}
			}
			var moved *MovedError
			var again *TryAgainError
			isMoved, isAgain := errors.As(e, &moved), errors.As(e, &again)
			if !isMoved && !isAgain {
				return "", e
			}
			// MOVED and TRYAGAIN are not ambiguous: nothing was carried out, so any request may go again.
			if clusterUntil.IsZero() {
				clusterUntil = time.Now().Add(c.opts.ClusterWait)
			}
			if time.Now().After(clusterUntil) {
				return "", e
			}
			if isMoved {
				c.router.moved(moved)
				target = moved.Addr
				continue
			}
			if err := sleep(ctx, time.Duration(again.Ms)*time.Millisecond); err != nil {
				return "", err
			}
			c.router.refresh(ctx)
			continue
		}
		var ce *ConnError
		if !errors.As(err, &ce) || ctx.Err() != nil {
			return "", err
		}
		failures++
		if ce.Written && !r.retry {
			return "", err
		}
		if clusterUntil.IsZero() {
			clusterUntil = time.Now().Add(c.opts.ClusterWait)
		}
		// In a cluster a node that cannot be reached may be one whose shard is failing over: keep trying
		// (another node, a new slot map) for as long as TRYAGAIN would be waited out.
		waiting := c.router.cluster && time.Now().Before(clusterUntil)
		if failures > c.opts.Retries && !waiting {
			return "", err
		}
		// A short, growing pause keeps a dead server from being hammered.
		pause := time.Duration(failures) * 50 * time.Millisecond
		if pause > 500*time.Millisecond {
			pause = 500 * time.Millisecond
		}
		if err := sleep(ctx, pause); err != nil {
			return "", err
		}
		c.router.refresh(ctx)
	}
}

func (c *Client) sendOne(ctx context.Context, n *node, r request) (string, error) {
	cn, err := n.get(ctx) // a refused AUTH comes back as its *Error, which exec does not retry
	if err != nil {
		return "", err
	}
	return cn.roundTrip(ctx, r.line)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
