// Command seatd-bench is `seat-load steady`'s workload driven through the Go client: C connections, each with D
// flows in flight (D goroutines sharing the connection, which pipelines them), each flow looping HOLD k random
// seats of a random session, then RELEASE (or, with probability -confirm, CONFIRM then CANCEL). It reports the
// successful replies per second of the measured window; TAKEN, SOLD_OUT and NO_ADJACENT are counted apart as
// conflicts and are not work, every other error apart as errors.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"seatd"
)

// counts is one flow's tally, padded so that flows on different cores do not share a cache line.
type counts struct {
	ok, conflicts, errors int64
	_                     [40]byte
}

type config struct {
	addr, auth                   string
	connections, depth, sessions int
	rows, seatsPerRow, k         int
	seconds, warmup, confirm     float64
	seed                         int64
	json                         bool
}

func main() {
	var cfg config
	flag.StringVar(&cfg.addr, "addr", "127.0.0.1:7070", "seatd address")
	flag.StringVar(&cfg.auth, "auth", "", "AUTH token (admin, to create the sessions)")
	flag.IntVar(&cfg.connections, "connections", 50, "connections")
	flag.IntVar(&cfg.depth, "depth", 1, "flows in flight per connection (1 = no pipelining)")
	flag.IntVar(&cfg.sessions, "sessions", 100, "sessions, all of one hall")
	flag.IntVar(&cfg.rows, "rows", 20, "rows in the hall")
	flag.IntVar(&cfg.seatsPerRow, "seats-per-row", 25, "seats per row")
	flag.IntVar(&cfg.k, "seats-per-hold", 2, "seats per HOLD")
	flag.Float64Var(&cfg.seconds, "seconds", 10, "seconds to measure, after the warm-up")
	flag.Float64Var(&cfg.warmup, "warmup", 1, "seconds of warm-up, not counted")
	flag.Float64Var(&cfg.confirm, "confirm", 0, "probability that a hold is confirmed (then cancelled) instead of released")
	flag.Int64Var(&cfg.seed, "seed", 1, "seed of the seat choices")
	flag.BoolVar(&cfg.json, "json", false, "print a JSON summary instead of text")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "seatd-bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(cfg config) error {
	ctx := context.Background()
	admin, err := seatd.Dial(ctx, cfg.addr, seatd.Options{Auth: cfg.auth})
	if err != nil {
		return err
	}
	defer admin.Close()
	runID := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	hall := "gobench-" + runID
	var rows []string
	var seats []string
	for r := 0; r < cfg.rows; r++ {
		label := rowLabel(r)
		rows = append(rows, label+"="+strconv.Itoa(cfg.seatsPerRow))
		for n := 1; n <= cfg.seatsPerRow; n++ {
			seats = append(seats, label+strconv.Itoa(n))
		}
	}
	if _, err := admin.CreateHall(ctx, hall, rows...); err != nil {
		return err
	}
	sessions := make([]string, cfg.sessions)
	for i := range sessions {
		sessions[i] = hall + "-" + strconv.Itoa(i)
		if _, err := admin.CreateSession(ctx, sessions[i], hall, seatd.SessionOptions{}); err != nil {
			return err
		}
	}

	clients := make([]*seatd.Client, cfg.connections)
	for i := range clients {
		if clients[i], err = seatd.Dial(ctx, cfg.addr, seatd.Options{Auth: cfg.auth, Conns: 1}); err != nil {
			return err
		}
		defer clients[i].Close()
	}
	flows := cfg.connections * cfg.depth
	tallies := make([]counts, flows)
	var stop int32
	var wg sync.WaitGroup
	for f := 0; f < flows; f++ {
		wg.Add(1)
		go func(f int) {
			defer wg.Done()
			flow(ctx, clients[f%cfg.connections], &cfg, sessions, seats, f, &tallies[f], &stop)
		}(f)
	}
	sum := func() (t counts) {
		for i := range tallies {
			t.ok += atomic.LoadInt64(&tallies[i].ok)
			t.conflicts += atomic.LoadInt64(&tallies[i].conflicts)
			t.errors += atomic.LoadInt64(&tallies[i].errors)
		}
		return t
	}
	time.Sleep(time.Duration(cfg.warmup * float64(time.Second)))
	start, t0 := sum(), time.Now()
	time.Sleep(time.Duration(cfg.seconds * float64(time.Second)))
	end, elapsed := sum(), time.Since(t0).Seconds()
	atomic.StoreInt32(&stop, 1)
	wg.Wait()

	// Every flow released what it held: the sessions are empty again, then dropped.
	for _, s := range sessions {
		av, err := admin.Avail(ctx, s, "")
		if err != nil {
			return err
		}
		if av.Held != 0 || av.Sold != 0 {
			return fmt.Errorf("session %s not empty after the run: %+v", s, av)
		}
		if err := admin.DropSession(ctx, s); err != nil {
			return err
		}
	}
	ok, conflicts, errs := end.ok-start.ok, end.conflicts-start.conflicts, end.errors-start.errors
	if cfg.json {
		return json.NewEncoder(os.Stdout).Encode(map[string]interface{}{
			"connections": cfg.connections, "depth": cfg.depth, "seconds": elapsed, "ok": ok,
			"ok_per_second": float64(ok) / elapsed, "conflicts": conflicts, "errors": errs,
		})
	}
	fmt.Printf("seatd-bench: %d connections, depth %d, %.1f s: %.0f ok/s (%d ok), conflicts %d, errors %d\n",
		cfg.connections, cfg.depth, elapsed, float64(ok)/elapsed, ok, conflicts, errs)
	if errs > 0 {
		return fmt.Errorf("%d error replies", errs)
	}
	return nil
}

// flow is one closed loop: HOLD k distinct random seats, then give them back, until stop is set.
func flow(ctx context.Context, c *seatd.Client, cfg *config, sessions, seats []string, f int, t *counts,
	stop *int32) {
	rng := rand.New(rand.NewSource(cfg.seed*1_000_003 + int64(f)))
	customer := "c" + strconv.Itoa(f)
	pick := make([]string, cfg.k)
	for atomic.LoadInt32(stop) == 0 {
		session := sessions[rng.Intn(len(sessions))]
		for i := range pick {
		again:
			pick[i] = seats[rng.Intn(len(seats))]
			for j := 0; j < i; j++ {
				if pick[j] == pick[i] {
					goto again
				}
			}
		}
		h, err := c.Hold(ctx, session, customer, seatd.HoldRequest{Seats: pick})
		if !tally(t, err) {
			continue
		}
		if cfg.confirm > 0 && rng.Float64() < cfg.confirm {
			if _, err := c.Confirm(ctx, session, h.ID, "", ""); tally(t, err) {
				_, err = c.Cancel(ctx, session, h.ID, nil, "")
				tally(t, err)
			}
			continue
		}
		_, err = c.Release(ctx, session, h.ID, nil, "")
		tally(t, err)
	}
}

func tally(t *counts, err error) bool {
	switch {
	case err == nil:
		atomic.AddInt64(&t.ok, 1)
		return true
	case errors.Is(err, seatd.ErrTaken), errors.Is(err, seatd.ErrSoldOut), errors.Is(err, seatd.ErrNoAdjacent):
		atomic.AddInt64(&t.conflicts, 1)
	default:
		atomic.AddInt64(&t.errors, 1)
	}
	return false
}

// rowLabel is A..Z, then AA, AB, ... as seatd's row labels go.
func rowLabel(i int) string {
	label := ""
	for i++; i > 0; i = (i - 1) / 26 {
		label = string(rune('A'+(i-1)%26)) + label
	}
	return label
}
