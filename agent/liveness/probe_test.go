package liveness

import (
	"context"
	"net"
	"testing"
	"time"
)

// closedPort is a loopback address where nothing listens: a dial is refused.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func listening(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// silent plays a machine that no longer answers at all: the dial waits out its context.
func silent(ctx context.Context, _, _ string) (net.Conn, error) {
	<-ctx.Done()
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: ctx.Err()}
}

func TestAnswered(t *testing.T) {
	dial := (&net.Dialer{}).DialContext
	ctx := context.Background()
	open, closed := listening(t), closedPort(t)
	wait := 2 * time.Second // a bound, never reached on loopback but by the silent dialer
	for _, c := range []struct {
		name    string
		dial    Dialer
		targets []Target
		want    bool
	}{
		{"nothing to ask", dial, nil, false},
		{"a workload port accepts", dial, []Target{{Addr: open}}, true},
		{"a workload port refuses", dial, []Target{{Addr: closed}}, false},
		{"one of two accepts", dial, []Target{{Addr: closed}, {Addr: open}}, true},
		{"the gossip port refuses: the kernel is alive", dial, []Target{{Addr: closed, Kernel: true}}, true},
		{"the gossip port accepts", dial, []Target{{Addr: open, Kernel: true}}, true},
		{"a silent machine", silent, []Target{{Addr: open}, {Addr: closed, Kernel: true}}, false},
	} {
		if got := Answered(ctx, c.dial, c.targets, wait); got != c.want {
			t.Errorf("%s: answered %v, want %v", c.name, got, c.want)
		}
	}
}
