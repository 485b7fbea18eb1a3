package seatd

// Cluster routing (docs/clients.md rule 7) against a real two-shard cluster: one etcd and one node per shard,
// started as LoadTests/bench-shards.sh starts them. Skipped, with a message, where etcd is not installed.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

type clusterNode struct {
	shard, name string
	port        int
	args        []string
	cmd         *exec.Cmd
}

func (n *clusterNode) addr() string { return fmt.Sprintf("127.0.0.1:%d", n.port) }

func (n *clusterNode) start(t *testing.T, bin string) {
	n.cmd = exec.Command(bin, n.args...)
	n.cmd.Stderr = os.Stderr
	must(t, n.cmd.Start())
}

func (n *clusterNode) kill() {
	if n.cmd != nil {
		n.cmd.Process.Signal(syscall.SIGKILL)
		n.cmd.Wait()
		n.cmd = nil
	}
}

// ask sends one line on a fresh connection and returns the reply line ("" if none).
func ask(addr, line string) string {
	nc, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return ""
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(nc, "%s\n", line)
	reply, _ := bufio.NewReader(nc).ReadString('\n')
	return strings.TrimSpace(reply)
}

func waitFor(t *testing.T, addr, line, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(ask(addr, line), want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no %q in the reply to %s at %s: %q", want, line, addr, ask(addr, line))
}

func startCluster(t *testing.T) (bin string, nodes []*clusterNode) {
	bin = seatdBin(t)
	etcd, err := exec.LookPath("etcd")
	if err != nil {
		t.Skip("etcd is not installed (apt-get install etcd-server): cluster routing not tested against a cluster")
	}
	client, peer := freePort(t), freePort(t)
	clientURL := fmt.Sprintf("http://127.0.0.1:%d", client)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peer)
	e := exec.Command(etcd, "--name", "e1", "--data-dir", t.TempDir(), "--listen-client-urls", clientURL,
		"--advertise-client-urls", clientURL, "--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "e1="+peerURL)
	must(t, e.Start())
	t.Cleanup(func() { e.Process.Signal(syscall.SIGKILL); e.Wait() })
	for i := 0; ; i++ {
		if resp, err := http.Get(clientURL + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if i > 200 {
			t.Fatal("etcd is not healthy")
		}
		time.Sleep(100 * time.Millisecond)
	}
	name := fmt.Sprintf("goclient%d", time.Now().UnixNano()%1e6)
	out, err := exec.Command(bin, "cluster", "init", "--etcd", clientURL, "--name", name, "--shards", "s0,s1").CombinedOutput()
	if err != nil {
		t.Fatalf("cluster init: %v %s", err, out)
	}
	for _, shard := range []string{"s0", "s1"} {
		n := &clusterNode{shard: shard, name: shard + "a", port: freePort(t)}
		n.args = []string{"serve", "--data", t.TempDir(), "--port", fmt.Sprint(n.port), "--log-level", "warning",
			"--cluster-etcd", clientURL, "--cluster-name", name, "--cluster-node", n.name, "--cluster-shard", shard,
			"--cluster-advertise", n.addr(), "--cluster-replication-listen", fmt.Sprintf("127.0.0.1:%d", freePort(t)),
			"--cluster-secret", "go-client-test-secret"}
		n.start(t, bin)
		t.Cleanup(n.kill)
		waitFor(t, n.addr(), "CLUSTER INFO", "role=primary")
		nodes = append(nodes, n)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		slots := ask(nodes[0].addr(), "CLUSTER SLOTS")
		if strings.HasPrefix(slots, "OK ") && !strings.Contains(slots, "@-") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("CLUSTER SLOTS does not name both primaries: %q", slots)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return bin, nodes
}

// sessionOn returns a session id whose slot is in the given range.
func sessionOn(prefix string, r SlotRange) string {
	for i := 0; ; i++ {
		s := fmt.Sprintf("%s%d", prefix, i)
		if slot := Slot(s); slot >= r.First && slot <= r.Last {
			return s
		}
	}
}

func TestClusterRouting(t *testing.T) {
	bin, nodes := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Given only the first node, the client learns the map from CLUSTER SLOTS.
	c, err := DialCluster(ctx, []string{nodes[0].addr()}, Options{ClusterWait: 30 * time.Second})
	must(t, err)
	defer c.Close()
	ranges, err := c.ClusterSlots(ctx)
	must(t, err)
	if len(ranges) != 2 {
		t.Fatalf("slots %+v", ranges)
	}
	_, err = c.CreateHall(ctx, "h", "A=10")
	must(t, err)
	sessions := []string{sessionOn("a", ranges[0]), sessionOn("b", ranges[1])}
	for _, s := range sessions {
		_, err = c.CreateSession(ctx, s, "h", SessionOptions{})
		must(t, err)
		_, err = c.Hold(ctx, s, "ann", HoldRequest{Seats: []string{"A1"}, Key: "k1"})
		must(t, err)
	}
	// Each session lives on its own shard: the other shard's node answers MOVED to the right one.
	for i, s := range sessions {
		other := nodes[1-i]
		reply := ask(other.addr(), "AVAIL "+s)
		var moved *MovedError
		if err := ParseError(reply); !errors.As(err, &moved) || moved.Addr != nodes[i].addr() || moved.Slot != Slot(s) {
			t.Fatalf("AVAIL %s at the other shard: %q", s, reply)
		}
	}
	// A client that knows only the wrong node follows MOVED (single-node Dial does too).
	wrong, err := Dial(ctx, nodes[0].addr(), Options{})
	must(t, err)
	defer wrong.Close()
	av, err := wrong.Avail(ctx, sessions[1], "")
	must(t, err)
	if av.Held != 1 {
		t.Fatalf("AVAIL through MOVED %+v", av)
	}
	// A pipeline over both shards gets its replies in order.
	p := c.Pipeline()
	for i := 0; i < 20; i++ {
		p.Avail(sessions[i%2], "")
	}
	replies, err := p.Exec(ctx)
	must(t, err)
	for i, r := range replies {
		if a, err := r.Avail(); err != nil || a.Held != 1 {
			t.Fatalf("pipelined reply %d: %+v %v", i, a, err)
		}
	}

	// Shard s1 loses its only node: once its lease lapses the other node answers TRYAGAIN for its sessions,
	// and the client waits that out until the node is back.
	nodes[1].kill()
	deadline := time.Now().Add(20 * time.Second)
	var again *TryAgainError
	for !errors.As(ParseError(ask(nodes[0].addr(), "AVAIL "+sessions[1])), &again) {
		if time.Now().After(deadline) {
			t.Fatal("no TRYAGAIN while shard s1 has no primary")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if again.Ms <= 0 {
		t.Fatalf("TRYAGAIN %+v", again)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Hold(ctx, sessions[1], "bob", HoldRequest{Seats: []string{"A2"}, Key: "k2"})
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	nodes[1].start(t, bin)
	must(t, <-done)
	av, err = c.Avail(ctx, sessions[1], "")
	must(t, err)
	if av.Held != 2 {
		t.Fatalf("AVAIL after the wait %+v", av)
	}
}
