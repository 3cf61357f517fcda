package noderuntime

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/quorum"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// FenceCluster is what the fence reads of the cluster: the membership, the removals, and
// direct pings.
type FenceCluster interface {
	Name() string
	Members() []cluster.Member
	Removals() []cluster.Removal
	Ping(ctx context.Context, name string) error
}

// FenceAfter is how long a node goes without reaching a majority of the known members
// before it fences itself: the dead-node grace less one probe interval (never negative).
//
// The other side replaces the node's pods no sooner than memberlist's shortest suspicion
// period (3 probe intervals for clusters below 10 nodes, more above) after the cut, plus
// the grace. This side notices the cut within 2 rounds of pings, one per probe interval,
// each waiting half an interval (a member counts as reached while it answered one of the
// last two rounds), then waits FenceAfter and fences at the next round: at most
// 2.5 intervals + grace after the cut, half an interval before the other side may start a
// replacement in a cluster below 10 nodes, more above (2.1 intervals at 50).
func FenceAfter(probe, grace time.Duration) time.Duration { return max(grace-probe, 0) }

// fenceState decides when to fence and when to lift it, from one verdict per round.
type fenceState struct {
	fenced   bool
	lostAt   time.Time // first round without a majority since the last with one; zero: has one
	regained bool      // the last round, while fenced, had a majority
}

// step takes one round's verdict at now and reports whether the node fences (true) or
// lifts its fence (false), and whether that changed. A fence is lifted after two rounds in
// a row with a majority: the first may come from a membership that has just rejoined, a
// moment before the store it brings is merged.
func (f *fenceState) step(majority bool, now time.Time, after time.Duration) (fenced, changed bool) {
	if majority {
		f.lostAt = time.Time{}
		if f.fenced {
			if f.regained {
				f.fenced, f.regained = false, false
				return false, true
			}
			f.regained = true
		}
		return f.fenced, false
	}
	f.regained = false
	if f.lostAt.IsZero() {
		f.lostAt = now
	}
	if !f.fenced && now.Sub(f.lostAt) >= after {
		f.fenced = true
		return true, true
	}
	return f.fenced, false
}

// Fence watches whether this node reaches a majority of the cluster's known members, and
// fences the node when it has not for FenceAfter: the pods loop then stops every pod (the
// assignments stay in the store) until the node reaches a majority again. A node alone in
// its cluster is its own majority and never fences itself.
type Fence struct {
	node   FenceCluster
	roster *quorum.Roster
	probe  time.Duration
	after  time.Duration
	now    func() time.Time
	log    *slog.Logger

	mu      sync.Mutex
	fenced  bool
	changed chan struct{}
}

// NewFence is the fence of node, with one round of pings every probe interval; grace is
// the dead-node grace the other nodes wait before they replace this node's pods.
func NewFence(node FenceCluster, roster *quorum.Roster, probe, grace time.Duration, log *slog.Logger) *Fence {
	return &Fence{
		node: node, roster: roster, probe: probe, after: FenceAfter(probe, grace), now: time.Now,
		log: log.With("component", "fence"), changed: make(chan struct{}, 1),
	}
}

// Fenced reports whether the node is fenced now.
func (f *Fence) Fenced() bool {
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fenced
}

// Changes signals each change of Fenced; nil for a nil Fence, which never fences.
func (f *Fence) Changes() <-chan struct{} {
	if f == nil {
		return nil
	}
	return f.changed
}

// Start runs a round of pings every probe interval until ctx ends.
func (f *Fence) Start(ctx context.Context) error {
	f.log.Info("self-fencing is on: this node stops its pods when it has not reached a majority of the cluster's members for a while",
		"after", f.after, "probe_interval", f.probe)
	tick := time.NewTicker(f.probe)
	defer tick.Stop()
	var state fenceState
	var previous map[string]bool // the members that answered the last round
	for {
		now := f.now()
		members := f.node.Members()
		known := f.roster.Observe(members, quorum.Removed(f.node.Removals()), now)
		answered := quorum.Reach(ctx, f.node, quorum.AliveOthers(f.node.Name(), members), quorum.PingTimeout(f.probe))
		if ctx.Err() != nil {
			return nil
		}
		reached := map[string]bool{}
		for name := range answered {
			reached[name] = true
		}
		for name := range previous {
			reached[name] = true
		}
		previous = answered
		view := quorum.Count(f.node.Name(), known, members, reached)
		if fenced, changed := state.step(view.Majority(), f.now(), f.after); changed {
			f.set(fenced, view)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// set records a change of the fence, logs why, and signals it.
func (f *Fence) set(fenced bool, view quorum.View) {
	f.mu.Lock()
	f.fenced = fenced
	f.mu.Unlock()
	if fenced {
		f.log.Warn("fenced: this node has not reached a majority of the cluster's members for "+f.after.String()+
			", so the others may place its pods again; its pods stop until it reaches a majority again (their assignments stay)",
			"members", view.String())
	} else {
		f.log.Info("fence lifted: this node reaches a majority of the cluster's members again; the pods still assigned to it start again",
			"members", view.String())
	}
	select {
	case f.changed <- struct{}{}:
	default:
	}
}
