package cluster

import (
	"context"
	"errors"
	"testing"
	"time"
)

// holdsAll reports the first entry n lacks at its version, "" when it holds them all.
func holdsAll(n *Node, entries []Entry) string {
	for _, e := range entries {
		if got, ok := n.entry(e.Key); !ok || got.Version != e.Version {
			return e.Key
		}
	}
	return ""
}

// When CatchUp returns, the store holds what the member held: read at once, without
// waiting for gossip or the periodic fetch. Both ways are proved, the fetch from a member
// that sends digests and the push/pull with one that does not.
func TestCatchUpHoldsWhatTheMemberHeld(t *testing.T) {
	nodes := startCluster(t, 3, noPushPull)
	self, peer := nodes[0], nodes[1]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	for _, way := range []struct {
		name  string
		fetch bool
	}{{"fetch", true}, {"push/pull", false}} {
		entries := writtenBy("gone", "catchup/"+way.name+"/", 200, 100)
		holdOnly(t, peer, entries)
		if err := self.catchUpFrom(ctx, peer.Name(), peer.Addr(), way.fetch); err != nil {
			t.Fatalf("%s: %v", way.name, err)
		}
		if missing := holdsAll(self, entries); missing != "" {
			t.Fatalf("after catching up by %s, %s is missing", way.name, missing)
		}
	}

	// CatchUp itself fetches from a member whose probe answers carried a digest.
	waitFor(t, 10*time.Second, "n0 has had a probe answer of n1", func() bool { return self.sentDigest(peer.Name()) })
	entries := writtenBy("gone", "catchup/public/", 50, 100)
	holdOnly(t, peer, entries)
	if err := self.CatchUp(ctx, peer.Name()); err != nil {
		t.Fatal(err)
	}
	if missing := holdsAll(self, entries); missing != "" {
		t.Fatalf("after CatchUp, %s is missing", missing)
	}
	if err := self.CatchUp(ctx, self.Name()); err != nil {
		t.Fatalf("catching up with itself: %v", err)
	}
}

// CatchUp fails for a name that is no member, and for a member cut off, within the
// caller's deadline.
func TestCatchUpFailsWithoutTheMember(t *testing.T) {
	tn := &testNet{}
	nodes := startCluster(t, 3, func(c *Config) { noPushPull(c); c.WrapTransport = tn.wrap })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := nodes[0].CatchUp(ctx, "stranger"); !errors.Is(err, ErrNoSuchMember) {
		t.Fatalf("catching up with a stranger: %v; want ErrNoSuchMember", err)
	}
	waitFor(t, 10*time.Second, "n0 has had a probe answer of n2", func() bool { return nodes[0].sentDigest(nodes[2].Name()) })
	tn.partition(nodes[:2], nodes[2:])
	short, stop := context.WithTimeout(ctx, 300*time.Millisecond)
	defer stop()
	if err := nodes[0].CatchUp(short, nodes[2].Name()); err == nil {
		t.Fatal("caught up with a member cut off")
	}
	if err := nodes[0].CatchUp(ctx, nodes[1].Name()); err != nil {
		t.Fatalf("catching up with a member on its side: %v", err)
	}
}
