package noderuntime

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/quorum"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/internal/netcut"
	"github.com/podman-swarm/podman-swarm/manifest"
)

func TestFenceAfter(t *testing.T) {
	for _, tt := range []struct{ probe, grace, want time.Duration }{
		{time.Second, 2 * time.Second, time.Second},
		{100 * time.Millisecond, time.Second, 900 * time.Millisecond},
		{time.Second, 500 * time.Millisecond, 0},
	} {
		if got := FenceAfter(tt.probe, tt.grace); got != tt.want {
			t.Errorf("FenceAfter(%s, %s) = %s; want %s", tt.probe, tt.grace, got, tt.want)
		}
	}
}

// The fence goes up once the majority has been missing for the whole wait, not before; a
// majority that comes back before then resets the wait; the fence comes down after two
// rounds in a row with a majority.
func TestFenceState(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	const after = 3 * time.Second
	var f fenceState
	steps := []struct {
		at              time.Duration
		majority        bool
		fenced, changed bool
	}{
		{at: 0, majority: true},
		{at: time.Second, majority: false},
		{at: 2 * time.Second, majority: false},
		{at: 3 * time.Second, majority: true},  // back before the wait ended: reset
		{at: 4 * time.Second, majority: false}, // the wait starts again here
		{at: 6 * time.Second, majority: false},
		{at: 7 * time.Second, majority: false, fenced: true, changed: true},
		{at: 8 * time.Second, majority: false, fenced: true},
		{at: 9 * time.Second, majority: true, fenced: true}, // one round is not enough
		{at: 10 * time.Second, majority: false, fenced: true},
		{at: 11 * time.Second, majority: true, fenced: true},
		{at: 12 * time.Second, majority: true, fenced: false, changed: true},
		{at: 13 * time.Second, majority: true},
	}
	for _, s := range steps {
		fenced, changed := f.step(s.majority, t0.Add(s.at), after)
		if fenced != s.fenced || changed != s.changed {
			t.Fatalf("at %s (majority %v): fenced %v changed %v; want %v %v", s.at, s.majority, fenced, changed, s.fenced, s.changed)
		}
	}
}

// recordingRuntime records every desired set it is given.
type recordingRuntime struct {
	mu   sync.Mutex
	sets [][]string
}

func (r *recordingRuntime) SetDesired(pods []manifest.Pod) {
	keys := []string{}
	for _, p := range pods {
		keys = append(keys, p.Key())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sets = append(r.sets, keys)
}

// last is the last desired set.
func (r *recordingRuntime) last() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.sets) == 0 {
		return nil
	}
	return r.sets[len(r.sets)-1]
}

// startCluster runs count cluster nodes on loopback, n0 founding, their links through nc,
// with the fast probing the fence tests use, and waits until all see all.
func startCluster(t *testing.T, count int, probe time.Duration, nc *netcut.Net) []*cluster.Node {
	t.Helper()
	var nodes []*cluster.Node
	for i := range count {
		cfg := cluster.Config{
			NodeName:          "n" + strconv.Itoa(i),
			BindAddr:          "127.0.0.1",
			StateDir:          t.TempDir(),
			ProbeInterval:     probe,
			ProbeTimeout:      probe / 2,
			GossipInterval:    20 * time.Millisecond,
			PushPullInterval:  500 * time.Millisecond,
			ReconnectInterval: 200 * time.Millisecond,
			WrapTransport:     nc.Wrap,
			Logger:            slog.New(slog.DiscardHandler),
		}
		if i > 0 {
			cfg.Join = []string{nodes[0].Addr()}
			cfg.JoinToken = nodes[0].JoinToken()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		n, err := cluster.Start(ctx, cfg)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = n.Shutdown() })
		nodes = append(nodes, n)
	}
	waitUntil(t, 10*time.Second, "every node sees every node alive", func() bool {
		for _, n := range nodes {
			alive := 0
			for _, m := range n.Members() {
				if m.State == cluster.StateAlive {
					alive++
				}
			}
			if alive != count {
				return false
			}
		}
		return true
	})
	return nodes
}

func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A node cut off from the two others of its cluster fences itself: its pods loop hands the
// runtime an empty set while its assignment stays in the store, and once the cut heals and
// the node is back in the membership, the pod starts again.
func TestFencedNodeStopsItsPodsAndStartsThemAgain(t *testing.T) {
	const probe = 100 * time.Millisecond
	nc := &netcut.Net{}
	nodes := startCluster(t, 3, probe, nc)
	self := nodes[0]
	pod := manifest.Pod{Namespace: "default", Name: "db"}
	if _, err := self.Put(store.AssignmentKey(pod.Key()), store.MustJSON(store.Assignment{Pod: pod, Node: "n0"})); err != nil {
		t.Fatal(err)
	}

	log := slog.New(slog.DiscardHandler)
	fence := NewFence(self, quorum.OpenRoster(t.TempDir(), log), probe, time.Second, log)
	rt := &recordingRuntime{}
	loop := NewLoop(self, "n0", rt, NewStatusWriter(self, "n0", "127.0.0.1", log), fence, log)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for _, r := range []interface{ Start(context.Context) error }{fence, loop} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = r.Start(ctx) }()
	}
	waitUntil(t, 5*time.Second, "the pod runs", func() bool { return slices.Equal(rt.last(), []string{"default/db"}) })

	nc.Cut([]string{self.Addr()}, []string{nodes[1].Addr(), nodes[2].Addr()})
	waitUntil(t, 10*time.Second, "the node fences itself", fence.Fenced)
	waitUntil(t, 5*time.Second, "the runtime is given no pod", func() bool { return rt.last() != nil && len(rt.last()) == 0 })
	if e, ok := self.Get(store.AssignmentKey(pod.Key())); !ok || e.Deleted {
		t.Fatal("the fence removed the assignment from the store")
	}

	nc.Heal()
	waitUntil(t, 15*time.Second, "the fence is lifted", func() bool { return !fence.Fenced() })
	waitUntil(t, 5*time.Second, "the pod runs again", func() bool { return slices.Equal(rt.last(), []string{"default/db"}) })
}

// A node alone in its cluster is its own majority: it never fences itself.
func TestSingleNodeNeverFences(t *testing.T) {
	const probe = 50 * time.Millisecond
	nodes := startCluster(t, 1, probe, &netcut.Net{})
	log := slog.New(slog.DiscardHandler)
	fence := NewFence(nodes[0], quorum.OpenRoster(t.TempDir(), log), probe, 0, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = fence.Start(ctx) }()
	// With no wait at all, a round without a majority would fence at once.
	for range 10 {
		time.Sleep(probe)
		if fence.Fenced() {
			t.Fatal("a single node fenced itself")
		}
	}
	cancel()
	<-done
}
