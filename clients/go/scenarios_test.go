package seatd

// Scenarios 3 to 7 of clients/scenarios.md against a real seatd: a pipeline of 1,000, a keyed HOLD retried after
// a cut connection, WATCH across kill -9, AUTH and FORBIDDEN, and lines the server refuses.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

func setUpHall(t *testing.T, c *Client, session string) {
	ctx := testCtx(t)
	_, err := c.CreateHall(ctx, "h-"+session, "A=25", "B=25", "C=25", "D=25", "E=25")
	must(t, err)
	_, err = c.CreateSession(ctx, session, "h-"+session, SessionOptions{})
	must(t, err)
}

func TestPipelineOfAThousand(t *testing.T) {
	s := startServer(t)
	c := s.dial(t, Options{})
	setUpHall(t, c, "s")
	p := c.Pipeline()
	// Request i is a HOLD of seat A..E(i/2 % 125) every even i, an AVAIL every odd one: each even HOLD of a seat
	// taken before is TAKEN, and each AVAIL's held count shows where in the sequence it was answered.
	seat := func(i int) string { return fmt.Sprintf("%c%d", 'A'+(i/2%125)/25, i/2%25+1) }
	for i := 0; i < 1000; i++ {
		if i%2 == 0 {
			p.Hold("s", "ann", HoldRequest{Seats: []string{seat(i)}})
		} else {
			p.Avail("s", "")
		}
	}
	replies, err := p.Exec(testCtx(t))
	must(t, err)
	if len(replies) != 1000 {
		t.Fatalf("%d replies", len(replies))
	}
	for i, r := range replies {
		if i%2 == 0 {
			h, err := r.Hold()
			if i/2 < 125 {
				if err != nil || h.Seats[0] != seat(i) {
					t.Fatalf("reply %d: %+v %v", i, h, err)
				}
			} else if !errors.Is(err, ErrTaken) {
				t.Fatalf("reply %d: want TAKEN, got %v", i, err)
			}
			continue
		}
		a, err := r.Avail()
		want := i/2 + 1
		if want > 125 {
			want = 125
		}
		if err != nil || a.Held != want {
			t.Fatalf("reply %d: %+v %v, want held=%d", i, a, err, want)
		}
	}
}

// cutter is a proxy to seatd that, once armed, forwards the first request line containing mark, then closes
// both sides before any reply can come back: the request reached the server, its reply never reaches the client.
type cutter struct {
	addr string
	mark string
	mu   sync.Mutex
	cuts int
}

func newCutter(t *testing.T, upstream, mark string) *cutter {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	t.Cleanup(func() { l.Close() })
	x := &cutter{addr: l.Addr().String(), mark: mark}
	go func() {
		for {
			down, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", upstream)
			if err != nil {
				down.Close()
				continue
			}
			go x.pipe(down, up)
		}
	}()
	return x
}

func (x *cutter) pipe(down, up net.Conn) {
	var replies sync.WaitGroup
	replies.Add(1)
	go func() { defer replies.Done(); io.Copy(down, up) }()
	r := bufio.NewReader(down)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			break
		}
		x.mu.Lock()
		cut := x.cuts == 0 && strings.Contains(line, x.mark)
		if cut {
			x.cuts++
		}
		x.mu.Unlock()
		if cut {
			// Stop the replies first, so that only the request goes through.
			down.Close()
			up.Write([]byte(line))
			time.Sleep(300 * time.Millisecond) // the server applies it meanwhile
			break
		}
		up.Write([]byte(line))
	}
	down.Close()
	up.Close()
	replies.Wait()
}

func TestKeyedHoldRetriedAfterACutIsAppliedOnce(t *testing.T) {
	s := startServer(t)
	admin := s.dial(t, Options{})
	setUpHall(t, admin, "s")
	x := newCutter(t, s.addr, "key=order-17")
	c, err := Dial(testCtx(t), x.addr, Options{})
	must(t, err)
	defer c.Close()
	ctx := testCtx(t)

	h, err := c.Hold(ctx, "s", "bob", HoldRequest{Seats: []string{"B2", "B3"}, Key: "order-17"})
	must(t, err)
	x.mu.Lock()
	cuts := x.cuts
	x.mu.Unlock()
	if cuts != 1 {
		t.Fatalf("the proxy cut %d times", cuts)
	}
	av, err := admin.Avail(ctx, "s", "")
	must(t, err)
	if av.Held != 2 {
		t.Fatalf("held %d after the retry, want 2 (applied once)", av.Held)
	}
	list, err := admin.List(ctx, "s", "bob")
	must(t, err)
	if len(list) != 1 || list[0].ID != h.ID {
		t.Fatalf("LIST %+v, retry's reply names %s", list, h.ID)
	}

	// Without a key the same cut is raised: the change may or may not have been applied.
	y := newCutter(t, s.addr, "HOLD s cy")
	d, err := Dial(testCtx(t), y.addr, Options{})
	must(t, err)
	defer d.Close()
	_, err = d.Hold(ctx, "s", "cy", HoldRequest{Seats: []string{"C1"}})
	var ce *ConnError
	if !errors.As(err, &ce) || !ce.Written || !errors.Is(err, ErrMaybeApplied) {
		t.Fatalf("an unkeyed HOLD after a cut: want an ambiguous ConnError, got %v", err)
	}
}

