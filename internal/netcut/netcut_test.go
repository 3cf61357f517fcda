package netcut

import (
	"context"
	"log/slog"
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
