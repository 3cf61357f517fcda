package events

import (
	"context"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// testLogger discards logs unless EVENTS_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("EVENTS_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testClock is a wall clock a test can move forward.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// testNode is a cluster node on loopback with its events part running.
type testNode struct {
	*cluster.Node
	rec   *Recorder
	clock *testClock
}

// startNodes starts count nodes named n0, n1, ... on loopback, each with an events part
// configured by tune, and waits until they all see each other.
func startNodes(t *testing.T, count int, tune func(*Config)) []*testNode {
	t.Helper()
	var nodes []*testNode
	for i := range count {
		clock := &testClock{}
		repl := NewReplacements()
		name := "n" + string(rune('0'+i))
		cfg := cluster.Config{
			NodeName:          name,
			BindAddr:          "127.0.0.1",
			StateDir:          t.TempDir(),
			ProbeInterval:     100 * time.Millisecond,
			ProbeTimeout:      80 * time.Millisecond,
			GossipInterval:    20 * time.Millisecond,
			PushPullInterval:  500 * time.Millisecond,
			StreamTimeout:     2 * time.Second,
			ReconnectInterval: 200 * time.Millisecond,
			OnReplace:         repl.Observe,
			Clock:             clock.now,
			Logger:            testLogger(),
		}
		if i > 0 {
			cfg.Join = []string{nodes[0].Addr()}
			cfg.JoinToken = nodes[0].JoinToken()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		n, err := cluster.Start(ctx, cfg)
		cancel()
		if err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		t.Cleanup(func() { _ = n.Shutdown() })
		rec := NewRecorder(n, name, clock.now, testLogger())
		pcfg := Config{Store: n, Recorder: rec, Replacements: repl, NodeName: name, Clock: clock.now,
			Tick: 50 * time.Millisecond, Logger: testLogger()}
		if tune != nil {
			tune(&pcfg)
		}
		part := New(pcfg)
		pctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = part.Start(pctx) }()
		t.Cleanup(func() { stop(); <-done })
		nodes = append(nodes, &testNode{Node: n, rec: rec, clock: clock})
	}
	waitFor(t, 10*time.Second, "every node sees every node", func() bool {
		for _, n := range nodes {
			if aliveCount(n.Node) != count {
				return false
			}
		}
		return true
	})
	return nodes
}

func aliveCount(n *cluster.Node) int {
	c := 0
	for _, m := range n.Members() {
		if m.State == cluster.StateAlive {
			c++
		}
	}
	return c
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// putObject writes an object's value as the API would, with lineage l.
func putObject(t *testing.T, n *cluster.Node, key string, val []byte, l store.Lineage) cluster.Version {
	t.Helper()
	stamped, err := store.WithResourceVersion(key, val, l.String())
	if err != nil {
		t.Fatal(err)
	}
	v, err := n.Put(key, stamped)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
