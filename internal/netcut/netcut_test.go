package netcut

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/cluster"
)

// Two real nodes on loopback lose each other across a cut and find each other once it
// heals.
func TestCutAndHeal(t *testing.T) {
	nc := &Net{}
	start := func(name string, join []string, token string) *cluster.Node {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		n, err := cluster.Start(ctx, cluster.Config{
			NodeName: name, BindAddr: "127.0.0.1", StateDir: t.TempDir(), Join: join, JoinToken: token,
			ProbeInterval: 50 * time.Millisecond, ProbeTimeout: 25 * time.Millisecond,
			WrapTransport: nc.Wrap, Logger: slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = n.Shutdown() })
		return n
	}
	a := start("a", nil, "")
	b := start("b", []string{a.Addr()}, a.JoinToken())
	ctx := context.Background()
	if err := a.Ping(ctx, "b"); err != nil {
		t.Fatalf("before the cut: %v", err)
	}
	nc.Cut([]string{a.Addr()}, []string{b.Addr()})
	if err := a.Ping(ctx, "b"); err == nil {
		t.Fatal("a reaches b across the cut")
	}
	if err := b.Ping(ctx, "a"); err == nil {
		t.Fatal("b reaches a across the cut")
	}
	nc.Heal()
	if err := a.Ping(ctx, "b"); err != nil {
		t.Fatalf("after the heal: %v", err)
	}
}

// A dial across a cut gets no answer until its context ends; within a group, or once
// healed, it connects.
func TestDialerAcrossACut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	nc := &Net{}
	self, other := "127.0.0.1:1", "127.0.0.1:2"
	dial := nc.Dialer(self)
	try := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		c, err := dial(ctx, "tcp", ln.Addr().String())
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := try(); err != nil {
		t.Fatalf("before the cut: %v", err)
	}
	nc.Cut([]string{self}, []string{other, ln.Addr().String()})
	if err := try(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("across the cut: %v, want no answer", err)
	}
	nc.Cut([]string{self, ln.Addr().String()}, []string{other})
	if err := try(); err != nil {
		t.Fatalf("within a group: %v", err)
	}
	nc.Heal()
	if err := try(); err != nil {
		t.Fatalf("after the heal: %v", err)
	}
}
