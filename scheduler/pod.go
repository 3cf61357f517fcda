package scheduler

import (
	"sort"

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

// available means the pod serves: ready, as last reported by a node that is alive. A ready
// report from a suspect or dead node is not trusted.
func (q *pod) available() bool { return q.Status.Ready && q.node.alive }

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
