package apiserver

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/nodemeta"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// Reasons of the PodScheduled condition of a pod that the desired state calls for but the
// leader has not recorded yet, neither placed nor pending.
const (
	// reasonSchedulerError: the leader cannot write its store, so no plan of it lands.
	reasonSchedulerError = "SchedulerError"
	// reasonNotScheduled: the leader has not planned for the pod yet (an apply a moment
	// ago), or has no leader.
	reasonNotScheduled = "NotScheduledYet"
)

// leaderStoreFailure says that the leader cannot write to its store, and why, as the
// leader gossips it; "" while it can (or no leader is alive).
func leaderStoreFailure(members []cluster.Member, leader string) string {
	for _, m := range members {
		if m.Name != leader || m.State != cluster.StateAlive {
			continue
		}
		if why, _ := nodemeta.StoreHealth(m.Meta); why != "" {
			return "the leader " + leader + " cannot write to its store: " + why
		}
	}
	return ""
}

// unplaced is the PodScheduled condition of the pods that have no record yet: the leader's
// store failure (leaderStoreFailure) when there is one, else that the scheduler has not come
// to them yet.
func unplaced(leaderFailure string) corev1.PodCondition {
	if leaderFailure != "" {
		return condition(corev1.PodScheduled, false, reasonSchedulerError, "not placed yet: "+leaderFailure)
	}
	return condition(corev1.PodScheduled, false, reasonNotScheduled, "not placed yet: waiting for the scheduler")
}

// missingPods are the pods the desired state calls for that have no record at all: no
// assignment and no pending record. They are what a leader that cannot write its store
// leaves behind, and, for a moment after an apply, what it has not planned yet.
//
// A Deployment misses pods only while it has fewer pods of any template than its replicas:
// during a rolling update the pods of the old template stand in for the new ones not made
// yet, which are the rollout's business, not missing. The missing ones are named as the
// scheduler names the pods it makes, the current template's lowest free ordinals.
func missingPods(st *store.State, namespace string) []manifest.Pod {
	recorded := map[string]manifest.Pod{}
	for key, a := range st.Assignments {
		recorded[key] = a.Pod
	}
	for key, p := range st.Pending {
		recorded[key] = p.Pod
	}
	owned := map[string][]manifest.Pod{} // by the owner's key, namespace/name
	for _, p := range recorded {
		if owner := p.DeploymentOwner(); owner != "" {
			owned[p.Namespace+"/"+owner] = append(owned[p.Namespace+"/"+owner], p)
		}
	}
	var out []manifest.Pod
	config := manifest.ConfigObjects{ConfigMaps: st.ConfigMaps, Secrets: st.Secrets}
	for _, key := range sortedKeys(st.Deployments) {
		d := st.Deployments[key]
		if namespace != "" && d.Namespace != namespace {
			continue
		}
		hash := manifest.DeploymentHash(d, config)
		pods := owned[d.Namespace+"/"+d.Name]
		taken := map[string]bool{}
		for _, p := range pods {
			if p.TemplateHash == hash {
				taken[p.Name] = true
			}
		}
		missing := manifest.Replicas(d) - len(pods)
		for ordinal := 0; missing > 0; ordinal++ {
			if taken[manifest.PodName(d.Name, hash, ordinal)] {
				continue
			}
			out = append(out, manifest.DeploymentPodWith(d, ordinal, config))
			missing--
		}
	}
	for _, key := range sortedKeys(st.Pods) {
		p := st.Pods[key]
		if namespace != "" && p.Namespace != namespace {
			continue
		}
		if _, ok := recorded[key]; !ok {
			out = append(out, manifest.BarePod(p))
		}
	}
	return out
}
