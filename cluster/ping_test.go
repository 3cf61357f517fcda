package cluster

import (
	"context"
	"errors"
	"testing"
	"time"
)

// Ping reaches a member across the network, fails across a cut link or when its context
// ends first, and answers again once the link is back.
func TestPing(t *testing.T) {
	tn := &testNet{}
	nodes := startCluster(t, 3, func(c *Config) { c.WrapTransport = tn.wrap })
	ctx := context.Background()
	for _, name := range []string{"n1", "n2"} {
		if err := nodes[0].Ping(ctx, name); err != nil {
			t.Fatalf("ping %s: %v", name, err)
		}
	}
	if err := nodes[0].Ping(ctx, "nobody"); !errors.Is(err, ErrNoSuchMember) {
		t.Fatalf("ping of an unknown member: %v; want ErrNoSuchMember", err)
	}

	tn.partition(nodes[:2], nodes[2:])
	if err := nodes[0].Ping(ctx, "n2"); err == nil {
		t.Fatal("ping across the cut answered")
	}
	if err := nodes[0].Ping(ctx, "n1"); err != nil {
		t.Fatalf("ping on the same side: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	if err := nodes[0].Ping(short, "n2"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ping bounded by its context: %v; want the deadline", err)
	}
	tn.heal()
	waitFor(t, 5*time.Second, "n2 answers again", func() bool { return nodes[0].Ping(ctx, "n2") == nil })

	_ = nodes[1].Shutdown()
	if err := nodes[1].Ping(ctx, "n0"); !errors.Is(err, ErrClosed) {
		t.Fatalf("ping from a node shut down: %v; want ErrClosed", err)
	}
}