func TestWatchResumesAcrossKill9(t *testing.T) {
	s := startServer(t)
	c := s.dial(t, Options{Timeout: 2 * time.Second})
	setUpHall(t, c, "s")
	ctx := testCtx(t)
	w, err := c.Watch(ctx, "s", 0)
	must(t, err)
	defer w.Close()
	hold := func(seat string) {
		t.Helper()
		_, err := c.Hold(ctx, "s", "ann", HoldRequest{Seats: []string{seat}, Key: "k-" + seat})
		must(t, err)
	}
	for _, seat := range []string{"A1", "A2", "A3"} {
		hold(seat)
	}
	got := []Event{}
	for len(got) < 3 {
		got = append(got, <-w.Events())
	}
	s.kill()
	s.start()
	for _, seat := range []string{"A4", "A5", "A6"} {
		hold(seat)
	}
	timeout := time.After(15 * time.Second)
	for len(got) < 6 {
		select {
		case e, ok := <-w.Events():
			if !ok {
				t.Fatalf("watcher stopped: %v", w.Err())
			}
			got = append(got, e)
		case <-timeout:
			t.Fatalf("only %d events after the restart", len(got))
		}
	}
	// Compare with the history read afresh.
	fresh, err := c.Watch(ctx, "s", 1)
	must(t, err)
	defer fresh.Close()
	var want []Event
	for len(want) < 6 {
		if e := <-fresh.Events(); e.Type == "held" {
			want = append(want, e)
		}
	}
	for i := range want {
		if got[i].Seq != want[i].Seq || got[i].Seats[0] != want[i].Seats[0] {
			t.Fatalf("event %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	select {
	case e := <-w.Events():
		t.Fatalf("an extra event %+v", e)
	case <-time.After(200 * time.Millisecond):
	}
}

func TestAuthAndForbidden(t *testing.T) {
	s := startServer(t, "auth:", "  tokens:", `    - "admin:adm-secret"`, `    - "client:cli-secret"`,
		`    - "reader:read-secret"`)
	ctx := testCtx(t)
	none := s.dial(t, Options{})
	err := none.Ping(ctx)
	wantCode(t, err, ErrNoAuth)
	_, err = Dial(ctx, s.addr, Options{Auth: "wrong"})
	wantCode(t, err, ErrNoAuth)
	reader := s.dial(t, Options{Auth: "read-secret"})
	_, err = reader.CreateHall(ctx, "h", "A=3")
	wantCode(t, err, ErrForbidden)
	admin := s.dial(t, Options{Auth: "adm-secret"})
	_, err = admin.CreateHall(ctx, "h", "A=3")
	must(t, err)
	_, err = admin.CreateSession(ctx, "s", "h", SessionOptions{})
	must(t, err)
	client := s.dial(t, Options{Auth: "cli-secret"})
	_, err = client.Hold(ctx, "s", "ann", HoldRequest{Seats: []string{"A1"}})
	must(t, err)
	_, err = client.Block(ctx, "s", "A2")
	wantCode(t, err, ErrForbidden)
	// AUTH is sent again on a reconnection.
	if _, err := admin.Do(ctx, "QUIT"); err != nil {
		t.Fatal(err)
	}
	_, err = admin.Block(ctx, "s", "A2")
	must(t, err)
	av, err := reader.Avail(ctx, "s", "")
	must(t, err)
	if av.Held != 1 || av.Blocked != 1 {
		t.Fatalf("AVAIL %+v", av)
	}
}

func TestLinesTheServerRefuses(t *testing.T) {
	s := startServer(t)
	c := s.dial(t, Options{})
	ctx := testCtx(t)
	// A malformed request is refused and the same connection goes on.
	p := c.Pipeline()
	p.Do("HOLD", "s", "ann", "a1")
	p.Ping()
	replies, err := p.Exec(ctx)
	must(t, err)
	wantCode(t, replies[0].Err, ErrBadRequest)
	if replies[1].Err != nil || replies[1].Line != "OK PONG" {
		t.Fatalf("after BAD_REQUEST: %+v", replies[1])
	}
	// An over-long line is refused and the server closes the connection; the next request gets a new one.
	_, err = c.Do(ctx, "HOLD", "s", "ann", strings.Repeat("A1", 3000))
	wantCode(t, err, ErrLineTooLong)
	must(t, c.Ping(ctx))
	// Arguments that would change the framing never leave the client.
	if _, err := c.Do(ctx, "PING\nQUIT"); !errors.Is(err, ErrBadArgument) {
		t.Fatalf("want ErrBadArgument, got %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := startServer(t)
	c := s.dial(t, Options{Conns: 4})
	setUpHall(t, c, "s")
	ctx := testCtx(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	held := 0
	for g := 0; g < 50; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				seat := fmt.Sprintf("%c%d", 'A'+(g+i)%5, (g*7+i)%25+1)
				h, err := c.Hold(ctx, "s", fmt.Sprintf("c%d", g), HoldRequest{Seats: []string{seat}})
				if errors.Is(err, ErrTaken) {
					continue
				}
				if err != nil || h.Seats[0] != seat {
					t.Errorf("HOLD %s: %+v %v", seat, h, err)
					return
				}
				mu.Lock()
				held++
				mu.Unlock()
			}
		}(g)
	}
	wg.Wait()
	av, err := c.Avail(ctx, "s", "")
	must(t, err)
	if av.Held != held {
		t.Fatalf("AVAIL held=%d, the holders counted %d", av.Held, held)
	}
}
