package seatd

import (
	"bufio"
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// call is one request in flight on a conn: its line, and the reply (or error) once done is closed.
type call struct {
	line     []byte
	deadline time.Time
	reply    string
	err      error
	done     chan struct{}
}

// conn is one multiplexed connection. Any number of goroutines send on it at once: each request is appended to
// the output buffer and to the FIFO of pending calls under one lock, so the FIFO is in write order and the reader
// pairs each reply line with the head of the FIFO (rule 1). A flusher goroutine writes whatever accumulated while
// its last write was in progress, so concurrent callers share syscalls (pipelining without asking for it).
type conn struct {
	addr    string
	nc      net.Conn
	timeout time.Duration

	mu       sync.Mutex
	out      []byte  // requests not yet handed to the socket
	spare    []byte  // the flusher's previous buffer, reused
	pending  []*call // sent or buffered, not yet answered, oldest first
	err      error   // why the conn died; nil while it lives
	quitting int32   // set once QUIT is queued: the server closes after its reply, so nothing may follow it

	wake chan struct{} // the flusher's doorbell (capacity 1)
	dead chan struct{} // closed when the conn dies
}

func dialConn(ctx context.Context, addr string, opts *Options) (*conn, error) {
	d := net.Dialer{Timeout: opts.DialTimeout, KeepAlive: 30 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &ConnError{Addr: addr, Err: err}
	}
	c := &conn{addr: addr, nc: nc, timeout: opts.Timeout, wake: make(chan struct{}, 1), dead: make(chan struct{})}
	go c.readLoop()
	go c.flushLoop()
	if opts.Timeout > 0 {
		go c.watchdog()
	}
	// AUTH goes first on every connection, reconnections included (rule 4).
	if opts.Auth != "" {
		reply, err := c.roundTrip(ctx, []byte("AUTH "+opts.Auth+"\n"))
		if err == nil {
			err = ParseError(reply)
		}
		if err != nil {
			c.kill(err)
			return nil, err
		}
	}
	return c, nil
}

func (c *conn) alive() bool {
	if atomic.LoadInt32(&c.quitting) != 0 {
		return false
	}
	select {
	case <-c.dead:
		return false
	default:
		return true
	}
}

// send queues calls as one contiguous run of lines (a pipeline is one round of writes).
func (c *conn) send(calls []*call) error {
	var deadline time.Time
	if c.timeout > 0 {
		deadline = time.Now().Add(c.timeout)
	}
	c.mu.Lock()
	if c.err != nil || atomic.LoadInt32(&c.quitting) != 0 {
		err := c.err
		if err == nil {
			err = errQuitting
		}
		c.mu.Unlock()
		return &ConnError{Addr: c.addr, Err: err}
	}
	for i, k := range calls {
		k.deadline = deadline
		c.out = append(c.out, k.line...)
		c.pending = append(c.pending, k)
		if isQuit(k.line) {
			// The server reads nothing after QUIT: what follows it is never sent.
			atomic.StoreInt32(&c.quitting, 1)
			for _, rest := range calls[i+1:] {
				rest.err = &ConnError{Addr: c.addr, Err: errQuitting}
				close(rest.done)
			}
			break
		}
	}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default: // the flusher is already due to run
	}
	return nil
}

// wait waits for one call. A caller that gives up (its context ends) kills the conn, so that its late reply is
// never paired with a later request (rule 3).
func (c *conn) wait(ctx context.Context, k *call) (string, error) {
	if ctx.Done() == nil { // a context that never ends: the watchdog alone bounds the wait
		<-k.done
		return k.reply, k.err
	}
	select {
	case <-k.done:
		return k.reply, k.err
	case <-ctx.Done():
		c.kill(ctx.Err())
		<-k.done
		return "", &ConnError{Addr: c.addr, Written: true, Err: ctx.Err()}
	}
}

func (c *conn) roundTrip(ctx context.Context, line []byte) (string, error) {
	k := &call{line: line, done: make(chan struct{})}
	if err := c.send([]*call{k}); err != nil {
		return "", err
	}
	return c.wait(ctx, k)
}

func (c *conn) flushLoop() {
	for {
		select {
		case <-c.wake:
		case <-c.dead:
			return
		}
		// The flusher is woken by the first request of a burst. Yielding while the buffer still grows lets the
		// goroutines that the same read of replies woke append theirs, so one write carries them all; a lone
		// request (no pipelining) waits one yield.
		for n, i := -1, 0; i < 8; i++ {
			c.mu.Lock()
			size := len(c.out)
			c.mu.Unlock()
			if size == n {
				break
			}
			n = size
			runtime.Gosched()
		}
		c.mu.Lock()
		buf := c.out
		if len(buf) == 0 {
			c.mu.Unlock()
			continue
		}
		c.out, c.spare = c.spare[:0], nil // two buffers: callers fill one while the other is written
		c.mu.Unlock()
		if _, err := c.nc.Write(buf); err != nil {
			c.kill(err)
			return
		}
		c.mu.Lock()
		c.spare = buf
		c.mu.Unlock()
	}
}

func (c *conn) readLoop() {
	r := bufio.NewReaderSize(c.nc, 64*1024)
	for {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			err = errors.New("reply line too long")
		}
		if err != nil {
			c.kill(err)
			return
		}
		reply := strings.TrimRight(string(line), "\r\n")
		c.mu.Lock()
		if len(c.pending) == 0 {
			c.mu.Unlock()
			c.kill(ErrProtocol)
			return
		}
		k := c.pending[0]
		c.pending[0] = nil
		c.pending = c.pending[1:]
		c.mu.Unlock()
		k.reply = reply
		close(k.done)
	}
}

// watchdog kills the conn once its oldest unanswered request is older than the timeout: the FIFO's head is the
// oldest, so one look per tick suffices, and no request needs a timer of its own.
func (c *conn) watchdog() {
	tick := c.timeout / 10
	if tick < 10*time.Millisecond {
		tick = 10 * time.Millisecond
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-c.dead:
			return
		case now := <-t.C:
			c.mu.Lock()
			late := len(c.pending) > 0 && now.After(c.pending[0].deadline)
			c.mu.Unlock()
			if late {
				c.kill(ErrTimeout)
				return
			}
		}
	}
}

// kill closes the conn once and fails every unanswered call as written: any of them may have reached the server.
func (c *conn) kill(cause error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = cause
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	close(c.dead)
	c.nc.Close()
	for _, k := range pending {
		k.err = &ConnError{Addr: c.addr, Written: true, Err: cause}
		close(k.done)
	}
}

func (c *conn) close() { c.kill(ErrClosed) }

var errQuitting = errors.New("connection closing after QUIT")

func isQuit(line []byte) bool {
	return len(line) == 5 && strings.EqualFold(string(line[:4]), "QUIT")
}
