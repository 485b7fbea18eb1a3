package seatd

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Watcher streams the events of a session (or of every session, "*") on a connection of its own. When the
// connection drops it reconnects, sends AUTH again and resumes with WATCH from=<last seq + 1>, so every event
// comes once, in seq order (rule 6). It stops when its context ends, on Close, or on an error it cannot resume
// from (ERR TRIMMED, NO_SUCH_SESSION, NOAUTH, ...), which Err then returns.
type Watcher struct {
	c       *Client
	session string
	events  chan Event
	ctx     context.Context
	cancel  context.CancelFunc

	mu   sync.Mutex
	nc   net.Conn
	err  error
	next int64 // the seq to resume from
}

// Watch starts a watcher. fromSeq > 0 resumes from that seq; 0 starts with the events after now (the watcher
// reads STATS last_lsn first, so that even its first reconnection knows where to resume). The first WATCH is
// sent before Watch returns, so its errors (NO_SUCH_SESSION, TRIMMED, ...) come from Watch itself.
func (c *Client) Watch(ctx context.Context, session string, fromSeq int64) (*Watcher, error) {
	ctx, cancel := context.WithCancel(ctx)
	w := &Watcher{c: c, session: session, events: make(chan Event, 256), ctx: ctx, cancel: cancel, next: fromSeq}
	r, err := w.connect()
	if err != nil {
		cancel()
		return nil, err
	}
	go w.run(r)
	go func() {
		<-w.ctx.Done()
		w.mu.Lock()
		if w.nc != nil {
			w.nc.Close()
		}
		w.mu.Unlock()
	}()
	return w, nil
}

// Events is the stream; it is closed when the watcher stops.
func (w *Watcher) Events() <-chan Event { return w.events }

// Err is why the watcher stopped: nil after Close or the end of its context.
func (w *Watcher) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Close stops the watcher.
func (w *Watcher) Close() error {
	w.cancel()
	w.mu.Lock()
	if w.nc != nil {
		w.nc.Close()
	}
	w.mu.Unlock()
	return nil
}

// connect dials the session's node, authenticates, and sends WATCH; it returns the reader positioned after OK.
func (w *Watcher) connect() (*bufio.Reader, error) {
	req, _ := newRequest([]string{"WATCH", w.session})
	var target string
	for {
		n := w.c.router.route(req, target)
		target = ""
		d := net.Dialer{Timeout: w.c.opts.DialTimeout}
		nc, err := d.DialContext(w.ctx, "tcp", n.addr)
		if err != nil {
			return nil, &ConnError{Addr: n.addr, Err: err}
		}
		w.mu.Lock()
		w.nc = nc
		w.mu.Unlock()
		if w.ctx.Err() != nil { // closed while dialling: the closer saw the previous conn
			nc.Close()
			return nil, w.ctx.Err()
		}
		r := bufio.NewReader(nc)
		err = w.handshake(nc, r)
		if err == nil {
			return r, nil
		}
		nc.Close()
		var moved *MovedError
		var again *TryAgainError
		switch {
		case errors.As(err, &moved):
			w.c.router.moved(moved)
			target = moved.Addr
		case errors.As(err, &again):
			if e := sleep(w.ctx, time.Duration(again.Ms)*time.Millisecond); e != nil {
				return nil, e
			}
			w.c.router.refresh(w.ctx)
		default:
			return nil, err
		}
	}
}

func (w *Watcher) handshake(nc net.Conn, r *bufio.Reader) error {
	ask := func(line string) (string, error) {
		if t := w.c.opts.Timeout; t > 0 {
			nc.SetDeadline(time.Now().Add(t))
		}
		if _, err := nc.Write([]byte(line + "\n")); err != nil {
			return "", &ConnError{Addr: nc.RemoteAddr().String(), Err: err}
		}
		reply, err := r.ReadString('\n')
		if err != nil {
			return "", &ConnError{Addr: nc.RemoteAddr().String(), Written: true, Err: err}
		}
		reply = strings.TrimRight(reply, "\r\n")
		if e := ParseError(reply); e != nil {
			return "", e
		}
		return reply, nil
	}
	if w.c.opts.Auth != "" {
		if _, err := ask("AUTH " + w.c.opts.Auth); err != nil {
			return err
		}
	}
	w.mu.Lock()
	next := w.next
	w.mu.Unlock()
	if next <= 0 {
		reply, err := ask("STATS")
		if err != nil {
			return err
		}
		kv, _ := parseKV(reply)
		last, err := strconv.ParseInt(kv["last_lsn"], 10, 64)
		if err != nil {
			return badReply(reply)
		}
		next = last + 1
		w.mu.Lock()
		w.next = next
		w.mu.Unlock()
	}
	if _, err := ask("WATCH " + w.session + " from=" + strconv.FormatInt(next, 10)); err != nil {
		return err
	}
	nc.SetDeadline(time.Time{}) // a quiet stream is not a dead one
	return nil
}

// run reads events until the watcher stops, reconnecting after every drop and after ERR BUSY, UNAVAILABLE or
// TRYAGAIN (the server closed the stream; it resumes the same way).
func (w *Watcher) run(r *bufio.Reader) {
	defer close(w.events)
	backoff := 50 * time.Millisecond
	for {
		err := w.read(r)
		if w.ctx.Err() != nil {
			return
		}
		if !resumable(err) {
			w.stop(err)
			return
		}
		for {
			if sleep(w.ctx, backoff) != nil {
				return
			}
			if backoff < time.Second {
				backoff *= 2
			}
			r, err = w.connect()
			if err == nil {
				backoff = 50 * time.Millisecond
				break
			}
			if w.ctx.Err() != nil {
				return
			}
			if !resumable(err) {
				w.stop(err)
				return
			}
		}
	}
}

func resumable(err error) bool {
	var ce *ConnError
	return errors.As(err, &ce) || errors.Is(err, ErrBusy) || errors.Is(err, ErrUnavailable) ||
		errors.Is(err, ErrTryAgain) || errors.Is(err, ErrMoved)
}

func (w *Watcher) read(r *bufio.Reader) error {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return &ConnError{Err: err, Written: true}
		}
		line = strings.TrimRight(line, "\r\n")
		if e := ParseError(line); e != nil {
			return e
		}
		ev, err := ParseEvent(line)
		if err != nil {
			continue // a PING's reply or a line of a later version: not an event
		}
		w.mu.Lock()
		dup := ev.Seq < w.next
		if !dup {
			w.next = ev.Seq + 1
		}
		w.mu.Unlock()
		if dup {
			continue
		}
		select {
		case w.events <- ev:
		case <-w.ctx.Done():
			return w.ctx.Err()
		}
	}
}

func (w *Watcher) stop(err error) {
	w.mu.Lock()
	w.err = err
	if w.nc != nil {
		w.nc.Close()
	}
	w.mu.Unlock()
	w.cancel()
}
