package scheduler

import (
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// pod is one assignment as the plan unfolds: one from the input, or one the plan creates.
type pod struct {
	Assignment
	node    *node
	group   string // spread group: the Deployment's template, or the bare pod itself
	ports   []manifest.PublishedPort
	ordinal int  // position in its Deployment's template; unknownOrdinal if not found
	created bool // by this plan
	removed bool // by this plan
	pin     *pin // what keeps it on its node; nil: it may move
	// stranded: pinned to a node that is gone, where it stays, listed as pending.
	stranded bool
}

// available means the pod serves: ready for at least minReady at now, as last reported by
// a node that is alive. A ready report from a suspect or dead node is not trusted. A pod
// that crash-loops or whose image is missing never reports ready, so it never counts.
func (q *pod) available(now time.Time, minReady time.Duration) bool {
	return q.Status.Ready && q.node.alive && readyFor(q.Status, now, minReady)
}

// readyFor reports whether a ready pod has been ready for minReady at now. A ready
// status that does not say since when counts as ready long enough: it comes from a node
// that ran before status records said so, and holding back on it would stall every
// rollout until that node is upgraded.
func readyFor(s PodStatus, now time.Time, minReady time.Duration) bool {
	return minReady <= 0 || s.ReadySince.IsZero() || !now.Before(s.ReadySince.Add(minReady))
}

// availableAt is when a pod that is ready but not yet for minReady becomes available;
// zero when it is available already or not ready at all.
func (q *pod) availableAt(now time.Time, minReady time.Duration) time.Time {
	if !q.Status.Ready || !q.node.alive || readyFor(q.Status, now, minReady) {
		return time.Time{}
	}
	return q.Status.ReadySince.Add(minReady)
}

// health ranks how much a pod is worth keeping; scale down removes the lowest first, as
// Kubernetes does: pods on a node that is not alive, then pods not running, then pods
// running but not ready, then ready ones.
func (q *pod) health() int {
	switch {
	case !q.node.alive:
		return 0
	case q.Status.Phase != corev1.PodRunning && !q.Status.Ready:
		return 1
	case !q.Status.Ready:
		return 2
	}
	return 3
}

// sortForRemoval orders pods so that the ones to remove first come first: the least
// healthy, then the highest ordinal.
func sortForRemoval(pods []*pod) {
	sort.Slice(pods, func(i, j int) bool {
		a, b := pods[i], pods[j]
		if ha, hb := a.health(), b.health(); ha != hb {
			return ha < hb
		}
		if a.ordinal != b.ordinal {
			return a.ordinal > b.ordinal
		}
		return a.Pod.Key() > b.Pod.Key()
	})
}
