package noderuntime

import (
	"time"

	"github.com/podman-swarm/podman-swarm/quadlet"
)

// A pod that leaves this node ends as Kubernetes ends a deleted pod, in this order:
//
//  1. It leaves the endpoints everywhere: its assignment left the store, and every node's
//     DNS, ingress and Service rules drop it within DrainDelay, while it keeps running.
//  2. Its containers' preStop hooks run, all at once, for at most the pod's grace period
//     (terminationGracePeriodSeconds) from the end of the drain.
//  3. The runtime stops it: each container gets its stop signal.
//  4. A container still running when the grace period has passed since the drain ended is
//     killed; one whose hook used up the grace still gets 2 s after its stop signal.

// step is what a leaving pod needs now.
type step int

const (
	// stepDrain keeps it running while the endpoints everywhere drop it.
	stepDrain step = iota
	// stepHook keeps it running and starts its preStop hooks.
	stepHook
	// stepWaitHook keeps it running while its hooks run.
	stepWaitHook
	// stepStop lets it go: the runtime stops it now, and kills what still runs after
	// killAfter.
	stepStop
)

func (s step) String() string {
	return [...]string{"drain", "hook", "wait for hooks", "stop"}[s]
}

// leaving is what is known of a pod that left this node's assignments.
type leaving struct {
	// left is when its assignment went.
	left time.Time
	// grace is its grace period (quadlet.GracePeriod).
	grace time.Duration
	// hooks tells whether it has preStop hooks to run.
	hooks bool
	// hooksStarted and hooksDone tell how far its hooks are.
	hooksStarted, hooksDone bool
}

// decision is what a leaving pod needs at one moment.
type decision struct {
	step step
	// wake is how soon to decide again, for a pod that keeps running: when the drain
	// ends, or when its hooks run out of time.
	wake time.Duration
	// killAfter, with stepStop, is how long its containers get after their stop signal.
	killAfter time.Duration
}

// decide says what a leaving pod needs at now. It is pure.
func decide(l leaving, now time.Time) decision {
	drained := l.left.Add(DrainDelay)
	if now.Before(drained) {
		return decision{step: stepDrain, wake: drained.Sub(now)}
	}
	deadline := drained.Add(l.grace)
	if l.hooks && !l.hooksDone && now.Before(deadline) {
		if !l.hooksStarted {
			return decision{step: stepHook, wake: deadline.Sub(now)}
		}
		return decision{step: stepWaitHook, wake: deadline.Sub(now)}
	}
	return decision{step: stepStop, killAfter: max(deadline.Sub(now), quadlet.MinStopTimeout)}
}
