package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/noderuntime"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// A node removed from the cluster (swarm node remove on another member) is cut off: the
// join token, and with it the gossip key, was rotated away from it, and every member
// refuses its name. The other members run its pods elsewhere at once. So a removed node
// stops its own pods, which would otherwise run twice, and then its agent stops with an
// error that says who removed it and what to do.

// removalSource is what the watch reads of the cluster.
type removalSource interface {
	WatchKeys(prefix string) (<-chan string, func())
	Removals() []cluster.Removal
}

// podStopTimeout bounds the wait for a removed node's pods to stop: a little more than
// the reconciler's own bound on a batch of stop jobs.
const podStopTimeout = 3 * time.Minute

// removalWatch stops the node once the cluster records its removal.
type removalWatch struct {
	node removalSource
	name string
	// pods stops the node's pods; nil when the node runs none.
	pods *podGate
	// unitDir is where the pods' units are, which the watch sees go.
	unitDir string
	log     *slog.Logger
}

// Start watches the removal records until ctx ends, or until one names this node: then it
// stops the pods and returns an error wrapping cluster.ErrRemoved, which stops the agent.
func (w *removalWatch) Start(ctx context.Context) error {
	keys, stop := w.node.WatchKeys(cluster.ReservedPrefix)
	defer stop()
	for {
		if r, ok := ownRemoval(w.node.Removals(), w.name); ok {
			return w.removed(ctx, r)
		}
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-keys:
			if !ok {
				return nil
			}
		}
	}
}

// ownRemoval finds the removal record of this node among records.
func ownRemoval(records []cluster.Removal, name string) (cluster.Removal, bool) {
	for _, r := range records {
		if r.Name == name {
			return r, true
		}
	}
	return cluster.Removal{}, false
}

// removedAdvice says what to do with a machine whose node was removed.
func removedAdvice(name string) string {
	return fmt.Sprintf("to bring this machine back, start its agent with a fresh --state-dir under another --node-name, "+
		"or first run `swarm node forget %s` on a member; either way with the current join token (`swarm join-token` on a member)", name)
}

func (w *removalWatch) removed(ctx context.Context, r cluster.Removal) error {
	by := r.By
	if by == "" {
		by = "another member"
	}
	w.log.Error("this node was removed from the cluster: the other members run its pods and refuse it; it stops its pods and the agent stops. "+
		removedAdvice(w.name), "removed_by", by, "removed_at", r.At)
	if w.pods != nil {
		w.pods.stopAll()
		if err := waitUnitsGone(ctx, w.unitDir, podStopTimeout); err != nil {
			w.log.Error("the pods of this removed node did not all stop: stop their units and remove their files by hand",
				"units", "systemctl --user stop '"+quadlet.NamePrefix+"*'", "unit_dir", w.unitDir, "err", err)
		} else {
			w.log.Info("the pods of this removed node are stopped")
		}
	}
	return fmt.Errorf("node %s was removed by %s: %w; %s", w.name, by, cluster.ErrRemoved, removedAdvice(w.name))
}

// podGate stands between the node's pod loop and the runtime: once the node is removed it
// hands the runtime no pods, whatever the loop still finds assigned in the node's store,
// which no longer receives the cluster's changes.
type podGate struct {
	runtime noderuntime.Runtime

	mu      sync.Mutex
	stopped bool
}

var _ noderuntime.Runtime = (*podGate)(nil)

// SetDesired passes pods on, or none once the gate stopped them all.
func (g *podGate) SetDesired(pods []manifest.Pod) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		pods = nil
	}
	g.runtime.SetDesired(pods)
}

// stopAll has the runtime stop every pod, for good.
func (g *podGate) stopAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stopped = true
	g.runtime.SetDesired(nil)
}

// unitsGoneCheck is how often waitUnitsGone looks at the unit folder.
const unitsGoneCheck = 200 * time.Millisecond

// waitUnitsGone waits until dir holds no unit file of a pod, which the reconciler removes
// once it has stopped the pod, or until within passes or ctx ends.
func waitUnitsGone(ctx context.Context, dir string, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	tick := time.NewTicker(unitsGoneCheck)
	defer tick.Stop()
	for {
		left, err := podUnits(dir)
		if err != nil {
			return err
		}
		if len(left) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("unit files still in %s: %v: %w", dir, left, ctx.Err())
		case <-tick.C:
		}
	}
}

// podUnits lists the unit files of pods in dir; a missing folder holds none.
func podUnits(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the unit folder: %w", err)
	}
	var out []string
	for _, e := range entries {
		if _, ok := quadlet.ParseUnitName(e.Name()); ok {
			out = append(out, e.Name())
		}
	}
	return out, nil
}
