package cluster

import (
	"testing"
	"time"
)

func TestLeaderFailover(t *testing.T) {
	nodes := startCluster(t, 4, nil)
	// n0 started first, so every node names it.
	for _, n := range nodes {
		if got := n.Leader(); got != "n0" {
			t.Fatalf("%s names leader %q, want n0", n.Name(), got)
		}
	}
	if !nodes[0].IsLeader() || nodes[1].IsLeader() {
		t.Fatal("IsLeader disagrees with Leader")
	}

	events, cancel := nodes[2].WatchMembers()
	defer cancel()

	// The leader dies without a word.
	if err := nodes[0].Shutdown(); err != nil {
		t.Fatal(err)
	}
	rest := nodes[1:]
	waitFor(t, 15*time.Second, "the others agree on n1", func() bool {
		for _, n := range rest {
			if n.Leader() != "n1" {
				return false
			}
		}
		return true
	})
	if !nodes[1].IsLeader() {
		t.Fatal("n1 does not know it leads")
	}
	for _, m := range nodes[2].Members() {
		if m.Name == "n0" && m.State != StateDead {
			t.Errorf("n0 is %s, want dead", m.State)
		}
	}
	for {
		ev := recv(t, events)
		// An update (a rank or lead change: metadata) may come first.
		if ev.Member.Name == "n0" && ev.Type != MemberUpdated {
			if ev.Type != MemberFailed || ev.Member.State != StateDead {
				t.Fatalf("event for n0: %s %s, want failed and dead", ev.Type, ev.Member.State)
			}
			break
		}
	}
}

func TestLeaveIsNotAFailure(t *testing.T) {
	nodes := startCluster(t, 3, nil)
	events, cancel := nodes[0].WatchMembers()
	defer cancel()

	if err := nodes[2].Leave(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := nodes[2].Shutdown(); err != nil {
		t.Fatal(err)
	}
	for {
		ev := recv(t, events)
		if ev.Member.Name != "n2" || ev.Type == MemberUpdated { // its metadata changed: not what this test is about
			continue
		}
		if ev.Type == MemberLeft {
			break
		}
		if ev.Type != MemberFailed {
			t.Fatalf("unexpected event %s for n2", ev.Type)
		}
		// The leave announcement may arrive after memberlist's notice;
		// a left event must then follow.
	}
	for _, n := range nodes[:2] {
		for _, m := range n.Members() {
			if m.Name == "n2" && m.State != StateLeft {
				t.Errorf("%s sees n2 as %s, want left", n.Name(), m.State)
			}
		}
	}
}

func TestMetaIsGossiped(t *testing.T) {
	nodes := startCluster(t, 3, func(c *Config) {
		c.Meta = map[string]string{"api": c.NodeName + ":8443", "zone": "a"}
	})
	for _, m := range nodes[1].Members() {
		if m.Meta["api"] != m.Name+":8443" || m.Meta["zone"] != "a" {
			t.Errorf("member %s has meta %v", m.Name, m.Meta)
		}
	}

	events, cancel := nodes[1].WatchMembers()
	defer cancel()
	if err := nodes[2].SetMeta(map[string]string{"zone": "b"}); err != nil {
		t.Fatal(err)
	}
	// Other updates of n2 may come first: its rank, lead or fetch count is
	// metadata too, and changes in the cluster's first seconds. The one with
	// the new zone must follow (recv fails the test if none comes in time).
	for {
		ev := recv(t, events)
		if ev.Type == MemberUpdated && ev.Member.Name == "n2" && ev.Member.Meta["zone"] == "b" {
			if len(ev.Member.Meta) != 1 {
				t.Fatalf("update carries %v, want only zone=b: SetMeta replaces", ev.Member.Meta)
			}
			break
		}
	}
	waitFor(t, 10*time.Second, "every node sees n2 in zone b", func() bool {
		for _, n := range nodes {
			for _, m := range n.Members() {
				if m.Name == "n2" && m.Meta["zone"] != "b" {
					return false
				}
			}
		}
		return true
	})
	// Changing metadata does not change who leads.
	if got := nodes[2].Leader(); got != "n0" {
		t.Fatalf("leader %q after a metadata update, want n0", got)
	}
}
