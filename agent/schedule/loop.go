// Package schedule is the scheduling loop of a node: whenever the desired state, the pods'
// status or the membership changes (and on a timer), the node that leads plans with the
// scheduler and writes the plan as assignments and pending records. Every node runs the
// loop so that a new leader takes over without a hand-off; only the leader writes.
package schedule

import (
	"cmp"
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/internal/debounce"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// Cluster is what the loop reads and writes of the cluster.
type Cluster interface {
	WatchKeys(prefix string) (<-chan string, func())
	WatchMembers() (<-chan cluster.MemberEvent, func())
	IsLeader() bool
	Members() []cluster.Member
	List(prefix string) []cluster.Entry
	Put(key string, value []byte) (cluster.Version, error)
	Delete(key string) (cluster.Version, error)
}

const (
	// resync bounds how long the scheduler waits when nothing happens.
	resync = 5 * time.Second
	// settle lets a burst of changes (an apply of many objects) settle into one plan.
	settle = 20 * time.Millisecond
)

// Loop plans for the cluster while its node leads.
type Loop struct {
	node      Cluster
	deadGrace time.Duration
	now       func() time.Time // the clock the members' Since is read on
	log       *slog.Logger
	writes    outcome // of the last plan's writes
}

// New is the scheduling loop of node; deadGrace is how long a dead node keeps its pods,
// measured on now, the clock the cluster node stamps member changes with (nil: time.Now).
func New(node Cluster, deadGrace time.Duration, now func() time.Time, log *slog.Logger) *Loop {
	if now == nil {
		now = time.Now
	}
	return &Loop{node: node, deadGrace: deadGrace, now: now, log: log.With("component", "schedule")}
}

// Start runs the loop until ctx ends: one plan per burst of changes, and one at least
// every resync (sooner when the last plan asked to look again earlier).
func (a *Loop) Start(ctx context.Context) error {
	keys, stopKeys := a.node.WatchKeys("")
	defer stopKeys()
	events, stopEvents := a.node.WatchMembers()
	defer stopEvents()
	changes := make(chan struct{}, 1)
	relayed := make(chan struct{})
	go func() {
		defer close(relayed)
		relay(ctx, changes, keys, events)
	}()
	defer func() { <-relayed }() // Start returns only once ctx ended, which ends the relay
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-changes:
		case <-timer.C:
		}
		if !debounce.Settle(ctx, changes, settle) {
			return nil
		}
		timer.Reset(a.scheduleOnce())
	}
}

// relay turns every store change and membership event into one pending trigger on out,
// until ctx ends or both sources close: the loop rereads the whole state anyway, so
// triggers that arrive while one waits add nothing.
func relay(ctx context.Context, out chan<- struct{}, keys <-chan string, events <-chan cluster.MemberEvent) {
	for keys != nil || events != nil {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-keys:
			if !ok {
				keys = nil
				continue
			}
		case _, ok := <-events:
			if !ok {
				events = nil
				continue
			}
		}
		select {
		case out <- struct{}{}:
		default:
		}
	}
}

// scheduleOnce plans once if this node leads, writes the plan, and says when to look again.
func (a *Loop) scheduleOnce() time.Duration {
	if !a.node.IsLeader() {
		a.writes.set(WriteOutcome{})
		return resync
	}
	st := store.Read(a.node, a.log)
	now := a.now()
	in := schedulingInput(st, a.node.Members(), now, a.deadGrace, rand.Uint64())
	out := scheduler.Plan(in)
	var written WriteOutcome
	for _, c := range planChanges(st, out) {
		var err error
		if c.delete {
			_, err = a.node.Delete(c.key)
			a.log.Debug("unassign", "key", c.key)
		} else {
			_, err = a.node.Put(c.key, c.value)
		}
		if err != nil {
			a.log.Warn("write schedule", "key", c.key, "err", err)
			written.Failed = append(written.Failed, c.key)
			written.Err = cmp.Or(written.Err, err)
		}
	}
	a.writes.set(written)
	for _, c := range out.Create {
		a.log.Info("pod assigned", "pod", c.Pod.Key(), "to", c.Node)
	}
	for _, d := range out.Delete {
		a.log.Info("pod removed", "pod", d.Pod.Key(), "from", d.Node, "reason", d.Reason)
	}
	next := resync
	if !out.RecheckAt.IsZero() {
		if d := out.RecheckAt.Sub(now); d < next {
			next = max(d, 10*time.Millisecond)
		}
	}
	return next
}
