package seatd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// server is a real seatd on a free loopback port with a temp data directory, for one test.
type server struct {
	t      *testing.T
	bin    string
	addr   string
	port   int
	data   string
	config string
	cmd    *exec.Cmd
}

func seatdBin(t *testing.T) string {
	bin := os.Getenv("SEATD_BIN")
	if bin == "" {
		t.Skip("SEATD_BIN is not set (clients/go/test.sh sets it)")
	}
	return bin
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startServer starts seatd, with a config file when yaml is given (auth tokens, limits).
func startServer(t *testing.T, yaml ...string) *server {
	s := &server{t: t, bin: seatdBin(t), port: freePort(t), data: t.TempDir()}
	s.addr = fmt.Sprintf("127.0.0.1:%d", s.port)
	if len(yaml) > 0 {
		s.config = filepath.Join(t.TempDir(), "seatd.yaml")
		if err := os.WriteFile(s.config, []byte(strings.Join(yaml, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s.start()
	t.Cleanup(s.kill)
	return s
}

func (s *server) start() {
	args := []string{"serve", "--port", fmt.Sprint(s.port), "--data", s.data, "--fsync", "off", "--log-level", "warning"}
	if s.config != "" {
		args = append(args, "--config", s.config)
	}
	s.cmd = exec.Command(s.bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = os.Stderr, os.Stderr
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		nc, err := net.DialTimeout("tcp", s.addr, 200*time.Millisecond)
		if err == nil {
			nc.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("seatd did not listen on %s", s.addr)
}

// kill stops seatd with SIGKILL, as a crash would.
func (s *server) kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGKILL)
		s.cmd.Wait()
		s.cmd = nil
	}
}

func (s *server) dial(t *testing.T, opts Options) *Client {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, s.addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantCode checks that err is the *Error of code, both through errors.As and through the code's sentinel.
func wantCode(t *testing.T, err error, sentinel *Error) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("want %s, got %v", sentinel.Code, err)
	}
}
