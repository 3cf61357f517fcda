package noderuntime

import (
	"maps"
	"slices"
	"time"

	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// DrainDelay is how long a pod that leaves this node (scaled down, deleted, replaced by a
// rollout) keeps running after its assignment left the store before its termination goes
// on (see decide). Its endpoint left with the assignment, but swarm dns and swarm ingress
// read the endpoints about once a second: until they have, they still send it traffic,
// which a stopped pod would refuse (measured on the rig: the ingress answered 502 right
// after a scale-down).
const DrainDelay = 2 * time.Second

// drainer keeps the pods that left this node's assignments running until their
// termination lets them go (see decide), and says which steps are due.
type drainer struct {
	last    map[string]manifest.Pod // the pods run at the last call, by key
	leaving map[string]*leavingPod  // the pods that left their assignment, by key
	runs    int                     // numbers the hook runs
}

// leavingPod is a pod on its way out.
type leavingPod struct {
	leaving
	pod manifest.Pod
	run int // the number of its hook run, once started
}

// drainPlan is what the loop does at one call: the pods to hand the runtime, and the
// termination steps to take.
type drainPlan struct {
	// run are the pods to run: those assigned, then those still leaving.
	run []manifest.Pod
	// left are the pods that began leaving; back, those that were leaving and are
	// assigned again (they keep running).
	left []manifest.Pod
	back []string
	// hooks are the hook runs to start.
	hooks []hookRun
	// stops are the pods the runtime stops now.
	stops []stopOrder
	// wait is how soon to call again for a leaving pod's next step (0: none is due).
	wait time.Duration
}

// hookRun is one pod's preStop hooks to run, with their deadline.
type hookRun struct {
	pod      manifest.Pod
	run      int
	deadline time.Time
}

// stopOrder lets one leaving pod go.
type stopOrder struct {
	key       string
	killAfter time.Duration
	// hooksCut is set when its hooks were still running at the end of the grace period.
	hooksCut bool
}

// run decides, at now, for the pods assigned to this node and those that left: hooks
// tells whether a pod has preStop hooks to run.
func (d *drainer) run(assigned []manifest.Pod, now time.Time, hooks func(manifest.Pod) bool) drainPlan {
	if d.leaving == nil {
		d.leaving = map[string]*leavingPod{}
	}
	var plan drainPlan
	next := map[string]manifest.Pod{}
	plan.run = make([]manifest.Pod, 0, len(assigned))
	for _, p := range assigned {
		next[p.Key()], plan.run = p, append(plan.run, p)
		if _, ok := d.leaving[p.Key()]; ok {
			delete(d.leaving, p.Key())
			plan.back = append(plan.back, p.Key())
		}
	}
	for _, key := range slices.Sorted(maps.Keys(d.last)) {
		p := d.last[key]
		if _, ok := next[key]; ok {
			continue
		}
		l, ok := d.leaving[key]
		if !ok {
			l = &leavingPod{pod: p, leaving: leaving{left: now, grace: quadlet.GracePeriod(&p.Spec), hooks: hooks != nil && hooks(p)}}
			d.leaving[key] = l
			plan.left = append(plan.left, p)
		}
		dec := decide(l.leaving, now)
		switch dec.step {
		case stepStop:
			delete(d.leaving, key)
			plan.stops = append(plan.stops, stopOrder{key: key, killAfter: dec.killAfter, hooksCut: l.hooksStarted && !l.hooksDone})
			continue
		case stepHook:
			d.runs++
			l.hooksStarted, l.run = true, d.runs
			plan.hooks = append(plan.hooks, hookRun{pod: p, run: l.run, deadline: l.left.Add(DrainDelay + l.grace)})
		}
		next[key], plan.run = p, append(plan.run, p)
		if plan.wait == 0 || dec.wake < plan.wait {
			plan.wait = dec.wake
		}
	}
	d.last = next
	return plan
}

// hooksDone records that a pod's hook run ended; a run of an earlier departure of the pod
// (it came back and left again since) is ignored.
func (d *drainer) hooksDone(key string, run int) {
	if l, ok := d.leaving[key]; ok && l.run == run {
		l.hooksDone = true
	}
}
