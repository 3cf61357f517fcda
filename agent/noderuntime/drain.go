package noderuntime

import (
	"maps"
	"slices"
	"time"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// drainDelay is how long a pod that leaves this node (scaled down, deleted, replaced by a
// rollout) keeps running after its assignment left the store. Its endpoint left with the
// assignment, but swarm dns and swarm ingress read the endpoints about once a second: until
// they have, they still send it traffic, which a stopped pod would refuse (measured on the
// rig: the ingress answered 502 right after a scale-down).
const drainDelay = 2 * time.Second

// drainer keeps the pods that left this node's assignments running for drainDelay.
type drainer struct {
	last    map[string]manifest.Pod // the pods run at the last call, by key
	leaving map[string]time.Time    // when each draining pod left its assignment
}

// run returns the pods to run at now: those assigned, and those that left less than
// drainDelay ago; and how soon to call again for a draining pod to stop (0: none drains).
func (d *drainer) run(assigned []manifest.Pod, now time.Time) ([]manifest.Pod, time.Duration) {
	if d.leaving == nil {
		d.leaving = map[string]time.Time{}
	}
	next := map[string]manifest.Pod{}
	out := make([]manifest.Pod, 0, len(assigned))
	for _, p := range assigned {
		next[p.Key()], out = p, append(out, p)
		delete(d.leaving, p.Key())
	}
	var wait time.Duration
	for _, key := range slices.Sorted(maps.Keys(d.last)) {
		p := d.last[key]
		if _, ok := next[key]; ok {
			continue
		}
		left, ok := d.leaving[key]
		if !ok {
			left, d.leaving[key] = now, now
		}
		remaining := drainDelay - now.Sub(left)
		if remaining <= 0 {
			delete(d.leaving, key)
			continue
		}
		next[key], out = p, append(out, p)
		if wait == 0 || remaining < wait {
			wait = remaining
		}
	}
	d.last = next
	return out, wait
}
