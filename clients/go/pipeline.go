package seatd

import (
	"context"
	"errors"
	"sync"
)

// Reply is one reply of a Pipeline: Line is the OK line, or Err the error in its place (an *Error for an ERR
// reply, a *ConnError when the connection failed before the reply came).
type Reply struct {
	Line string
	Err  error
}

// Hold parses the reply of HOLD, ADD or EXTEND.
func (r Reply) Hold() (*Hold, error) { return holdReply(r.Line, r.Err) }

// Booking parses the reply of CONFIRM, SELL, RELEASE or CANCEL.
func (r Reply) Booking() (*Booking, error) { return bookingReply(r.Line, r.Err) }

// Avail parses the reply of AVAIL.
func (r Reply) Avail() (Avail, error) {
	if r.Err != nil {
		return Avail{}, r.Err
	}
	return parseAvail(r.Line)
}

// Fields returns the tokens after OK.
func (r Reply) Fields() ([]string, error) { return fieldsReply(r.Line, r.Err) }

// Pipeline collects requests and sends them in one round of writes (Exec); the replies come back in request
// order. A Pipeline is not safe for concurrent use; the Client under it is.
type Pipeline struct {
	c    *Client
	args [][]string
}

// Pipeline starts an empty pipeline.
func (c *Client) Pipeline() *Pipeline { return &Pipeline{c: c} }

// Do adds a request given as its tokens.
func (p *Pipeline) Do(args ...string) { p.args = append(p.args, args) }

// Len is the number of requests added since the last Exec.
func (p *Pipeline) Len() int { return len(p.args) }

func (p *Pipeline) Hold(session, customer string, r HoldRequest) {
	p.Do(r.args("HOLD", session, customer)...)
}
func (p *Pipeline) Add(session, hold string, r HoldRequest) { p.Do(r.args("ADD", session, hold)...) }
func (p *Pipeline) Sell(session, customer string, r HoldRequest) {
	p.Do(r.args("SELL", session, customer)...)
}
func (p *Pipeline) Extend(session, hold string, ttlS int, key string) {
	p.Do(extendArgs(session, hold, ttlS, key)...)
}
func (p *Pipeline) Confirm(session, hold, ref, key string) {
	p.Do(confirmArgs(session, hold, ref, key)...)
}
func (p *Pipeline) Release(session, hold string, items []string, key string) {
	p.Do(itemsArgs("RELEASE", session, hold, items, key)...)
}
func (p *Pipeline) Cancel(session, hold string, items []string, key string) {
	p.Do(itemsArgs("CANCEL", session, hold, items, key)...)
}
func (p *Pipeline) Avail(session, part string)    { p.Do(availArgs(session, part)...) }
func (p *Pipeline) Map(session string)            { p.Do("MAP", session) }
func (p *Pipeline) List(session, customer string) { p.Do("LIST", session, customer) }
func (p *Pipeline) Ping()                         { p.Do("PING") }

// Exec sends the requests and returns one Reply per request, in order, and empties the pipeline. The error is
// for the pipeline as a whole (a bad argument, a closed client); per-request failures are in the Replies. A
// request that got MOVED or TRYAGAIN, or lost its connection and may be retried (rule 5), is sent again on its
// own.
func (p *Pipeline) Exec(ctx context.Context) ([]Reply, error) {
	reqs := make([]request, len(p.args))
	for i, a := range p.args {
		if len(a) == 0 {
			return nil, ErrBadArgument
		}
		r, err := newRequest(a)
		if err != nil {
			return nil, err
		}
		reqs[i] = r
	}
	p.args = p.args[:0]
	if len(reqs) == 0 {
		return nil, nil
	}
	// Each node gets its requests in one write; single-node, that is every request.
	groups := map[*node][]int{}
	for i, r := range reqs {
		n := p.c.router.route(r, "")
		groups[n] = append(groups[n], i)
	}
	replies := make([]Reply, len(reqs))
	var wg sync.WaitGroup
	for n, idx := range groups {
		wg.Add(1)
		go func(n *node, idx []int) {
			defer wg.Done()
			p.c.sendBatch(ctx, n, reqs, idx, replies)
		}(n, idx)
	}
	wg.Wait()
	for i := range replies {
		if p.c.needsResend(replies[i].Err, reqs[i]) {
			line, err := p.c.exec(ctx, reqs[i])
			replies[i] = Reply{Line: line, Err: err}
		}
	}
	return replies, nil
}

func (c *Client) sendBatch(ctx context.Context, n *node, reqs []request, idx []int, out []Reply) {
	calls := make([]*call, len(idx))
	for j, i := range idx {
		calls[j] = &call{line: reqs[i].line, done: make(chan struct{})}
	}
	cn, err := n.get(ctx)
	if err == nil {
		err = cn.send(calls)
	}
	if err != nil {
		for _, i := range idx {
			out[i] = Reply{Err: err}
		}
		return
	}
	for j, i := range idx {
		line, err := cn.wait(ctx, calls[j])
		if err == nil {
			err = ParseError(line)
		}
		out[i] = Reply{Line: line, Err: err}
	}
}

// needsResend tells whether a pipelined request's failure is one Exec retries through exec.
func (c *Client) needsResend(err error, r request) bool {
	if err == nil {
		return false
	}
	var moved *MovedError
	var again *TryAgainError
	if errors.As(err, &moved) || errors.As(err, &again) {
		return true
	}
	var ce *ConnError
	return errors.As(err, &ce) && (!ce.Written || r.retry) && c.opts.Retries > 0
}
