package cluster

import (
	"testing"
	"time"
)

// A node whose clock is a day and an hour slow deletes a key while another
// member is cut off. The others keep the tombstone for the retention counted
// on their own clocks, so the member that comes back with the old value
// cannot bring it back. Were the retention counted from the writer's clock,
// the tombstone would look 25 hours old and go at the first sweep.
func TestSlowWritersDeleteIsNotForgotten(t *testing.T) {
	tn := &testNet{}
	slow := clockOff(-25 * time.Hour)
	nodes := startCluster(t, 3, func(c *Config) {
		c.WrapTransport = tn.wrap
		if c.NodeName == "n2" {
			c.Clock = slow.now
		}
	})
	n0, n1, n2 := nodes[0], nodes[1], nodes[2]
	const key = "deployments/default/web"
	mustPut(t, n0, key, "v1")
	waitValue(t, nodes, key, []byte("v1"))

	tn.partition([]*Node{n0, n2}, []*Node{n1})
	waitAlive(t, []*Node{n0, n2}, 2)
	mustDelete(t, n2, key)
	waitDeleted(t, []*Node{n0, n2}, key)

	n0.collectTombstones(n0.now())
	n2.collectTombstones(n2.now())
	if e, ok := n0.entry(key); !ok || !e.Deleted {
		t.Fatalf("n0 forgot the slow node's delete at its first sweep: %+v %v", e, ok)
	}

	// The slow node goes; the member with the old value comes back.
	if err := n2.Shutdown(); err != nil {
		t.Fatal(err)
	}
	tn.heal()
	waitAlive(t, []*Node{n0, n1}, 2)
	waitDeleted(t, []*Node{n0, n1}, key)
	n0.collectTombstones(n0.now())
	for _, n := range []*Node{n0, n1} {
		if _, ok := n.Get(key); ok {
			t.Errorf("%s reads the deleted key again", n.Name())
		}
	}
}

// The retention is counted on the collecting node's clock from when the
// tombstone was written there: it goes once that clock has moved past it.
func TestTombstonesGoAfterTheirRetention(t *testing.T) {
	clock := clockOff(0)
	cfg := fastConfig("n0", t.TempDir())
	cfg.Clock = clock.now
	n := start(t, cfg)
	mustPut(t, n, "k", "v")
	mustDelete(t, n, "k")
	n.collectTombstones(n.now())
	if _, ok := n.entry("k"); !ok {
		t.Fatal("a fresh tombstone was collected")
	}
	clock.shift(cfg.withDefaults().TombstoneTTL + time.Minute)
	n.collectTombstones(n.now())
	if e, ok := n.entry("k"); ok {
		t.Fatalf("a tombstone past its retention was kept: %+v", e)
	}
}

// A node whose clock is two days behind, which is to say it started
// "first", joins and leaves the leader where it was.
func TestEarliestClockDoesNotTakeTheLead(t *testing.T) {
	early := clockOff(-48 * time.Hour)
	nodes := startCluster(t, 3, func(c *Config) {
		if c.NodeName == "n2" {
			c.Clock = early.now
		}
	})
	waitFor(t, 10*time.Second, "every node sees every rank", func() bool {
		for _, n := range nodes {
			for _, m := range n.Members() {
				if m.Rank == 0 {
					return false
				}
			}
		}
		return true
	})
	for _, n := range nodes {
		if got := n.Leader(); got != "n0" {
			t.Errorf("%s names %q leader, want n0", n.Name(), got)
		}
	}
	m0, m2 := memberOf(t, nodes[0], "n0"), memberOf(t, nodes[0], "n2")
	if !m2.Started.Before(m0.Started) {
		t.Fatalf("n2 should look older by its clock: started %v, n0 %v", m2.Started, m0.Started)
	}
	// Nodes that join at the same moment may draw the same rank (the name
	// then orders them); none can draw one before the leader's.
	if m2.Rank <= m0.Rank {
		t.Errorf("n2 took rank %d, not after the leader's %d", m2.Rank, m0.Rank)
	}
}

// A leader that was away long enough for another to take over comes back
// behind it: the current leader keeps the role.
func TestReturningLeaderDoesNotTakeOver(t *testing.T) {
	nodes := startCluster(t, 3, nil)
	// The same port, or memberlist would keep the name from the new address
	// until the old one has been dead for DeadNodeReclaimTime.
	cfg0 := fastConfig("n0", nodes[0].cfg.StateDir)
	cfg0.BindPort = portOf(t, nodes[0])
	if err := nodes[0].Shutdown(); err != nil {
		t.Fatal(err)
	}
	rest := nodes[1:]
	waitFor(t, 15*time.Second, "n1 leads and says so", func() bool {
		for _, n := range rest {
			if n.Leader() != "n1" || !memberOf(t, n, "n1").leading {
				return false
			}
		}
		return true
	})

	back := start(t, cfg0) // no Join: it finds its remembered peers
	all := []*Node{back, nodes[1], nodes[2]}
	waitAlive(t, all, 3)
	waitFor(t, 10*time.Second, "every node sees n0's new rank", func() bool {
		for _, n := range all {
			if memberOf(t, n, "n0").Rank != back.rank.Load() {
				return false
			}
		}
		return true
	})
	for _, n := range all {
		if got := n.Leader(); got != "n1" {
			t.Errorf("%s names %q leader after n0 came back, want n1", n.Name(), got)
		}
	}
	if r0, r1 := back.rank.Load(), memberOf(t, back, "n1").Rank; r0 <= r1 {
		t.Errorf("n0 came back with rank %d, before n1's %d", r0, r1)
	}
}

// A node alone that restarts keeps its rank: nobody took over meanwhile.
func TestRankSurvivesARestart(t *testing.T) {
	cfg := fastConfig("n0", t.TempDir())
	n := start(t, cfg)
	mustPut(t, n, "k", "v")
	rank := n.rank.Load()
	if err := n.Shutdown(); err != nil {
		t.Fatal(err)
	}
	again := start(t, cfg)
	if got := again.rank.Load(); got != rank {
		t.Fatalf("rank %d after a restart, was %d", got, rank)
	}
}

// Members whose clocks are far apart are told about it, with the offset.
func TestClockSkewIsLogged(t *testing.T) {
	var logs logCapture
	slow := clockOff(-time.Hour)
	startCluster(t, 2, func(c *Config) {
		switch c.NodeName {
		case "n0":
			c.Logger = logs.logger()
		case "n1":
			c.Clock = slow.now
		}
	})
	waitFor(t, 10*time.Second, "n0 warns about n1's clock", func() bool {
		return len(logs.records(t, "wall clock is far")) > 0
	})
	rec := logs.records(t, "wall clock is far")[0]
	if rec["member"] != "n1" || rec["level"] != "WARN" {
		t.Fatalf("warning %v: want level WARN and member n1", rec)
	}
	offset, ok := rec["offset"].(float64) // slog writes a duration in nanoseconds
	if !ok || time.Duration(offset) > -59*time.Minute || time.Duration(offset) < -61*time.Minute {
		t.Fatalf("warning %v: want an offset of about -1h", rec)
	}
	if got := len(logs.records(t, "wall clock is far")); got != 1 {
		t.Errorf("%d warnings for one skewed member, want 1", got)
	}
}
