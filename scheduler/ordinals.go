package scheduler

import (
	"math"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// unknownOrdinal is the ordinal of a pod whose name manifest.PodName does not give for its
// Deployment within the search. Such a pod sorts as the highest ordinal, so it is the first
// to go on scale down.
const unknownOrdinal = math.MaxInt

// ordinalSearchSlack is how far past the pods' count and the replicas the search for
// ordinals goes. Ordinals can exceed both: a scale down that removes not-ready pods first
// leaves gaps below the survivors. Names are hashes, so the search is the only way back.
const ordinalSearchSlack = 1024

// resolveOrdinals sets the ordinal of each pod, all of one Deployment and one template, by
// deriving names ordinal after ordinal until every pod is found or the search gives up.
func resolveOrdinals(owner, hash string, pods []*pod, replicas int) {
	byName := make(map[string]*pod, len(pods))
	for _, q := range pods {
		q.ordinal = unknownOrdinal
		byName[q.Pod.Name] = q
	}
	limit := max(replicas, len(pods)) + len(pods) + ordinalSearchSlack
	for i, found := 0, 0; i < limit && found < len(pods); i++ {
		if q := byName[manifest.PodName(owner, hash, i)]; q != nil {
			q.ordinal = i
			found++
		}
	}
}
